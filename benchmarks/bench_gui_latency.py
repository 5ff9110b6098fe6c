"""Latency from a mouse-move event on the canvas to the scores and feature maps being updated.

Draws real pen digits (or synthetic strokes if the pen-digit file is absent) with QMouseEvents,
one move per turn of the event loop as a real pen gives them, and times each move until the
window has classified (every view holds the new data) and until it has repainted. Prints the
median, p95 and max, and a breakdown of one classification. Offscreen by default.

    python benchmarks/bench_gui_latency.py [--moves 400] [--number 5] [--heatmap occlusion|gradient]

With `--number N` it writes numbers of N pen digits (composed as in bench_numbers.py) on a canvas
widened for them, and times the moves of each number's last digit: the window reads the whole
number (all candidates in one forward) on every move.

With `--heatmap` the Explain dock is open; on its Why tab the heatmap is over the drawing: each
move also repaints the overlay and requests an attribution, which the attribution thread
computes while the GUI goes on; the script also prints how often a new heatmap arrived, and how
long after the first move the first one came (for `gradient` this includes importing Captum). The
drawings alternate between the Why tab (heatmap on) and the Network tab (heatmap off, nothing
computed per move), so that both figures come from the same minutes of a shared machine; the
load average (1 minute) is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_tmp = tempfile.mkdtemp(prefix="lenet-gui-bench-")
os.environ["LENET_GUI_DATA_DIR"] = os.path.join(_tmp, "data")  # never touch the user's files
os.environ["XDG_CONFIG_HOME"] = os.path.join(_tmp, "config")

from PySide6.QtCore import QEvent, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

PEN_DIGITS = Path(
    os.environ.get("LENET_PEN_DIGITS", ROOT.parent / "shared/data/pen-digits/unipen_dev.json.gz")
)


def strokes_to_draw(side: float, count: int) -> list:
    """Digits as lists of strokes in canvas pixels: pen digits if available, else loops."""
    if PEN_DIGITS.is_file():
        from lenet_gui.data.drawn_digits import CANVAS, load_pen_digits, pen_drawings

        digits = load_pen_digits(PEN_DIGITS)[:count]
        scale = side / CANVAS
        return [
            [[(x * scale, y * scale) for x, y in s] for s in d.strokes]
            for d in pen_drawings(digits)
        ]
    return [
        [
            [
                (side * (0.5 + 0.3 * math.cos(t / 8 + k)), side * (0.5 + 0.35 * math.sin(t / 8)))
                for t in range(60)
            ]
        ]
        for k in range(count)
    ]


def numbers_to_draw(width: float, height: float, length: int, count: int) -> list:
    """(strokes, index of the last digit's first stroke) of `count` numbers of `length` pen
    digits, scaled to fit a width x height canvas."""
    import numpy as np

    from lenet_gui.data.drawn_digits import compose_number, load_pen_digits

    digits = load_pen_digits(PEN_DIGITS)
    rng = np.random.default_rng(0)
    numbers = []
    for _ in range(count):
        chosen = [digits[i] for i in rng.choice(len(digits), size=length, replace=False)]
        drawing = compose_number(chosen, rng, gap_range=(0.1, 0.4))
        scale = min(width / drawing.width, height / drawing.height)
        strokes = [[(x * scale, y * scale) for x, y in s] for s in drawing.strokes]
        numbers.append((strokes, len(strokes) - len(chosen[-1].strokes)))
    return numbers


def send(widget, kind, point, button, buttons) -> None:
    pos = QPointF(*point)
    event = QMouseEvent(
        kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, event)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=400, help="mouse moves to time")
    parser.add_argument("--number", type=int, default=0, help="write numbers of N digits")
    parser.add_argument("--heatmap", choices=("off", "occlusion", "gradient"), default="off",
                        help="time with the Explain dock's heatmap on")  # fmt: skip
    args = parser.parse_args()

    app = QApplication(sys.argv[:1])
    from lenet_gui.ui.main_window import MainWindow

    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    loaded = []
    window.model_changed.connect(loaded.append)
    window.load_initial_model()  # as the app does: background load, then set_num_threads(1)
    while not loaded:
        app.processEvents()
        time.sleep(0.005)
    canvas = window.canvas
    heatmaps: list[tuple[int, float]] = []  # (drawing, time) of each new heatmap shown
    drawing_index = [0]
    if args.heatmap != "off":
        window.explain.toggle_action.trigger()  # the dock is built on its first show
        why = window.explain.panel.why
        why.methods.button(0 if args.heatmap == "occlusion" else 1).setChecked(True)
        shown = why.show_attribution

        def counted(attribution, *args) -> None:
            heatmaps.append((drawing_index[0], time.perf_counter()))
            shown(attribution, *args)

        why.show_attribution = counted
        app.processEvents()
    if args.number:  # widen the canvas's column, as a user does for a number
        window.splitter.setSizes([1000, 200, 80])
        app.processEvents()
        drawings = numbers_to_draw(canvas.width(), canvas.height(), args.number, 100)
    else:
        drawings = [(digit, 0) for digit in strokes_to_draw(canvas.width(), 200)]
    classified_at: list[float] = []
    window.classified.connect(lambda _: classified_at.append(time.perf_counter()))
    began_at: list[float] = []
    classify = window.classify_now

    def timed_classify() -> None:  # note when the coalesced classification starts
        began_at.append(time.perf_counter())
        classify()

    window.classify_now = timed_classify

    to_classified, to_painted, handled, waited, classifying = [], [], [], [], []
    painted_by_mode: dict[bool, list[float]] = {True: [], False: []}  # heatmap on / off
    first_move_at: list[float] = []  # the first move that asked for a heatmap
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    for index, (strokes, first_timed) in enumerate(drawings):
        heatmap_on = args.heatmap != "off" and index % 2 == 0
        drawing_index[0] = index
        if args.heatmap != "off":  # Why (heatmap on) or Network (off), the dock open both ways
            window.explain.panel.setCurrentIndex(0 if heatmap_on else 3)
        window.canvas.clear()
        app.processEvents()
        for k, stroke in enumerate(strokes):
            send(canvas, QEvent.Type.MouseButtonPress, stroke[0], left, left)
            app.processEvents()
            if k < first_timed:  # an earlier digit of a number: drawn, not timed
                for point in stroke[1:]:
                    send(canvas, QEvent.Type.MouseMove, point, none, left)
                send(canvas, QEvent.Type.MouseButtonRelease, stroke[-1], left, none)
                app.processEvents()
                continue
            for point in stroke[1:]:
                classified_at.clear()
                began_at.clear()
                started = time.perf_counter()
                if heatmap_on and not first_move_at:
                    first_move_at.append(started)
                send(canvas, QEvent.Type.MouseMove, point, none, left)
                sent = time.perf_counter()
                while not classified_at:
                    app.processEvents()
                app.processEvents()  # the repaints the classification scheduled
                to_classified.append(1000 * (classified_at[0] - started))
                to_painted.append(1000 * (time.perf_counter() - started))
                painted_by_mode[heatmap_on].append(to_painted[-1])
                handled.append(1000 * (sent - started))
                waited.append(1000 * (began_at[0] - sent))
                classifying.append(1000 * (classified_at[0] - began_at[0]))
            send(canvas, QEvent.Type.MouseButtonRelease, stroke[-1], left, none)
            app.processEvents()
        if len(to_classified) >= args.moves:
            break

    if args.number:
        print(f"numbers of {args.number} digits; last read: {window._reading.number}")
    print(
        f"canvas {canvas.width()}x{canvas.height()} px, {len(to_classified)} mouse moves, "
        f"torch threads {__import__('torch').get_num_threads()}, "
        f"platform {app.platformName()}"
    )
    for name, values in (
        ("move -> scores and maps updated", to_classified),
        ("move -> window repainted", to_painted),
        ("  canvas handles the move", handled),
        ("  until the classification starts", waited),
        ("  classification and view updates", classifying),
    ):
        print(
            f"{name:<34} median {statistics.median(values):6.2f} ms   "
            f"p95 {percentile(values, 0.95):6.2f} ms   max {max(values):6.2f} ms"
        )
    if args.heatmap != "off":
        for on, name in ((True, f"heatmap on ({args.heatmap})"), (False, "heatmap off")):
            values = painted_by_mode[on]
            print(
                f"  {name + ', alternate drawings':<32} median {statistics.median(values):6.2f} ms"
                f"   p95 {percentile(values, 0.95):6.2f} ms   ({len(values)} moves)"
            )
    gaps = [1000 * (b - a) for (i, a), (j, b) in itertools.pairwise(heatmaps) if i == j]
    if args.heatmap != "off" and not gaps:
        print(f"heatmap ({args.heatmap}) on: {len(heatmaps)} heatmaps, never two in one drawing")
    elif args.heatmap != "off":
        print(
            f"heatmap ({args.heatmap}) on: {len(heatmaps)} new heatmaps while drawing, one every "
            f"{statistics.median(gaps):.0f} ms (median), p95 {percentile(gaps, 0.95):.0f} ms"
        )
        first = 1000 * (heatmaps[0][1] - first_move_at[0])
        print(f"first heatmap {first:.0f} ms after the first move (the worker's first map)")
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average (1 min): {load_before:.2f} at the start, {load_after:.2f} at the end")
    print_breakdown(window)
    window.explain.shutdown()
    window.close()
    return 0


def print_breakdown(window) -> None:
    """Where one classification's time goes (median of 200 runs on the last drawing)."""
    from lenet_gui.preprocessing.preprocess import prepare_drawing
    from lenet_gui.reading.inference import inspect

    drawing = window.current_drawing()
    model = window.loaded_model.model
    prepared = prepare_drawing(drawing)
    inspection = inspect(model, prepared)
    parts = {
        "prepare_drawing": lambda: prepare_drawing(drawing),
        "inspect (forward)": lambda: inspect(model, prepared),
        "update the views": lambda: window._show(inspection, ""),
    }
    for name, run in parts.items():
        times = []
        for _ in range(200):
            started = time.perf_counter()
            run()
            times.append(1000 * (time.perf_counter() - started))
        print(f"  {name:<20} median {statistics.median(times):6.2f} ms")


if __name__ == "__main__":
    sys.exit(main())
