"""The main window: wires the canvas, the prediction and the network views to the core.

Classification runs on the GUI thread: rendering and preparing a drawing take a few ms, the
LeNet-5 forward about 1 ms and the views under 1 ms (`benchmarks/bench_gui_latency.py`).
`strokes_changed` only starts a zero-interval single-shot timer if none is pending, so however
fast the mouse moves there is at most one classification per turn of the event loop.
"""

from __future__ import annotations

import gc
import json
import logging
import statistics
import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSlider,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..network.architecture import C3_TABLE
from ..preprocessing.photo import open_image
from ..preprocessing.preprocess import Drawing, prepare_drawing
from ..preprocessing.strokes import Picture
from ..reading.segmentation import plan_drawing, plan_image
from ..reading.verdict_words import reading_sentence
from ..system import paths
from ..system.atomic import write_bytes
from .canvas import CanvasHolder, DrawingCanvas
from .clipboard import ClipboardActions, add_picture_buttons, local_files
from .explain.integration import install_explain
from .images import png_bytes
from .lab.menu import LabMenu
from .lab.onnx_action import OnnxExportAction
from .model_loader import ModelLoader
from .retrain.integration import install_retrain
from .screen_fit import (
    centre_on_screen,
    elide_status_messages,
    fit_to_screen,
    scrolling,
    text_dialog,
)
from .settings import PEN_FRACTION_RANGE, Settings
from .views.explanations import ABOUT_HTML
from .views.feature_maps import FeatureMapsView
from .views.input_view import InputStagesView
from .views.map_detail import MapDetailDialog
from .views.number_overlay import NOT_A_DIGIT, NumberOverlay
from .views.scores import PredictionPanel

log = logging.getLogger(__name__)

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"
MODEL_FILTER = "Checkpoints (*.pt *.pth);;All files (*)"
BRUSH_STEPS = 200  # slider units per canvas side: 1 step = 0.5% of the side
# Below this width for the canvas column (what Qt would leave it) the other columns give way.
SMALL_CANVAS_COLUMN = 300
# A number's tag per part, by its verdict: "unsure" gets "?", "not a digit" a cross (left out).
_TAGS = {"digit": "{}", "unsure": "{}?", "not a digit": NOT_A_DIGIT}


