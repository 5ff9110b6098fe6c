"""Runs the app the way other desktops do, in a fresh process, and prints one JSON report.

Used by tests/test_ui_desktops.py (QApplication is a singleton, and the locale, the scale
factor and the screen size must be set before Qt starts):

    python tests/desktop_probe.py --screen 800x600 [--dark] [--explain] [--shots DIR]

with LANG / LC_ALL / QT_SCALE_FACTOR in the environment. It shows the main window (bundled
model, a drawn digit; with --explain, the Explain dock opened with its key, X), the enlarged
view of a map, the retrain dialog and the sample browser,
and reports for each window whether it fits the screen, every interactive widget without an
accessible name, and every text whose contrast against its background is below 4.5:1 (WCAG
2.x relative luminance, computed from the colours the widgets' palettes give them).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def screen_config(width: int, height: int) -> str:
    spec = {
        "screens": [
            {
                "name": "probe",
                "x": 0,
                "y": 0,
                "width": width,
                "height": height,
                "logicalDpi": 96,
                "logicalBaseDpi": 96,
                "dpr": 1,
            }
        ]
    }
    path = Path(tempfile.gettempdir()) / f"lenet-gui-probe-{width}x{height}.json"
    path.write_text(json.dumps(spec))
    return str(path)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--screen", default="1280x800")
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--explain", action="store_true", help="open the Explain dock (key X)")
    parser.add_argument("--shots", help="save screenshots of each window into this folder")
    args = parser.parse_args()
    width, height = (int(v) for v in args.screen.split("x"))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={screen_config(width, height)}"

    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from lenet_gui.retrain.checkpoint import load_checkpoint
    from lenet_gui.system.paths import bundled_checkpoint
    from lenet_gui.ui import theme
    from lenet_gui.ui.main_window import MainWindow

    app = QApplication(["lenet-gui"])
    if args.dark:
        app.setStyle("Fusion")  # follows the palette fully, as GTK's dark themes do
        app.setPalette(theme.dark_palette())
    window = MainWindow()
    window.show()
    window.set_model(load_checkpoint(bundled_checkpoint()))
    settle(app)

    canvas = window.canvas
    button = Qt.MouseButton.LeftButton
    points = [(0.55, 0.15), (0.5, 0.5), (0.45, 0.85)]
    for i, (fx, fy) in enumerate(points):
        kind = (
            QEvent.Type.MouseButtonPress
            if i == 0
            else QEvent.Type.MouseMove
            if i < len(points) - 1
            else QEvent.Type.MouseButtonRelease
        )
        pos = QPointF(fx * canvas.width(), fy * canvas.height())
        held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
        event = QMouseEvent(
            kind, pos, canvas.mapToGlobal(pos), button, held, Qt.KeyboardModifier.NoModifier
        )
        app.sendEvent(canvas, event)
    settle(app)
    if args.explain:
        from PySide6.QtTest import QTest

        window.activateWindow()
        QTest.keyClick(window.canvas, Qt.Key.Key_X)
        overlay_end = time.monotonic() + 60
        while time.monotonic() < overlay_end and not (
            window.explain.overlay is not None and window.explain.overlay.is_showing()
        ):
            settle(app, 0.1)

    window._on_feature_view_map_clicked("C3", 0)  # the enlarged view of one map
    from lenet_gui.ui.retrain.integration import RetrainController

    controller = next(c for c in window.children() if isinstance(c, RetrainController))
    retrain = controller.open_retrain()
    controller.store.add(window.current_drawing(), 1)  # a thumbnail in the browser
    browser = controller.open_samples()
    settle(app)

    screen = app.primaryScreen().availableGeometry()
    report = {
        "screen": [screen.width(), screen.height()],
        "windows": {},
        "unnamed": [],
        "low_contrast": [],
        "painted_low_contrast": [],
        "clipped": [],
        "sideways": [],
        "canvas": [canvas.width(), canvas.height()],
        "explain": window.explain.dock.isVisible(),
        "heatmap_on_canvas": window.explain.overlay is not None
        and window.explain.overlay.is_showing(),
    }
    windows = {"main": window, "map": window._details[-1], "retrain": retrain, "samples": browser}
    for name, top in windows.items():
        frame = top.frameGeometry()
        report["windows"][name] = {
            "geometry": [frame.x(), frame.y(), frame.width(), frame.height()],
            "fits": screen.contains(frame),
            "minimum": [top.minimumSizeHint().width(), top.minimumSizeHint().height()],
        }
        report["unnamed"] += [f"{name}: {w}" for w in unnamed_interactive_widgets(top)]
        report["low_contrast"] += [f"{name}: {t}" for t in low_contrast_texts(top)]
        report["clipped"] += [f"{name}: {t}" for t in clipped_buttons(top)]
        report["sideways"] += [f"{name}: {t}" for t in sideways_scrolling(top)]
        if args.shots:
            Path(args.shots).mkdir(parents=True, exist_ok=True)
            top.grab().save(str(Path(args.shots) / f"{name}.png"))
    report["painted_low_contrast"] = low_contrast_painted_colours(window)
    report["numbers"] = [retrain.mnist_images.text(), retrain.learning_rate.text()]
    print("PROBE " + json.dumps(report))
    sys.stdout.flush()
    retrain.shutdown()
    os._exit(0)


def describe(widget) -> str:
    text = ""
    for attr in ("text", "title", "windowTitle"):
        try:
            text = getattr(widget, attr)()
        except (AttributeError, TypeError):
            continue
        if text:
            break
    return f"{type(widget).__name__}({widget.objectName() or str(text)[:40]!r})"


def interactive(widget) -> bool:
    """What a keyboard or screen-reader user operates: focusable or clickable widgets."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractScrollArea,
        QAbstractSlider,
        QAbstractSpinBox,
        QComboBox,
        QLabel,
    )

    if not widget.isVisibleTo(widget.window()) or isinstance(widget, QLabel):
        return False
    if isinstance(widget.parent(), (QAbstractSpinBox, QComboBox)):
        return False  # a spin box's line edit: the spin box itself is what is named
    parent = widget.parent()
    if isinstance(parent, QAbstractScrollArea) and widget is parent.viewport():
        return False
    holder = widget.parentWidget()
    while isinstance(widget, QAbstractSlider) and holder is not None:
        if isinstance(holder, QAbstractScrollArea):
            return False  # a scroll area's own scroll bars (Qt names them for the area)
        holder = holder.parentWidget()
    if isinstance(widget, (QAbstractButton, QAbstractSlider)):
        return True
    if widget.hasMouseTracking() and type(widget).__module__.startswith("lenet_gui"):
        return True  # the app's own views that answer the pointer (canvas, maps, stages...)
    return widget.focusPolicy() != Qt.FocusPolicy.NoFocus


