"""The drawing canvas: records strokes as canvas-pixel points and paints them like the core does.

The strokes *are* the drawing: `drawing()` returns the core's `Drawing`, which goes through
`prepare_drawing` exactly as `predict --strokes` and the tests do. The pixels on screen are only
a view of it, painted with QPainter into an offscreen image at device-pixel resolution (so it is
sharp on HiDPI screens and never depends on a screen grab).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
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

from ..preprocess import DEFAULT_PEN_FRACTION, Drawing

Point = tuple[float, float]
Stroke = tuple[Point, ...]
Strokes = tuple[Stroke, ...]

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


def _distance_to_stroke(point: Point, stroke: Stroke) -> float:
    """Shortest distance from a point to a polyline (a dot for a single point)."""
    px, py = point
    best = math.inf
    if len(stroke) == 1:
        return math.hypot(px - stroke[0][0], py - stroke[0][1])
    for (ax, ay), (bx, by) in itertools.pairwise(stroke):
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
        best = min(best, math.hypot(px - (ax + t * dx), py - (ay + t * dy)))
    return best


def _scaled(strokes: Strokes, factor: float) -> Strokes:
    return tuple(tuple((x * factor, y * factor) for x, y in s) for s in strokes)


class DrawingCanvas(QWidget):
    """Left button draws (or erases in eraser mode), right button always erases whole strokes.

    Undo and redo work per stroke; one eraser drag and one clear are one step each.
    """

    strokes_changed = Signal()  # the drawing changed: a point, a stroke, an undo, a resize...
    history_changed = Signal()  # what undo and redo can do changed
    file_dropped = Signal(str)  # a local file was dropped onto the canvas

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strokes: Strokes = ()
        self._active: list[Point] | None = None  # the stroke being drawn, pen down
        self._erase_before: Strokes | None = None  # the strokes when an eraser drag began
        self._last_erase: Point | None = None
        self._undo: list[Strokes] = []
        self._redo: list[Strokes] = []
        self._pen_fraction = DEFAULT_PEN_FRACTION
        self._eraser = False
        self._hover: QPointF | None = None
        self._backdrop: QImage | None = None  # an opened image, shown instead of strokes
        self._image = QImage()  # the committed strokes, at device-pixel resolution
        self._side = 0  # the side the stored points refer to
        self.setMinimumSize(MIN_SIDE, MIN_SIDE)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setToolTip(
            "Draw a digit with the left button. Right button (or the eraser) removes whole "
            "strokes.\nDrop an image file here to classify it."
        )

    # -- the data ----------------------------------------------------------------------------

    def drawing(self) -> Drawing:
        """The core's view of what is drawn, in canvas pixels, including a stroke in progress."""
        strokes = self._strokes
        if self._active:
            strokes = (*strokes, tuple(self._active))
        return Drawing(self.width(), self.height(), strokes, self.pen_width())

    def pen_width(self) -> float:
        return self._pen_fraction * min(self.width(), self.height())

    def pen_fraction(self) -> float:
        return self._pen_fraction

    def set_pen_fraction(self, fraction: float) -> None:
        """The brush width as a fraction of the canvas side; it applies to the whole drawing,
        because a `Drawing` has one pen width."""
        if fraction == self._pen_fraction:
            return
        self._pen_fraction = fraction
        self._render()
        self.update()
        if not self.is_blank():
            self.strokes_changed.emit()

    def is_blank(self) -> bool:
        return not self._strokes and not self._active

    def is_eraser(self) -> bool:
        return self._eraser

    def set_eraser(self, on: bool) -> None:
        self._eraser = bool(on)
        self.update()

    def can_undo(self) -> bool:
        return bool(self._undo) and self._active is None

    def can_redo(self) -> bool:
        return bool(self._redo) and self._active is None

    # -- editing -----------------------------------------------------------------------------

    def _commit(self, strokes: Strokes, before: Strokes) -> None:
        """Make `strokes` current, remembering `before` as one undo step."""
        self._undo.append(before)
        self._redo.clear()
        self._set_strokes(strokes)
        self.history_changed.emit()

    def _set_strokes(self, strokes: Strokes) -> None:
        self._strokes = strokes
        self._backdrop = None
        self._render()
        self.update()
        self.strokes_changed.emit()

    def undo(self) -> None:
        if not self.can_undo():
            return
        self._redo.append(self._strokes)
        self._set_strokes(self._undo.pop())
        self.history_changed.emit()

    def redo(self) -> None:
        if not self.can_redo():
            return
        self._undo.append(self._strokes)
        self._set_strokes(self._redo.pop())
        self.history_changed.emit()

    def clear(self) -> None:
        """Remove every stroke (one undo step), a stroke being drawn, and any opened image."""
        drawing = self._active is not None
        self._active = None
        if self._strokes:
            self._commit((), self._strokes)
        elif self._backdrop is not None or drawing:
            self._set_strokes(())
        if drawing:
            self.history_changed.emit()

    def set_backdrop(self, image: QImage | None) -> None:
        """Show an opened image; the next stroke, clear or undo removes it."""
        self._backdrop = image
        self.update()

    def has_backdrop(self) -> bool:
        return self._backdrop is not None

    def _erase_at(self, point: Point) -> None:
        """Remove the strokes within the eraser's reach of the path since the last position."""
        radius = self._eraser_radius()
        reach = radius + self.pen_width() / 2
        last = self._last_erase or point
        steps = max(1, math.ceil(math.dist(last, point) / max(radius, 1.0)))
        samples = [
            (last[0] + (point[0] - last[0]) * i / steps, last[1] + (point[1] - last[1]) * i / steps)
            for i in range(steps + 1)
        ]
        self._last_erase = point
        kept = tuple(
            s for s in self._strokes if all(_distance_to_stroke(p, s) > reach for p in samples)
        )
        if len(kept) != len(self._strokes):
            self._set_strokes(kept)

    def _eraser_radius(self) -> float:
        return max(6.0, self.pen_width() / 2)

    # -- painting ----------------------------------------------------------------------------

    def _render(self) -> None:
        """Repaint the committed strokes into the offscreen image at device resolution."""
        ratio = self.devicePixelRatioF()
        size = QSize(max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio)))
        if self._image.size() != size:
            self._image = QImage(size, QImage.Format.Format_RGB32)
        self._image.setDevicePixelRatio(ratio)
        self._image.fill(PAPER)
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = self.pen_width()
        for stroke in self._strokes:
            paint_stroke(painter, stroke, width)
        painter.end()

    def rendered_image(self) -> QImage:
        """What the canvas shows (strokes or the opened image), for saving as PNG."""
        image = QImage(self._image.size(), QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(self._image.devicePixelRatio())
        image.fill(PAPER)
        painter = QPainter(image)
        self._paint_content(painter)
        painter.end()
        return image

    def _paint_content(self, painter: QPainter) -> None:
        if self._backdrop is not None:
            painter.fillRect(self.rect(), PAPER)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            size = self._backdrop.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(self.rect().center())
            painter.drawImage(target, self._backdrop)
            return
        painter.drawImage(0, 0, self._image)
        if self._active:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            paint_stroke(painter, self._active, self.pen_width())

    def paintEvent(self, event: QPaintEvent) -> None:
        if abs(self._image.devicePixelRatio() - self.devicePixelRatioF()) > 1e-6:
            self._render()  # moved to a screen with another scale factor
        painter = QPainter(self)
        self._paint_content(painter)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.is_blank() and self._backdrop is None:
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
        self.update(rect.toAlignedRect())

    # -- events ------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        point = (pos.x(), pos.y())
        button = event.button()
        if button == Qt.MouseButton.RightButton or (
            button == Qt.MouseButton.LeftButton and self._eraser
        ):
            if self._active is None and self._erase_before is None:
                self._erase_before = self._strokes
                self._last_erase = None
                self._erase_at(point)
        elif button == Qt.MouseButton.LeftButton and self._erase_before is None:
            if self._backdrop is not None:  # drawing replaces an opened image
                self._backdrop = None
                self.update()
            self._active = [point]
            self._update_around(pos, pos)
            self.strokes_changed.emit()
            self.history_changed.emit()
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        point = (pos.x(), pos.y())
        previous = self._hover
        self._hover = pos
        if self._active is not None:
            last = QPointF(*self._active[-1])
            self._active.append(point)
            self._update_around(last, pos)
            self.strokes_changed.emit()
        elif self._erase_before is not None:
            self._erase_at(point)
        if previous is not None:
            self._update_around(previous, pos)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        point = (pos.x(), pos.y())
        if self._active is not None and event.button() == Qt.MouseButton.LeftButton:
            if point != self._active[-1]:
                self._active.append(point)
            stroke, self._active = tuple(self._active), None
            before = self._strokes
            self._undo.append(before)
            self._redo.clear()
            self._strokes = (*before, stroke)
            painter = QPainter(self._image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            paint_stroke(painter, stroke, self.pen_width())
            painter.end()
            self.update()
            self.strokes_changed.emit()
            self.history_changed.emit()
        elif self._erase_before is not None and event.button() in (
            Qt.MouseButton.RightButton,
            Qt.MouseButton.LeftButton,
        ):
            before, self._erase_before = self._erase_before, None
            if before != self._strokes:
                self._undo.append(before)
                self._redo.clear()
                self.history_changed.emit()
        event.accept()

    def leaveEvent(self, event) -> None:
        if self._hover is not None:
            self._update_around(self._hover, self._hover)
        self._hover = None
        super().leaveEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Scale the stored strokes (and with them every undo step) so the drawing keeps its
        look; the pen is a fraction of the side, so it scales too."""
        side = min(self.width(), self.height())
        if self._side and side != self._side:
            factor = side / self._side
            self._strokes = _scaled(self._strokes, factor)
            self._undo = [_scaled(s, factor) for s in self._undo]
            self._redo = [_scaled(s, factor) for s in self._redo]
            if self._active is not None:
                self._active = [(x * factor, y * factor) for x, y in self._active]
            if self._erase_before is not None:
                self._erase_before = _scaled(self._erase_before, factor)
        self._side = side
        self._render()
        super().resizeEvent(event)
        if not self.is_blank():
            self.strokes_changed.emit()

    def dragEnterEvent(self, event) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.file_dropped.emit(urls[0].toLocalFile())


class SquareHolder(QWidget):
    """Keeps one child square, centred at the top, as large as fits (within its size limits)."""

    def __init__(self, child: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._child = child
        child.setParent(self)

    def sizeHint(self) -> QSize:
        return QSize(480, 480)

    def minimumSizeHint(self) -> QSize:
        return self._child.minimumSize()

    def resizeEvent(self, event: QResizeEvent) -> None:
        side = min(self.width(), self.height())
        side = max(self._child.minimumWidth(), min(side, self._child.maximumWidth()))
        self._child.setGeometry((self.width() - side) // 2, 0, side, side)
        super().resizeEvent(event)
