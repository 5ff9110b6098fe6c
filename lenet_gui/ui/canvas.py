"""The drawing canvas: turns mouse events into strokes and paints them like the core does.

What is drawn, and its undo/redo, live in the Qt-free
`lenet_gui.preprocessing.strokes.CanvasHistory`; this widget keeps only the stroke being drawn, the
events and the painting. The strokes *are* the drawing: `drawing()` returns the core's `Drawing`,
which goes through `prepare_drawing` exactly as `predict --strokes` and the tests do. The pixels on
screen are only a view of it, painted with QPainter into an offscreen image at device-pixel
resolution (so it is sharp on HiDPI screens and never depends on a screen grab). A finished stroke
is painted onto that image; a change that needs every stroke painted again (undo, redo, a resize,
the brush) only marks it out of date, and the next paint brings it up to date once, so a storm of
undos or a resize drag costs one render per frame, not one per change. That render starts from a
checkpoint (undo, redo) or runs in slices over a few turns of the event loop while the last image
is shown (a resize, a brush change): `stroke_layer.StrokeLayer`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QWidget

from ..preprocessing.preprocess import DEFAULT_PEN_FRACTION, Drawing
from ..preprocessing.strokes import (
    CanvasHistory,
    OutsideChange,
    Picture,
    Point,
    Stroke,
    prepare_canvas,
)
from .stroke_layer import LayerKey, StrokeLayer

PAPER = QColor(255, 255, 255)
INK = QColor(20, 20, 28)
INVITATION = QColor(150, 150, 160)
MIN_SIDE = 160


def _stroke_pen(width: float) -> QPen:
    """Round caps and joins, as the core's `render_drawing` paints (ellipses at the ends)."""
    pen = QPen(INK, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def paint_stroke(painter: QPainter, stroke: Sequence[Point], width: float) -> None:
    """One stroke; a single point is a dot of the pen's width."""
    if not stroke:
        return
    if len(stroke) == 1:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(INK)
        painter.drawEllipse(QPointF(*stroke[0]), width / 2, width / 2)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        return
    path = QPainterPath(QPointF(*stroke[0]))
    for x, y in stroke[1:]:
        path.lineTo(x, y)
    painter.setPen(_stroke_pen(width))
    painter.drawPath(path)


def picture_qimage(picture: Picture) -> QImage:
    """The picture's bounded RGBA copy as a QImage (owning its pixels)."""
    rgba = picture.image
    return QImage(
        rgba.tobytes(), rgba.width, rgba.height, 4 * rgba.width, QImage.Format.Format_RGBA8888
    ).copy()


class DrawingCanvas(QWidget):
    """Left button draws (or erases in eraser mode), right button always erases whole strokes.

    The content and its undo/redo live in a Qt-free `CanvasHistory`; this widget turns mouse
    events into its edits and paints it. Undo and redo work per stroke; one eraser drag, one
    clear and one opened image are one step each.
    """

    strokes_changed = Signal()  # the drawing changed: a point, a stroke, an undo, a resize...
    history_changed = Signal()  # what undo and redo can do changed
    files_dropped = Signal(list)  # QUrls dropped onto the canvas (files, in order)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._history = CanvasHistory()
        self._active: list[Point] | None = None  # the stroke being drawn, pen down, in pixels
        self._erasing = False  # an eraser drag is going on (one undo step)
        self._last_erase: Point | None = None  # pixels
        self._pen_fraction = DEFAULT_PEN_FRACTION
        self._eraser = False
        self._hover: QPointF | None = None
        self._shown_picture: tuple[Picture, QImage] | None = None  # the picture shown, as QImage
        # the committed content, at device-pixel resolution
        self._layer = StrokeLayer(self._paint_item, PAPER, self)
        self._layer.progressed.connect(self.update)
        self._stale = True  # the layer must be brought up to date before the next paint
        self._side = 0  # the side the active stroke's points refer to
        self.setMinimumSize(MIN_SIDE, MIN_SIDE)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setAccessibleName("Drawing canvas")
        self.setAccessibleDescription("Empty: draw a digit, or open or paste an image of one.")
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip(
            "Draw a digit with the left button. Right button (or the eraser) removes whole "
            "strokes.\nDrop an image file here to classify it."
        )

    # -- the data ----------------------------------------------------------------------------

    def side(self) -> int:
        """The shorter side in pixels: strokes and the pen scale with it."""
        return min(self.width(), self.height())

    def drawing(self) -> Drawing:
        """The core's view of the strokes, in canvas pixels, including a stroke in progress
        (an opened image is not in it: see `picture()` and `prepare_canvas`)."""
        strokes = self._history.strokes_at(self.side())
        if self._active:
            strokes = (*strokes, tuple(self._active))
        return Drawing(self.width(), self.height(), strokes, self.pen_width())

    def picture(self) -> Picture | None:
        """The opened image shown under the strokes, if any."""
        return self._history.picture()

    def prepared_input(self):
        """What the network sees of the canvas (drawing, image, or both), or None if blank."""
        return prepare_canvas(self.drawing(), self.picture())

    def pen_width(self) -> float:
        return self._pen_fraction * self.side()

    def pen_fraction(self) -> float:
        return self._pen_fraction

    def set_pen_fraction(self, fraction: float) -> None:
        """The brush width as a fraction of the canvas side; it applies to the whole drawing,
        because a `Drawing` has one pen width."""
        if fraction == self._pen_fraction:
            return
        self._pen_fraction = fraction
        self._invalidate()
        if not self.drawing().is_blank:
            self.strokes_changed.emit()

    def is_blank(self) -> bool:
        """No stroke (drawn or in progress); an opened image alone still counts as blank."""
        return not self._history.strokes() and not self._active

    def is_eraser(self) -> bool:
        return self._eraser

    def set_eraser(self, on: bool) -> None:
        self._eraser = bool(on)
        self.update()

    def can_undo(self) -> bool:
        return self._history.can_undo() and self._active is None and not self._erasing

    def can_redo(self) -> bool:
        return self._history.can_redo() and self._active is None and not self._erasing

    # -- editing -----------------------------------------------------------------------------

    def _content_changed(self) -> None:
        self._invalidate()
        self.strokes_changed.emit()

    def undo(self) -> None:
        if self.can_undo() and self._history.undo():
            self._content_changed()
            self.history_changed.emit()

    def redo(self) -> None:
        if self.can_redo() and self._history.redo():
            self._content_changed()
            self.history_changed.emit()

    def clear(self) -> None:
        """Remove every stroke and any opened image (one undo step), and a stroke being drawn."""
        drawing = self._active is not None
        self._active = None
        if self._erasing:
            self._end_erase()
        if self._history.clear() or drawing:
            self._content_changed()
            self.history_changed.emit()

    def add_outside(self, change: OutsideChange, clear: bool = False) -> None:
        """Make a change already done elsewhere (storing a labelled sample) one undo step, with
        clearing the canvas when `clear`: one Undo takes back both."""
        if self._erasing:
            self._end_erase()  # an eraser drag is a step of its own
        dropped = clear and self._active is not None
        if clear:
            self._active = None
        self._history.begin_group()
        self._history.add_outside(change)
        cleared = clear and self._history.clear()
        self._history.end_group()
        if cleared or dropped:
            self._content_changed()
        self.history_changed.emit()

    def undo_name(self) -> str | None:
        """What Undo would take back besides strokes ("labelling as 7"), None if only strokes."""
        return self._history.undo_name()

    def redo_name(self) -> str | None:
        return self._history.redo_name()

    def open_picture(self, picture: Picture) -> None:
        """Show an opened image in place of the drawing: one undo step; strokes drawn next go
        on top of it, and undo brings back what was there before."""
        self._active = None
        if self._erasing:
            self._end_erase()
        self._history.open_picture(picture)
        self._content_changed()
        self.history_changed.emit()

    def has_backdrop(self) -> bool:
        """Whether an opened image is shown."""
        return self.picture() is not None

    def _to_units(self, point: Point) -> Point:
        side = max(1, self.side())
        return point[0] / side, point[1] / side

    def _erase_at(self, point: Point) -> None:
        """Remove the strokes within the eraser's reach of its path since the last position.

        The point is clamped to the canvas (a move far outside costs what one inside does)."""
        point = (min(max(point[0], 0.0), self.width()), min(max(point[1], 0.0), self.height()))
        last = self._last_erase or point
        self._last_erase = point
        reach = (self._eraser_radius() + self.pen_width() / 2) / max(1, self.side())
        if self._history.erase_along(self._to_units(last), self._to_units(point), reach):
            self._content_changed()

    def _end_erase(self) -> None:
        self._erasing = False
        self._last_erase = None
        self._history.end_group()

    def _eraser_radius(self) -> float:
        return max(6.0, self.pen_width() / 2)

    # -- painting ----------------------------------------------------------------------------

    def _picture_qimage(self, picture: Picture) -> QImage:
        if self._shown_picture is None or self._shown_picture[0] is not picture:
            self._shown_picture = (picture, picture_qimage(picture))
        return self._shown_picture[1]

    def _invalidate(self) -> None:
        """The committed content changed: render it again before the next paint."""
        self._stale = True
        self.update()

    def _layer_key(self) -> LayerKey:
        return LayerKey(self.width(), self.height(), self.devicePixelRatioF(), self.pen_width())

    def _layer_items(self) -> tuple[Picture | Stroke, ...]:
        """What the layer paints, in order: any opened image, then the strokes."""
        picture = self.picture()
        strokes = self._history.strokes()
        return strokes if picture is None else (picture, *strokes)

    def _paint_item(self, painter: QPainter, item: Picture | Stroke, key: LayerKey) -> None:
        """One item of the committed content, in the geometry of `key` (see StrokeLayer)."""
        if isinstance(item, Picture):
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            x, y, w, h = item.fitted_rect(key.width, key.height)
            painter.drawImage(QRectF(x, y, w, h), self._picture_qimage(item))
        else:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            paint_stroke(painter, item.at(key.side), key.pen_width)

    def _render(self, progressive: bool = True) -> None:
        """Bring the layer up to date (at once, or in slices when `progressive`)."""
        self._stale = False
        if self.picture() is None:
            self._shown_picture = None
        self._layer.request(self._layer_key(), self._layer_items(), progressive)

    def is_rendering(self) -> bool:
        """Whether a resize or brush change is still being painted in slices (meanwhile the
        last complete image is shown)."""
        return self._layer.is_rendering()

    def rendered_image(self) -> QImage:
        """What the canvas shows (strokes over any opened image), for saving as PNG."""
        self._render(progressive=False)
        key = self._layer_key()
        image = QImage(key.size, QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(key.ratio)
        image.fill(PAPER)
        painter = QPainter(image)
        self._paint_content(painter)
        painter.end()
        return image

    def _paint_content(self, painter: QPainter) -> None:
        image = self._layer.image()
        if image is None:
            painter.fillRect(self.rect(), PAPER)
        elif image.size() != self._layer_key().size:  # a resize still rendering, a few frames:
            ratio = image.devicePixelRatio()  # strokes scale with the side, from the top left
            width, height = image.width() / ratio, image.height() / ratio
            factor = self.side() / max(1.0, min(width, height))
            painter.fillRect(self.rect(), PAPER)
            painter.drawImage(QRectF(0, 0, width * factor, height * factor), image)
        else:
            painter.drawImage(0, 0, image)
        if self._active:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            paint_stroke(painter, self._active, self.pen_width())

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._stale or self._layer_key() != self._layer.key():
            self._render()  # changed, or moved to a screen with another scale factor
        painter = QPainter(self)
        self._paint_content(painter)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._history.is_empty() and self._active is None:
            painter.setPen(INVITATION)
            font = painter.font()
            font.setPointSizeF(max(11.0, self.height() / 28))
            painter.setFont(font)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Draw a digit here")
        if self._hover is not None and self._active is None:
            erasing = self._eraser
            radius = self._eraser_radius() if erasing else self.pen_width() / 2
            painter.setPen(QPen(QColor(200, 60, 60) if erasing else QColor(120, 120, 140), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(self._hover, radius, radius)
        painter.setPen(QPen(QColor(190, 190, 200), 1))
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))

    def _update_around(self, a: QPointF, b: QPointF) -> None:
        margin = self.pen_width() / 2 + max(self._eraser_radius(), 2) + 2
        rect = QRectF(a, b).normalized().adjusted(-margin, -margin, margin, margin)
        self.update(rect.intersected(QRectF(self.rect())).toAlignedRect())

    # -- events ------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        point = (pos.x(), pos.y())
        button = event.button()
        if button == Qt.MouseButton.RightButton or (
            button == Qt.MouseButton.LeftButton and self._eraser
        ):
            if self._active is None and not self._erasing:
                self._erasing = True
                self._last_erase = None
                self._history.begin_group()
                self._erase_at(point)
                self.history_changed.emit()
        elif button == Qt.MouseButton.LeftButton and not self._erasing:
            if self._active is not None:  # the last release never came: that stroke is done
                self._finish_stroke(None)
            inviting = self._history.is_empty()
            self._active = [point]
            self._side = self.side()
            if inviting:  # the invitation disappears as a whole, not only under the stroke
                self.update()
            else:
                self._update_around(pos, pos)
            self.strokes_changed.emit()
            self.history_changed.emit()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        point = (pos.x(), pos.y())
        previous = self._hover
        self._hover = pos
        self._end_lost_press(event.buttons())
        if self._active is not None:
            last = QPointF(*self._active[-1])
            self._active.append(point)
            self._update_around(last, pos)
            self.strokes_changed.emit()
        elif self._erasing:
            self._erase_at(point)
        if previous is not None:
            self._update_around(previous, pos)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        point = (pos.x(), pos.y())
        if self._active is not None and event.button() == Qt.MouseButton.LeftButton:
            self._finish_stroke(point)
        elif self._erasing and event.button() in (
            Qt.MouseButton.RightButton,
            Qt.MouseButton.LeftButton,
        ):
            self._end_erase()
            self.history_changed.emit()
        event.accept()

    def _finish_stroke(self, point: Point | None) -> None:
        """End the stroke being drawn (at `point`, if the release came with one)."""
        if point is not None and point != self._active[-1]:
            self._active.append(point)
        stroke, self._active = Stroke(self._active, self.side()), None
        self._history.add_stroke(stroke)
        if not self._stale and not self._layer.add(self._layer_key(), self._layer_items()):
            self._stale = True  # the next paint renders it with the others
        self.update()
        self.strokes_changed.emit()
        self.history_changed.emit()

    def _end_lost_press(self, buttons) -> None:
        """The pen never stays down: a shortcut that opened a dialog mid-stroke (F1, Ctrl+O...)
        takes the button's release, so a move with no button held ends the stroke or the
        erasing there, and adds nothing."""
        if self._active is not None and not buttons & Qt.MouseButton.LeftButton:
            self._finish_stroke(None)
        if self._erasing and not buttons & (Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton):
            self._end_erase()
            self.history_changed.emit()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowDeactivate:  # a dialog took the mouse mid-stroke
            self._end_lost_press(Qt.MouseButton.NoButton)
        return super().event(event)

    def leaveEvent(self, event) -> None:
        if self._hover is not None:
            self._update_around(self._hover, self._hover)
        self._hover = None
        super().leaveEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Strokes keep their look: they are stored relative to the side they were drawn at
        (nothing in the history changes); a stroke in progress is rescaled, and the pen is a
        fraction of the side, so it scales too."""
        side = self.side()
        if self._active is not None and self._side and side != self._side:
            factor = side / self._side
            self._active = [(x * factor, y * factor) for x, y in self._active]
        self._side = side
        self._invalidate()
        super().resizeEvent(event)
        if not self.drawing().is_blank or self.has_backdrop():  # an image is fitted again too
            self.strokes_changed.emit()

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        """Hands every dropped URL on (`files_dropped`); the window opens the first file."""
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if urls:
            event.acceptProposedAction()
            self.files_dropped.emit(list(urls))


class CanvasHolder(QWidget):
    """Keeps the canvas as tall as fits and as wide as the holder, up to MAX_ASPECT times its
    height, centred at the top: square in the default layout, wide enough for a number when the
    user widens its column."""

    MAX_ASPECT = 3.0

    def __init__(self, child: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._child = child
        child.setParent(self)

    def sizeHint(self) -> QSize:
        return QSize(480, 480)

    def minimumSizeHint(self) -> QSize:
        return self._child.minimumSize()

    def resizeEvent(self, event: QResizeEvent) -> None:
        child = self._child
        height = max(child.minimumHeight(), min(self.height(), child.maximumHeight()))
        width = min(self.width(), round(self.MAX_ASPECT * height), child.maximumWidth())
        width = max(child.minimumWidth(), width)
        child.setGeometry((self.width() - width) // 2, 0, width, height)
        super().resizeEvent(event)
