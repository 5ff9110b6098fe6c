"""One layer's activation as a row of small maps in the diverging colour map, with a caption:
the compare dialog shows one row per model and one for their difference."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QWidget

from ...network.architecture import LAYER
from ..views.colormap import diverging_image

CAPTION = 18


def as_maps(layer: str, activation: np.ndarray) -> np.ndarray:
    """(maps, rows, columns) to draw: a layer's maps as they are; a layer of units as one grid
    (F6 as the paper's 7x12, C5 as 10x12, the output as a row of ten)."""
    spec = LAYER[layer]
    a = np.asarray(activation, dtype=np.float32)
    if spec.has_maps:
        return a.reshape(spec.shape)
    rows, cols = spec.grid or ((10, 12) if spec.units == 120 else (1, spec.units))
    return a.reshape(1, rows, cols)


class MapRow(QWidget):
    """`set_maps(maps (n, rows, cols), limit, caption)`: n maps side by side, -limit blue,
    +limit red, as large as the width allows (square pixels)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.maps: np.ndarray | None = None
        self.caption = ""
        self._images = []
        self.setMinimumHeight(60)

    def set_maps(self, maps: np.ndarray | None, limit: float, caption: str) -> None:
        self.maps, self.caption = maps, caption
        limit = max(float(limit), 1e-6)
        self._images = [] if maps is None else [diverging_image(m, limit) for m in maps]
        self.setToolTip(caption)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(640, 110)

    def paintEvent(self, event) -> None:
        from PySide6.QtGui import QPainter

        painter = QPainter(self)
        painter.drawText(QRect(0, 0, self.width(), CAPTION), Qt.AlignmentFlag.AlignLeft,
                         self.caption)  # fmt: skip
        if self._images:
            n = len(self._images)
            rows, cols = self.maps.shape[1:]
            gap = 3
            room_h = self.height() - CAPTION - 2
            scale = max(1.0, min((self.width() - gap * (n - 1)) / (n * cols), room_h / rows))
            w, h = int(cols * scale), int(rows * scale)
            for i, image in enumerate(self._images):
                painter.drawImage(QRect(i * (w + gap), CAPTION + 2, w, h), image)
        painter.end()
