"""Retraining as plain Python: the settings, the job they make and the training run itself.

The retrain dialog's core half. `run_training` is a plain function that receives a
`TrainingJob`, a `post` callback and a `should_stop` flag, in the manner of Orange3's concurrent
tasks, and reports only plain, picklable data. `ui.training_worker` runs it in a thread of the
GUI's process or in a separate process started with the "spawn" context; `process_main`, the
entry point of that process, lives here so that the child imports neither Qt nor pyqtgraph.

torch and the rest of the core are imported inside the functions that need them: importing this
module stays cheap, and the window appears before torch is loaded.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

POST_EVERY_S = 0.1  # the worker sends step updates at most this often


@dataclass(frozen=True)
class TrainingJob:
    """Everything a run needs, as plain picklable data (it may cross into another process)."""

    config: object  # lenet_gui.train.TrainConfig
    model_args: dict
    base_state: dict | None  # name -> numpy array: fine-tune these weights; None: from scratch
    mnist_folder: str | None  # None: train on the user's samples only
    mnist_train_count: int | None = None  # a random subset of MNIST train; None: all 60,000
    user_fields: np.ndarray | None = None  # (N, 32, 32) uint8, training part of user samples
    user_labels: np.ndarray | None = None
    holdout_fields: np.ndarray | None = None  # held-out user samples, only measured
    holdout_labels: np.ndarray | None = None
    user_share: float = 0.1  # share of each epoch's draws that are user samples, when mixed
    val_count: int = 2000  # fixed subset of MNIST test for the live curve
    test_count: int | None = None  # final MNIST test evaluation; None: all 10,000
    curve_points: int = 20  # evaluations spread over the run (plus one per epoch)
    gallery_size: int = 24  # misclassified test digits sent back
    torch_threads: int = 1  # in a separate process; one core stays free for the GUI


@dataclass(frozen=True)
class TrainingUpdate:
    progress: object  # lenet_gui.train.Progress, the latest record
    step: int  # steps done over the whole run
    total_steps: int
    mean_loss: float  # mean batch loss since the previous update
    remaining: float  # seconds, estimated from the pace so far
    mnist_val_accuracy: float | None = None  # set when an evaluation was made for this update
    user_val_accuracy: float | None = None


@dataclass(frozen=True)
class TrainingStart:
    """Sent once the data is loaded, before the first step: where the curves begin."""

    train_images: int
    total_steps: int
    mnist_val_accuracy: float | None
    user_val_accuracy: float | None


@dataclass(frozen=True)
class TrainingOutcome:
    state: dict  # name -> numpy array, the trained weights
    model_args: dict
    config: object
    seconds: float
    train_images: int
    mnist_test_accuracy: float | None = None
    per_class: np.ndarray | None = None  # (10,)
    confusion: np.ndarray | None = None  # (10, 10), rows true, columns predicted
    test_count: int = 0
    gallery_images: np.ndarray | None = None  # (K, 28, 28) uint8, misclassified test digits
    gallery_true: np.ndarray | None = None
    gallery_predicted: np.ndarray | None = None
    user_before: float | None = None  # accuracy on held-out user samples, before and after
    user_after: float | None = None
    user_holdout: int = 0
    notes: dict = field(default_factory=dict)


Post = Callable[[tuple], None]


@dataclass(frozen=True)
class RetrainSettings:
    """What the dialog's controls choose. The defaults are the fine-tuning ones, measured with
    `benchmarks/finetune_writer.py` to help a writer's digits without hurting MNIST."""

    from_scratch: bool = False
    use_mnist: bool = True
    use_samples: bool = True
    mnist_images: int = 10_000  # MNIST training images per epoch (a fixed random subset)
    # Share of each epoch's draws that are the user's samples, when mixed with MNIST. Measured
    # on two writers: 0.1 gives the same gain on their held-out digits as 0.3 (to 98-100%) and
    # costs MNIST test about 0.1-0.3 points instead of 0.4-0.5.
    user_share: float = 0.1
    holdout_fraction: float = 0.25  # of the user's samples, per digit, never trained on
    epochs: int = 3
    batch_size: int = 64
    learning_rate: float = 5e-4
    augment: bool = True
    seed: int = 0


FINE_TUNE = RetrainSettings()
# From scratch: enough to watch a network learn in about a minute and reach about 98% on MNIST.
FROM_SCRATCH = RetrainSettings(
    from_scratch=True, mnist_images=20_000, epochs=5, batch_size=128, learning_rate=2e-3
)

# Images a second of `train` on one core of this 2-core machine, with and without augmentation,
# until a run on the user's own machine has measured it (the dialog remembers the last pace).
# (Fine-tuning 3 x 10,065 images with augmentation took 9-12 s in all here, start included.)
ASSUMED_PACE = {True: 4_000.0, False: 7_000.0}
# Starting the process and loading MNIST measured 2.4-7.4 s here; evaluations add a little.
START_SECONDS = 5.0


