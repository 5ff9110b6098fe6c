"""The fooling dialog: the smallest change to the network's 32x32 input (FGSM or PGD, kept in
the input's valid range) that makes it read another digit, or a chosen one. Shows the input, the
changed input, the change itself (amplified, diverging colours), its size and the new reading.

The search is `lenet_gui.lab.adversarial.smallest_fooling` (as `python -m lenet_gui fool`), run off
the GUI thread by a `LabTask`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...lab.adversarial import (
    HIGH,
    LOW,
    PGD_STEPS,
    FoolingResult,
    readings,
    smallest_fooling,
)
from ...reading.verdict_words import short_reading
from ..views.colormap import diverging_image, gray_image
from .dialog import LabDialog
from .input_strip import input_ink
from .menu import Source
from .pixel_tile import PixelTile


def _top(probabilities: np.ndarray) -> str:
    order = np.argsort(probabilities)[::-1][:3]
    return ", ".join(f"{d}: {100 * probabilities[d]:.0f}%" for d in order)


class FoolingDialog(LabDialog):
    """Non-modal; `run()` searches a fooling change for what `source()` returns."""

    def __init__(self, source: Source, parent: QWidget | None = None):
        super().__init__(
            source,
            "Fool the network",
            "Press Run to look for the smallest change that fools it.",
            parent,
        )
        self.result: FoolingResult | None = None
        self.readings = None  # (input, changed input): Predictions with their verdicts

        self.method_box = QComboBox()
        self.method_box.addItem(f"PGD ({PGD_STEPS} steps)", "pgd")
        self.method_box.addItem("FGSM (one step)", "fgsm")
        self.method_box.setToolTip("FGSM: one step along the gradient's sign (Goodfellow et al. "
                                   "2015); PGD: several smaller projected steps (Madry et al. "
                                   "2018), which usually needs a smaller change")  # fmt: skip
        self.target_box = QComboBox()
        self.target_box.addItem("any other digit", None)
        for digit in range(10):
            self.target_box.addItem(str(digit), digit)
        self.run_button = QPushButton("&Run")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        controls = QHBoxLayout()
        for label, widget in (("Method", self.method_box), ("make it read", self.target_box)):
            controls.addWidget(QLabel(label))
            controls.addWidget(widget)
        controls.addWidget(self.run_button)
        controls.addStretch(1)

        self.original_tile, self.fooled_tile, self.change_tile = (
            PixelTile(),
            PixelTile(),
            PixelTile(),
        )
        tiles = QHBoxLayout()
        for tile in (self.original_tile, self.fooled_tile, self.change_tile):
            tiles.addWidget(tile, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addLayout(tiles, 1)
        layout.addWidget(self.summary_label)
        layout.addLayout(self.button_row())
        self.fit(760, 440)

    def run(self) -> None:
        """Search with the method and target shown (off the GUI thread)."""
        got = self.drawing()
        if got is None:
            return
        model, prepared = got
        method, target = self.method_box.currentData(), self.target_box.currentData()
        self.summary_label.setText("Searching…")  # a new run replaces one still going

        def search():
            result = smallest_fooling(model, prepared.network_input, method, target)
            return result, readings(model, prepared, result)

        self.task.start(search)

    def _on_task_finished(self, found) -> None:
        result, (before, after) = found
        self.result, self.readings = result, (before, after)
        p0, p1 = result.original_probabilities, result.fooled_probabilities
        self.original_tile.set_image(gray_image(input_ink(result.original)),
                                     f"Input: {short_reading(before)}\n{_top(p0)}")  # fmt: skip
        self.fooled_tile.set_image(gray_image(input_ink(result.fooled)),
                                   f"Changed: {short_reading(after)}\n{_top(p1)}")  # fmt: skip
        linf = max(result.linf, 1e-9)
        self.change_tile.set_image(
            diverging_image(result.change, linf),
            f"Change ×{(HIGH - LOW) / linf:.0f} (red: more ink)\n"
            f"L∞ {result.linf:.3f}, L2 {result.l2:.2f}",
        )
        summary = result.summary()
        if before.verdict.kind == "not a digit" and result.flipped:
            summary += " The input is not a digit to begin with: only its best guess moved."
        self.summary_label.setText(summary)
