"""Worst single-event time and memory growth over seeded random GUI events.

Sends the fuzz test's events (tests/gui_fuzz.py: presses, moves far outside the canvas, undo
storms, clears, brush changes, resizes up to 4000x3000 mid-stroke) through the real main window
with the bundled model, one event per turn of the event loop, and times each event until the
loop is idle again (classification and repaint included). Prints the worst events, the p99,
and the growth of the resident memory from the end of the warm-up to the end. Targets (issue 13):
no event over 250 ms, growth under 50 MB after warm-up. Offscreen by default.

Also times one resize of a canvas holding 1,000 strokes (it copied every undo step: 2.3 s and
+1.35 GB before the history was stored once).

    python benchmarks/bench_fuzz.py [--events 10000] [--warm-up 1000] [--seed 0] [--strokes 1000]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the event generator the fuzz test uses
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_tmp = tempfile.mkdtemp(prefix="lenet-gui-bench-")
os.environ["LENET_GUI_DATA_DIR"] = os.path.join(_tmp, "data")  # never touch the user's files
os.environ["XDG_CONFIG_HOME"] = os.path.join(_tmp, "config")

from PySide6.QtWidgets import QApplication  # noqa: E402


def resident_mb() -> float:
    """Resident set size now, in MB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return 0.0


def many_strokes_then_resize(app, count: int) -> None:
    """`count` short strokes drawn by mouse events on a 480 px canvas, then one resize to 960:
    time and resident-memory change of that resize (the history is not copied; the strokes
    are painted again at the new size)."""
    import random

    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    from lenet_gui.ui.canvas import DrawingCanvas

    canvas = DrawingCanvas()
    canvas.resize(480, 480)
    canvas.show()
    app.processEvents()
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    rng = random.Random(0)

    def send(kind, point, button, buttons):
        local = QPointF(*point)
        event = QMouseEvent(
            kind, local, canvas.mapToGlobal(local), button, buttons, Qt.KeyboardModifier.NoModifier
        )
        canvas.event(event)

    for _ in range(count):
        x, y = rng.uniform(50, 400), rng.uniform(50, 400)
        send(QEvent.Type.MouseButtonPress, (x, y), left, left)
        send(QEvent.Type.MouseMove, (x + 30, y + 10), none, left)
        send(QEvent.Type.MouseButtonRelease, (x + 50, y + 60), left, none)
    app.processEvents()
    before = resident_mb()
    started = time.perf_counter()
    canvas.resize(960, 960)
    app.processEvents()
    elapsed = time.perf_counter() - started
    print(
        f"{count:,} strokes, then one resize 480 -> 960 px: {1000 * elapsed:.0f} ms, "
        f"resident memory {resident_mb() - before:+.1f} MB"
    )
    canvas.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--warm-up", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--strokes", type=int, default=1000, help="for the resize measurement")
    args = parser.parse_args()

    app = QApplication([])
    many_strokes_then_resize(app, args.strokes)
    import torch
    from gui_fuzz import GuiFuzzer

    from lenet_gui.checkpoint import load_checkpoint
    from lenet_gui.paths import bundled_checkpoint
    from lenet_gui.ui.main_window import MainWindow

    torch.set_num_threads(1)  # as the app runs
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    window.set_model(load_checkpoint(bundled_checkpoint()))
    gc.freeze()  # as the app does once the model is loaded
    fuzzer = GuiFuzzer(window, args.seed)
    times: list[tuple[float, str, int, tuple[int, int], int]] = []
    after_warm_up = resident_mb()
    peak = 0.0
    for i in range(args.events):
        if i == args.warm_up:
            after_warm_up = resident_mb()
        started = time.perf_counter()
        kind = fuzzer.step()
        app.processEvents()
        elapsed = time.perf_counter() - started
        strokes = len(window.canvas.drawing().strokes)
        times.append((elapsed, kind, i, (window.width(), window.height()), strokes))
        if i >= args.warm_up:
            peak = max(peak, resident_mb())
    end = resident_mb()

    ms = sorted(1000 * t[0] for t in times)
    print(f"{args.events:,} events (seed {args.seed}), window sizes up to 4000x3000, offscreen")
    print(
        f"per event: median {statistics.median(ms):.1f} ms, p99 {ms[int(0.99 * len(ms))]:.1f} "
        f"ms, worst {ms[-1]:.1f} ms"
    )
    print("worst events:")
    for elapsed, kind, i, size, strokes in sorted(times, reverse=True)[:5]:
        print(
            f"  {1000 * elapsed:7.1f} ms  #{i:<6} {kind:<12} window {size[0]}x{size[1]}, "
            f"{strokes} strokes"
        )
    print(
        f"resident memory: {after_warm_up:.0f} MB after {args.warm_up:,} warm-up events, "
        f"{end:.0f} MB at the end (growth {end - after_warm_up:+.1f} MB, peak {peak:.0f} MB)"
    )


if __name__ == "__main__":
    main()
