"""Worst single-event time and memory growth over seeded random GUI events.

Sends the fuzz test's events (tests/gui_fuzz.py: presses, moves far outside the canvas, undo
storms, clears, brush changes, resizes up to 4000x3000 mid-stroke) through the real main window
with the bundled model, one event per turn of the event loop, and times each event until the
loop is idle again (classification and repaint included), in wall-clock time and in CPU time
of the GUI thread (what the event costs; on a loaded machine the wall time also holds the waits
for a core). Prints the load average, the worst events and the p99.

Memory: the resident set swings with the window size (a 4000x3000 window holds images of
16-48 MB), so figures taken at random moments compare different windows. Every --check events
(and at the end of the warm-up) the window is brought to the same state (button up, 1280x800,
idle, garbage collected) and the resident memory measured there: a leak grows from checkpoint
to checkpoint, in the last half as in the first; a plateau does not. Also printed: the peak, and
at the end how much of the resident memory was freed memory the C library kept (what
malloc_trim gives back). The window runs with the app's allocator policy
(lenet_gui.system.allocator). Targets (issue 13): no event over 250 ms, growth under 50 MB after
warm-up. Offscreen by default.

Also times one resize of a canvas holding 1,000 strokes (it copied every undo step: 2.3 s and
+1.35 GB before the history was stored once), and single events in the 4000x3000 window holding
--window-strokes strokes (each stroke adds pieces to read and ink to paint). A resize or a brush
change there is painted in slices over later turns of the event loop (ui/stroke_layer.py): for
those the worst later turn and the time until the canvas is complete are printed too, and the
memory the stroke layer's checkpoints hold. --window-only runs that part alone.

    python benchmarks/bench_fuzz.py [--events 10000] [--warm-up 1000] [--check 1000] [--seed 0]
                                    [--strokes 1000] [--window-strokes 300] [--window-only]
"""

from __future__ import annotations

import argparse
import ctypes
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

from PySide6.QtCore import QObject  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def resident_mb() -> float:
    """Resident set size now, in MB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return 0.0


def freed_but_kept_mb() -> float:
    """Resident memory that malloc_trim(0) gives back to the system (glibc; 0 elsewhere)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return 0.0
    before = resident_mb()
    trim(0)
    return before - resident_mb()


def load_average() -> str:
    try:
        return ", ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


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
    while getattr(canvas, "is_rendering", lambda: False)():  # painted in slices: wait for it
        app.processEvents()
    complete = time.perf_counter() - started
    print(
        f"{count:,} strokes, then one resize 480 -> 960 px: {1000 * elapsed:.0f} ms "
        f"(complete after {1000 * complete:.0f} ms), "
        f"resident memory {resident_mb() - before:+.1f} MB"
    )
    canvas.close()