class MainWindow(QMainWindow):
    """Public API (used by other dialogs): `set_model`, `current_drawing`,
    `current_digit_drawings`, `loaded_model`, `model_menu`, `view_menu`, `tool_bar`,
    `model_changed`, `classified`, `unit_clicked`; `canvas.strokes_changed`."""

    model_changed = Signal(object)  # the LoadedModel now active
    classified = Signal(object)  # the Inspection now shown, None for no digit or no model
    unit_clicked = Signal(str, int, int, int)  # a unit in an enlarged map: layer, map, row, col

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self._loaded = None  # LoadedModel
        self._inspection = None  # what the views show
        self._picture_plan = None  # (Picture, segmentation.Plan) of the opened image
        self._reading = None  # the NumberReading shown
        self._chosen: tuple[int, int] | None = None  # (digit clicked, strokes then)
        self._shown_digit = 0  # the digit of the reading whose input the views show
        self._details: list[MapDetailDialog] = []
        self._loader: ModelLoader | None = None
        self._painted = False  # has the window been on screen yet?
        self._timing_shown = 0.0
        self._timings: deque[float] = deque(maxlen=30)  # the last classifications, in ms
        self._load_pending = False
        # Properties are set by calls, not constructor keywords: PySide6 looks keyword
        # properties up by a lower-cased name, which fails under a Turkish locale (dotless i).
        self._classify_timer = QTimer(self)
        self._classify_timer.setSingleShot(True)
        self._classify_timer.setInterval(0)
        self._classify_timer.timeout.connect(self._on_classify_timer_timeout)

        self._build_views()
        self._build_actions()
        self._build_menus_and_toolbar()
        self.clipboard = ClipboardActions(self)  # paste, copy and save pictures, drops
        install_retrain(self)
        self.explain = install_explain(self)
        self._restore()
        self._update_title()

    # -- public API --------------------------------------------------------------------------

    @property
    def loaded_model(self):
        """The active LoadedModel, or None while the start-up model is loading."""
        return self._loaded

    def current_drawing(self) -> Drawing:
        return self.canvas.drawing()

    def current_input(self):
        """What the network sees of the canvas (strokes, opened image or both): a
        PreparedInput, or None when there is no digit."""
        return self.canvas.prepared_input()

    def current_digit_drawings(self) -> list[Drawing]:
        """Each digit of the number drawn on the canvas as a drawing of its own, left to right:
        the parts the number is read from (a part tagged "not a digit" is none of them); empty
        unless the canvas holds a drawn number of two digits or more."""
        if self._classify_timer.isActive():
            self.classify_now()  # the reading must be that of the strokes now
        reading = self._reading
        if reading is None or self.canvas.has_backdrop():
            return []
        parts = [p for p in reading.digits if p.verdict.digit is not None]
        if len(parts) < 2:
            return []
        d = self.canvas.drawing()
        return [Drawing(d.width, d.height, p.strokes, d.pen_width) for p in parts]

    def current_inspection(self):
        return self._inspection

    def current_digit_box(self) -> tuple[float, float, float, float] | None:
        """Where the digit whose input the views show lies on the canvas (x0, y0, x1, y1: its
        ink box, canvas pixels) when the canvas holds a number of two digits or more; None
        otherwise (the input is then made from all the canvas shows)."""
        reading = self._reading
        if self._inspection is None or reading is None or len(reading.digits) < 2:
            return None
        return self._canvas_box(reading.digits[self._shown_digit].box)

    def _canvas_box(self, box):
        """A reading's box (drawing or opened image pixels) in canvas pixels."""
        picture = self.canvas.picture()
        if picture is None:
            return box
        x, y, w, _ = picture.fitted_rect(self.canvas.width(), self.canvas.height())
        k = w / picture.image.width
        return (x + k * box[0], y + k * box[1], x + k * box[2], y + k * box[3])

    def set_model(self, loaded) -> None:
        """Switch to `loaded` at once and classify what is on the canvas with it.

        The model is remembered for the next start only once it is shown: a model that fails
        here is not the one the app tries first next time."""
        self._loaded = loaded
        kernels = loaded.model.c1.weight.detach().cpu().numpy()[:, 0]  # (6, 5, 5)
        self.feature_view.set_network(kernels, C3_TABLE, loaded.model.config.output)
        self.details_action.setEnabled(True)
        self.revert_action.setEnabled(not self._is_bundled(loaded.path))
        self._update_title()
        self.model_changed.emit(loaded)
        self.classify_now()
        self.settings.last_model = None if self._is_bundled(loaded.path) else str(loaded.path)

    def open_image_file(self, path: str | Path) -> bool:
        """Show an image file on the canvas (one undo step) and classify it through
        `prepare_image`; strokes drawn afterwards go on top of it."""
        path = Path(path)
        try:
            picture = Picture.from_image(open_image(path), path.name)  # upright (EXIF)
        except (OSError, ValueError) as exc:  # photo.ImageReadError: unreadable, corrupt, huge
            QMessageBox.warning(
                self, "Cannot open image", f"{path.name} is not a readable image of a digit:\n{exc}"
            )
            return False
        self.settings.last_folder = str(path.parent)
        self.show_picture(picture)
        return True

    def open_picture(self, image, name: str) -> bool:
        """Show a Pillow image (a pasted one) on the canvas and classify it."""
        try:
            picture = Picture.from_image(image, name)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Cannot open image", f"{name} has no usable pixels:\n{exc}")
            return False
        self.show_picture(picture)
        return True

    def show_picture(self, picture: Picture) -> None:
        """Put an image on the canvas (one undo step) and classify it, as Open image does."""
        self.canvas.open_picture(picture)
        self._chosen = None
        self.statusBar().showMessage(f"Reading {picture.name}", 5000)  # "the pasted image"
        self.classify_now()

    def open_model_file(self, path: str | Path) -> bool:
        """Load a checkpoint; on any problem say why and keep the current model."""
        from ..retrain.checkpoint import CheckpointError, describe, load_checkpoint

        try:
            loaded = load_checkpoint(path)
        except CheckpointError as exc:
            current = self._loaded.name if self._loaded else "none"
            QMessageBox.warning(
                self, "Cannot open model", f"{exc}\n\nThe current model ({current}) stays active."
            )
            return False
        self.set_model(loaded)
        rows = ", ".join(f"{label}: {value}" for label, value in describe(loaded.metadata)[:3])
        notes = "".join(f" ({note})" for note in getattr(loaded, "warnings", ()))
        self.statusBar().showMessage(f"Opened {loaded.name}{notes} — {rows}", 10000)
        return True

    def load_initial_model(self) -> None:
        """Load the last model (else the bundled one) once the window has been painted.

        Importing torch holds Python's lock while its libraries load, which would delay the
        first paint; so the loading waits for it (or for a second, if the window is hidden).
        """
        if self._painted:
            QTimer.singleShot(0, self._start_loader)
        else:
            self._load_pending = True
            QTimer.singleShot(1000, self._start_loader)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.canvas and event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            if self._load_pending:
                QTimer.singleShot(0, self._start_loader)
        return super().eventFilter(watched, event)

    def _start_loader(self) -> None:
        if self._loader is not None:
            return
        candidates = [paths.bundled_checkpoint()]
        if self.settings.last_model:
            candidates.insert(0, Path(self.settings.last_model))
        self._loader = ModelLoader(self)
        self._loader.loaded.connect(self._on_loader_loaded)
        self._loader.failed.connect(self._on_loader_failed)
        self._loader.start(candidates)

    # -- building ----------------------------------------------------------------------------

    def _build_views(self) -> None:
        self.canvas = DrawingCanvas()
        self.canvas.set_pen_fraction(self.settings.pen_fraction)
        self.canvas.strokes_changed.connect(self._on_canvas_strokes_changed)
        self.canvas.history_changed.connect(self._on_canvas_history_changed)
        self.canvas.files_dropped.connect(self._on_canvas_files_dropped)
        self.canvas.installEventFilter(self)
        self.number_overlay = NumberOverlay(self.canvas)
        self.number_overlay.digit_chosen.connect(self._on_number_overlay_digit_chosen)
        self.input_view = InputStagesView()
        self.prediction_panel = PredictionPanel()
        self.feature_view = FeatureMapsView()
        self.feature_view.set_show_kernels(self.settings.show_kernels)
        self.feature_view.map_clicked.connect(self._on_feature_view_map_clicked)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 4, 8)
        left_layout.addWidget(CanvasHolder(self.canvas), 1)
        stages_title = QLabel("<b>What the network sees</b>")
        stages_title.setToolTip("The preprocessing that turns the drawing into LeNet-5's input")
        left_layout.addWidget(stages_title)
        left_layout.addWidget(self.input_view)

        scroll = scrolling(self.feature_view, "Inside the network")
        # Neither scroll area is a tab stop of its own: it would take the focus and show none.
        # What is in them is (the maps, the scores, ...), and the areas follow it as it moves.
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 8, 8, 8)
        maps_title = QLabel("<b>Inside the network</b> — hover for values, click a map to enlarge")
        maps_title.setWordWrap(True)  # so the canvas's column can widen for a number
        right_layout.addWidget(maps_title)
        right_layout.addWidget(scroll, 1)

        # Never narrower than its bars and their percentages (160 px) with its margins.
        self.prediction_panel.setMinimumWidth(self.prediction_panel.minimumSizeHint().width())
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        for widget, stretch in ((left, 5), (self.prediction_panel, 0), (right, 6)):
            self.splitter.addWidget(widget)
            self.splitter.setStretchFactor(self.splitter.count() - 1, stretch)
        # Below the splitter's minimum (small or scaled screens) the whole view scrolls.
        self.setCentralWidget(scrolling(self.splitter, "Main window contents"))
        self.centralWidget().setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.model_label = QLabel("Model: loading…")
        self.timing_label = QLabel()
        self.timing_label.setToolTip(
            "Time to prepare the input, run LeNet-5 and update the views\n"
            "(median of the last 30 classifications)"
        )
        self.statusBar().addPermanentWidget(self.timing_label)
        self.statusBar().addPermanentWidget(self.model_label)
        elide_status_messages(self.statusBar(), [self.timing_label, self.model_label])

    def _action(self, text: str, slot, shortcuts=(), tip: str = "", checkable=False) -> QAction:
        action = QAction(text, self)
        keys = [QKeySequence(k) for k in shortcuts]
        if keys:
            action.setShortcuts(keys)
        shown = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
        action.setToolTip(f"{tip or text.rstrip('.…')}" + (f" ({shown})" if shown else ""))
        action.setStatusTip(tip or text)
        action.setCheckable(checkable)
        (action.toggled if checkable else action.triggered).connect(slot)
        self.addAction(action)  # shortcuts work whichever widget has the focus
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.open_image_action = a(
            "&Open image…",
            self._on_open_image_triggered,
            [QKeySequence.StandardKey.Open],
            "Classify an image of a digit",
        )
        self.region_action = a(
            "Read a &region of the image…",
            self._on_region_triggered,
            tip="Drag a box around the digit in the opened image; only that part is read",
        )
        self.region_action.setEnabled(False)
        self.save_png_action = a(
            "&Save drawing as PNG…",
            self._on_save_png_triggered,
            [QKeySequence.StandardKey.Save],
            "Save what the canvas shows",
        )
        self.save_strokes_action = a(
            "Save s&trokes as JSON…",
            self._on_save_strokes_triggered,
            ["Ctrl+Shift+S"],
            "Save the strokes for `lenet_gui predict --strokes`",
        )
        self.quit_action = a("&Quit", self.close, ["Ctrl+Q"])
        self.undo_action = a(
            "&Undo stroke",
            self.canvas.undo,
            ["Ctrl+Z"],
            "Undo the last stroke, clearing or labelling",
        )
        self.redo_action = a(
            "&Redo stroke",
            self.canvas.redo,
            ["Ctrl+Shift+Z", "Ctrl+Y"],
            "Redo what was undone last",
        )
        self.clear_action = a(
            "&Clear", self.canvas.clear, ["Esc", "Delete"], "Clear the canvas (undo brings it back)"
        )
        self.pen_action = a("&Pen", self._on_pen_action_toggled, ["B"], "Draw strokes", True)
        self.eraser_action = a(
            "&Eraser",
            self._on_eraser_action_toggled,
            ["E"],
            "Erase whole strokes (the right button always erases)",
            True,
        )
        group = QActionGroup(self)
        group.addAction(self.pen_action)
        group.addAction(self.eraser_action)
        self.pen_action.setChecked(True)
        self.thicker_action = a("T&hicker brush", lambda: self._step_brush(1), ["]"])
        self.thinner_action = a("Thi&nner brush", lambda: self._step_brush(-1), ["["])
        self.open_model_action = a(
            "&Open model…",
            self._on_open_model_triggered,
            ["Ctrl+Shift+O"],
            "Use another LeNet-5 checkpoint",
        )
        self.revert_action = a(
            "Re&vert to bundled model",
            self._on_revert_triggered,
            tip="Use the model that came with lenet-gui",
        )
        self.details_action = a(
            "Model &details…",
            self._on_details_triggered,
            ["Ctrl+I"],
            "Accuracy, date and training of the active model",
        )
        self.kernels_action = a(
            "Show C1 &kernels",
            self._on_kernels_action_toggled,
            ["K"],
            "Show the six 5×5 kernels of C1 above its maps",
            True,
        )
        self.kernels_action.setChecked(self.settings.show_kernels)
        self.about_action = a("&About LeNet-5…", self._on_about_triggered, ["F1"])
        for action in (self.revert_action, self.details_action, self.undo_action, self.redo_action):
            action.setEnabled(False)
        self.undo_action.setIconText("Undo")  # the tool bar's button keeps one width
        self.redo_action.setIconText("Redo")

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        self.file_menu = file_menu = bar.addMenu("&File")
        file_menu.addActions(
            [
                self.open_image_action,
                self.region_action,
                self.save_png_action,
                self.save_strokes_action,
            ]
        )
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.edit_menu = edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action, self.clear_action])
        edit_menu.addSeparator()
        edit_menu.addActions(
            [self.pen_action, self.eraser_action, self.thicker_action, self.thinner_action]
        )
        self.model_menu: QMenu = bar.addMenu("&Model")
        self.model_menu.setToolTipsVisible(True)
        self.model_menu.addActions(
            [self.open_model_action, self.revert_action, self.details_action]
        )
        self.view_menu = view_menu = bar.addMenu("&View")
        view_menu.addAction(self.kernels_action)
        self.onnx_action = OnnxExportAction(self)
        self.model_menu.addAction(self.onnx_action)
        self.lab_menu = LabMenu(self)  # experiments: lenet_gui/ui/lab/
        bar.addMenu(self.lab_menu)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)

        self.drawing_bar = QToolBar("Tools")
        self.drawing_bar.setObjectName("tools")
        self.drawing_bar.setMovable(False)
        self.drawing_bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.drawing_bar.addActions([self.undo_action, self.redo_action, self.clear_action])
        self.drawing_bar.addSeparator()
        self.drawing_bar.addActions([self.pen_action, self.eraser_action])
        self.brush_slider = QSlider(Qt.Orientation.Horizontal)
        low, high = (round(f * BRUSH_STEPS) for f in PEN_FRACTION_RANGE)
        self.brush_slider.setRange(low, high)
        self.brush_slider.setFixedWidth(140)
        self.brush_slider.setAccessibleName("Brush width")
        self.brush_slider.setValue(round(self.settings.pen_fraction * BRUSH_STEPS))
        self.brush_slider.valueChanged.connect(self._on_brush_slider_value_changed)
        self.brush_label = QLabel()
        self.drawing_bar.addWidget(QLabel("  Brush "))
        self.drawing_bar.addWidget(self.brush_slider)
        self.drawing_bar.addWidget(self.brush_label)
        self.addToolBar(self.drawing_bar)
        # Files and models (Retrain joins them): a second bar, which goes onto its own row
        # when the window is too narrow for both, instead of hiding buttons in an overflow.
        self.tool_bar = QToolBar("Files and model")
        self.tool_bar.setObjectName("files")
        self.tool_bar.setMovable(False)
        self.tool_bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.tool_bar.addActions([self.open_image_action, self.open_model_action])
        self.addToolBar(self.tool_bar)
        self._update_brush_label()

    def _restore(self) -> None:
        geometry = self.settings.geometry
        if geometry is None or not self.restoreGeometry(geometry):
            centre_on_screen(self, QSize(1280, 800))
        else:  # saved on a larger screen, or at another scale factor
            fit_to_screen(self)
        state = self.settings.window_state
        if state is not None:
            self.restoreState(state)
        splitter = self.settings.splitter_state
        if splitter is None or not self.splitter.restoreState(splitter):
            self._size_columns()

    def _size_columns(self) -> None:
        """Make the canvas column as wide as the canvas can be tall, the maps get the rest.

        On a screen too narrow for the three columns' widths (640x480) Qt would shrink the
        canvas column and the maps alike, leaving the canvas 216 px wide: there the scores and
        the maps take their minimum widths (the maps scroll) and the canvas column the rest."""
        chrome = 150 + 120  # menu, tool and status bars, margins; the input stages below
        left = max(360, min(self.height() - chrome + 24, self.width() // 2))
        middle = 210
        right = max(300, self.width() - left - middle)
        if left * (self.width() - middle) / (left + right) < SMALL_CANVAS_COLUMN:
            middle = self.prediction_panel.minimumWidth()
            room = self.width() - 16 - 2 * self.splitter.handleWidth()  # less a scroll bar
            left = max(0, min(SMALL_CANVAS_COLUMN, room - middle - 160))  # 160: the maps
            right = room - left - middle  # the splitter keeps each column's minimum width
        self.splitter.setSizes([left, middle, right])

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._wrap_tool_bars()

    def _wrap_tool_bars(self) -> None:
        """The second tool bar on its own row when both do not fit side by side."""
        needed = self.drawing_bar.sizeHint().width() + self.tool_bar.sizeHint().width()
        wrap = needed > self.width()
        if wrap != self.toolBarBreak(self.tool_bar):
            if wrap:
                self.insertToolBarBreak(self.tool_bar)
            else:
                self.removeToolBarBreak(self.tool_bar)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.geometry = self.saveGeometry()
        self.settings.window_state = self.saveState()
        self.settings.splitter_state = self.splitter.saveState()
        self.settings.sync()
        for dialog in list(self._details):
            dialog.close()
        super().closeEvent(event)

    # -- classification ----------------------------------------------------------------------

    def _on_canvas_strokes_changed(self) -> None:
        if not self._classify_timer.isActive():
            self._classify_timer.start()

    def _on_classify_timer_timeout(self) -> None:
        self.classify_now()

    def classify_now(self) -> None:
        """Classify what the canvas shows (drawing or opened image) and update every view."""
        self._classify_timer.stop()
        started = time.perf_counter()
        if self._loaded is None:
            self._show(None, "Loading the model…")
            return
        # imports torch: only once a model is loaded
        from ..reading.inference import inspect
        from ..reading.segmentation import inspect_plan

        reading, inspections = inspect_plan(self._loaded.model, self._plan())
        self._reading = reading
        chosen = self._shown_digit = self._chosen_digit(reading)
        if reading is None:  # strokes over an opened image: read as one digit
            prepared = self.canvas.prepared_input()
            self._show(None if prepared is None else inspect(self._loaded.model, prepared), "")
        elif not reading.digits:
            blank = "No digit found in the image" if self.canvas.has_backdrop() else ""
            self._show(None, blank)
        else:
            self._show(inspections(chosen), "")
        self._show_number(reading, chosen)
        now = time.perf_counter()
        self._timings.append(1000 * (now - started))
        if now - self._timing_shown > 0.5:  # a label that changes text is laid out again
            self._timing_shown = now
            self.timing_label.setText(f"{statistics.median(self._timings):.1f} ms")

    def _plan(self):
        """The segmentation plan of what the canvas shows: its strokes, or the opened image
        (planned once); None for strokes drawn over an image, which read as one digit."""
        picture, drawing = self.canvas.picture(), self.canvas.drawing()
        if picture is None:
            return plan_drawing(drawing)
        if not drawing.is_blank:
            return None
        if self._picture_plan is None or self._picture_plan[0] is not picture:
            self._picture_plan = (picture, plan_image(picture.image, whole=picture.prepared))
        return self._picture_plan[1]

    def _chosen_digit(self, reading) -> int:
        """The digit clicked last, while the strokes are the same; else the one drawn last."""
        count = len(self.canvas.drawing().strokes)
        if self._chosen is not None and self._chosen[1] == count:
            return min(self._chosen[0], max(0, len(reading.digits) - 1))
        self._chosen = None
        if reading is None or self.canvas.has_backdrop() or not reading.digits:
            return 0
        last = self.canvas.drawing().strokes[-1]
        holding = [i for i, d in enumerate(reading.digits) if last in d.strokes]
        return holding[0] if holding else len(reading.digits) - 1

    def _show_number(self, reading, chosen: int) -> None:
        """A number (two digits or more): boxes and tags over the canvas, the number large."""
        digits = reading.digits if reading is not None and len(reading.digits) > 1 else ()
        if not digits:
            self.number_overlay.clear()
            return
        inspection = self._inspection
        if reading.number is not None:  # else the panel says what the chosen part is
            kept = [d for d in digits if d.verdict.digit is not None]  # the number's digits
            self.prediction_panel.show_number(
                reading.number,
                chosen,
                inspection.prediction,
                len(digits),
                [d.verdict.kind != "digit" for d in kept],
            )
        boxes = [self._canvas_box(d.box) for d in digits]
        self.number_overlay.show_digits(
            boxes,
            [_TAGS.get(d.verdict.kind, "{}").format(d.digit) for d in digits],
            [d.verdict.kind != "digit" for d in digits],
            chosen,
        )

    def _on_number_overlay_digit_chosen(self, index: int) -> None:
        self._chosen = (index, len(self.canvas.drawing().strokes))
        self.classify_now()

    def _show(self, inspection, message: str) -> None:
        self._inspection = inspection
        if inspection is None:
            if self._loaded is None:
                self.prediction_panel.show_loading(message)
            else:
                self.prediction_panel.show_blank(message or None)
            self.input_view.set_prepared(None)
            self.feature_view.set_activations(None, message if self._loaded is None else "")
        else:
            self.prediction_panel.show_prediction(inspection.prediction)
            self.input_view.set_prepared(inspection.prepared)
            self.feature_view.set_activations(inspection.activations)
        if inspection is None:
            empty = "Empty: draw a digit, or open or paste an image of one."
            described = message or empty
        else:
            described = reading_sentence(inspection.prediction)
        self.canvas.setAccessibleDescription(described)
        activations = inspection.activations if inspection is not None else None
        kernels = self._kernels()
        for dialog in self._details:
            dialog.show_data(activations, kernels)
        self.classified.emit(inspection)

    def _kernels(self):
        if self._loaded is None:
            return None
        return self._loaded.model.c1.weight.detach().cpu().numpy()[:, 0]

    # -- slots -------------------------------------------------------------------------------

    def _on_loader_loaded(self, loaded, note: str) -> None:
        import torch

        torch.set_num_threads(1)  # one forward is ~1 ms: threads only add wake-up latency
        self._warm_up(loaded.model)
        # Torch, Qt and the model are loaded for good: stop the cyclic collector from scanning
        # their hundreds of thousands of objects again (full collections took 200 ms).
        gc.freeze()
        self.set_model(loaded)
        note = " ".join([note, *loaded.warnings]).strip()  # e.g. a replay left out
        if note:
            self.statusBar().showMessage(f"Using {loaded.name}: {note}", 15000)

    @staticmethod
    def _warm_up(model) -> None:
        """One real pass through the whole pipeline, so the first stroke is not the slow one."""
        from ..reading.inference import inspect

        seven = ((60.0, 60.0), (200.0, 60.0), (120.0, 220.0))
        prepared = prepare_drawing(Drawing(280, 280, (seven,)))
        if prepared is not None:
            inspect(model, prepared)

    def _on_loader_failed(self, message: str, details: str) -> None:
        if details:
            log.error("%s\n%s", message, details)
        self.model_label.setText("Model: none")
        self.prediction_panel.show_loading("No model: use Model ▸ Open model…")
        QMessageBox.critical(self, "No model", message)

    def _on_canvas_history_changed(self) -> None:
        self.undo_action.setEnabled(self.canvas.can_undo())
        self.redo_action.setEnabled(self.canvas.can_redo())
        # The menu names a labelling that Undo or Redo would take back or make again.
        self.undo_action.setText(f"&Undo {self.canvas.undo_name() or 'stroke'}")
        self.redo_action.setText(f"&Redo {self.canvas.redo_name() or 'stroke'}")
        self.region_action.setEnabled(self.canvas.picture() is not None)

    def _on_canvas_files_dropped(self, urls: list) -> None:
        files = local_files(urls)
        if files:
            self.clipboard.open_files(files)
        else:
            self.statusBar().showMessage("Only local files can be dropped here", 5000)

    def _on_feature_view_map_clicked(self, layer: str, index: int) -> None:
        dialog = MapDetailDialog(layer, index, C3_TABLE, self, self.feature_view.output_kind())
        dialog.destroyed.connect(lambda *_: self._forget_detail(dialog))
        dialog.unit_clicked.connect(self.unit_clicked)
        activations = self._inspection.activations if self._inspection is not None else None
        dialog.show_data(activations, self._kernels())
        name = dialog.windowTitle().split(" — ")[0]
        dialog.layout().addLayout(add_picture_buttons(dialog, self, dialog.view, name))
        self._details.append(dialog)
        dialog.show()

    def _forget_detail(self, dialog) -> None:
        if dialog in self._details:
            self._details.remove(dialog)

    def _on_pen_action_toggled(self, checked: bool) -> None:
        if checked:
            self.canvas.set_eraser(False)

    def _on_eraser_action_toggled(self, checked: bool) -> None:
        self.canvas.set_eraser(checked)

    def _on_brush_slider_value_changed(self, value: int) -> None:
        self.canvas.set_pen_fraction(value / BRUSH_STEPS)
        self.settings.pen_fraction = value / BRUSH_STEPS
        self._update_brush_label()

    def _step_brush(self, steps: int) -> None:
        self.brush_slider.setValue(self.brush_slider.value() + steps)

    def _update_brush_label(self) -> None:
        fraction = self.brush_slider.value() / BRUSH_STEPS
        self.brush_label.setText(f" {100 * fraction:.1f}% ")
        tip = (
            f"Brush width: {100 * fraction:.1f}% of the canvas side "
            f"({self.canvas.pen_width():.0f} px now); [ and ] change it.\n"
            "It applies to the whole drawing (a drawing has one pen width). The network\n"
            "sees strokes evened to MNIST's width, so it changes the look more than the reading."
        )
        for widget in (self.brush_slider, self.brush_label):
            widget.setToolTip(tip)

    def _on_kernels_action_toggled(self, checked: bool) -> None:
        self.feature_view.set_show_kernels(checked)
        self.settings.show_kernels = checked

    def _ask_open(self, title: str, filters: str) -> str:
        path, _ = QFileDialog.getOpenFileName(self, title, self.settings.last_folder, filters)
        return path

    def _on_open_image_triggered(self) -> None:
        path = self._ask_open("Open an image of a digit", IMAGE_FILTER)
        if path:
            self.open_image_file(path)

    def _on_region_triggered(self) -> None:
        from .region_dialog import RegionDialog, crop_picture

        picture = self.canvas.picture()
        if picture is None:
            return
        dialog = RegionDialog(picture, self)
        if dialog.exec() == RegionDialog.DialogCode.Accepted and dialog.box() is not None:
            self.canvas.open_picture(crop_picture(picture, dialog.box()))  # Undo: whole image

    def _on_open_model_triggered(self) -> None:
        path = self._ask_open("Open a LeNet-5 checkpoint", MODEL_FILTER)
        if path:
            self.settings.last_folder = str(Path(path).parent)
            self.open_model_file(path)

    def _on_revert_triggered(self) -> None:
        self.open_model_file(paths.bundled_checkpoint())

    def _on_save_png_triggered(self) -> None:
        start = str(Path(self.settings.last_folder or Path.home()) / "digit.png")
        path, _ = QFileDialog.getSaveFileName(self, "Save drawing as PNG", start, "PNG (*.png)")
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        self.save_file(path, png_bytes(self.canvas.rendered_image()))

    def _on_save_strokes_triggered(self) -> None:
        drawing = self.current_drawing()
        over_image = self.canvas.has_backdrop()
        if over_image and drawing.is_blank:
            QMessageBox.information(
                self,
                "No strokes to save",
                "The canvas shows an opened image and no strokes. A strokes file holds only "
                "strokes, so it would be empty: use File ▸ Save drawing as PNG to keep the image.",
            )
            return
        start = str(Path(self.settings.last_folder or Path.home()) / "digit.json")
        path, _ = QFileDialog.getSaveFileName(self, "Save strokes", start, "JSON (*.json)")
        if not path:
            return
        without = " (the strokes only, not the image under them)" if over_image else ""
        self.save_file(path, json.dumps(drawing.to_dict()).encode("utf-8"), without)

    def save_file(self, path: str | Path, data: bytes, note: str = "") -> bool:
        """Write a file the user asked for, atomically: "Saved" only when it is on disk; on a
        full or read-only disk a message says so and the previous file stays as it was."""
        try:
            write_bytes(path, data)
        except OSError as exc:  # atomic.SaveError: names the file, the reason, the old file
            QMessageBox.warning(self, "Cannot save", str(exc))
            return False
        self.statusBar().showMessage(f"Saved {path}{note}", 8000 if note else 5000)
        return True

    def _on_details_triggered(self) -> None:
        if self._loaded is None:
            return
        from ..retrain.checkpoint import describe_loaded

        rows = "".join(
            f"<tr><td><b>{label}</b></td><td>{value}</td></tr>"
            for label, value in describe_loaded(self._loaded)
        )
        text = f"<p>{self._loaded.path}</p><table cellspacing='6'>{rows}</table>"
        text_dialog(self, f"Model {self._loaded.name}", text)

    def _on_about_triggered(self) -> None:
        text_dialog(self, "About LeNet-5", ABOUT_HTML)

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _is_bundled(path) -> bool:
        try:
            return Path(path).resolve() == paths.bundled_checkpoint().resolve()
        except OSError:
            return False

    def _update_title(self) -> None:
        if self._loaded is None:
            self.setWindowTitle("lenet-gui")
            return
        from ..retrain.checkpoint import describe
        from ..training.metrics import MNIST_TEST_ACCURACY, metric, percent_text

        bundled = " (bundled)" if self._is_bundled(self._loaded.path) else ""
        self.setWindowTitle(f"lenet-gui — {self._loaded.name}{bundled}")
        rows = dict(describe(self._loaded.metadata))
        accuracy = metric(self._loaded.metadata, MNIST_TEST_ACCURACY)
        shown = f"Model: {self._loaded.name}{bundled}"
        if accuracy is not None:
            shown += f" · MNIST test {percent_text(accuracy)}"
        self.model_label.setText(shown)
        details = "<br>".join(f"<b>{k}</b>: {v}" for k, v in rows.items())
        self.model_label.setToolTip(f"{self._loaded.path}<br>{details}")
