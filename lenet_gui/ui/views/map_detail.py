"""One feature map (or C1 kernel, or a layer of units) enlarged in its own window, kept live."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QDialog, QLabel, QToolTip, QVBoxLayout, QWidget

from ...architecture import LAYER, MAP_LAYERS
from .colormap import SQUASH_LIMIT, diverging_image
from .explanations import layer_tooltip
from .map_layout import F6_SHAPE, KERNELS

C5_COLUMNS = 30  # C5's 120 units as 4 rows of 30 (a divisor of its units)


class ArrayView(QWidget):
    """A 2-D array painted with the diverging colour map, square cells, values on hover."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._array: np.ndarray | None = None
        self._image = QImage()
        self.setMouseTracking(True)
        self.setMinimumSize(240, 120)

    def set_array(self, array: np.ndarray | None, limit: float) -> None:
        self._array = None if array is None else np.asarray(array, dtype=np.float32)
        self._image = QImage() if array is None else diverging_image(self._array, limit)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def _target(self) -> QRectF:
        rows, cols = self._array.shape
        cell = min(self.width() / cols, self.height() / rows)
        rect = QRectF(0, 0, cell * cols, cell * rows)
        rect.moveCenter(QRectF(self.rect()).center())
        return rect

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self._array is None:
            painter.setPen(QColor(120, 120, 130))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Nothing drawn")
            return
        target = self._target()
        painter.drawImage(target, self._image)
        rows, cols = self._array.shape
        cell = target.width() / cols
        if cell >= 10:  # a faint grid once cells are big enough to count
            painter.setPen(QPen(QColor(255, 255, 255, 70), 1))
            for c in range(1, cols):
                x = target.left() + c * cell
                painter.drawLine(QPointF(x, target.top()), QPointF(x, target.bottom()))
            for r in range(1, rows):
                y = target.top() + r * cell
                painter.drawLine(QPointF(target.left(), y), QPointF(target.right(), y))
        painter.setPen(QPen(QColor(150, 150, 160), 1))
        painter.drawRect(target)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._array is None:
            return
        target, pos = self._target(), event.position()
        if not target.contains(pos):
            QToolTip.hideText()
            return
        rows, cols = self._array.shape
        row = min(rows - 1, int((pos.y() - target.top()) / target.height() * rows))
        col = min(cols - 1, int((pos.x() - target.left()) / target.width() * cols))
        text = f"row {row}, column {col}: <b>{self._array[row, col]:+.3f}</b>"
        QToolTip.showText(event.globalPosition().toPoint(), text, self)


def detail_title(layer: str, index: int, c3_table=None) -> str:
    if layer == KERNELS:
        return f"C1 kernel {index}"
    if layer in MAP_LAYERS:
        title = f"{layer} map {index}"
        if layer == "C3" and c3_table is not None:
            title += " — fed by S2 maps " + ", ".join(map(str, c3_table[index]))
        return title
    return f"{layer}: {LAYER[layer].shape_text()}"


class MapDetailDialog(QDialog):
    """Follows one map as the drawing changes; closing it forgets it."""

    def __init__(self, layer: str, index: int, c3_table=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.layer, self.index = layer, index
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        title = detail_title(layer, index, c3_table)
        self.setWindowTitle(title)
        self.view = ArrayView()
        header = QLabel(f"<b>{title}</b> — hover for values")
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setText(layer_tooltip(layer))
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.caption)
        self.resize(460, 560)

    def show_data(self, activations: dict | None, kernels: np.ndarray | None) -> None:
        """Pick this dialog's array out of a drawing's activations (or the model's kernels)."""
        if self.layer == KERNELS:
            if kernels is not None:
                limit = float(np.abs(kernels).max()) or 1.0
                self.view.set_array(kernels[self.index], limit)
            return
        if activations is None:
            self.view.set_array(None, SQUASH_LIMIT)
            return
        act = activations[self.layer]
        if self.layer == "output":
            self.view.set_array(act.reshape(1, -1), float(np.abs(act).max()) or 1.0)
        elif self.layer == "C5":
            self.view.set_array(act.reshape(-1, C5_COLUMNS), SQUASH_LIMIT)
        elif self.layer == "F6":
            self.view.set_array(act.reshape(F6_SHAPE), SQUASH_LIMIT)
        else:
            self.view.set_array(act[self.index], SQUASH_LIMIT)
