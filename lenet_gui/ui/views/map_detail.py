"""One feature map (or C1 kernel, or a layer of units) enlarged in its own window, kept live."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleEvent,
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QDialog, QLabel, QToolTip, QVBoxLayout, QWidget

from ...network.architecture import LAYER, MAP_LAYERS
from .. import theme
from ..screen_fit import fit_to_screen
from .colormap import SQUASH_LIMIT, diverging_image
from .explanations import layer_tooltip
from .map_layout import F6_SHAPE, KERNELS

C5_COLUMNS = 30  # C5's 120 units as 4 rows of 30 (a divisor of its units)


class ArrayView(QWidget):
    """A 2-D array painted with the diverging colour map, square cells, values on hover."""

    cell_clicked = Signal(int, int)  # row, column

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._array: np.ndarray | None = None
        self._image = QImage()
        self._cursor = (0, 0)  # the keyboard's cell: row, column
        self.setMouseTracking(True)
        self.setMinimumSize(240, 120)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Enlarged map")
        self.setAccessibleDescription("Arrow keys move over the cells and read their values.")

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
            painter.setPen(theme.ink(self, "muted"))
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
        painter.setPen(QPen(theme.quiet_fill(self, 0.4), 1))
        painter.drawRect(target)
        if self.hasFocus():  # the keyboard's cell, visibly
            row, col = self._cursor
            painter.setPen(QPen(theme.ink(self, "highlight"), 2))
            painter.drawRect(
                QRectF(target.left() + col * cell, target.top() + row * cell, cell, cell)
            )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrow keys move the cell cursor; its value becomes the accessible description.
        Enter does what a click on the cell does."""
        moves = {Qt.Key.Key_Left: (0, -1), Qt.Key.Key_Right: (0, 1),
                 Qt.Key.Key_Up: (-1, 0), Qt.Key.Key_Down: (1, 0)}  # fmt: skip
        if self._array is not None and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.cell_clicked.emit(*self._cursor)  # what a click on the cell does
            return
        if self._array is None or event.key() not in moves:
            super().keyPressEvent(event)
            return
        rows, cols = self._array.shape
        d_row, d_col = moves[event.key()]
        row = min(max(self._cursor[0] + d_row, 0), rows - 1)
        col = min(max(self._cursor[1] + d_col, 0), cols - 1)
        self._cursor = (row, col)
        text = self.cell_text(row, col)
        self.setAccessibleDescription(text)
        QAccessible.updateAccessibility(
            QAccessibleEvent(self, QAccessible.Event.DescriptionChanged)
        )
        QToolTip.showText(self.mapToGlobal(self.rect().center()), text, self)
        self.update()

    def cell_text(self, row: int, col: int) -> str:
        return f"row {row}, column {col}: {self._array[row, col]:+.3f}"

    def focusInEvent(self, event) -> None:
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:
        self.update()
        super().focusOutEvent(event)

    def _cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        if self._array is None:
            return None
        target = self._target()
        if not target.contains(pos):
            return None
        rows, cols = self._array.shape
        row = min(rows - 1, int((pos.y() - target.top()) / target.height() * rows))
        col = min(cols - 1, int((pos.x() - target.left()) / target.width() * cols))
        return row, col

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        cell = self._cell_at(event.position())
        if cell is None:
            QToolTip.hideText()
            return
        row, col = cell
        text = self.cell_text(row, col)
        QToolTip.showText(event.globalPosition().toPoint(), text, self)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell = self._cell_at(event.position())
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            self._cursor = cell  # the outlined cell is the one clicked; arrows go on from it
            self.update()
            self.cell_clicked.emit(*cell)


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
    """Follows one map as the drawing changes; closing it forgets it. Clicking a unit emits
    `unit_clicked` (layer, map, row, col), for the Explain dock's trace."""

    unit_clicked = Signal(str, int, int, int)

    def __init__(
        self,
        layer: str,
        index: int,
        c3_table=None,
        parent: QWidget | None = None,
        output: str = "linear",  # the model's output layer, "linear" or "rbf": for the caption
    ):
        super().__init__(parent)
        self.layer, self.index = layer, index
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        title = detail_title(layer, index, c3_table)
        self.setWindowTitle(title)
        self.view = ArrayView()
        hint = "" if layer == KERNELS else ", click a unit to see how it was computed"
        header = QLabel(f"<b>{title}</b> — hover or use the arrow keys for values{hint}")
        header.setWordWrap(True)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setText(layer_tooltip(layer, output))
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.caption)
        fit_to_screen(self, QSize(460, 560))
        self.view.cell_clicked.connect(self._on_view_cell_clicked)

    def unit_at(self, row: int, col: int) -> tuple[str, int, int, int] | None:
        """The unit shown at (row, col) of this dialog's array, None for a kernel."""
        if self.layer == KERNELS:
            return None
        if self.layer in ("C1", "S2", "C3", "S4"):
            return (self.layer, self.index, row, col)
        columns = {"C5": C5_COLUMNS, "F6": F6_SHAPE[1], "output": 10}[self.layer]
        return (self.layer, row * columns + col, 0, 0)

    def _on_view_cell_clicked(self, row: int, col: int) -> None:
        unit = self.unit_at(row, col)
        if unit is not None:
            self.unit_clicked.emit(*unit)

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
