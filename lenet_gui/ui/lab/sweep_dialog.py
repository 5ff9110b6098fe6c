"""The invariance-sweep dialog: pick a transform and a range, see every class's probability
across it (pyqtgraph), the network inputs along it, where the reading holds and where it flips.

The sweep itself is `lenet_gui.lab.sweep.run_sweep`, the same function as `python -m lenet_gui
sweep`, run off the GUI thread by a `LabTask`.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...lab.sweep import MAX_STEPS, TRANSFORMS, SweepResult, run_sweep
from ...reading.inference import inspect
from ...reading.verdict_words import reading_sentence
from .dialog import LabDialog
from .export import save_csv, save_widget_png
from .input_strip import InputStrip
from .menu import Source

# Ten distinguishable colours (matplotlib's tab10), one per digit.
CLASS_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip


class SweepDialog(LabDialog):
    """Non-modal; `run()` sweeps what `source()` returns with the settings shown."""

    def __init__(self, source: Source, parent: QWidget | None = None):
        super().__init__(
            source, "Invariance sweep", "Press Run to sweep the drawing on the canvas.", parent
        )
        self.result: SweepResult | None = None

        self.transform_box = QComboBox()
        for name, t in TRANSFORMS.items():
            self.transform_box.addItem(f"{t.label} ({t.unit})", name)
        self.transform_box.setCurrentIndex(list(TRANSFORMS).index("rotate"))
        self.from_box, self.to_box = QDoubleSpinBox(), QDoubleSpinBox()
        for box in (self.from_box, self.to_box):
            box.setDecimals(2)
            box.setKeyboardTracking(False)
        self.steps_box = QSpinBox()
        self.steps_box.setRange(2, MAX_STEPS)
        self.steps_box.setValue(31)
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, 2**31 - 1)
        self.seed_box.setToolTip("Which noise pattern (the same seed gives the same noise)")
        self.run_button = QPushButton("&Run")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.transform_box.currentIndexChanged.connect(self._on_transform_box_changed)
        self._on_transform_box_changed()

        # Two rows, so that the dialog fits a small screen (800x600).
        controls = QVBoxLayout()
        for widgets in (
            (("Transform", self.transform_box), ("", self.run_button)),
            (("from", self.from_box), ("to", self.to_box), ("steps", self.steps_box),
             ("noise seed", self.seed_box)),
        ):  # fmt: skip
            row = QHBoxLayout()
            for label, widget in widgets:
                if label:
                    row.addWidget(QLabel(label))
                row.addWidget(widget)
            row.addStretch(1)
            controls.addLayout(row)

        self.plot = pg.PlotWidget()
        self.plot.setBackground("w")
        self.plot.setLabel("left", "probability")
        self.plot.setYRange(0, 1.12, padding=0)  # room above 1 for the legend
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.addLegend(offset=(10, 1), colCount=10)
        self.curves = [
            self.plot.plot([], [], pen=pg.mkPen(c, width=2), name=str(d))
            for d, c in enumerate(CLASS_COLOURS)
        ]
        self.holds_region = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(26, 127, 55, 40))
        self.flip_line = pg.InfiniteLine(
            angle=90,
            pen=pg.mkPen("#333", width=2, style=Qt.PenStyle.DashLine),
            label="flips at {value:.3g}",
            labelOpts={"position": 0.08, "color": "#333", "fill": "#ffffffc0"},
        )
        for item in (self.holds_region, self.flip_line):
            item.setVisible(False)
            self.plot.addItem(item)

        self.strip = InputStrip()
        self.strip.setFixedHeight(self.strip.cell + 20)

        # What "Export PNG" saves: the plot, the strip and the summary.
        self.figure = QWidget()
        figure_layout = QVBoxLayout(self.figure)
        figure_layout.addWidget(self.plot, 1)
        figure_layout.addWidget(self.strip)
        figure_layout.addWidget(self.summary_label)

        self.png_button = QPushButton("Export &PNG…")
        self.csv_button = QPushButton("Export &CSV…")
        self.png_button.clicked.connect(self._on_png_button_clicked)
        self.csv_button.clicked.connect(self._on_csv_button_clicked)
        self._set_exportable(False)

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.figure, 1)
        layout.addLayout(self.button_row(self.png_button, self.csv_button))
        self.fit(900, 600)

    # -- public ------------------------------------------------------------------------------

    def set_range(self, transform: str, low: float, high: float, steps: int) -> None:
        self.transform_box.setCurrentIndex(list(TRANSFORMS).index(transform))
        self.from_box.setValue(low)
        self.to_box.setValue(high)
        self.steps_box.setValue(steps)

    def run(self) -> None:
        """Sweep the current drawing with the settings shown (off the GUI thread)."""
        got = self.drawing()
        if got is None:
            return
        model, prepared = got
        name = self.transform_box.currentData()
        low, high = self.from_box.value(), self.to_box.value()
        steps, seed = self.steps_box.value(), self.seed_box.value()
        self.summary_label.setText("Sweeping…")  # a new run replaces one still going

        def sweep():
            result = run_sweep(model, prepared, name, low, high, steps, seed)
            return result, inspect(model, prepared).prediction

        self.task.start(sweep)

    def export_png(self, path) -> None:
        save_widget_png(self.figure, path)

    def export_csv(self, path) -> None:
        save_csv(self.result.csv_rows(), path)

    # -- slots -------------------------------------------------------------------------------

    def _on_transform_box_changed(self) -> None:
        t = TRANSFORMS[self.transform_box.currentData()]
        for box, value in ((self.from_box, t.default_range[0]), (self.to_box, t.default_range[1])):
            box.setRange(*t.limits)
            box.setSuffix(f" {t.unit}" if t.unit in ("pixels", "degrees") else "")
            box.setSingleStep(1.0 if t.unit in ("pixels", "degrees") else 0.05)
            box.setValue(value)
        self.seed_box.setEnabled(t.name == "noise")

    def _on_task_finished(self, found) -> None:
        result, reading = found  # the SweepResult, and the untransformed drawing's Prediction
        self.result = result
        t = result.transform
        for curve, probs in zip(self.curves, result.probabilities.T, strict=True):
            curve.setData(result.values, probs)
        self.plot.setLabel("bottom", f"{t.label} ({t.unit})")
        self.plot.setXRange(float(result.values[0]), float(result.values[-1]), padding=0.02)
        holds, flip = result.holds, result.first_flip
        self.holds_region.setVisible(holds is not None)
        if holds is not None:
            self.holds_region.setRegion(holds)
        self.flip_line.setVisible(flip is not None)
        if flip is not None:
            self.flip_line.setValue(flip)
        self.strip.set_inputs(result.inputs, result.digits, result.reading)
        summary = result.summary()  # of the best digit: what holds and flips
        if reading.verdict.kind != "digit":  # not stated as a firm digit, as in the window
            summary = (
                f"{reading_sentence(reading)}. Its best digit: {summary[0].lower()}{summary[1:]}"
            )
        self.summary_label.setText(summary)
        self._set_exportable(True)

    def _on_png_button_clicked(self) -> None:
        self._save("Export the sweep as PNG", "PNG image (*.png)", ".png", self.export_png)

    def _on_csv_button_clicked(self) -> None:
        self._save("Export the numbers as CSV", "CSV (*.csv)", ".csv", self.export_csv)

    def _save(self, title: str, filters: str, suffix: str, write) -> None:
        name = f"sweep-{self.result.transform.name}{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, title, name, filters)
        if not path:
            return
        try:
            write(path)
        except OSError as exc:
            QMessageBox.warning(self, title, f"Could not save {path}: {exc}")

    def _set_exportable(self, on: bool) -> None:
        self.png_button.setEnabled(on)
        self.csv_button.setEnabled(on)
