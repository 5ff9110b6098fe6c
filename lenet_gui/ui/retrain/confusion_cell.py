"""Drill-down of one cell of the confusion matrix: the MNIST test digits of true class i that the
trained network read as j, as thumbnails; clicking one emits it, and the window puts it on the
canvas to inspect (maps, scores, lab)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..samples.browser import field_pixmap

SHOWN = 300  # thumbnails at most (a diagonal cell holds about a thousand digits)
COLUMNS = 12
THUMB = 40


def cell_indices(labels: np.ndarray, predictions: np.ndarray, true: int, read: int) -> np.ndarray:
    """Indices of the test digits of class `true` read as `read`, in test-set order."""
    return np.flatnonzero((np.asarray(labels) == true) & (np.asarray(predictions) == read))


class ConfusionCellDialog(QDialog):
    """`digit_chosen(image (28, 28) uint8, index in the test set, true, read)` on a click."""

    digit_chosen = Signal(object, int, int, int)

    def __init__(self, images, labels, predictions, true: int, read: int, parent=None):
        super().__init__(parent)
        self.indices = cell_indices(labels, predictions, true, read)
        self.images, self.true, self.read = images, true, read
        self.setWindowTitle(f"Test digits: a {true} read as {read}")
        count = len(self.indices)
        text = f"{count:,} test digit{'s' * (count != 1)} of class {true} read as {read}"
        if count > SHOWN:
            text += f" (the first {SHOWN} shown)"
        self.caption = QLabel(text + ". Click one to put it on the canvas.")
        self.caption.setWordWrap(True)
        grid_holder = QWidget()
        grid = QGridLayout(grid_holder)
        grid.setSpacing(3)
        self.buttons: list[QToolButton] = []
        for slot, index in enumerate(self.indices[:SHOWN]):
            button = QToolButton()
            button.setIcon(field_pixmap(images[index], THUMB))
            button.setIconSize(QSize(THUMB, THUMB))
            button.setToolTip(f"test digit {int(index):,}: a {true}, read as {read}")
            button.clicked.connect(lambda _=False, i=int(index): self._on_thumbnail_clicked(i))
            grid.addWidget(button, slot // COLUMNS, slot % COLUMNS)
            self.buttons.append(button)
        scroll = QScrollArea()
        scroll.setWidget(grid_holder)
        scroll.setWidgetResizable(True)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(scroll, 1)
        layout.addWidget(box)
        room = self.screen().availableGeometry()
        self.resize(min(COLUMNS * (THUMB + 14) + 50, room.width()), min(460, room.height()))

    def _on_thumbnail_clicked(self, index: int) -> None:
        self.digit_chosen.emit(self.images[index], index, self.true, self.read)
