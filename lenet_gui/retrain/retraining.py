"""Retraining as plain Python: the settings, the job they make and the training run itself.

The retrain dialog's core half. `run_training` is a plain function that receives a
`TrainingJob`, a `post` callback and a `should_stop` flag, in the manner of Orange3's concurrent
tasks, and reports only plain, picklable messages: the small frozen dataclasses below
(`StatusMessage`, `TrainingStart`, `TrainingUpdate`, then exactly one of `TrainingOutcome`,
`TrainingCancelled` or `TrainingFailed`). `ui.retrain.training_worker` runs it in a thread of the
GUI's process or in a separate process started with the "spawn" context; `process_main`, the
entry point of that process, lives here so that the child imports neither Qt nor pyqtgraph.

A run has three parts, each its own function: `load_training_data` (MNIST's training subset,
a validation split held back from MNIST's *training* set, the test set kept for the final
figure, the user's samples), `ProgressReporter` (the live updates and the evaluations for the
curves) and `final_evaluation` (the test set, the confusion matrix, the held-out samples).

torch and the rest of the core are imported inside the functions that need them: importing this
module stays cheap, and the window appears before torch is loaded. The dialog's time estimate
(`images_per_epoch`, `estimate_seconds`) needs neither torch nor a job.
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..system.allocator import keep_freed_memory

POST_EVERY_S = 0.1  # the worker sends step updates at most this often
MNIST_TRAIN_IMAGES = 60_000  # the size of MNIST's training set (LeCun et al. 1998)
VAL_COUNT = 2_000  # MNIST training images held back for the live validation curve
VAL_SEED, TEST_SEED = 12345, 54321  # fixed: the same digits are held back in every run


@dataclass(frozen=True)
class TrainingJob:
    """Everything a run needs, as plain picklable data (it may cross into another process)."""

    config: object  # lenet_gui.training.train.TrainConfig
    model_args: dict
    base_state: dict | None  # name -> numpy array: fine-tune these weights; None: from scratch
    mnist_folder: str | None  # None: train on the user's samples only
    mnist_train_count: int | None = None  # a random subset of MNIST train; None: all 60,000
    user_fields: np.ndarray | None = None  # (N, 32, 32) uint8, training part of user samples
    user_labels: np.ndarray | None = None
    holdout_fields: np.ndarray | None = None  # held-out user samples, only measured
    holdout_labels: np.ndarray | None = None
    user_share: float = 0.1  # share of each epoch's draws that are user samples, when mixed
    val_count: int = VAL_COUNT  # held back from MNIST train (never trained on), live curve
    test_count: int | None = None  # final MNIST test evaluation; None: all 10,000
    curve_points: int = 20  # evaluations spread over the run (plus one per epoch)
    gallery_size: int = 24  # misclassified test digits sent back
    torch_threads: int = 1  # in a separate process; one core stays free for the GUI
    # Outlier exposure (`negatives_cache`): (synthetic marks, MNIST pairs) made in the run, kept
    # in `cache_folder` (None: made every run); None: no outlier exposure. Needs MNIST.
    negatives: tuple[int, int] | None = None
    cache_folder: str | None = None


@dataclass(frozen=True)
class StatusMessage:
    """What the run is doing now, in words ("Loading MNIST...")."""

    text: str


@dataclass(frozen=True)
class TrainingUpdate:
    """Sent after steps (at most every `POST_EVERY_S`), and after each epoch."""

    progress: object  # lenet_gui.training.train.Progress, the latest record
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


# Where in the first epoch, where the most happens, the weights are kept for the replay (as
# fractions of the epoch); then after every epoch.
FIRST_EPOCH_SNAPSHOTS = (0.02, 0.1, 0.25, 0.5)


@dataclass(frozen=True)
class Snapshot:
    """The weights at one point of a run: `step` steps done (0: before training), `epochs`
    the same in epochs (e.g. 0.25). The last snapshot is the trained model itself (with weight
    averaging, the averaged weights); the others are the weights being trained at that step."""

    step: int
    epochs: float
    state: dict  # name -> numpy array, as TrainingOutcome.state


def snapshot_steps(epochs: int, steps_per_epoch: int) -> set[int]:
    """Global step counts after which a snapshot is kept (the end of the run is added apart)."""
    first = {max(1, round(f * steps_per_epoch)) for f in FIRST_EPOCH_SNAPSHOTS}
    every_epoch = {e * steps_per_epoch for e in range(1, epochs)}
    return {s for s in first | every_epoch if s < epochs * steps_per_epoch}


def weights_of(model) -> dict:
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


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
    # The whole test set as evaluated, for the confusion matrix's drill-down (true i, read j).
    test_images: np.ndarray | None = None  # (N, 28, 28) uint8
    test_labels: np.ndarray | None = None  # (N,)
    test_predictions: np.ndarray | None = None  # (N,)
    snapshots: tuple[Snapshot, ...] = ()  # the weights across the run, for the replay
    # The curves the dialog draws, for a replay saved with the model: "loss", "val" (MNIST
    # validation accuracy) and "user" (held-out samples) -> (steps, values), as tuples.
    curves: dict = field(default_factory=dict)
    user_before: float | None = None  # accuracy on held-out user samples, before and after
    user_after: float | None = None
    user_holdout: int = 0
    notes: dict = field(default_factory=dict)
    # The trained model's rejector (verdict.py), fitted on the run's validation split
    # (`fit_validation_rejector`); None when the run had none (then verdict.FALLBACK).
    rejector: dict | None = None
    # Outlier exposure: the non-digit examples trained on (0: none), the seconds it took to
    # make or load them, and whether they came from the cache.
    negative_count: int = 0
    negatives_seconds: float = 0.0
    negatives_cached: bool = False


@dataclass(frozen=True)
class TrainingCancelled:
    """The run stopped because `should_stop` said so; it produced no model."""


@dataclass(frozen=True)
class TrainingFailed:
    """The run raised; `message` is written for the user (see `describe_error`)."""

    message: str


# Every message a run posts; the last one is a TrainingOutcome, TrainingCancelled or TrainingFailed.
Message = (
    StatusMessage
    | TrainingStart
    | TrainingUpdate
    | TrainingOutcome
    | TrainingCancelled
    | TrainingFailed
)
FINAL_MESSAGES = (TrainingOutcome, TrainingCancelled, TrainingFailed)
Post = Callable[[Message], None]


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
    augment_share: float = 1.0  # of each batch, when augment is on (TrainConfig.augment_share)
    seed: int = 0
    # Outlier exposure with synthetic marks and MNIST pairs (`negatives_cache`), when MNIST is
    # used: without it the dialog's fine-tune gave a firm digit to 39.8% of the held-out
    # writers' pen letters, with it 10.23% (bench_reject.py; README, "not a digit").
    outlier_exposure: bool = True


FINE_TUNE = RetrainSettings()
# From scratch: all of MNIST (less the validation split), 5 epochs, half of each batch
# augmented, a high peak rate: 99.1-99.2% on MNIST test within a minute on a 2-core machine
# (benchmarks/bench_retrain_scratch.py runs exactly this). At the old 2e-3, or with every image
# augmented, 5 epochs reach only 98.7-99.1%.
FROM_SCRATCH = RetrainSettings(
    from_scratch=True,
    mnist_images=MNIST_TRAIN_IMAGES - VAL_COUNT,
    epochs=5,
    batch_size=128,
    learning_rate=6e-3,
    augment_share=0.5,
)

# Images a second of `train` on one core of this 2-core machine, with and without augmentation,
# until a run on the user's own machine has measured it (the dialog remembers the last pace).
# With the batch-last trunk, nothing else running: 18,635-19,596 and 18,159-20,221
# (bench_core.py), and the dialog's from-scratch default 13,551 with outlier exposure, 20,300
# without its slowdown (bench_retrain_scratch.py); a little below, for a busier machine.
ASSUMED_PACE = {True: 18_000.0, False: 19_000.0}
# Starting the process and loading MNIST measured 2.4-7.4 s here; evaluations add a little.
START_SECONDS = 5.0
# Outlier exposure adds half a batch of non-digits to every step: steps about 1.5x slower
# (measured on the dialog's fine-tune), and making the negatives when the cache has none
# (8.7 s measured on a loaded machine; 17.2 and 33.2 s in bench_retrain_scratch.py at load 2-5).
OUTLIER_SLOWDOWN = 1.5
NEGATIVES_SECONDS = 9.0


def uses_outlier_exposure(settings: RetrainSettings, mnist_available: bool = True) -> bool:
    """Whether a run of these settings trains with outlier exposure (it needs MNIST's pairs)."""
    return settings.outlier_exposure and settings.use_mnist and mnist_available


def pace_name(augment: bool, outlier_exposure: bool) -> str:
    """The name under which the dialog remembers a run's pace (images a second) for runs like it."""
    return f"pace_{'augment' if augment else 'plain'}{'_oe' if outlier_exposure else ''}"


def make_job(
    settings: RetrainSettings,
    base_state: dict | None,
    model_args: dict,
    mnist_folder: str | None,
    samples: list,
    cache_folder: str | None = None,
) -> TrainingJob:
    """The job the dialog runs for these settings: the one place that mixes the data.
    `cache_folder` keeps the outlier-exposure negatives between runs (`negatives_cache`)."""
    from ..data.samples import holdout_split, samples_to_arrays
    from ..training.train_config import TrainConfig
    from .negatives_cache import PAIRS, SYNTHETIC

    train_part, held = holdout_split(samples, settings.holdout_fraction, settings.seed)
    user_x, user_y = samples_to_arrays(train_part) if settings.use_samples else (None, None)
    held_x, held_y = samples_to_arrays(held)
    config = TrainConfig(
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        learning_rate=settings.learning_rate,
        augment=settings.augment,
        augment_share=settings.augment_share,
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
        negatives=(SYNTHETIC, PAIRS)
        if uses_outlier_exposure(settings, bool(mnist_folder))
        else None,
        cache_folder=cache_folder,
    )


def images_per_epoch(settings: RetrainSettings, mnist_available: bool, user_train: int) -> int:
    """Images one epoch of these settings trains on: the MNIST subset (never more than MNIST's
    training set less the validation split) plus the user's samples not held out."""
    mnist = 0
    if settings.use_mnist and mnist_available:
        mnist = min(settings.mnist_images, MNIST_TRAIN_IMAGES - VAL_COUNT)
    return mnist + (user_train if settings.use_samples else 0)


def estimate_seconds(
    settings: RetrainSettings,
    images: int,
    pace: float | None = None,
    overhead: float | None = None,
    *,
    outlier_exposure: bool = False,
    make_negatives: bool = False,
) -> float:
    """Rough duration of a run in seconds: `settings.epochs` x `images` at `pace` images a second
    (else the assumed pace for this augmentation setting, `OUTLIER_SLOWDOWN` times slower with
    `outlier_exposure`), plus `overhead` seconds of start-up (else `START_SECONDS`), plus
    `NEGATIVES_SECONDS` with `make_negatives` (no cached negatives). Cheap: the dialog calls it
    on every change of a control."""
    slowdown = OUTLIER_SLOWDOWN if outlier_exposure else 1.0
    pace = pace or ASSUMED_PACE[bool(settings.augment)] / slowdown
    overhead = START_SECONDS if overhead is None else overhead
    return overhead + settings.epochs * images / pace + (NEGATIVES_SECONDS if make_negatives else 0)


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


@dataclass(frozen=True)
class TrainingData:
    """What a run trains on and measures with, as ink images (N, 32, 32) or (N, 28, 28) uint8."""

    images: np.ndarray  # (N, 32, 32) uint8: the MNIST subset, then the user's training samples
    targets: np.ndarray  # (N,) int64
    weights: np.ndarray | None  # per-image draw weights when MNIST and user samples are mixed
    val_images: np.ndarray | None = None  # held back from MNIST *train*: the live curve
    val_labels: np.ndarray | None = None
    test_images: np.ndarray | None = None  # MNIST test: only the final figure
    test_labels: np.ndarray | None = None
    holdout_images: np.ndarray | None = None  # the user's held-out samples, only measured
    holdout_labels: np.ndarray | None = None
    # MNIST's training digits less the validation split: what outlier exposure's pairs are
    # made of (the same for every seed and subset, so they can be cached)
    pair_source: np.ndarray | None = None

    @property
    def holdout_count(self) -> int:
        return 0 if self.holdout_labels is None else len(self.holdout_labels)


def split_mnist_train(count: int, val_count: int, limit: int | None, seed: int):
    """(training indices, validation indices) into MNIST's training set, disjoint.

    The validation split is a fixed random `val_count` images (the same in every run, whatever
    the seed); the training subset is `limit` of the rest (all of them when None), drawn with
    `seed`. The test set stays out of both, for the final figure."""
    val = fixed_subset(count, val_count, VAL_SEED)
    rest = np.setdiff1d(np.arange(count), val)
    return rest[fixed_subset(len(rest), limit, seed)], val


def load_training_data(job: TrainingJob, post: Post) -> TrainingData:
    """Load and mix the data of `job`. Raises ValueError when there is nothing to train on, and
    the MNIST reader's errors (MnistError, OSError) for a missing or damaged folder."""
    from ..data.mnist import load_mnist

    parts, labels, mnist = [], [], {}
    if job.mnist_folder:
        post(StatusMessage("Loading MNIST..."))
        train_x, train_y = load_mnist(job.mnist_folder, "train")
        keep, val = split_mnist_train(
            len(train_x), job.val_count, job.mnist_train_count, job.config.seed
        )
        parts.append(np.pad(train_x[keep], ((0, 0), (2, 2), (2, 2))))  # 28x28 -> 32x32 field
        labels.append(train_y[keep].astype(np.int64))
        test_x, test_y = load_mnist(job.mnist_folder, "test")
        if job.test_count is not None:
            chosen = fixed_subset(len(test_x), job.test_count, TEST_SEED)
            test_x, test_y = test_x[chosen], test_y[chosen]
        mnist = dict(
            val_images=train_x[val],
            val_labels=train_y[val],
            test_images=test_x,
            test_labels=test_y,
            pair_source=np.delete(train_x, val, axis=0) if job.negatives else None,
        )
    n_mnist = sum(len(p) for p in parts)
    n_user = 0 if job.user_fields is None else len(job.user_fields)
    if n_user:
        parts.append(np.asarray(job.user_fields, dtype=np.uint8))
        labels.append(np.asarray(job.user_labels, dtype=np.int64))
    if n_mnist + n_user == 0:
        raise ValueError("There is nothing to train on: choose MNIST or add samples of your own.")
    has_holdout = job.holdout_fields is not None and len(job.holdout_fields) > 0
    return TrainingData(
        images=np.concatenate(parts),
        targets=np.concatenate(labels),
        weights=mixing_weights(n_mnist, n_user, job.user_share),
        holdout_images=job.holdout_fields if has_holdout else None,
        holdout_labels=job.holdout_labels if has_holdout else None,
        **mnist,
    )


def measure(model, data: TrainingData) -> tuple[float | None, float | None]:
    """(MNIST validation accuracy, held-out user accuracy), each None without that data."""
    from ..training.train import evaluate

    mnist = user = None
    if data.val_images is not None:
        mnist = evaluate(model, data.val_images, data.val_labels).accuracy
    if data.holdout_count:
        user = evaluate(model, data.holdout_images, data.holdout_labels).accuracy
    return mnist, user


class ProgressReporter:
    """`train`'s progress callback: turns its per-step `Progress` records into `TrainingUpdate`
    messages, at most every `POST_EVERY_S`, with evaluations for the curves on schedule
    (`curve_points` over the run, plus one after each epoch) that never take more than about a
    fifth of the time."""

    def __init__(
        self,
        post: Post,
        evaluate_now: Callable[[], tuple[float | None, float | None]],
        total_steps: int,
        curve_points: int,
    ):
        self.post, self.evaluate_now, self.total_steps = post, evaluate_now, total_steps
        self.eval_every = max(1, total_steps // max(1, curve_points))
        self.losses: list[float] = []  # batch losses since the last update
        self.curves: dict[str, tuple[list, list]] = {"loss": ([], []), "val": ([], []),
                                                     "user": ([], [])}  # fmt: skip
        self.last_post = 0.0  # perf_counter of the last update
        self.last_eval = 0.0
        self.eval_cost = 0.0  # seconds the last evaluation took

    def _due_for_evaluation(self, p, done: int, now: float) -> bool:
        # The epoch's last step leaves it to the epoch record.
        if p.kind == "epoch":
            return True
        return (
            done % self.eval_every == 0
            and p.step < p.steps_per_epoch
            and now - self.last_eval > 4 * self.eval_cost
        )

    def __call__(self, p) -> None:
        done = (p.epoch - 1) * p.steps_per_epoch + p.step
        if p.kind == "step":
            self.losses.append(p.loss)
        now = time.perf_counter()
        evaluate = self._due_for_evaluation(p, done, now)
        if not evaluate and now - self.last_post < POST_EVERY_S:
            return
        mnist_acc = user_acc = None
        if evaluate:
            mnist_acc, user_acc = self.evaluate_now()
            self.last_eval = time.perf_counter()
            self.eval_cost = self.last_eval - now
        mean_loss = float(np.mean(self.losses)) if self.losses else float("nan")
        self.losses = []
        self.record(done, loss=mean_loss, val=mnist_acc, user=user_acc)
        fraction = done / self.total_steps
        remaining = p.elapsed / fraction * (1.0 - fraction) if fraction > 0 else float("nan")
        self.post(
            TrainingUpdate(p, done, self.total_steps, mean_loss, remaining, mnist_acc, user_acc)
        )
        self.last_post = time.perf_counter()

    def record(self, step: int, **values: float | None) -> None:
        """Add a point at `step` to each named curve whose value is a finite number."""
        for key, value in values.items():
            if value is not None and math.isfinite(value):
                self.curves[key][0].append(step)
                self.curves[key][1].append(float(value))

    def curve_points(self) -> dict[str, tuple[tuple, tuple]]:
        return {k: (tuple(xs), tuple(ys)) for k, (xs, ys) in self.curves.items() if xs}


def final_evaluation(
    model, data: TrainingData, job: TrainingJob, seconds: float, user_before: float | None
) -> TrainingOutcome:
    """The outcome of a finished run: the weights, MNIST test accuracy, per-class accuracy, the
    confusion matrix, the first `job.gallery_size` test digits it gets wrong, and the user's
    held-out samples before and after."""
    from ..training.train import evaluate

    outcome = dict(
        state=weights_of(model),
        model_args=model.model_args(),
        config=job.config,
        seconds=seconds,
        train_images=len(data.images),
        user_before=user_before,
        user_holdout=data.holdout_count,
    )
    if data.holdout_count:
        outcome["user_after"] = evaluate(model, data.holdout_images, data.holdout_labels).accuracy
    if data.test_images is not None:
        test_x, test_y = data.test_images, data.test_labels
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
            test_images=test_x,
            test_labels=test_y,
            test_predictions=ev.predictions,
        )
    return TrainingOutcome(**outcome)


# Fewer validation images than this fit no temperature: with 10 held-out samples all read right,
# or nearly, T says nothing about the next drawing.
MIN_CALIBRATION_IMAGES = 100


def fit_validation_rejector(model, data: TrainingData) -> dict | None:
    """The trained model's rejector: its temperature fitted on the run's validation split (the
    MNIST training digits held back and the user's held-out samples: never trained on) with
    `calibration.fit_temperature`, as `rejection.fit_rejector` fits it on the dev writers' pen
    digits; the threshold stays the general verdict.FALLBACK one (no pen digits to fit it on).
    Without label smoothing's cap, "99%" then means what it says. None (verdict.FALLBACK) with
    fewer than MIN_CALIBRATION_IMAGES validation images, or none read wrong: then the
    likelihood has no minimum and T would run to its bound, making every reading 100% sure."""
    from ..reading.calibration import fit_temperature
    from ..reading.inference import logits_of
    from ..reading.verdict import FALLBACK
    from ..training.train import ink_fields, to_network_input
    from .rejection import REJECTOR_METHOD

    parts = []
    if data.val_images is not None and len(data.val_images):
        parts.append((data.val_images, data.val_labels, "MNIST training digits held back"))
    if data.holdout_count:
        parts.append((data.holdout_images, data.holdout_labels, "held-out samples of your own"))
    if not parts:
        return None
    labels = np.concatenate([np.asarray(y, np.int64) for _, y, _ in parts])
    if len(labels) < MIN_CALIBRATION_IMAGES:
        return None
    inputs = np.concatenate([to_network_input(ink_fields(x)).numpy() for x, _, _ in parts])
    logits = logits_of(model, inputs)
    if np.all(logits.argmax(axis=1) == labels):
        return None
    temperature = fit_temperature(logits, labels)
    return {
        "method": REJECTOR_METHOD,
        "temperature": round(temperature, 4),
        "reject_below": FALLBACK["reject_below"],
        "fitted_on": "the retrain run's validation split: "
        + " and ".join(f"{len(y):,} {what}" for _, y, what in parts)
        + "; temperature only, the threshold is the general one",
        "validation_images": len(labels),
    }


def build_model(job: TrainingJob):
    """A fresh LeNet5 of `job.model_args`, seeded (a run from scratch starts from the same
    weights), with `job.base_state` loaded when fine-tuning."""
    import torch

    from ..network.model import LeNet5, LeNet5Config

    torch.manual_seed(job.config.seed)
    model = LeNet5(LeNet5Config(**job.model_args))
    if job.base_state is not None:
        model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in job.base_state.items()})
    return model


