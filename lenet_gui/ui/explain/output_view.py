"""The "Output" tab: F6 as a 7x12 image beside each digit's prototype, with each distance.

With the paper's RBF output (LeCun et al. 1998, section II.B and Fig. 3) each output unit is the
squared Euclidean distance from F6's 84 values to a fixed +1/-1 bitmap of its digit, and the
class is the nearest prototype. With a linear output there are no prototypes to compare with:
the tab says so and shows F6 and the logits.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ...network.prototypes import COLUMNS, PROTOTYPES, ROWS
from ..views.colormap import SQUASH_LIMIT
from .small_arrays import array_pixmap

CELL = 6


class OutputView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.f6 = QLabel()
        self.f6_caption = QLabel("F6 (84 units as 7×12)")
        self.f6_caption.setWordWrap(True)  # the logits' line would widen the dock
        grid = QWidget()
        layout = QGridLayout(grid)
        layout.setContentsMargins(0, 0, 0, 0)
        self.prototype_images, self.distance_labels = [], []
        for digit in range(10):
            image = QLabel()
            image.setPixmap(array_pixmap(PROTOTYPES[digit], 1.0, CELL))
            image.setToolTip(f"The fixed prototype of {digit}: +1 red, -1 blue")
            text = QLabel()
            layout.addWidget(image, (digit // 5) * 2, digit % 5)
            layout.addWidget(text, (digit // 5) * 2 + 1, digit % 5)
            self.prototype_images.append(image)
            self.distance_labels.append(text)
        self.prototypes = grid
        outer = QVBoxLayout(self)
        outer.addWidget(self.note)
        outer.addWidget(self.f6)
        outer.addWidget(self.f6_caption)
        outer.addWidget(self.prototypes)
        outer.addStretch(1)
        self.show_output(None, "linear")

    def show_output(self, activations: dict | None, output_kind: str) -> None:
        """`activations`: one input's {layer: array} (None: nothing drawn)."""
        rbf = output_kind == "rbf"
        self.prototypes.setVisible(rbf)
        if rbf:
            self.note.setText(
                "The paper's output layer: each digit's unit is the squared distance "
                "Σ (F6 − prototype)² between F6 and a fixed 7×12 bitmap of the digit; the "
                "<b>nearest</b> prototype is the class."
            )
        else:
            self.note.setText(
                "This model's output is a linear layer (logit = weights · F6 + bias). "
                "Model ▸ Bundled model ▸ <i>RBF output</i> switches to the paper's output layer, "
                "which compares F6 with a fixed 7×12 prototype of each digit."
            )
        if activations is None:
            self.f6.clear()
            for label in self.distance_labels:
                label.setText("")
            return
        f6 = np.asarray(activations["F6"]).reshape(ROWS, COLUMNS)
        self.f6.setPixmap(array_pixmap(f6, SQUASH_LIMIT, CELL * 2))
        scores = np.asarray(activations["output"])
        if not rbf:
            logits = "  ".join(f"{d}: {s:+.2f}" for d, s in enumerate(scores))
            self.f6_caption.setText(f"F6 (84 units as 7×12). Logits: {logits}")
            return
        self.f6_caption.setText("F6 (84 units as 7×12), compared with each prototype:")
        distances = -scores
        best = int(distances.argmin())
        for digit, label in enumerate(self.distance_labels):
            text = f"d = {distances[digit]:.1f}"
            label.setText(f"<b>{text} ◀</b>" if digit == best else text)
            label.setToolTip(f"Squared distance from F6 to the prototype of {digit}")

    def distances_text(self) -> list[str]:
        return [label.text() for label in self.distance_labels]