def make_job(
    settings: RetrainSettings,
    base_state: dict | None,
    model_args: dict,
    mnist_folder: str | None,
    samples: list,
) -> TrainingJob:
    """The job the dialog runs for these settings: the one place that mixes the data."""
    from .samples import holdout_split, samples_to_arrays
    from .train import TrainConfig

    train_part, held = holdout_split(samples, settings.holdout_fraction, settings.seed)
    user_x, user_y = samples_to_arrays(train_part) if settings.use_samples else (None, None)
    held_x, held_y = samples_to_arrays(held)
    config = TrainConfig(
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        learning_rate=settings.learning_rate,
        augment=settings.augment,
        seed=settings.seed,
    )
    return TrainingJob(
        config=config,
        model_args=model_args,
        base_state=None if settings.from_scratch else base_state,
        mnist_folder=mnist_folder if settings.use_mnist else None,
        mnist_train_count=settings.mnist_images,
        user_fields=user_x,
        user_labels=user_y,
        holdout_fields=held_x if len(held) else None,
        holdout_labels=held_y if len(held) else None,
        user_share=settings.user_share,
    )


def images_per_epoch(job: TrainingJob) -> int:
    mnist = (job.mnist_train_count or 60_000) if job.mnist_folder else 0
    return mnist + (0 if job.user_fields is None else len(job.user_fields))


def estimate_seconds(
    job: TrainingJob, pace: float | None = None, overhead: float | None = None
) -> float:
    """Rough duration of a run: images seen at the given (or assumed) pace, plus start-up."""
    pace = pace or ASSUMED_PACE[bool(job.config.augment)]
    overhead = START_SECONDS if overhead is None else overhead
    return overhead + job.config.epochs * images_per_epoch(job) / pace


def fixed_subset(count: int, limit: int | None, seed: int) -> np.ndarray:
    """Indices of a reproducible random subset (all of them, shuffled, when `limit` is None)."""
    order = np.random.default_rng(seed).permutation(count)
    return order if limit is None else order[: min(limit, count)]


def mixing_weights(n_mnist: int, n_user: int, user_share: float) -> np.ndarray | None:
    """Per-image draw weights so that user samples make `user_share` of each epoch's draws."""
    if n_mnist == 0 or n_user == 0:
        return None
    share = min(max(user_share, 0.0), 1.0)
    return np.concatenate(
        [np.full(n_mnist, (1.0 - share) / n_mnist), np.full(n_user, share / n_user)]
    )


