"""Attribution maps as translucent images over the 32x32 input and over the canvas.

`heatmap_image` colours a (32, 32) attribution with the app's diverging map (red raises the
explained score, blue lowers it) and makes weak values transparent, so the ink shows through.
`InputExplainView` paints the network input with the heatmap and a receptive field on top;
`CanvasOverlay` paints the same over the drawing, placed by `placement.Placement`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from ..views.colormap import gray_image, lut_pixels

FIELD_COLOUR = QColor(20, 170, 60)  # receptive field outlines: green, apart from red/blue


def heatmap_image(attribution: np.ndarray, limit: float | None = None) -> QImage:
    """(H, W) values -> ARGB32 image: colour from the diverging map, opacity from |value|."""
    values = np.asarray(attribution, dtype=np.float32)
    limit = float(np.abs(values).max()) if limit is None else limit
    limit = limit or 1.0
    rgb = lut_pixels(values, limit) & np.uint32(0x00FFFFFF)
    alpha = (np.clip(np.abs(values) / limit, 0, 1) ** 0.7 * 220).astype(np.uint32)
    pixels = np.ascontiguousarray(rgb | (alpha << 24))
    h, w = pixels.shape
    return QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_ARGB32).copy()


class InputExplainView(QWidget):
    """The 32x32 network input (paper white, ink black), the heatmap over it, a receptive field
    outlined; hover for the pixel's input and attribution, click to pick that input pixel."""

    pixel_clicked = Signal(int, int)  # row, column of the 32x32 input

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._input: QImage | None = None
        self._values: np.ndarray | None = None
        self._heat: QImage | None = None
        self._attribution: np.ndarray | None = None
        self._caption = ""
        self._field: tuple[int, int, int, int] | None = None
        self.setMouseTracking(True)
        self.setAccessibleName("The input with the attribution heatmap")
        self.setMinimumSize(160, 160)

    def set_input(self, field: np.ndarray | None) -> None:
        """`field`: (32, 32) ink 0..1 (PreparedInput.field), or None."""
        self._values = None if field is None else np.asarray(field)
        self._input = None if field is None else gray_image(field, ink_is_white=False)
        self.update()

    def set_attribution(self, attribution: np.ndarray | None, caption: str = "") -> None:
        """`attribution`: (32, 32) or None; `caption`: one line painted beneath the input."""
        self._attribution = attribution
        self._caption = caption if attribution is not None else ""
        self._heat = None if attribution is None else heatmap_image(attribution)
        self.update()

    def caption(self) -> str:
        return self._caption

    def set_field(self, field: tuple[int, int, int, int] | None) -> None:
        """(top, left, bottom, right) in input pixels, bottom/right exclusive, or None."""
        self._field = field
        self.update()

    def heatmap(self) -> QImage | None:
        return self._heat

    def _caption_height(self) -> int:
        return self.fontMetrics().height() + 4

    def _target(self) -> QRectF:
        """The input's square, above a line kept for the caption."""
        line = self._caption_height()
        side = max(1, min(self.width(), self.height() - line) - 2)
        rect = QRectF(0, 0, side, side)
        rect.moveCenter(QRectF(self.rect().adjusted(0, 0, 0, -line)).center())
        return rect

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        target = self._target()
        if self._input is None:
            painter.setPen(QColor(120, 120, 130))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Nothing drawn")
            return
        painter.drawImage(target, self._input)
        if self._heat is not None:
            painter.drawImage(target, self._heat)
        cell = target.width() / 32
        if self._field is not None:
            top, left, bottom, right = self._field
            painter.setPen(QPen(FIELD_COLOUR, 2))
            painter.drawRect(QRectF(target.left() + left * cell, target.top() + top * cell,
                                    (right - left) * cell, (bottom - top) * cell))  # fmt: skip
        painter.setPen(QPen(QColor(150, 150, 160), 1))
        painter.drawRect(target)
        if self._caption:
            painter.setPen(self.palette().color(self.foregroundRole()))
            line = QRectF(0, target.bottom() + 2, self.width(), self._caption_height())
            painter.drawText(line, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             self._caption)  # fmt: skip

    def _pixel_at(self, pos: QPointF) -> tuple[int, int] | None:
        target = self._target()
        if self._input is None or not target.contains(pos):
            return None
        cell = target.width() / 32
        return (min(31, int((pos.y() - target.top()) / cell)),
                min(31, int((pos.x() - target.left()) / cell)))  # fmt: skip

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pixel = self._pixel_at(event.position())
        if pixel is None:
            QToolTip.hideText()
            return
        r, c = pixel
        text = f"input row {r}, column {c}: ink {self._values[r, c]:.2f}"
        if self._attribution is not None:
            text += f"<br>attribution <b>{self._attribution[r, c]:+.4f}</b>"
        QToolTip.showText(event.globalPosition().toPoint(), text, self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pixel = self._pixel_at(event.position())
        if pixel is not None and event.button() == Qt.MouseButton.LeftButton:
            self.pixel_clicked.emit(*pixel)


class CanvasOverlay(QWidget):
    """A transparent child of the canvas that paints the heatmap and a receptive field over the
    drawing; it lets every mouse event through to the canvas and follows its size."""

    def __init__(self, canvas: QWidget) -> None:
        super().__init__(canvas)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self._placement = None
        self._heat: QImage | None = None
        self._field: tuple[int, int, int, int] | None = None
        self.setGeometry(canvas.rect())
        canvas.installEventFilter(self)
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(watched.rect())
        return False

    def set_content(self, placement, heat: QImage | None, field=None) -> None:
        """`placement`: input -> canvas mapping (None hides everything); `heat`: the heatmap
        image of the 32x32 input or None; `field`: a receptive field (top, left, bottom, right).
        Repaints only where the old or the new content lies, and nothing when it is the same."""
        content = (placement, heat, field)
        if content == (self._placement, self._heat, self._field):
            return
        before = self._painted_rect()
        self._placement, self._heat, self._field = content
        dirty = before.united(self._painted_rect())
        if not dirty.isEmpty():
            self.update(dirty)

    def _painted_rect(self) -> QRect:
        """Where paintEvent paints (the heatmap's square and the field's outline), in pixels."""
        if self._placement is None:
            return QRect()
        rect = QRectF()
        if self._heat is not None:
            rect = rect.united(_source_rect(self._placement, (0, 0, 32, 32)))
        if self._field is not None:
            rect = rect.united(_source_rect(self._placement, self._field))
        return rect.toAlignedRect().adjusted(-2, -2, 2, 2)  # the outline's pen and rounding

    def heat_rect(self) -> QRectF | None:
        """Where the heatmap (the whole 32x32 input) is painted on the canvas, or None."""
        if self._placement is None or self._heat is None:
            return None
        return _source_rect(self._placement, (0, 0, 32, 32))

    def is_showing(self) -> bool:
        return self._placement is not None and (self._heat is not None or self._field is not None)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._placement is None:
            return
        painter = QPainter(self)
        if self._heat is not None:
            painter.setOpacity(0.75)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(_source_rect(self._placement, (0, 0, 32, 32)), self._heat)
            painter.setOpacity(1.0)
        if self._field is not None:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(FIELD_COLOUR, 2, Qt.PenStyle.DashLine))
            painter.drawRect(_source_rect(self._placement, self._field))


def _source_rect(placement, rows_cols) -> QRectF:
    """Input rows top..bottom, columns left..right as a rectangle on the canvas."""
    x0, y0, x1, y1 = placement.rect_to_source(*rows_cols)
    return QRectF(x0, y0, x1 - x0, y1 - y0)
