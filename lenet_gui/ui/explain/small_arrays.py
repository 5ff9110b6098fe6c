"""Small arrays (a 5x5 patch, its kernel, a 7x12 prototype) as fixed-size labelled images."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..views.colormap import diverging_image, gray_image


def array_pixmap(values: np.ndarray, limit: float, cell: int, gray: bool = False) -> QPixmap:
    """(H, W) or (N,) values as a pixmap of cell x cell squares (no smoothing)."""
    values = np.asarray(values, dtype=np.float32)
    if values.ndim == 1:
        values = values[None]
    image = gray_image(values, ink_is_white=False) if gray else diverging_image(values, limit)
    h, w = values.shape
    return QPixmap.fromImage(image).scaled(
        w * cell, h * cell, Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.FastTransformation,
    )  # fmt: skip


class SmallArray(QWidget):
    """An array image with a caption under it; the tooltip lists its values."""

    def __init__(self, values, limit, caption: str, cell: int = 8, gray: bool = False,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        values = np.asarray(values, dtype=np.float64)
        image = QLabel()
        image.setPixmap(array_pixmap(values, limit, cell, gray))
        text = QLabel(caption)
        text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(1)
        layout.addWidget(image, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(text)
        grid = values if values.ndim == 2 else values[None]
        if grid.size <= 36:
            rows = "<br>".join(" ".join(f"{v:+.3f}" for v in row) for row in grid)
            self.setToolTip(f"<b>{caption}</b><br><tt>{rows}</tt>")
        else:
            self.setToolTip(f"<b>{caption}</b>: {grid.size} values, "
                            f"{grid.min():+.3f} .. {grid.max():+.3f}")  # fmt: skip
