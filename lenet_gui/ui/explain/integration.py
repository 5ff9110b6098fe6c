"""Adds the Explain dock, the heatmap over the canvas and the bundled-model switch to the main
window, through its public API only: `classified`, `model_changed`, `unit_clicked`,
`loaded_model`, `current_inspection()`, `current_digit_box()`, `open_model_file()`, `canvas`,
`model_menu`, `view_menu`.

Attribution runs on `AttributionWorker`'s thread; traces (one forward, about a millisecond) run
on the GUI thread, and only while the dock shows them. The dock's contents (and their modules)
are built the first time it is shown, so the window's start-up does not pay for them.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QImage, QKeySequence
from PySide6.QtWidgets import QDockWidget, QStyle

from ...preprocessing.placement import drawing_ink_box, image_ink_box, placement
from ...preprocessing.preprocess import INK_THRESHOLD, ink_levels
from ...reading.verdict_words import guess_note
from ...system import paths
from ..screen_fit import scrolling
from .room import DockRoom

WHY, HOW, OUTPUT, NETWORK = range(4)


class ExplainController(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.panel = None  # ExplainPanel and CanvasOverlay: built when first shown
        self.overlay = None
        self.dock = QDockWidget("Explain", window)
        self.dock.setObjectName("explain")
        self.dock.setMinimumWidth(215)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.toggle_action = self.dock.toggleViewAction()
        self.toggle_action.setText("&Explain: why and how")
        self.toggle_action.setShortcut(QKeySequence("X"))
        self.toggle_action.setToolTip("Heatmap, unit traces, output layer, formulas (X)")
        window.view_menu.addAction(self.toggle_action)
        window.addAction(self.toggle_action)
        self.worker = None
        self.unit: tuple[str, int, int, int] | None = None
        self._key = 0  # of the latest attribution request
        self._shown_key = -1
        self._placements: dict[int, object] = {}
        self._notes: dict[int, str] = {}  # per request: what the explained class is to the reading
        self._heat = None  # QImage of the heatmap being shown
        self._heat_placement = None
        self._build_model_actions()

        window.classified.connect(self._on_window_classified)
        window.model_changed.connect(self._on_window_model_changed)
        window.unit_clicked.connect(self.trace)
        self.dock.visibilityChanged.connect(self._on_dock_visibility_changed)
        self.room = DockRoom(window, self.dock)  # after the panel is built on showing
        self._sized = False
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def _build(self) -> None:
        """Create the panel and the canvas overlay (once)."""
        if self.panel is not None:
            return
        from .heatmap import CanvasOverlay
        from .panel import ExplainPanel

        self.panel = ExplainPanel()
        # On a short screen the dock's contents scroll down; never sideways: the area is as
        # wide as the panel's minimum beside a scroll bar.
        area = scrolling(self.panel, "Explain")
        width = self.panel.minimumSizeHint().width()
        area.setMinimumWidth(
            width + area.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        )
        self.dock.setWidget(area)
        self.overlay = CanvasOverlay(self.window.canvas)
        self.panel.why.settings_changed.connect(self.refresh)
        self.panel.currentChanged.connect(lambda _index: self.refresh())
        if self.window.loaded_model is not None:
            self._show_network(self.window.loaded_model)

    # -- the two bundled models -------------------------------------------------------------

    def _build_model_actions(self) -> None:
        window = self.window
        menu = window.model_menu.addMenu("&Bundled model")
        menu.setToolTipsVisible(True)
        group = QActionGroup(self)
        self.bundled_actions = {}
        for kind, path, text, tip in (
            ("linear", paths.bundled_checkpoint(), "&Linear output (softmax)",
             "LeNet-5 with a linear output layer, as most re-implementations"),
            ("rbf", paths.bundled_rbf_checkpoint(), "&RBF output (the paper's)",
             "LeNet-5 with the paper's output: distances to fixed 7×12 digit prototypes"),
        ):  # fmt: skip
            action = QAction(text, window)
            action.setToolTip(tip)
            action.setCheckable(True)
            action.setEnabled(path.is_file())
            action.triggered.connect(lambda _checked=False, p=path: window.open_model_file(p))
            group.addAction(action)
            menu.addAction(action)
            self.bundled_actions[kind] = (action, path)

    def _on_window_model_changed(self, loaded) -> None:
        for action, path in self.bundled_actions.values():
            try:
                same = path.resolve() == loaded.path.resolve()
            except OSError:
                same = False
            action.setChecked(same)
        if self.panel is not None:
            self._show_network(loaded)

    def _show_network(self, loaded) -> None:
        from ...network.model import layer_output_shapes

        self.panel.network.show_model(loaded.model, layer_output_shapes())

    # -- updates ---------------------------------------------------------------------------

    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if visible:
            self._build()
        if visible and not self._sized:  # a third of the window at most, the maps keep the rest
            self._sized = True
            width = max(self.dock.minimumWidth(), min(360, self.window.width() // 3))
            self.window.resizeDocks([self.dock], [width], Qt.Orientation.Horizontal)
        self.refresh()

    def _visible(self, tab: int) -> bool:
        return self.panel is not None and self.dock.isVisible() and self.panel.currentIndex() == tab

    def heatmap_on(self) -> bool:
        return self._visible(WHY)

    def refresh(self) -> None:
        self._on_window_classified(self.window.current_inspection())

    def _on_window_classified(self, inspection) -> None:
        if self.panel is None:  # never shown yet: nothing to update
            return
        loaded = self.window.loaded_model
        if inspection is None or loaded is None:
            self._placement = None
            self.panel.why.view.set_input(None)
            self.panel.why.show_attribution(None)
            self.panel.how.show_trace(None, None)
            self.panel.output.show_output(None, self._output_kind())
            self.overlay.set_content(None, None)
            if self.heatmap_on() and loaded is not None:  # nothing to explain yet (and the
                # window has started): the method's library loads now, not in the first drawing
                self._attribution_worker().prepare(self.panel.why.method())
            return
        place = self._current_placement(inspection.prepared)
        if self._visible(OUTPUT):
            self.panel.output.show_output(inspection.activations, self._output_kind())
        field = None
        if self._visible(HOW) and self.unit is not None:
            field = self._update_trace(inspection)
        if self.heatmap_on():
            self.panel.why.view.set_input(inspection.prepared.field)
            self._request_attribution(loaded.model, inspection, place)
        show_heat = self.heatmap_on() and self.panel.why.on_canvas.isChecked()
        heat = self._heat if show_heat else None
        self.overlay.set_content(self._heat_placement if heat is not None else place, heat,
                                 field)  # fmt: skip

    def _output_kind(self) -> str:
        loaded = self.window.loaded_model
        return "linear" if loaded is None else loaded.model.config.output

    def _current_placement(self, prepared):
        """Input -> canvas mapping of the shown input: over the digit it was made from when the
        canvas holds a number, else over all the canvas shows. None without ink."""
        canvas = self.window.canvas
        box = self.window.current_digit_box()
        if box is None and canvas.has_backdrop():
            box = _image_box(canvas.rendered_image())
        elif box is None:
            box = drawing_ink_box(canvas.drawing())
        return None if box is None else placement(prepared, box)

    def _attribution_worker(self):
        from .worker import AttributionWorker

        if self.worker is None:
            self.worker = AttributionWorker(self)
            self.worker.finished.connect(self._on_worker_finished)
            self.worker.failed.connect(self._on_worker_failed)
        return self.worker

    def _request_attribution(self, model, inspection, place) -> None:
        why = self.panel.why
        target, versus = why.choice(inspection.prediction.digit)
        self._key += 1
        self._placements = {self._key: place}
        # The top class of a reading that is not firm is a guess: the legend says so, as the
        # prediction panel does ("Not sure", "Not a digit"); a class the user picked is theirs.
        top = why.target.currentData() is None
        self._notes = {self._key: guess_note(inspection.prediction) if top else ""}
        self._attribution_worker().request(
            self._key, model, inspection.prepared.network_input, target, versus, why.method()
        )

    def _on_worker_finished(self, key, attribution) -> None:
        if key < self._shown_key or not self.heatmap_on():
            return
        self._shown_key = key
        self.panel.why.show_attribution(attribution, self._notes.get(key, ""))
        self._heat = self.panel.why.view.heatmap()
        self._heat_placement = self._placements.get(key, self._heat_placement)
        if self.panel.why.on_canvas.isChecked():
            self.overlay.set_content(self._heat_placement, self._heat)
        else:
            self.overlay.set_content(None, None)

    def _on_worker_failed(self, key, message: str) -> None:
        self.panel.why.legend.setText(f"Could not compute the attribution: {message}")

    # -- traces ----------------------------------------------------------------------------

    def trace(self, layer: str, map_: int, row: int, col: int) -> None:
        """Show how unit (layer, map, row, col) was computed: opens the dock at "How"."""
        self.unit = (layer, map_, row, col)
        self._build()
        self.dock.show()
        self.panel.setCurrentIndex(HOW)
        self.refresh()

    def _update_trace(self, inspection):
        from ...explain.trace import TraceError, trace_unit

        try:
            trace = trace_unit(self.window.loaded_model.model, inspection.prepared.network_input,
                               *self.unit)  # fmt: skip
        except TraceError as exc:  # e.g. a unit of another model's output
            self.panel.how.show_trace(None, None)
            self.panel.how.header.setText(str(exc))
            return None
        self.panel.how.show_trace(trace, inspection.prepared.field, self._output_kind())
        return trace.receptive_field

    def shutdown(self) -> None:
        if self.worker is not None:
            self.worker.stop()


def _image_box(image: QImage):
    """The ink box of what the canvas shows, in canvas (logical) pixels."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    h, w = gray.height(), gray.width()
    pixels = np.frombuffer(gray.constBits(), np.uint8).reshape(h, gray.bytesPerLine())[:, :w]
    box = image_ink_box(ink_levels(pixels), INK_THRESHOLD)
    if box is None:
        return None
    ratio = image.devicePixelRatio() or 1.0
    return tuple(v / ratio for v in box)


def install_explain(window) -> ExplainController:
    return ExplainController(window)
