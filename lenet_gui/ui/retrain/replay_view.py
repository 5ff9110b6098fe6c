"""The retrain results' Replay tab: a slider over the weights kept during the run; at each
position the drawing on the canvas is read again, showing that moment's feature maps, C1
kernels and scores. The dialog marks the position on its curves (`position_changed`)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from ...network.architecture import C3_TABLE
from ...reading.verdict_words import short_reading
from ..views.feature_maps import FeatureMapsView
from ..views.scores import ProbabilityBars


class ReplayView(QWidget):
    """`set_snapshots(snapshots, model_args)` after a run; `input_provider()` gives the drawing's
    PreparedInput (or None for a blank canvas) whenever the view is refreshed."""

    position_changed = Signal(int)  # the training step of the snapshot shown

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.input_provider: Callable[[], object] = lambda: None
        self.snapshots: tuple = ()
        self.model_args: dict = {}
        self.frames: list = []
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setTickInterval(1)
        self.slider.setPageStep(1)
        self.slider.valueChanged.connect(self._show)
        self.caption = QLabel("After a run, slide through its training to see the drawing read "
                              "by the network as it learned.")  # fmt: skip
        self.caption.setWordWrap(True)
        self.maps = FeatureMapsView()
        self.bars = ProbabilityBars()
        self.bars.setMinimumWidth(140)
        body = QHBoxLayout()
        body.addWidget(self.maps, 3)
        body.addWidget(self.bars, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.slider)
        layout.addWidget(self.caption)
        layout.addLayout(body, 1)

    def set_snapshots(self, snapshots, model_args: dict) -> None:
        self.snapshots, self.model_args = tuple(snapshots), dict(model_args)
        self.slider.setEnabled(bool(self.snapshots))
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(self.snapshots) - 1))
        self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        self.refresh()

    def refresh(self) -> None:
        """Read the current drawing again with every snapshot (milliseconds each)."""
        if not self.snapshots:
            self.frames = []
            return
        from ...retrain.replay import replay

        self.frames = replay(self.snapshots, self.model_args, self.input_provider())
        self._show(self.slider.value())

    def _output_kind(self) -> str:
        """The replayed model's output layer ("linear" or "rbf"), for the maps' words."""
        from ...network.model import LeNet5Config

        return LeNet5Config(**self.model_args).output

    def showEvent(self, event) -> None:
        self.refresh()  # the drawing may have changed while the tab was hidden
        super().showEvent(event)

    def _show(self, index: int) -> None:
        if not self.frames:
            return
        frame = self.frames[index]
        self.maps.set_network(frame.kernels, C3_TABLE, self._output_kind())
        when = "before training" if frame.step == 0 else f"after {frame.epochs:.2f} epochs"
        when += f" (step {frame.step})"
        if index == len(self.frames) - 1:
            when += ", the trained model"
        if frame.inspection is None:
            self.maps.set_activations(None, "Draw a digit to replay how it is read")
            self.bars.set_values(None, None, False)
            self.caption.setText(f"{when}: the canvas is blank.")
        else:
            p = frame.inspection.prediction
            self.maps.set_activations(frame.inspection.activations)
            self.bars.set_values(p.probabilities, p.verdict.digit, p.unsure)
            self.caption.setText(f"{when}: {short_reading(p)}.")
        self.position_changed.emit(frame.step)
