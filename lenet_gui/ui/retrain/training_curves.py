"""The retrain dialog's live curves: the training loss, and the accuracy on MNIST validation and
on the user's held-out samples, against the step. The dialog feeds them one point at a time.

The x axis spans the whole run from its start (no "-400 ... 400 (x0.001)" on an empty plot), the
accuracy axis follows the points with a margin, never above 100% (`accuracy_range`: a
fine-tune's curve near 99% is not a flat line along the top edge), and the curves are named in
the plot's title, in their colours, rather than in a legend over the curves; a curve the run
does not draw is not named.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QWidget

from ...retrain.retraining import VAL_COUNT

VAL_COLOUR, USER_COLOUR = "#1f77b4", "#d62728"
VAL_PEN, USER_PEN = pg.mkPen(VAL_COLOUR, width=2), pg.mkPen(USER_COLOUR, width=2)
VAL_NAME = "MNIST validation"
USER_NAME = "my held-out samples"
NAMES_TOOLTIP = (
    f"{VAL_NAME}: {VAL_COUNT:,} digits of MNIST's training set, held back from training.\n"
    f"{USER_NAME}: your labelled drawings that are never trained on."
)


def accuracy_title(mnist: bool, user: bool) -> str:
    """The accuracy plot's title: its unit, then a short name for each curve shown, in its
    colour (the plot's tooltip gives the full names; a long title would squeeze the plot)."""
    names = [("MNIST", VAL_COLOUR)] * mnist + [("mine", USER_COLOUR)] * user
    shown = " ".join(f"<span style='color:{c}'>■ {n}</span>" for n, c in names)
    return "Accuracy (%)" + (f"<span style='font-size:8pt'>&nbsp; {shown}</span>" if shown else "")


# The accuracy axis shows at least this many points (%): a curve moving by tenths of a point
# is not magnified into noise.
ACCURACY_MIN_SPAN = 5.0


def accuracy_range(values) -> tuple[float, float]:
    """The accuracy axis's range (%) for these points: their span with a tenth of it (at least
    one point) as a margin on each side, at least ACCURACY_MIN_SPAN, within 0-100. 0-100
    without points."""
    if not values:
        return 0.0, 100.0
    lo, hi = min(values), max(values)
    margin = max(0.1 * (hi - lo), 1.0, (ACCURACY_MIN_SPAN - (hi - lo)) / 2)
    lo, hi = lo - margin, hi + margin
    if hi > 100.0:  # the ceiling: the room goes below the points instead
        lo, hi = lo - (hi - 100.0), 100.0
    return max(0.0, lo), hi


class TrainingCurves(QWidget):
    """Two plots side by side: loss, and accuracy (%) named in its title."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.points: dict[str, tuple[list, list]] = {}  # "loss", "val", "user" -> (xs, ys)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.loss_plot = pg.PlotWidget(title="Training loss")
        self.loss_plot.setAccessibleName("Training loss plot")
        self.accuracy_plot = pg.PlotWidget(title=accuracy_title(False, False))
        self.accuracy_plot.setToolTip(NAMES_TOOLTIP)
        self.accuracy_plot.setYRange(0, 100, padding=0)
        self.accuracy_plot.setLimits(yMin=0, yMax=100)
        self.accuracy_plot.enableAutoRange(axis="y", enable=False)
        self.accuracy_plot.setAccessibleName("Accuracy plot")
        self.loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen("#444", width=2))
        self.val_curve = self.accuracy_plot.plot(
            [], [], pen=VAL_PEN, symbol="o", symbolSize=5, symbolBrush=VAL_COLOUR, name=VAL_NAME
        )
        self.user_curve = self.accuracy_plot.plot(
            [], [], pen=USER_PEN, symbol="s", symbolSize=5, symbolBrush=USER_COLOUR, name=USER_NAME
        )
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.setBackground("w")
            plot.setMinimumHeight(200)
            plot.setLabel("bottom", "step")
            plot.showGrid(x=True, y=True, alpha=0.3)
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            plot.setLimits(xMin=0)
            plot.enableAutoRange(axis="x", enable=False)
            plot.setXRange(0, 100, padding=0)  # steps, until a run says how many
        row.addWidget(self.loss_plot)
        row.addWidget(self.accuracy_plot)
        # Where the replay's slider is (a training step), on both plots; hidden until it moves.
        self.markers = [pg.InfiniteLine(angle=90, pen=pg.mkPen("#888", width=1.5)) for _ in "ab"]
        for plot, marker in zip((self.loss_plot, self.accuracy_plot), self.markers, strict=True):
            marker.setVisible(False)
            plot.addItem(marker)
        self.clear()

    def clear(self) -> None:
        self.mark(None)
        self.points = {"loss": ([], []), "val": ([], []), "user": ([], [])}
        for curve in (self.loss_curve, self.val_curve, self.user_curve):
            curve.setData([], [])
        self._follow_accuracy()

    def start(self, total_steps: int, mnist: bool, user: bool) -> None:
        """A run begins: the x axes span its `total_steps`; only the curves it draws are named."""
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.setXRange(0, max(1, total_steps), padding=0.02)
        self.accuracy_plot.setTitle(accuracy_title(mnist, user))

    def add_point(self, key: str, x: float, y: float | None, scale: float = 1.0) -> None:
        """Append (x, y * scale) to the curve `key`; a missing or non-finite y is skipped."""
        if y is None or not math.isfinite(y):
            return
        xs, ys = self.points[key]
        xs.append(x)
        ys.append(y * scale)
        curve = {"loss": self.loss_curve, "val": self.val_curve, "user": self.user_curve}[key]
        curve.setData(xs, ys)
        self._follow_accuracy()

    def set_curve(self, key: str, xs, ys, scale: float = 1.0) -> None:
        """Replace the curve `key` by the points (xs, ys * scale): a saved run's curve."""
        self.points[key] = ([float(x) for x in xs], [float(y) * scale for y in ys])
        curve = {"loss": self.loss_curve, "val": self.val_curve, "user": self.user_curve}[key]
        curve.setData(*self.points[key])
        self._follow_accuracy()

    def _follow_accuracy(self) -> None:
        """The accuracy axis spans the accuracy points shown (`accuracy_range`)."""
        values = self.points["val"][1] + self.points["user"][1]
        self.accuracy_plot.setYRange(*accuracy_range(values), padding=0)

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
