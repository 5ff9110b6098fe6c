"""The retrain dialog's live curves: the training loss, and the accuracy on MNIST validation and
on the user's held-out samples, against the step. The dialog feeds them one point at a time."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from ...retraining import VAL_COUNT

VAL_PEN, USER_PEN = pg.mkPen("#1f77b4", width=2), pg.mkPen("#d62728", width=2)


class TrainingCurves(QWidget):
    """Two plots side by side: loss, and accuracy (%) with a legend."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.points: dict[str, tuple[list, list]] = {}  # "loss", "val", "user" -> (xs, ys)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.loss_plot = pg.PlotWidget(title="Training loss")
        self.loss_plot.setAccessibleName("Training loss plot")
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.3)
        self.accuracy_plot = pg.PlotWidget(title="Accuracy (%)")
        self.accuracy_plot.setAccessibleName("Accuracy plot")
        self.accuracy_plot.setLabel("bottom", "step")
        self.accuracy_plot.showGrid(x=True, y=True, alpha=0.3)
        self.accuracy_plot.addLegend(offset=(-10, -10))
        self.loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen("#444", width=2))
        self.val_curve = self.accuracy_plot.plot(
            [],
            [],
            pen=VAL_PEN,
            symbol="o",
            symbolSize=5,
            symbolBrush="#1f77b4",
            name=f"MNIST validation ({VAL_COUNT:,} training digits held back)",
        )
        self.user_curve = self.accuracy_plot.plot(
            [],
            [],
            pen=USER_PEN,
            symbol="s",
            symbolSize=5,
            symbolBrush="#d62728",
            name="my held-out samples",
        )
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.setBackground("w")
            plot.setMinimumHeight(200)
        row.addWidget(self.loss_plot)
        row.addWidget(self.accuracy_plot)
        # Where the replay's slider is (a training step), on both plots; hidden until it moves.
        self.markers = [pg.InfiniteLine(angle=90, pen=pg.mkPen("#888", width=1.5)) for _ in "ab"]
        for plot, marker in zip((self.loss_plot, self.accuracy_plot), self.markers, strict=True):
            marker.setVisible(False)
            plot.addItem(marker)

    def clear(self) -> None:
        self.mark(None)
        self.points = {"loss": ([], []), "val": ([], []), "user": ([], [])}
        for curve in (self.loss_curve, self.val_curve, self.user_curve):
            curve.setData([], [])

    def add_point(self, key: str, x: float, y: float | None, scale: float = 1.0) -> None:
        """Append (x, y * scale) to the curve `key`; a missing or non-finite y is skipped."""
        if y is None or not math.isfinite(y):
            return
        xs, ys = self.points[key]
        xs.append(x)
        ys.append(y * scale)
        curve = {"loss": self.loss_curve, "val": self.val_curve, "user": self.user_curve}[key]
        curve.setData(xs, ys)

    def mark(self, step: float | None) -> None:
        """Mark a step on both plots (None: no mark)."""
        for marker in self.markers:
            marker.setVisible(step is not None)
            if step is not None:
                marker.setValue(step)

    def last(self, key: str) -> float | None:
        """The latest y of the curve `key` (scaled), or None while it has no points."""
        ys = self.points[key][1]
        return ys[-1] if ys else None
