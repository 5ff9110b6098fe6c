"""The "Network" tab: each layer's output shape and parameter count as a formula with its
numbers, read from the active model (`layer_arithmetic.parameter_formulas`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from ...network.architecture import layer_for


class NetworkView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLabel("No model loaded yet.")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

    def show_model(self, model, shapes: dict) -> None:
        """`shapes`: {layer: per-sample output shape} (model.layer_output_shapes())."""
        from ...network.layer_arithmetic import parameter_formulas, total_formula

        formulas = parameter_formulas(model)
        output = model.config.output
        rows = []
        for f in formulas:
            shape = shapes[f.layer]
            shown = f"{shape[0]}@{shape[1]}×{shape[2]}" if len(shape) == 3 else str(shape[0])
            rows.append(
                f"<tr><td><b>{f.layer}</b></td><td>{shown}</td>"
                f"<td><tt>{f}</tt><br><small>{layer_for(f.layer, output).description}; "
                f"{f.meaning}</small></td></tr>"
            )
        c1_f6, total = total_formula(formulas[:-1]), total_formula(formulas)
        rows.append(f"<tr><td><b>C1..F6</b></td><td></td><td><tt>{c1_f6}</tt></td></tr>")
        rows.append(f"<tr><td><b>total</b></td><td></td><td><tt>{total}</tt></td></tr>")
        self.text.setText(
            "<p>Trainable parameters of the active model, counted from its weights' shapes "
            "(and C3's connection table): <i>(weights per unit + bias) × units</i>.</p>"
            f"<table cellspacing='4'><tr><th>layer</th><th>output</th><th>parameters</th></tr>"
            f"{''.join(rows)}</table>"
        )