def events_in_a_full_window(app, window, count: int) -> None:
    """Wall and GUI-thread CPU time of single events in the window at 4000x3000 holding `count`
    short strokes (drawn by mouse events, then one turn of the event loop)."""
    import random

    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent

    canvas = window.canvas
    window.pen_action.trigger()  # the fuzz may have left the eraser on
    window.clear_action.trigger()
    window.resize(4000, 3000)
    app.processEvents()
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    rng = random.Random(1)

    def send(kind, x, y, button, buttons):
        local = QPointF(x * canvas.width(), y * canvas.height())
        event = QMouseEvent(
            kind, local, canvas.mapToGlobal(local), button, buttons, Qt.KeyboardModifier.NoModifier
        )
        canvas.event(event)

    for _ in range(count):
        x, y = rng.uniform(0.05, 0.85), rng.uniform(0.1, 0.8)
        send(QEvent.Type.MouseButtonPress, x, y, left, left)
        for k in range(1, 9):
            send(QEvent.Type.MouseMove, x + 0.01 * k, y + 0.02 * (k % 3), none, left)
        send(QEvent.Type.MouseButtonRelease, x + 0.1, y + 0.1, left, none)
    app.processEvents()
    slider = window.brush_slider
    steps = (
        ("press", lambda: send(QEvent.Type.MouseButtonPress, 0.5, 0.5, left, left)),
        ("move", lambda: send(QEvent.Type.MouseMove, 0.52, 0.55, none, left)),
        ("release", lambda: send(QEvent.Type.MouseButtonRelease, 0.52, 0.55, left, none)),
        ("undo", window.undo_action.trigger),
        ("redo", window.redo_action.trigger),
        ("brush", lambda: slider.setValue(slider.value() + 1)),
        ("resize", lambda: window.resize(3963, 2977)),
        ("resize back", lambda: window.resize(4000, 3000)),
    )
    print(f"window 4000x3000 (canvas {canvas.width()}x{canvas.height()}) holding {count} strokes:")
    rendering = getattr(canvas, "is_rendering", lambda: False)
    for name, step in steps:
        started, cpu = time.perf_counter(), time.thread_time()
        step()
        app.processEvents()
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
        line = f"  {name:<12} {1000 * elapsed:7.1f} ms (CPU {1000 * cpu:5.1f})"
        worst, turns, busy = 0.0, 0, elapsed
        while rendering():  # the rest of a progressive render, one turn at a time
            time.sleep(0.002)  # the loop is idle here: not counted
            turn = time.perf_counter()
            app.processEvents()
            turn = time.perf_counter() - turn
            worst, turns, busy = max(worst, turn), turns + 1, busy + turn
        if turns:
            line += (
                f"; then {turns} turns, worst {1000 * worst:.1f} ms, "
                f"complete after {1000 * busy:.0f} ms of work"
            )
        print(line)
    layer = getattr(canvas, "_layer", None)
    if layer is not None:
        print(
            f"  stroke layer checkpoints: {len(layer.checkpoint_counts())} "
            f"({layer.checkpoint_bytes() / 2**20:.0f} MB)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--warm-up", type=int, default=1_000)
    parser.add_argument("--check", type=int, default=1_000, help="events between checkpoints")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--strokes", type=int, default=1000, help="for the resize measurement")
    parser.add_argument("--window-strokes", type=int, default=300)
    parser.add_argument("--window-only", action="store_true", help="only the 4000x3000 window")
    args = parser.parse_args()

    from lenet_gui.system.allocator import return_large_blocks_to_the_system

    return_large_blocks_to_the_system()  # as the app does at start-up
    app = QApplication([])
    print(f"load average at the start: {load_average()} (1, 5, 15 min; {os.cpu_count()} cores)")
    if not args.window_only:
        many_strokes_then_resize(app, args.strokes)
    import torch
    from gui_fuzz import NONE, GuiFuzzer

    from lenet_gui.retrain.checkpoint import load_checkpoint
    from lenet_gui.system.paths import bundled_checkpoint
    from lenet_gui.ui.main_window import MainWindow

    torch.set_num_threads(1)  # as the app runs
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    window.set_model(load_checkpoint(bundled_checkpoint()))
    gc.freeze()  # as the app does once the model is loaded
    if args.window_only:
        events_in_a_full_window(app, window, args.window_strokes)
        return
    fuzzer = GuiFuzzer(window, args.seed)

    def checkpoint() -> tuple[float, int, int]:
        """Resident MB with the window in the same state every time, the QObjects under the
        window and the objects the garbage collector tracks."""
        if fuzzer.held != NONE:
            fuzzer._release()
        window.resize(1280, 800)
        app.processEvents()
        gc.collect()
        app.processEvents()
        return resident_mb(), len(window.findChildren(QObject)), len(gc.get_objects())

    times: list[tuple[float, float, str, int, tuple[int, int], int]] = []
    checks: list[tuple[int, tuple[float, int, int]]] = []
    peak = 0.0
    for i in range(args.events):
        if i >= args.warm_up and (i - args.warm_up) % args.check == 0:
            checks.append((i, checkpoint()))
        started, cpu = time.perf_counter(), time.thread_time()
        kind = fuzzer.step()
        app.processEvents()
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
        strokes = len(window.canvas.drawing().strokes)
        times.append((elapsed, cpu, kind, i, (window.width(), window.height()), strokes))
        if i >= args.warm_up:
            peak = max(peak, resident_mb())
    checks.append((args.events, checkpoint()))
    kept = freed_but_kept_mb()

    print(f"{args.events:,} events (seed {args.seed}), window sizes up to 4000x3000, offscreen")
    print(f"load average at the end: {load_average()}")
    for name, k in (("wall", 0), ("GUI-thread CPU", 1)):
        ms = sorted(1000 * t[k] for t in times)
        print(
            f"per event, {name}: median {statistics.median(ms):.1f} ms, "
            f"p99 {ms[int(0.99 * len(ms))]:.1f} ms, worst {ms[-1]:.1f} ms"
        )
    print("worst events (wall):")
    for elapsed, cpu, kind, i, size, strokes in sorted(times, reverse=True)[:5]:
        print(
            f"  {1000 * elapsed:7.1f} ms (CPU {1000 * cpu:5.1f})  #{i:<6} {kind:<12} "
            f"window {size[0]}x{size[1]}, {strokes} strokes"
        )
    print(
        f"QObjects under the window at the checkpoints: {checks[0][1][1]:,} to "
        f"{max(c[1][1] for c in checks):,}, at the end {checks[-1][1][1]:,}; objects tracked by "
        f"the garbage collector {checks[0][1][2]:,} to {max(c[1][2] for c in checks):,}, at the "
        f"end {checks[-1][1][2]:,}"
    )
    checks = [(i, c[0]) for i, c in checks]
    first, half, last = checks[0][1], checks[len(checks) // 2], checks[-1][1]
    print(
        "resident memory at the 1280x800 checkpoint, every "
        f"{args.check:,} events from #{checks[0][0]:,}: "
        + " ".join(f"{mb:.0f}" for _, mb in checks)
        + " MB"
    )
    print(
        f"growth after the warm-up {last - first:+.1f} MB; over the last half "
        f"(from #{half[0]:,}) {last - half[1]:+.1f} MB; checkpoints within "
        f"{max(mb for _, mb in checks) - min(mb for _, mb in checks):.1f} MB; "
        f"peak {peak:.0f} MB; freed memory the C library kept at the end {kept:.1f} MB"
    )
    events_in_a_full_window(app, window, args.window_strokes)


if __name__ == "__main__":
    main()
