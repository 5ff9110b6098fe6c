"""A captioned square showing a small image (a 32x32 input, a change) pixelated, large."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

CAPTION_LINES = 3  # a caption's two lines, the first of which may wrap once


class PixelTile(QWidget):
    """`set_image(QImage | None, caption)`; the image keeps square pixels and fills the width."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.caption = ""
        self.setMinimumSize(120, 120 + self.caption_height())

    def caption_height(self) -> int:
        """Pixels under the image for the caption: CAPTION_LINES lines of the widget's font (a
        fixed 34 px held two, and "Changed: not a digit (best guess 4, 11%)" wrapped into the
        probabilities' line, which was cut off)."""
        return CAPTION_LINES * self.fontMetrics().lineSpacing() + 4

    def set_image(self, image: QImage | None, caption: str) -> None:
        self.image, self.caption = image, caption
        self.setToolTip(caption)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(224, 224 + self.caption_height())

    def caption_rect(self) -> QRect:
        side = self._side()
        return QRect(0, side + 2, self.width(), self.caption_height() - 2)

    def _side(self) -> int:
        return max(1, min(self.width(), self.height() - self.caption_height()))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        side = self._side()
        x = (self.width() - side) // 2
        if self.image is not None:
            painter.drawImage(QRect(x, 0, side, side), self.image)  # nearest: pixels stay square
        else:
            painter.fillRect(QRect(x, 0, side, side), self.palette().window().color().darker(110))
        painter.drawText(self.caption_rect(),
                         Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap,
                         self.caption)  # fmt: skip
        painter.end()
