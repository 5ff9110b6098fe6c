"""A row of network inputs, one per step of an experiment, each with the digit read under it:
green where the network still reads the original digit, red where it has flipped."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from ...preprocessing.preprocess import BACKGROUND_VALUE, INK_VALUE
from ..views.colormap import gray_image

HOLDS, FLIPS = QColor("#1a7f37"), QColor("#cf222e")


def input_ink(inputs: np.ndarray) -> np.ndarray:
    """Network inputs (paper scale -0.1..1.175) back to ink levels 0..1."""
    return (np.asarray(inputs) - BACKGROUND_VALUE) / (INK_VALUE - BACKGROUND_VALUE)


class InputStrip(QWidget):
    """`set_inputs(inputs (S, 32, 32), digits (S,), reading)`. The cells fill the width (at
    most `cell` pixels); when there are more steps than room, evenly chosen steps are shown."""

    MIN_CELL = 14

    def __init__(self, cell: int = 40, parent: QWidget | None = None):
        super().__init__(parent)
        self.cell = cell
        self._images = []
        self._digits: list[int] = []
        self._reading: int | None = None
        self.setMinimumHeight(self.MIN_CELL + 20)

    def set_inputs(self, inputs: np.ndarray, digits: np.ndarray, reading: int) -> None:
        self._images = [gray_image(ink) for ink in input_ink(inputs)]
        self._digits = [int(d) for d in digits]
        self._reading = reading
        self.updateGeometry()
        self.update()

    def layout_cells(self) -> tuple[list[int], int]:
        """(indices of the steps shown, cell size in pixels) for the current width."""
        count = len(self._images)
        if count == 0:
            return [], self.cell
        shown = max(1, min(count, self.width() // (self.MIN_CELL + 2)))
        indices = np.unique(np.round(np.linspace(0, count - 1, shown)).astype(int)).tolist()
        return indices, max(1, min(self.cell, self.width() // len(indices) - 2))

    def sizeHint(self) -> QSize:
        return QSize(max(1, len(self._images)) * (self.cell + 2), self.cell + 20)

    def heightForWidth(self, width: int) -> int:
        return self.cell + 20

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        indices, cell = self.layout_cells()
        for slot, i in enumerate(indices):
            x = slot * (cell + 2)
            painter.drawImage(QRect(x, 0, cell, cell), self._images[i])
            painter.setPen(HOLDS if self._digits[i] == self._reading else FLIPS)
            painter.drawText(QRect(x, cell, cell, 20), Qt.AlignmentFlag.AlignCenter,
                             str(self._digits[i]))  # fmt: skip
        painter.end()
