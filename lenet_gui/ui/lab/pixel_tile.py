"""A captioned square showing a small image (a 32x32 input, a change) pixelated, large."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

CAPTION = 34  # two lines of text under the image


class PixelTile(QWidget):
    """`set_image(QImage | None, caption)`; the image keeps square pixels and fills the width."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.caption = ""
        self.setMinimumSize(120, 120 + CAPTION)

    def set_image(self, image: QImage | None, caption: str) -> None:
        self.image, self.caption = image, caption
        self.setToolTip(caption)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(224, 224 + CAPTION)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        side = max(1, min(self.width(), self.height() - CAPTION))
        x = (self.width() - side) // 2
        if self.image is not None:
            painter.drawImage(QRect(x, 0, side, side), self.image)  # nearest: pixels stay square
        else:
            painter.fillRect(QRect(x, 0, side, side), self.palette().window().color().darker(110))
        painter.drawText(QRect(0, side + 2, self.width(), CAPTION - 2),
                         Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap,
                         self.caption)  # fmt: skip
        painter.end()