def unnamed_interactive_widgets(top) -> list[str]:
    """Interactive widgets whose accessible name (what a screen reader says) is empty."""
    from PySide6.QtGui import QAccessible
    from PySide6.QtWidgets import QWidget

    out = []
    for widget in [top, *top.findChildren(QWidget)]:
        if widget.window() is not top or not interactive(widget):
            continue
        iface = QAccessible.queryAccessibleInterface(widget)
        name = iface.text(QAccessible.Text.Name) if iface is not None else ""
        if not name.strip():
            out.append(describe(widget))
    return out


def low_contrast_texts(top) -> list[str]:
    """Visible labels and buttons whose text colour is below 4.5:1 on their background."""
    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel

    from lenet_gui.ui import theme

    out = []
    found = [w for t in (QLabel, QAbstractButton, QGroupBox) for w in top.findChildren(t)]
    for widget in found:
        if not widget.isVisibleTo(top) or not widget.isEnabled():
            continue
        fg = widget.palette().color(widget.foregroundRole())
        bg = widget.palette().color(widget.backgroundRole())
        sheet = widget.styleSheet()
        if "color:" in sheet:  # a style sheet colour: read it back
            from PySide6.QtGui import QColor

            fg = QColor(sheet.split("color:")[1].split(";")[0].strip())
        ratio = theme.contrast_ratio(fg, bg)
        if ratio < theme.MIN_CONTRAST:
            out.append(f"{describe(widget)} {fg.name()} on {bg.name()}: {ratio:.2f}")
    return out


def low_contrast_painted_colours(window) -> list[str]:
    """The colours the painted views draw text with (theme.ink), on their own backgrounds."""
    from lenet_gui.ui import theme

    out = []
    views = [window.prediction_panel.bars, window.feature_view, window.input_view]
    for view in views:
        ground = theme.background(view)
        for role in theme.ROLES:
            ratio = theme.contrast_ratio(theme.ink(view, role), ground)
            if ratio < theme.MIN_CONTRAST:
                out.append(f"{type(view).__name__} {role}: {ratio:.2f}")
    return out


def clipped_buttons(top) -> list[str]:
    """Buttons outside their window, or hidden outside a parent that cannot scroll to them."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea

    out = []
    window_rect = QRect(QPoint(0, 0), top.size())
    for button in top.findChildren(QAbstractButton):
        if not button.isVisibleTo(top) or button.window() is not top:
            continue
        ancestors, parent = [], button.parentWidget()
        while parent is not None and parent is not top:
            ancestors.append(parent)
            parent = parent.parentWidget()
        if any(isinstance(a, QAbstractScrollArea) for a in ancestors):
            continue  # reachable by scrolling
        where = QRect(button.mapTo(top, QPoint(0, 0)), button.size())
        if not window_rect.contains(where):
            out.append(f"{describe(button)} at {where.getRect()} outside {window_rect.getRect()}")
    return out


def sideways_scrolling(top) -> list[str]:
    """Scroll areas whose content is wider than their view: a part reached only by scrolling
    sideways (text cut at the right edge until then)."""
    from PySide6.QtWidgets import QAbstractScrollArea

    return [
        describe(area)
        for area in top.findChildren(QAbstractScrollArea)
        if area.isVisible() and area.horizontalScrollBar().maximum() > 0
    ]


def settle(app, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


if __name__ == "__main__":
    sys.exit(main())
