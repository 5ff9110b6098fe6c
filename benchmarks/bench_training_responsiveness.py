"""How late does a 10 ms QTimer fire while training runs in a thread, or in a separate process?

The GUI's responsiveness while the retrain dialog trains: drawing on the canvas and the live
curves are driven by the event loop, so a timer's lateness is what a person feels as jerkiness.
Each mode runs the dialog's real worker (`TrainingWorker`) on the same job, a fine-tune of the
bundled model on a subset of MNIST with augmentation, while a pyqtgraph curve is redrawn on every
update as the dialog does. Lateness is counted only while the training loop runs (between the
worker's `started` and its end), not while it loads MNIST.

    python benchmarks/bench_training_responsiveness.py [--images 6000] [--epochs 2] [--repeat 1]

MNIST comes from $LENET_MNIST_DIR, else ../shared/data/mnist beside the repository. On a machine
shared with other work the figures are noisy: run it more than once.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from lenet_gui.retrain.checkpoint import load_checkpoint  # noqa: E402
from lenet_gui.retrain.retraining import TrainingJob  # noqa: E402
from lenet_gui.system.paths import bundled_checkpoint  # noqa: E402
from lenet_gui.training.train import TrainConfig  # noqa: E402
from lenet_gui.ui.retrain.training_worker import TrainingWorker  # noqa: E402


def mnist_folder() -> str:
    folder = os.environ.get("LENET_MNIST_DIR") or str(REPO.parent / "shared" / "data" / "mnist")
    if not Path(folder).is_dir():
        raise SystemExit(f"MNIST not found at {folder}: set LENET_MNIST_DIR")
    return folder


def measure(mode: str, job: TrainingJob, plot: pg.PlotWidget) -> dict:
    """Run one training in `mode` and return the timer's lateness figures (ms)."""
    worker = TrainingWorker(job, mode=mode)
    curve = plot.plot([], [])
    xs, ys = [], []
    clock = QElapsedTimer()
    lateness: list[float] = []
    state = {"training": False, "last": None, "t0": time.perf_counter(), "started": None}

    def on_tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        if state["last"] is not None and state["training"]:
            lateness.append(max(0.0, now - state["last"] - 10.0))
        state["last"] = now

    def on_started(_info) -> None:
        state["training"] = True
        state["started"] = time.perf_counter() - state["t0"]

    def on_progress(update) -> None:
        xs.append(update.step)
        ys.append(update.mean_loss)
        curve.setData(xs, ys)

    loop = QEventLoop()

    def on_end(*_args) -> None:
        state["training"] = False
        loop.quit()

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(10)
    timer.timeout.connect(on_tick)
    worker.started.connect(on_started)
    worker.progressed.connect(on_progress)
    worker.finished.connect(on_end)
    worker.failed.connect(lambda message: (print("failed:", message), on_end()))
    worker.cancelled.connect(on_end)
    clock.start()
    timer.start()
    worker.start()
    loop.exec()
    timer.stop()
    worker.shutdown()
    total = time.perf_counter() - state["t0"]
    late = np.array(lateness) if lateness else np.zeros(1)
    return {
        "mode": mode,
        "ticks": len(lateness),
        "median": float(np.median(late)),
        "p95": float(np.percentile(late, 95)),
        "max": float(late.max()),
        "over_50": int((late > 50).sum()),
        "start_s": state["started"] or float("nan"),
        "total_s": total,
        "updates": len(xs),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=6000, help="MNIST training images")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each mode, interleaved")
    parser.add_argument("--modes", default="thread,process")
    args = parser.parse_args()

    app = QApplication.instance() or QApplication(sys.argv)
    loaded = load_checkpoint(bundled_checkpoint())
    job = TrainingJob(
        config=TrainConfig(epochs=args.epochs, batch_size=128, learning_rate=1e-3, augment=True),
        model_args=loaded.model.model_args(),
        base_state={k: v.numpy() for k, v in loaded.model.state_dict().items()},
        mnist_folder=mnist_folder(),
        mnist_train_count=args.images,
        test_count=1000,
    )
    plot = pg.PlotWidget()
    plot.resize(500, 300)
    plot.show()
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at start")
    print(f"{'mode':<8}{'ticks':>7}{'median':>9}{'p95':>8}{'max':>8}{'>50ms':>7}"
          f"{'start s':>9}{'total s':>9}{'updates':>9}")  # fmt: skip
    for _ in range(args.repeat):
        for mode in args.modes.split(","):
            r = measure(mode, job, plot)
            print(f"{r['mode']:<8}{r['ticks']:>7}{r['median']:>9.2f}{r['p95']:>8.2f}"
                  f"{r['max']:>8.1f}{r['over_50']:>7}{r['start_s']:>9.2f}{r['total_s']:>9.2f}"
                  f"{r['updates']:>9}", flush=True)  # fmt: skip
    print("lateness in ms of a 10 ms PreciseTimer while the training loop runs")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
