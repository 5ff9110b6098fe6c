"""Lab speed: invariance sweeps of 31 steps and fooling searches, on the ten drawn digits of
`resources/self_test_digits.json`, with the bundled model; and how late a 10 ms GUI timer gets
while the dialogs run them off the GUI thread.

    python benchmarks/bench_lab.py [--threads 1] [--repeat 3]

Prints median, 95th percentile and worst time per call (wall clock, a shared machine: figures
vary between runs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

from lenet_gui.lab.adversarial import smallest_fooling
from lenet_gui.lab.sweep import TRANSFORMS, run_sweep
from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing
from lenet_gui.retrain.checkpoint import load_checkpoint
from lenet_gui.system.paths import bundled_checkpoint

ROOT = Path(__file__).resolve().parent.parent


def report(name: str, seconds: list[float]) -> None:
    ms = sorted(1000 * s for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"{name:<34} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   "
          f"worst {ms[-1]:7.1f} ms   ({len(ms)} calls)")  # fmt: skip


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def gui_lateness(model, prepared) -> None:
    """A 10 ms QTimer's lateness while the fooling dialog searches (its LabTask thread)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from lenet_gui.ui.lab.fooling_dialog import FoolingDialog

    app = QApplication.instance() or QApplication([])
    dialog = FoolingDialog(lambda: (model, prepared))
    late: list[float] = []
    clock, timer = QElapsedTimer(), QTimer()
    timer.setInterval(10)
    last = [0]

    def tick() -> None:
        now = clock.elapsed()
        late.append(now - last[0] - 10)
        last[0] = now

    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    for _ in range(5):
        dialog.run()
        while dialog.task.busy:
            app.processEvents()
            time.sleep(0.001)
    timer.stop()
    print(f"10 ms GUI timer during 5 PGD searches: median {statistics.median(late):.1f} ms late, "
          f"worst {max(late):.0f} ms late ({len(late)} ticks)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = load_checkpoint(bundled_checkpoint()).model
    digits = json.loads((ROOT / "resources" / "self_test_digits.json").read_text())
    prepared = [prepare_drawing(Drawing.from_dict(d)) for d in digits]
    print(f"torch threads {args.threads}; {len(prepared)} drawn digits; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    run_sweep(model, prepared[0], "rotate", -45, 45, 31)  # warm-up
    everything = []
    for name, t in TRANSFORMS.items():
        times = [timed(lambda p=p, n=name, t=t: run_sweep(model, p, n, *t.default_range, 31))
                 for _ in range(args.repeat) for p in prepared]  # fmt: skip
        everything += times
        report(f"sweep {name}, 31 steps", times)
    report("sweep, all transforms", everything)
    for method, target in (("fgsm", None), ("pgd", None), ("pgd", "next digit")):
        times = []
        for _ in range(args.repeat):
            for d, p in zip(digits, prepared, strict=True):
                goal = None if target is None else (d["label"] + 1) % 10
                times.append(timed(lambda p=p, g=goal, m=method: smallest_fooling(
                    model, p.network_input, m, g)))  # fmt: skip
        report(f"fooling search {method}, {target or 'any digit'}", times)
    gui_lateness(model, prepared[3])
    return 0


if __name__ == "__main__":
    sys.exit(main())
