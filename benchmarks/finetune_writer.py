"""Does fine-tuning on one person's digits help on them without wrecking MNIST?

One UNIPEN writer stands in for a user: each of their pen digits is placed on a 280x280 canvas as
a person would draw it (`place_on_canvas`) and stored in a fresh `SampleStore`, exactly as the
labelling bar stores a drawing. The retrain dialog's own code path then runs: `make_job` with the
dialog's fine-tuning defaults (only the held-out share is set to one half), and `run_training`,
the function the worker process runs. Reported: accuracy on the held-out half before and after,
both through the stored 32x32 fields and through the app's drawing path (`classify_drawings`),
and MNIST test accuracy (all 10,000) before and after.

    python benchmarks/finetune_writer.py [--writer ID] [--min-samples 60] [--seeds 0,1]

The default writer is the one with the lowest accuracy under the bundled model among the held-out
writers (never trained on) with at least --min-samples digits. Paths: $LENET_PEN_DIGITS (default
../shared/data/pen-digits/unipen_dev.json.gz beside the repository), $LENET_MNIST_DIR (default
../shared/data/mnist).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from lenet_gui.data.drawn_digits import load_pen_digits, pen_drawings  # noqa: E402
from lenet_gui.data.mnist import load_mnist  # noqa: E402
from lenet_gui.data.samples import SampleStore, holdout_split  # noqa: E402
from lenet_gui.network.model import LeNet5, LeNet5Config  # noqa: E402
from lenet_gui.reading.inference import classify_drawings  # noqa: E402
from lenet_gui.retrain.checkpoint import load_checkpoint  # noqa: E402
from lenet_gui.retrain.rejection import writer_split  # noqa: E402
from lenet_gui.retrain.retraining import FINE_TUNE, TrainingOutcome, make_job, run_training  # noqa: E402
from lenet_gui.system.paths import bundled_checkpoint  # noqa: E402
from lenet_gui.training.train import evaluate  # noqa: E402


def data_paths() -> tuple[Path, Path]:
    shared = REPO.parent / "shared" / "data"
    pen = Path(os.environ.get("LENET_PEN_DIGITS", shared / "pen-digits" / "unipen_dev.json.gz"))
    mnist = Path(os.environ.get("LENET_MNIST_DIR", shared / "mnist"))
    return pen, mnist


def app_accuracy(model, drawings, labels) -> float:
    """Accuracy through the canvas's own path: render, prepare, classify."""
    predictions = classify_drawings(model, drawings)
    return float(np.mean([p.digit == label for p, label in zip(predictions, labels, strict=True)]))


def pick_writer(digits, model, min_samples: int) -> tuple[str, dict[str, float]]:
    """The writer the bundled model reads worst, among the held-out writers with enough digits
    (the bundled model was trained on the train writers' pen digits: `rejection.writer_split`)."""
    counts = collections.Counter(d.writer for d in digits if writer_split(d.writer) == "held-out")
    accuracy = {}
    for writer, n in counts.items():
        if n >= min_samples:
            mine = [d for d in digits if d.writer == writer]
            accuracy[writer] = app_accuracy(model, pen_drawings(mine, 0), [d.label for d in mine])
    return min(accuracy, key=accuracy.get), accuracy


def run(writer_digits, loaded, mnist: Path, seed: int, settings) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        store = SampleStore(folder)
        drawings = pen_drawings(writer_digits, seed)
        for i, (drawing, digit) in enumerate(zip(drawings, writer_digits, strict=True)):
            store.add(drawing, digit.label, sample_id=f"{digit.writer}/{i}")  # reproducible split
        samples = store.samples()
        settings = dataclasses.replace(settings, seed=seed)
        _, held = holdout_split(samples, settings.holdout_fraction, settings.seed)
        base = {k: v.numpy() for k, v in loaded.model.state_dict().items()}
        job = make_job(settings, base, loaded.model.model_args(), str(mnist), samples)
        messages = []
        started = time.perf_counter()
        run_training(job, messages.append, lambda: False)
        wall = time.perf_counter() - started
    outcome = messages[-1]
    if not isinstance(outcome, TrainingOutcome):
        raise SystemExit(f"the run did not finish: {outcome}")
    model = LeNet5(LeNet5Config(**outcome.model_args))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in outcome.state.items()})
    held_drawings = [s.drawing for s in held]
    held_labels = [s.label for s in held]
    return {
        "trained_on": len(samples) - len(held),
        "held": len(held),
        "fields_before": outcome.user_before,
        "fields_after": outcome.user_after,
        "app_before": app_accuracy(loaded.model, held_drawings, held_labels),
        "app_after": app_accuracy(model, held_drawings, held_labels),
        "mnist_after": outcome.mnist_test_accuracy,
        "seconds": wall,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writer", help="a writer id, e.g. gmd/alek (default: see above)")
    parser.add_argument("--min-samples", type=int, default=60)
    parser.add_argument("--max-samples", type=int, default=0, help="use at most this many")
    parser.add_argument("--seeds", default="0", help="comma-separated: placement, split, training")
    parser.add_argument("--share", type=float, help="override the default share of user samples")
    parser.add_argument("--lr", type=float, help="override the default learning rate")
    parser.add_argument("--epochs", type=int, help="override the default epochs")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the worker process does

    pen, mnist = data_paths()
    digits = load_pen_digits(pen)
    loaded = load_checkpoint(bundled_checkpoint())
    if args.writer:
        writer = args.writer
    else:
        writer, table = pick_writer(digits, loaded.model, args.min_samples)
        ranked = sorted(table.items(), key=lambda item: item[1])
        listed = ", ".join(f"{w} {100 * a:.1f}%" for w, a in ranked)
        print(f"writers with >= {args.min_samples} digits, bundled model accuracy: {listed}")
    writer_digits = [d for d in digits if d.writer == writer]
    if args.max_samples:
        keep = np.random.default_rng(0).permutation(len(writer_digits))[: args.max_samples]
        writer_digits = [writer_digits[i] for i in sorted(keep)]
    if not writer_digits:
        raise SystemExit(f"no digits by writer {writer!r}")
    settings = dataclasses.replace(FINE_TUNE, holdout_fraction=0.5)
    overrides = {"user_share": args.share, "learning_rate": args.lr, "epochs": args.epochs}
    settings = dataclasses.replace(settings, **{k: v for k, v in overrides.items() if v})
    test_x, test_y = load_mnist(mnist, "test")
    mnist_before = evaluate(loaded.model, test_x, test_y).accuracy

    print(f"writer {writer}: {len(writer_digits)} digits; model {loaded.path.name}; "
          f"MNIST test before {100 * mnist_before:.2f}%")  # fmt: skip
    print(f"settings: {settings}")
    print(f"{'seed':>4} {'train':>5} {'held':>4}  {'held-out before -> after':>26}"
          f"  {'(app path)':>18}  {'MNIST test after':>16} {'time':>6}")  # fmt: skip
    for seed in (int(s) for s in args.seeds.split(",")):
        r = run(writer_digits, loaded, mnist, seed, settings)
        print(f"{seed:>4} {r['trained_on']:>5} {r['held']:>4}  "
              f"{100 * r['fields_before']:>11.1f}% -> {100 * r['fields_after']:>5.1f}%"
              f"     {100 * r['app_before']:>5.1f}% -> {100 * r['app_after']:>5.1f}%"
              f"  {100 * r['mnist_after']:>15.2f}% {r['seconds']:>5.0f}s", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
