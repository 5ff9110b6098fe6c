"""A tool bar "This is a: 0 1 ... 9" that stores the current drawing with that label.

It knows nothing of the main window: it takes a function that returns the current `Drawing` (and
optionally one that returns what the network sees, which may include an opened image) and a
`SampleStore`. Keys 0-9 do the same as the buttons while the window has the focus.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QToolBar, QWidget

from ...preprocess import Drawing, PreparedInput
from ...samples import Sample, SampleStore

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


class LabellingBar(QToolBar):
    """Emits `sample_added` with the stored Sample, and `status_changed` with what happened."""

    sample_added = Signal(object)
    status_changed = Signal(str)

    def __init__(
        self,
        drawing_provider: Callable[[], Drawing],
        store: SampleStore,
        parent: QWidget | None = None,
        input_provider: Callable[[], PreparedInput | None] | None = None,
    ):
        super().__init__("Label this drawing", parent)
        self.setObjectName("labelling_bar")
        self.drawing_provider = drawing_provider
        self.input_provider = input_provider  # what the network sees, when not only strokes
        self.store = store
        prompt = QLabel(" This is a: ")
        prompt.setToolTip("Store the drawing as one of your own samples (or press a key 0-9)")
        self.addWidget(prompt)
        self.digit_actions: list[QAction] = []
        for digit in range(10):
            action = QAction(str(digit), self)
            action.setShortcut(QKeySequence(str(digit)))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setToolTip(f"Store the drawing as a sample of {digit} (key {digit})")
            action.triggered.connect(lambda _checked=False, d=digit: self.label_current(d))
            self.addAction(action)
            self.digit_actions.append(action)
        self.message = QLabel()
        self.message.setMinimumWidth(260)
        self.addSeparator()
        self.addWidget(self.message)

    def label_current(self, digit: int) -> Sample | None:
        """Store the current drawing as `digit`; None (and a message) when there is nothing."""
        try:
            prepared = self.input_provider() if self.input_provider is not None else None
            sample = self.store.add(self.drawing_provider(), digit, prepared=prepared)
        except ValueError as exc:
            self._say(str(exc).capitalize())
            return None
        except OSError as exc:
            self._say(f"Could not save the sample: {exc.strerror or exc}")
            return None
        counts = self.store.counts_by_label()
        count, total = int(counts[digit]), int(counts.sum())
        self._say(
            f"Saved as a {digit} ({count} {DIGIT_WORDS[digit]}{'s' * (count != 1)}, "
            f"{total} samples in all)"
        )
        self.sample_added.emit(sample)
        return sample

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.status_changed.emit(text)
