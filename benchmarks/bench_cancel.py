"""How long Cancel and closing take while the retrain dialog's worker trains in its process.

Starts the dialog's real worker (`TrainingWorker`, process mode) on a fine-tune of the bundled
model on MNIST, waits for the first progress update, then measures (a) Cancel: from `cancel()`
to the `cancelled` signal, and (b) closing: `shutdown()` of a second run, until nothing is left
running. Prints the figures; the tests only check that both happen.

    python benchmarks/bench_cancel.py [--repeat 3] [--images 20000]

MNIST comes from $LENET_MNIST_DIR, else ../shared/data/mnist beside the repository.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from lenet_gui.retrain.checkpoint import load_checkpoint  # noqa: E402
from lenet_gui.retrain.retraining import RetrainSettings, make_job  # noqa: E402
from lenet_gui.system.paths import bundled_checkpoint  # noqa: E402
from lenet_gui.ui.retrain.training_worker import TrainingWorker  # noqa: E402


def wait_until(app: QApplication, done, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the worker")
        app.processEvents()
        time.sleep(0.005)


def started_worker(app: QApplication, job) -> TrainingWorker:
    worker = TrainingWorker(job, mode="process")
    updates: list = []
    worker.progressed.connect(updates.append)
    worker.start()
    wait_until(app, lambda: bool(updates))
    return worker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--images", type=int, default=20_000)
    args = parser.parse_args()
    mnist = os.environ.get("LENET_MNIST_DIR") or str(REPO.parent / "shared" / "data" / "mnist")
    app = QApplication.instance() or QApplication([])
    loaded = load_checkpoint(bundled_checkpoint())
    base = {k: v.numpy() for k, v in loaded.model.state_dict().items()}
    settings = RetrainSettings(use_samples=False, mnist_images=args.images, epochs=5)
    job = make_job(settings, base, loaded.model.model_args(), mnist, [])
    cancels, closes = [], []
    for _ in range(args.repeat):
        worker = started_worker(app, job)
        ended: list = []
        worker.cancelled.connect(lambda ended=ended: ended.append(time.perf_counter()))
        asked = time.perf_counter()
        worker.cancel()
        wait_until(app, lambda ended=ended: bool(ended))
        cancels.append(ended[0] - asked)

        worker = started_worker(app, job)
        asked = time.perf_counter()
        worker.shutdown()
        closes.append(time.perf_counter() - asked)
        assert not worker._runner.is_alive()
    for name, values in (("cancel -> cancelled", cancels), ("close (shutdown)", closes)):
        shown = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name}: median {statistics.median(values):.2f} s ({shown})")


if __name__ == "__main__":
    main()
