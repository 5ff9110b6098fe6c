"""A tool bar "This is a: 0 1 ... 9" that stores the current drawing with that label.

It knows nothing of the main window: it takes a function that returns the current `Drawing` (and
optionally one that returns what the network sees, which may include an opened image) and a
`SampleStore`. Keys 0-9 do the same as the buttons while the window has the focus.

A number (when `digits_provider` returns two drawings or more, one per digit): the keys type the
whole number, and Enter stores each digit as a sample of its own, so "4", "2", Enter labels both
digits of a drawn 42.

A labelling can be taken back at once: the window makes it an undo step (`samples_added` carries
what was stored), and Undo calls `take_back`, Redo `store_again`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QToolBar, QWidget

from ...data.samples import Sample, SampleStore
from ...preprocessing.preprocess import Drawing, PreparedInput
from ...retrain.retraining import plural
from ..settings import Settings

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


UNDO_HINT = "Ctrl+Z undoes"


def labelled_as(samples: list[Sample]) -> str:
    """The digits a labelling stored, in order: "7", or "42" for a number."""
    return "".join(str(sample.label) for sample in samples)


def _named(samples: list[Sample]) -> str:
    if len(samples) == 1:
        return f"the {samples[0].label}"
    return f"{labelled_as(samples)} ({len(samples)} samples)"


class LabellingBar(QToolBar):
    """Emits `samples_added` with the list of Samples one labelling stored (one, or one per digit
    of a number), and `status_changed` with what happened."""

    samples_added = Signal(list)
    status_changed = Signal(str)

    def __init__(
        self,
        drawing_provider: Callable[[], Drawing],
        store: SampleStore,
        parent: QWidget | None = None,
        input_provider: Callable[[], PreparedInput | None] | None = None,
        digits_provider: Callable[[], list[Drawing]] | None = None,
    ):
        super().__init__("Label this drawing", parent)
        self.setObjectName("labelling_bar")
        self.drawing_provider = drawing_provider
        self.input_provider = input_provider  # what the network sees, when not only strokes
        self.store = store
        self.digits_provider = digits_provider
        self._typed = ""  # the digits typed so far for a number
        self._typed_for: tuple = ()  # ... and the digits' drawings they were typed for
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
        self.number_action = QAction("Label the number", self)
        self.number_action.setShortcuts(
            [QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)]
        )
        self.number_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.number_action.setToolTip("Store each digit of the number typed with 0-9 (Enter)")
        self.number_action.triggered.connect(self.label_number)
        self.settings = Settings()
        self.clear_after_action = QAction("Clear after", self)
        self.clear_after_action.setCheckable(True)
        self.clear_after_action.setChecked(self.settings.clear_after_labelling)
        self.clear_after_action.setToolTip(
            "Clear the canvas once a drawing is stored, ready for the next sample"
        )
        self.clear_after_action.toggled.connect(self._on_clear_after_action_toggled)
        self.addSeparator()
        self.addAction(self.clear_after_action)
        self.message = QLabel()
        self.message.setMinimumWidth(140)  # fits beside the buttons at 640 px (test_ui_desktops)
        self.addSeparator()
        self.addWidget(self.message)

    def clears_after_labelling(self) -> bool:
        return self.clear_after_action.isChecked()

    def _on_clear_after_action_toggled(self, checked: bool) -> None:
        self.settings.clear_after_labelling = checked

    def label_current(self, digit: int) -> Sample | None:
        """Store the current drawing as `digit`; None (and a message) when there is nothing.

        For a number, add `digit` to the number being typed instead (Enter stores it)."""
        digits = tuple(self.digits_provider()) if self.digits_provider else ()
        if len(digits) > 1:
            if digits != self._typed_for:  # another drawing: start again
                self._typed, self._typed_for = "", digits
            self._typed += str(digit)
            self._say(
                f"Typed {self._typed}: type the whole number ({len(digits)} digits), then Enter"
            )
            return None
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
            f"{plural(total, 'sample')} in all); {UNDO_HINT}"
        )
        self.samples_added.emit([sample])
        return sample

    def label_number(self) -> list[Sample]:
        """Store each digit of the number on the canvas with the digit typed for it."""
        digits = tuple(self.digits_provider()) if self.digits_provider else ()
        typed, self._typed = self._typed, ""
        if len(digits) < 2 or not typed or digits != self._typed_for:
            if typed or len(digits) > 1:
                self._say("Type the number's digits (0-9) first, then Enter")
            return []
        if len(typed) != len(digits):
            self._say(
                f"The number has {len(digits)} digits (tagged on the canvas; \u2715 is no digit), "
                f"you typed {len(typed)} ({typed}): type it again"
            )
            return []
        samples = []
        try:
            for drawing, char in zip(digits, typed, strict=True):
                samples.append(self.store.add(drawing, int(char)))
        except (ValueError, OSError) as exc:
            self._say(f"Could not save the samples: {exc}")
        total = int(self.store.counts_by_label().sum())
        if len(samples) == len(digits):
            self._say(
                f"Saved {typed} as {len(samples)} samples, one per digit ({total} in all); "
                f"{UNDO_HINT}"
            )
        if samples:
            self.samples_added.emit(samples)
        return samples

    def take_back(self, samples: list[Sample]) -> bool:
        """Remove these just-stored samples again (Undo after labelling); the file is rewritten
        atomically and every other sample kept (`SampleStore.delete`). False, with a message,
        when the file cannot be changed."""
        return self._change_store(
            lambda: self.store.delete(sample.id for sample in samples),
            f"Could not take back {_named(samples)}",
            f"Took back {_named(samples)}",
        )

    def store_again(self, samples: list[Sample]) -> bool:
        """Store samples taken back, as they were (same ids): Redo after an Undo of labelling."""
        return self._change_store(
            lambda: self.store.append(samples),
            f"Could not save {_named(samples)} again",
            f"Saved {_named(samples)} again",
        )

    def _change_store(self, change, failed: str, done: str) -> bool:
        """Run `change` on the store and say `done` with the new total, or `failed` with the
        OSError's reason (then False: the store is as it was)."""
        try:
            change()
        except OSError as exc:
            self._say(f"{failed}: {exc.strerror or exc}")
            return False
        total = int(self.store.counts_by_label().sum())
        self._say(f"{done} ({plural(total, 'sample')} in all)")
        return True

    def show_total(self) -> None:
        """After samples were deleted elsewhere: the counts said before are out of date."""
        if self.message.text():
            self._say(f"{plural(int(self.store.counts_by_label().sum()), 'sample')} in all")

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.status_changed.emit(text)
