"""A from-scratch run in the retrain dialog's default settings: wall time and MNIST test accuracy.

Builds the job exactly as the dialog does (`retraining.make_job` with `FROM_SCRATCH`, no own
samples, the bundled model's architecture) and runs it as the dialog's worker does: in a process
started with the "spawn" context, through `retraining.process_main` (its torch thread count
included). The wall time runs from starting the process to receiving the trained model, so it
includes importing torch, loading MNIST, the evaluations for the curves and the final test.
Validation during training uses the split held back from MNIST's training set; the accuracy
printed at the end is on the whole MNIST test set.

    python benchmarks/bench_retrain_scratch.py [--epochs E] [--images N] [--threads T]
                                                [--no-oe] [--cache DIR]

Outlier exposure is on, as in the dialog; its negatives are made in the run (the dialog's first
run) unless --cache names a folder that has them (the dialog's later runs).

The options change the defaults for experiments; without them the run is the dialog's default.
MNIST comes from $LENET_MNIST_DIR, else ../shared/data/mnist beside the repository.
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lenet_gui.retrain.retraining import (  # noqa: E402
    FINAL_MESSAGES,
    FROM_SCRATCH,
    TrainingOutcome,
    TrainingStart,
    TrainingUpdate,
    make_job,
    process_main,
)


def mnist_folder() -> str:
    folder = os.environ.get("LENET_MNIST_DIR") or str(REPO.parent / "shared" / "data" / "mnist")
    if not Path(folder, "train-images-idx3-ubyte.gz").exists():
        raise SystemExit(f"MNIST not found in {folder}: set LENET_MNIST_DIR")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, help=f"default {FROM_SCRATCH.epochs}")
    parser.add_argument("--images", type=int, help=f"default {FROM_SCRATCH.mnist_images}")
    parser.add_argument("--batch-size", type=int, help=f"default {FROM_SCRATCH.batch_size}")
    parser.add_argument("--lr", type=float, help=f"default {FROM_SCRATCH.learning_rate}")
    parser.add_argument("--threads", type=int, help="torch threads (default: the dialog's)")
    parser.add_argument("--no-oe", action="store_true", help="without outlier exposure")
    parser.add_argument("--cache", metavar="DIR", help="keep the negatives in DIR")
    args = parser.parse_args()
    changes = dict(
        epochs=args.epochs,
        mnist_images=args.images,
        batch_size=args.batch_size,
        learning_rate=args.lr,
    )
    settings = dataclasses.replace(
        FROM_SCRATCH, **{k: v for k, v in changes.items() if v is not None}
    )
    if args.no_oe:
        settings = dataclasses.replace(settings, outlier_exposure=False)
    job = make_job(settings, None, {}, mnist_folder(), [], args.cache)
    if args.threads:
        job = dataclasses.replace(job, torch_threads=args.threads)
    print(
        f"settings: {settings.epochs} epochs x {settings.mnist_images:,} MNIST images, batch "
        f"{settings.batch_size}, learning rate {settings.learning_rate:g}, "
        f"{settings.augment_share if settings.augment else 0:.0%} of each batch augmented, "
        f"{job.torch_threads} torch thread(s), outlier exposure "
        + ("off" if job.negatives is None else "{:,} marks + {:,} pairs".format(*job.negatives))
    )
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")

    context = multiprocessing.get_context("spawn")
    queue, stop = context.Queue(), context.Event()
    started = time.perf_counter()
    process = context.Process(target=process_main, args=(job, queue, stop), daemon=True)
    process.start()
    while True:
        message = queue.get(timeout=600)
        if isinstance(message, TrainingStart):
            print(f"  training starts: {time.perf_counter() - started:5.1f} s (process, data)")
        if isinstance(message, TrainingUpdate) and message.progress.kind == "epoch":
            p = message.progress
            print(
                f"  epoch {p.epoch}: {time.perf_counter() - started:5.1f} s, "
                f"{p.images_per_second:,.0f} images/s, validation accuracy "
                f"{100 * (message.mnist_val_accuracy or float('nan')):.2f}%"
            )
        if isinstance(message, FINAL_MESSAGES):
            break
    wall = time.perf_counter() - started
    process.join(10)
    if not isinstance(message, TrainingOutcome):
        raise SystemExit(f"the run did not finish: {message}")
    print(
        f"wall time {wall:.1f} s (training loop {message.seconds:.1f} s), MNIST test accuracy "
        f"{100 * message.mnist_test_accuracy:.2f}% of {message.test_count:,}"
    )
    if message.negative_count:
        how = "loaded from the cache" if message.negatives_cached else "made"
        print(
            f"{message.negative_count:,} non-digit examples {how} in "
            f"{message.negatives_seconds:.1f} s"
        )
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
