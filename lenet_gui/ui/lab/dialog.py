"""What the lab's dialogs share: the drawing to experiment on, one task off the GUI thread, a
summary line that says what happened (or why nothing did), a row of buttons ending in Close,
and a size that fits the screen. The sweep, fooling and compare dialogs build the rest."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from ..screen_fit import fitted_size
from .menu import Source
from .task import LabTask


class LabDialog(QDialog):
    """Non-modal. A subclass builds its controls, lays them out with `summary_label` and
    `button_row(...)`, and receives its task's result in `_on_task_finished(result)`; a failed
    task's message goes to the summary, and closing the dialog cancels the task."""

    def __init__(self, source: Source, title: str, summary: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.source = source
        self.task = LabTask(self)
        self.task.finished.connect(self._on_task_finished)
        self.task.failed.connect(self._on_task_failed)
        self.summary_label = QLabel(summary)
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def button_row(self, *buttons: QPushButton) -> QHBoxLayout:
        """`buttons` on the right, then Close."""
        close_button = QPushButton("Close")
        close_button.clicked.connect(self.close)
        row = QHBoxLayout()
        row.addStretch(1)
        for button in (*buttons, close_button):
            row.addWidget(button)
        return row

    def fit(self, width: int, height: int) -> None:
        """The preferred size, within the screen (where it opens is left to Qt: over the window)."""
        self.resize(fitted_size(self, QSize(width, height)))

    def drawing(self):
        """(model, PreparedInput) of what the canvas shows, or None after the summary has said
        why there is nothing to experiment on."""
        got = self.source()
        if isinstance(got, str):
            self.summary_label.setText(got)
            return None
        return got

    def _on_task_failed(self, message: str) -> None:
        self.summary_label.setText(message)

    def closeEvent(self, event) -> None:
        self.task.cancel()
        super().closeEvent(event)
