"""The "How" tab: one unit's receptive field, inputs, weights and computation with its numbers.

Shows a `trace.Trace`: the 32x32 input with the receptive field outlined, each group of inputs
beside its weights as small images (for C3 only the S2 maps its column of the connection table
names), and the computation line by line, ending in the value the network computed.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from ...network.prototypes import COLUMNS, ROWS
from ..views.colormap import SQUASH_LIMIT
from ..views.explanations import layer_tooltip
from .heatmap import InputExplainView
from .small_arrays import SmallArray

VECTOR_SHAPES = {120: (4, 30), 84: (ROWS, COLUMNS)}  # C5's units as 4x30, F6's as 7x12


def unit_name(layer: str, map_: int, row: int, col: int) -> str:
    if layer in ("C1", "S2", "C3", "S4"):
        return f"{layer} map {map_}, row {row}, column {col}"
    if layer == "output":
        return f"output unit {map_} (digit {map_})"
    return f"{layer} unit {map_}"


def _as_grid(values: np.ndarray) -> np.ndarray:
    return values.reshape(VECTOR_SHAPES.get(values.size, (1, values.size))) if values.ndim == 1 \
        else values  # fmt: skip


class TraceView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trace = None
        self.header = QLabel(
            "Click a map in <i>Inside the network</i> to enlarge it, then click any unit in it "
            "to see how its value was computed."
        )
        self.header.setWordWrap(True)
        self.input_view = InputExplainView()
        self.input_view.setFixedSize(150, 150)
        self.input_view.setToolTip("The network's 32×32 input; green: the unit's receptive field")
        self.field_label = QLabel()
        self.field_label.setWordWrap(True)
        self.inputs = QWidget()
        self.inputs_layout = QGridLayout(self.inputs)
        self.inputs_layout.setContentsMargins(0, 0, 0, 0)
        self.inputs_layout.setHorizontalSpacing(4)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.inputs)
        self.computation = QLabel()
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.TypeWriter)
        self.computation.setFont(font)
        self.computation.setWordWrap(True)
        self.computation.setTextFormat(Qt.TextFormat.PlainText)
        self.computation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QWidget()
        top_layout = QGridLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.input_view, 0, 0)
        top_layout.addWidget(self.field_label, 0, 1)
        top_layout.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(top)
        layout.addWidget(QLabel("<b>Its inputs</b> (left) and <b>weights</b> (right):"))
        layout.addWidget(scroll, 1)
        layout.addWidget(self.computation)

    def show_trace(self, trace, field: np.ndarray | None, output: str = "linear") -> None:
        """`trace`: a trace.Trace (None clears); `field`: the (32, 32) input ink shown under it;
        `output`: the model's output layer ("linear" or "rbf"), for the layer's tooltip."""
        self.trace = trace
        self.input_view.set_input(field)
        while self.inputs_layout.count():
            item = self.inputs_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        if trace is None:
            self.input_view.set_field(None)
            self.field_label.clear()
            self.computation.clear()
            return
        name = unit_name(trace.layer, trace.map, trace.row, trace.col)
        self.header.setText(f"<b>{name}</b> = <b>{trace.value:+.4f}</b>")
        self.header.setToolTip(layer_tooltip(trace.layer, output))
        self.input_view.set_field(trace.receptive_field)
        top, left, bottom, right = trace.receptive_field
        self.field_label.setText(
            f"Receptive field: input rows {top}–{bottom - 1}, columns {left}–{right - 1} "
            f"({bottom - top}×{right - left} pixels), outlined in green here and on the drawing."
        )
        for i, group in enumerate(trace.inputs):
            self._add_group(i, trace, group)
        self.computation.setText("\n".join(trace.computation()))

    def _add_group(self, i: int, trace, group) -> None:
        source = "input" if group.source == "input" else f"{group.source}"
        what = source + (f" map {group.map}" if group.map is not None else "")
        values = _as_grid(group.values)
        big = values.size > 100
        cell = 4 if big else (12 if values.size <= 4 else 8)
        if group.source == "input":
            ink = (values + 0.1) / 1.275  # back to 0..1 ink for a gray picture
            shown = SmallArray(ink, 1.0, what, cell, gray=True)
        else:
            shown = SmallArray(values, SQUASH_LIMIT, what, cell)
        self.inputs_layout.addWidget(shown, i, 0)
        if group.weights is None:  # subsampling: one coefficient for the whole block
            text = f"× coefficient {trace.coefficient:+.4f}<br>sum {group.partial_sum:+.4f}"
            self.inputs_layout.addWidget(QLabel(text), i, 1)
            return
        weights = _as_grid(group.weights)
        limit = float(np.abs(weights).max()) or 1.0
        caption = "prototype" if trace.kind == "rbf" else "weights"
        self.inputs_layout.addWidget(SmallArray(weights, limit, caption, cell), i, 1)
        label = "Σ (x − w)²" if trace.kind == "rbf" else "Σ w·x"
        value = trace.weighted_sum if trace.kind == "rbf" else group.partial_sum
        self.inputs_layout.addWidget(QLabel(f"{label} = {value:+.4f}"), i, 2)
