"""Two models side by side on the drawing: the current model and another checkpoint (for
example before and after fine-tuning on your handwriting): both readings, both sets of maps of
a chosen layer, and their difference. It follows the drawing as you draw.

The numbers are `lenet_gui.lab.compare.compare`; the other checkpoint loads off the GUI thread.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...lab.compare import Comparison, compare
from ...network.architecture import LAYER_NAMES
from ...reading.verdict_words import short_reading
from ...system import paths
from ..screen_fit import scrolling
from ..views.colormap import SQUASH_LIMIT
from ..views.scores import ProbabilityBars
from .dialog import LabDialog
from .map_row import MapRow, as_maps
from .menu import Source


def _load(path: str):
    from ...retrain.checkpoint import CheckpointError, load_checkpoint

    try:
        return load_checkpoint(path)
    except CheckpointError as exc:
        raise ValueError(str(exc)) from None


def models_folder() -> str:
    """Where to look for the other model: the models "Use this model" saved, if any, else
    the bundled ones (the linear and the RBF output LeNet-5)."""
    try:
        mine = paths.user_data_dir() / "models"
    except OSError:  # no data folder: nothing saved there either
        mine = None
    if mine is not None and any(mine.glob("*.pt")):
        return str(mine)
    return str(paths.bundled_checkpoint().parent)


class CompareDialog(LabDialog):
    """`load_other(path)` loads the checkpoint to compare with; `refresh()` reads the drawing
    (`source()`) with both models and shows them."""

    def __init__(self, source: Source, parent: QWidget | None = None):
        super().__init__(
            source,
            "Compare two models",
            "Choose a checkpoint to compare the current model with.",
            parent,
        )
        self.other = None  # LoadedModel
        self.comparison: Comparison | None = None

        self.choose_button = QPushButton("&Choose the other model…")
        self.choose_button.clicked.connect(self.choose_other)
        self.layer_box = QComboBox()
        for name in LAYER_NAMES:
            self.layer_box.addItem(name, name)
        self.layer_box.currentIndexChanged.connect(self._show_maps)
        top = QHBoxLayout()
        top.addWidget(self.choose_button)
        top.addWidget(QLabel("Layer"))
        top.addWidget(self.layer_box)
        top.addStretch(1)

        self.first_label, self.second_label = QLabel("This model"), QLabel("Other model: none")
        self.first_bars, self.second_bars = ProbabilityBars(), ProbabilityBars()
        scores = QGridLayout()
        scores.addWidget(self.first_label, 0, 0)
        scores.addWidget(self.second_label, 0, 1)
        scores.addWidget(self.first_bars, 1, 0)
        scores.addWidget(self.second_bars, 1, 1)
        self.first_row, self.second_row, self.difference_row = MapRow(), MapRow(), MapRow()
        self.layers_label = QLabel()
        self.layers_label.setWordWrap(True)

        body = QWidget()  # scrolls on a small screen; the summary and Close stay in view
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addLayout(scores, 2)
        for row in (self.first_row, self.second_row, self.difference_row):
            body_layout.addWidget(row, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scrolling(body, "The two readings and maps"), 1)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.layers_label)
        layout.addLayout(self.button_row())
        self.fit(760, 720)

    def load_other(self, path: str | Path) -> None:
        """Load the other checkpoint off the GUI thread, then compare."""
        self.summary_label.setText(f"Loading {Path(path).name}…")
        self.task.start(lambda: _load(str(path)))

    def refresh(self) -> None:
        """Read the drawing with both models (two forward passes of one input: milliseconds)."""
        if self.other is None:
            return
        got = self.drawing()
        if got is None:
            self.comparison = None
            for bars in (self.first_bars, self.second_bars):
                bars.set_values(None, None, False)
            self._show_maps()
            return
        model, prepared = got
        self.comparison = compare(model, self.other.model, prepared)
        a, b = self.comparison.first.prediction, self.comparison.second.prediction
        # As the prediction panel: no digit highlighted for "not a digit", "?" colour if unsure.
        self.first_bars.set_values(a.probabilities, a.verdict.digit, a.unsure)
        self.second_bars.set_values(b.probabilities, b.verdict.digit, b.unsure)
        self.first_label.setText(f"This model: {short_reading(a)}")
        self.second_label.setText(f"{self.other.name}: {short_reading(b)}")
        self.summary_label.setText(self.comparison.summary())
        means = self.comparison.mean_absolute_difference()
        self.layers_label.setText(
            "Mean |difference| per layer: " + ", ".join(f"{k} {v:.3f}" for k, v in means.items())
        )
        self._show_maps()

    def _show_maps(self) -> None:
        layer = self.layer_box.currentData()
        c = self.comparison
        if c is None:
            for row in (self.first_row, self.second_row, self.difference_row):
                row.set_maps(None, 1.0, "")
            return
        first, second = c.first.activations[layer], c.second.activations[layer]
        limit = SQUASH_LIMIT if layer != "output" else float(np.abs([first, second]).max())
        difference = c.difference[layer]
        spread = float(np.abs(difference).max())
        self.first_row.set_maps(as_maps(layer, first), limit, f"{layer}, this model")
        self.second_row.set_maps(as_maps(layer, second), limit, f"{layer}, {self.other.name}")
        self.difference_row.set_maps(
            as_maps(layer, difference),
            spread,
            f"{layer}, difference ({self.other.name} minus this model), colours to ±{spread:.3g}",
        )

    def choose_other(self) -> None:
        """Ask for the checkpoint to compare with, and load it."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Compare with which model?", models_folder(), "LeNet-5 checkpoint (*.pt)"
        )
        if path:
            self.load_other(path)

    def _on_task_finished(self, loaded) -> None:
        self.other = loaded
        self.refresh()
