"""Model > Replay training…: the training replay saved with the current model
(`replay_file.TrainingReplay`, `LoadedModel.replay`), replayed on the drawing as the retrain
dialog's Replay tab does after a run: the run's curves, with the slider's position marked on
them, and a slider over the snapshots showing the drawing's feature maps, C1 kernels and scores
at each. It follows the drawing once it stops changing (reading it at every snapshot takes tens
of milliseconds: not at each point of a stroke)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, QTimer
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from ..screen_fit import centre_on_screen, scrolling
from .replay_view import ReplayView
from .training_curves import TrainingCurves

CURVES_HEIGHT = 240  # pixels: the curves' plots at their minimum (200) and their titles
REFRESH_DELAY_MS = 200  # after the drawing's last change
ACCURACY_PERCENT = 100  # the curves hold accuracies as fractions; the plot shows percent


class ReplayDialog(QDialog):
    """`show_model(loaded)` shows the replay of a LoadedModel that has one; `input_provider()`
    gives the drawing's PreparedInput (None when blank) whenever it is read again."""

    def __init__(self, input_provider: Callable[[], object], parent: QWidget | None = None):
        super().__init__(parent)
        self.loaded = None
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.curves = TrainingCurves()
        self.curves.setMaximumHeight(CURVES_HEIGHT)  # the maps below need the room
        self.view = ReplayView()
        self.view.input_provider = input_provider
        self.view.position_changed.connect(self._on_view_position_changed)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.curves, 2)
        column.addWidget(self.view, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(scrolling(content, "Training curves and replay"), 1)
        centre_on_screen(self, QSize(980, 760))

    def show_model(self, loaded) -> None:
        """Replay `loaded.replay` (a TrainingReplay, not None), opening on the trained model."""
        self.loaded = loaded
        replay = loaded.replay
        self.setWindowTitle(f"Training replay — {loaded.name}")
        self.heading.setText(
            f"<b>{loaded.name}</b>: {replay.summary()}. Slide to see your drawing read as the "
            "network learned; the grey line marks the moment on the curves."
        )
        self.curves.clear()
        self.curves.start(replay.total_steps, "val" in replay.curves, "user" in replay.curves)
        for key, (xs, ys) in replay.curves.items():
            self.curves.set_curve(key, xs, ys, 1.0 if key == "loss" else ACCURACY_PERCENT)
        self.view.set_snapshots(replay.snapshots, loaded.model.model_args())

    def drawing_changed(self) -> None:
        """Read the drawing again once it has not changed for `REFRESH_DELAY_MS`."""
        self._refresh_timer.start()

    def refresh(self) -> None:
        """Read the drawing again at every snapshot (it changed)."""
        if self.loaded is not None:
            self.view.refresh()

    def _on_view_position_changed(self, step: int) -> None:
        self.curves.mark(step)