def run_training(job: TrainingJob, post: Post, should_stop: Callable[[], bool]) -> None:
    """Load the data, train a copy of the model, evaluate it; every result goes through `post`.

    Posts `StatusMessage`s, one `TrainingStart`, `TrainingUpdate`s, then a `TrainingOutcome` or
    `TrainingCancelled`. Errors propagate to the caller (which posts `TrainingFailed`).
    """
    import torch

    from ..training.train import train

    model = build_model(job)
    data = load_training_data(job, post)
    total_steps = job.config.epochs * math.ceil(len(data.images) / job.config.batch_size)
    mnist_before, user_before = measure(model, data)
    negatives, prepared = None, {}
    if job.negatives and data.pair_source is not None:
        negatives, prepared = prepare_negatives(job, data, post, should_stop)
        if negatives is None:
            post(TrainingCancelled())
            return
    post(TrainingStart(len(data.images), total_steps, mnist_before, user_before))

    reporter = ProgressReporter(post, lambda: measure(model, data), total_steps, job.curve_points)
    reporter.record(0, val=mnist_before, user=user_before)
    keep = snapshot_steps(job.config.epochs, total_steps // job.config.epochs)
    snapshots = [Snapshot(0, 0.0, weights_of(model))]

    def progress(p) -> None:
        reporter(p)
        done = (p.epoch - 1) * p.steps_per_epoch + p.step
        if p.kind == "step" and done in keep:
            snapshots.append(Snapshot(done, done / p.steps_per_epoch, weights_of(model)))

    result = train(
        model,
        data.images,
        data.targets,
        job.config,
        sample_weights=data.weights,
        negative_images=negatives,
        progress=progress,
        should_stop=should_stop,
    )
    if not result.completed or should_stop():
        post(TrainingCancelled())
        return
    post(StatusMessage("Evaluating on MNIST test..."))
    # In channels_last, as it trained, the model reads the test set about twice as fast.
    model.to(memory_format=torch.channels_last)
    outcome = final_evaluation(model, data, job, result.seconds, user_before)
    end = Snapshot(total_steps, float(job.config.epochs), outcome.state)
    post(StatusMessage("Calibrating: fitting the temperature on the validation images..."))
    outcome = dataclasses.replace(
        outcome,
        snapshots=(*snapshots, end),
        curves=reporter.curve_points(),
        rejector=fit_validation_rejector(model, data),
        **prepared,
    )
    post(TrainingCancelled() if should_stop() else outcome)


def prepare_negatives(job: TrainingJob, data: TrainingData, post: Post, should_stop):
    """The run's outlier-exposure negatives (`negatives_cache.outlier_negatives`), made from
    `data.pair_source` or loaded from `job.cache_folder`, and the outcome's fields saying so;
    (None, {}) when `should_stop` said so while they were made."""
    from .negatives_cache import outlier_negatives

    post(StatusMessage("Preparing non-digit examples…"))
    started = time.perf_counter()
    synthetic, pairs = job.negatives
    fields, cached = outlier_negatives(
        data.pair_source,
        job.cache_folder,
        synthetic=synthetic,
        pairs=pairs,
        seed=job.config.seed,
        should_stop=should_stop,
    )
    if fields is None:
        return None, {}
    return fields, dict(
        negative_count=len(fields),
        negatives_seconds=time.perf_counter() - started,
        negatives_cached=cached,
    )


def exit_with_parent() -> None:
    """End this process as soon as the process that started it ends (killed, crashed).

    Without it a run whose GUI died trains on, then blocks forever writing its result into a
    pipe nobody reads (and keeps multiprocessing's resource tracker alive with it). A daemon
    thread waits on the parent's sentinel, which becomes ready when the parent is gone; the
    run has nothing to save (the GUI writes checkpoints), so it exits at once. No-op in a
    process that was not started by multiprocessing.
    """
    import multiprocessing.connection

    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(PARENT_GONE_EXIT_CODE)

    threading.Thread(target=watch, name="lenet-gui parent watch", daemon=True).start()


PARENT_GONE_EXIT_CODE = 3


# Below this many held-out samples, "before -> after" says little: one sample is 100/N points.
MIN_MEANINGFUL_HOLDOUT = 20
# "Use this model" asks first when the new model reads this many points worse than the current.
MUCH_WORSE_POINTS = 5.0


def plural(count: int, noun: str) -> str:
    """ "1 sample", "3 samples": every count the retrain dialog and the labelling bar write."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def holdout_note(count: int) -> str | None:
    """A warning when `count` held-out samples are too few to mean anything, else None."""
    if 0 < count < MIN_MEANINGFUL_HOLDOUT:
        return (
            f"Only {plural(count, 'held-out sample')}: each one moves the figure by "
            f"{100 / count:.0f} points, so it says little. Label more drawings (about "
            f"{MIN_MEANINGFUL_HOLDOUT} or more held out) for a figure that means something."
        )
    return None


def worse_than_current(outcome: TrainingOutcome, current_mnist: float | None) -> str | None:
    """Why the trained model looks much worse than the one in use, or untested (a sentence);
    None when nothing speaks against it.

    Compared on what both were measured on: MNIST test against the current model's stored MNIST
    test accuracy; else the user's held-out samples before and after training; a model that
    reads under half of them, or that nothing measured, is flagged too."""
    new = outcome.mnist_test_accuracy
    if new is not None and current_mnist is not None:
        if 100 * (current_mnist - new) >= MUCH_WORSE_POINTS:
            return (
                f"It reads MNIST's test digits at {100 * new:.1f}%, the model in use at "
                f"{100 * current_mnist:.1f}%."
            )
        return None
    before, after = outcome.user_before, outcome.user_after
    if before is not None and after is not None and 100 * (before - after) >= MUCH_WORSE_POINTS:
        return (
            f"It reads your held-out samples at {100 * after:.0f}%, the model in use at "
            f"{100 * before:.0f}%."
        )
    if new is None and after is not None and after < 0.5:
        return f"It reads only {100 * after:.0f}% of your held-out samples correctly."
    if new is None and after is None:
        return "Nothing measured it: it was trained without MNIST and no sample was held out."
    return None


def process_main(job: TrainingJob, queue, stop_event) -> None:
    """Entry point of the spawned process: one torch thread, errors sent back as text; it
    exits by itself if the GUI process dies (`exit_with_parent`)."""
    exit_with_parent()
    keep_freed_memory()  # page faults on every step's maps otherwise (see allocator.py)
    import torch

    torch.set_num_threads(max(1, job.torch_threads))
    try:
        run_training(job, queue.put, stop_event.is_set)
    except Exception as exc:  # everything goes back to the dialog as a message
        queue.put(TrainingFailed(describe_error(exc)))
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


def save_trained(
    job: TrainingJob,
    outcome: TrainingOutcome,
    path: str | os.PathLike,
    replace: bool = True,
    with_replay: bool = False,
):
    """Write the outcome of `job` as a checkpoint at `path` and load it back (a LoadedModel).
    With `with_replay` the run's snapshots and curves go with it (`replay_file`), when it has
    any. Raises atomic.SaveError (an OSError) when it cannot be written; see `save_checkpoint`."""
    import torch

    from ..network.model import LeNet5, LeNet5Config
    from ..training.metrics import (
        MNIST_TEST_ACCURACY,
        USER_HOLDOUT_AFTER,
        USER_HOLDOUT_BEFORE,
        USER_HOLDOUT_COUNT,
    )
    from .checkpoint import load_checkpoint, save_checkpoint
    from .replay_file import replay_entry

    o = outcome
    replay = with_replay and bool(o.snapshots)  # the last snapshot ends the run
    model = LeNet5(LeNet5Config(**o.model_args))
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in o.state.items()})
    model.rejector = dict(o.rejector) if o.rejector else None  # kept in the checkpoint
    metrics = {
        MNIST_TEST_ACCURACY: o.mnist_test_accuracy,
        USER_HOLDOUT_BEFORE: o.user_before,
        USER_HOLDOUT_AFTER: o.user_after,
        USER_HOLDOUT_COUNT: o.user_holdout,
    }
    kind = "from scratch" if job.base_state is None else "fine-tuned"
    notes = f"{kind} in the retrain dialog on {o.train_images:,} images an epoch"
    if o.negative_count:
        notes += f" and {o.negative_count:,} non-digit fields (outlier exposure)"
    save_checkpoint(
        path,
        model,
        train_config=o.config.to_dict(),
        metrics={k: v for k, v in metrics.items() if v is not None},
        notes=notes,
        replace=replace,
        replay=replay_entry(o.snapshots, o.curves, o.snapshots[-1].step) if replay else None,
    )
    return load_checkpoint(path)