def run_training(job: TrainingJob, post: Post, should_stop: Callable[[], bool]) -> None:
    """Load the data, train a copy of the model, evaluate it; every result goes through `post`.

    Messages: ("status", text), ("started", TrainingStart), ("progress", TrainingUpdate),
    ("finished", TrainingOutcome), ("cancelled", None). Errors propagate to the caller.
    """
    import torch

    from .mnist import load_mnist
    from .model import LeNet5, LeNet5Config
    from .train import evaluate, train

    config = job.config
    torch.manual_seed(config.seed)  # a model trained from scratch starts from the same weights
    model = LeNet5(LeNet5Config(**job.model_args))
    if job.base_state is not None:
        model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in job.base_state.items()})

    parts, labels = [], []
    val_x = val_y = test_x = test_y = None
    if job.mnist_folder:
        post(("status", "Loading MNIST..."))
        train_x, train_y = load_mnist(job.mnist_folder, "train")
        keep = fixed_subset(len(train_x), job.mnist_train_count, config.seed)
        parts.append(np.pad(train_x[keep], ((0, 0), (2, 2), (2, 2))))  # 28x28 -> 32x32 field
        labels.append(train_y[keep].astype(np.int64))
        test_x, test_y = load_mnist(job.mnist_folder, "test")
        val = fixed_subset(len(test_x), job.val_count, 12345)
        val_x, val_y = test_x[val], test_y[val]
        if job.test_count is not None:
            chosen = fixed_subset(len(test_x), job.test_count, 54321)
            test_x, test_y = test_x[chosen], test_y[chosen]
    n_mnist = sum(len(p) for p in parts)
    n_user = 0 if job.user_fields is None else len(job.user_fields)
    if n_user:
        parts.append(np.asarray(job.user_fields, dtype=np.uint8))
        labels.append(np.asarray(job.user_labels, dtype=np.int64))
    if not parts or n_mnist + n_user == 0:
        raise ValueError("There is nothing to train on: choose MNIST or add samples of your own.")
    images, targets = np.concatenate(parts), np.concatenate(labels)
    weights = mixing_weights(n_mnist, n_user, job.user_share)
    has_holdout = job.holdout_fields is not None and len(job.holdout_fields) > 0

    def measure() -> tuple[float | None, float | None]:
        mnist = evaluate(model, val_x, val_y).accuracy if val_x is not None else None
        if not has_holdout:
            return mnist, None
        return mnist, evaluate(model, job.holdout_fields, job.holdout_labels).accuracy

    steps_per_epoch = math.ceil(len(images) / config.batch_size)
    total_steps = config.epochs * steps_per_epoch
    mnist_before, user_before = measure()
    post(("started", TrainingStart(len(images), total_steps, mnist_before, user_before)))

    eval_every = max(1, total_steps // max(1, job.curve_points))
    state = {"losses": [], "last_post": 0.0, "eval_cost": 0.0, "last_eval": 0.0}

    def on_progress(p) -> None:
        done = (p.epoch - 1) * p.steps_per_epoch + p.step
        if p.kind == "step":
            state["losses"].append(p.loss)
        now = time.perf_counter()
        # Evaluate on schedule and after each epoch (the epoch's last step leaves it to the
        # epoch record), but never spend more than about a fifth of the time on it.
        evaluate_now = p.kind == "epoch" or (
            done % eval_every == 0
            and p.step < p.steps_per_epoch
            and now - state["last_eval"] > 4 * state["eval_cost"]
        )
        if not evaluate_now and now - state["last_post"] < POST_EVERY_S:
            return
        mnist_acc = user_acc = None
        if evaluate_now:
            mnist_acc, user_acc = measure()
            state["eval_cost"] = time.perf_counter() - now
            state["last_eval"] = time.perf_counter()
        losses = state["losses"]
        mean_loss = float(np.mean(losses)) if losses else float("nan")
        state["losses"] = []
        fraction = done / total_steps
        remaining = p.elapsed / fraction * (1.0 - fraction) if fraction > 0 else float("nan")
        post(
            (
                "progress",
                TrainingUpdate(p, done, total_steps, mean_loss, remaining, mnist_acc, user_acc),
            )
        )
        state["last_post"] = time.perf_counter()

    result = train(
        model,
        images,
        targets,
        config,
        sample_weights=weights,
        progress=on_progress,
        should_stop=should_stop,
    )
    if not result.completed or should_stop():
        post(("cancelled", None))
        return

    post(("status", "Evaluating on MNIST test..."))
    outcome = dict(
        state={k: v.detach().cpu().numpy() for k, v in model.state_dict().items()},
        model_args=model.model_args(),
        config=config,
        seconds=result.seconds,
        train_images=len(images),
        user_before=user_before,
        user_holdout=len(job.holdout_fields) if has_holdout else 0,
    )
    if has_holdout:
        outcome["user_after"] = evaluate(model, job.holdout_fields, job.holdout_labels).accuracy
    if test_x is not None:
        ev = evaluate(model, test_x, test_y)
        wrong = np.flatnonzero(ev.predictions != test_y)[: job.gallery_size]
        outcome.update(
            mnist_test_accuracy=ev.accuracy,
            per_class=ev.per_class,
            confusion=ev.confusion,
            test_count=len(test_y),
            gallery_images=test_x[wrong],
            gallery_true=test_y[wrong],
            gallery_predicted=ev.predictions[wrong],
        )
    if should_stop():
        post(("cancelled", None))
        return
    post(("finished", TrainingOutcome(**outcome)))


def process_main(job: TrainingJob, queue, stop_event) -> None:
    """Entry point of the spawned process: one torch thread, errors sent back as text."""
    import torch

    torch.set_num_threads(max(1, job.torch_threads))
    try:
        run_training(job, queue.put, stop_event.is_set)
    except Exception as exc:  # everything goes back to the dialog as a message
        queue.put(("failed", describe_error(exc)))
    finally:
        # Flush the queue, then skip the interpreter's teardown (torch's takes about a second):
        # the process has nothing else to save, and Cancel should free it at once.
        queue.close()
        queue.join_thread()
        os._exit(0)


def describe_error(exc: BaseException) -> str:
    """The message for the dialog: the core's errors (MnistError, ValueError...) are written for
    people already; anything else gets its type name too."""
    if isinstance(exc, (ValueError, OSError)) or type(exc).__name__ == "MnistError":
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


def save_trained(job: TrainingJob, outcome: TrainingOutcome, path: str | os.PathLike):
    """Write the outcome of `job` as a checkpoint at `path` and load it back (a LoadedModel)."""
    import torch

    from .checkpoint import load_checkpoint, save_checkpoint
    from .model import LeNet5, LeNet5Config

    o = outcome
    model = LeNet5(LeNet5Config(**o.model_args))
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in o.state.items()})
    metrics = {
        "mnist_test_accuracy": o.mnist_test_accuracy,
        "user_holdout_before": o.user_before,
        "user_holdout_after": o.user_after,
        "user_holdout_count": o.user_holdout,
    }
    kind = "from scratch" if job.base_state is None else "fine-tuned"
    notes = f"{kind} in the retrain dialog on {o.train_images:,} images an epoch"
    save_checkpoint(
        path,
        model,
        train_config=o.config.to_dict(),
        metrics={k: v for k, v in metrics.items() if v is not None},
        notes=notes,
    )
    return load_checkpoint(path)
