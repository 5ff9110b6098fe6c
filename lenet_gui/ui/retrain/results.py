"""The retrain dialog's results: a summary, per-class accuracy with the confusion matrix, and the
MNIST test digits the trained network gets wrong, one tab each. It shows plain data only (a
`TrainingOutcome` and a few numbers); the dialog decides when."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...retrain.retraining import holdout_note, plural
from .. import theme
from ..samples.browser import field_pixmap
from .replay_view import ReplayView


def duration_text(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "..."
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"


def percent(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"


GALLERY_COLUMNS = 10


class RetrainResults(QTabWidget):
    """Tabs "Summary", "Per class and confusion", "Test digits it gets wrong" and "Replay"
    (the drawing read at each snapshot of the run, `ReplayView`). Clicking a
    cell of the confusion matrix lists its test digits (`ConfusionCellDialog`); choosing one
    emits `test_digit_chosen(image (28, 28) uint8, name)`."""

    test_digit_chosen = Signal(object, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._test_set = None  # (images, labels, predictions) of the last run's test set
        self.cell_dialog = None
        self.setAccessibleName("Results")
        self.summary = QLabel("Results appear here when a run has finished.")
        self.summary.setWordWrap(True)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.confusion = QTableWidget(10, 11)
        self.confusion.setHorizontalHeaderLabels([str(d) for d in range(10)] + ["correct"])
        self.confusion.setVerticalHeaderLabels([f"true {d}" for d in range(10)])
        self.confusion.horizontalHeader().setDefaultSectionSize(52)
        self.confusion.verticalHeader().setDefaultSectionSize(20)
        self.confusion.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.confusion.setToolTip(
            "Rows: the true digit; columns: what the network read. Click a cell to see its digits"
        )
        self.confusion.cellClicked.connect(self._on_confusion_cell_clicked)
        self.gallery = QWidget()
        self.gallery_grid = QGridLayout(self.gallery)
        self.gallery_grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        gallery_scroll = QScrollArea()  # a long gallery scrolls instead of widening the dialog
        gallery_scroll.setWidget(self.gallery)
        gallery_scroll.setWidgetResizable(True)
        self.addTab(self.summary, "Summary")
        self.addTab(self.confusion, "Per class and confusion")
        self.addTab(gallery_scroll, "Test digits it gets wrong")
        self.replay = ReplayView()
        replay_scroll = QScrollArea()  # the maps need room; on a small screen they scroll
        replay_scroll.setWidget(self.replay)
        replay_scroll.setWidgetResizable(True)
        self.addTab(replay_scroll, "Replay")

    def show_message(self, text: str) -> None:
        self.summary.setText(text)

    def clear(self, message: str) -> None:
        """Empty every tab; the summary says `message` instead."""
        self.summary.setText(message)
        self.confusion.clearContents()
        while self.gallery_grid.count():
            self.gallery_grid.takeAt(0).widget().deleteLater()

    def show_before(self, mnist_val: float | None, user_val: float | None, held: int) -> None:
        """The accuracies measured before the first step (`held`: held-out samples of the user)."""
        before = []
        if mnist_val is not None:
            before.append(f"MNIST validation: {percent(mnist_val)}")
        if held:
            before.append(f"my {plural(held, 'held-out sample')}: {percent(user_val)}")
        self.summary.setText("<b>Before training</b><br>" + "<br>".join(before))

    def show_results(
        self,
        o,
        started_from: float | None = None,
        val_before: float | None = None,
        val_after_percent: float | None = None,
    ) -> None:
        """Fill every tab from a `TrainingOutcome`. `started_from`: the MNIST test accuracy of the
        model it was fine-tuned from; `val_before` and `val_after_percent`: the validation
        curve's first and last values (a fraction and a percentage), None without one."""
        epochs = f"{o.config.epochs} epoch{'s' * (o.config.epochs != 1)}"
        rows = [
            f"<b>Trained</b> for {epochs} on {o.train_images:,} images an epoch "
            f"in {duration_text(o.seconds)}."
        ]
        if o.mnist_test_accuracy is not None:
            line = f"<b>MNIST test accuracy: {percent(o.mnist_test_accuracy)}</b> ({o.test_count:,}"
            if isinstance(started_from, float):
                line += f" digits; the model it started from: {percent(started_from)})."
            else:
                line += " digits)."
            if val_after_percent is not None:
                line += (f" Validation subset: {percent(val_before)} before, "
                         f"{val_after_percent:.1f}% after.")  # fmt: skip
            rows.append(line)
        if o.user_holdout:
            rows.append(
                f"<b>My held-out samples: {percent(o.user_before)} before, "
                f"{percent(o.user_after)} after</b> ({plural(o.user_holdout, 'sample')} never "
                "trained on)."
            )
            note = holdout_note(o.user_holdout)
            if note:
                rows.append(f"<i>{note}</i>")
        else:
            rows.append("No held-out samples of yours to measure (label more drawings).")
        self.summary.setText("<br><br>".join(rows))
        self.replay.set_snapshots(o.snapshots, o.model_args)
        self._test_set = None
        if o.test_predictions is not None:
            self._test_set = (o.test_images, o.test_labels, o.test_predictions)
        if o.confusion is not None:
            self._fill_confusion(o.confusion, o.per_class)
            self._fill_gallery(o.gallery_images, o.gallery_true, o.gallery_predicted)

    def _fill_confusion(self, confusion: np.ndarray, per_class: np.ndarray) -> None:
        off_peak = max(1, int((confusion - np.diag(np.diag(confusion))).max()))
        for t in range(10):
            for p in range(10):
                value = int(confusion[t, p])
                item = QTableWidgetItem(str(value) if value else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                fill = None
                if t == p:
                    fill = QColor(200, 235, 200)
                elif value:
                    strength = 60 + round(150 * value / off_peak)
                    fill = QColor(255, 255 - strength, 255 - strength)
                if fill is not None:  # a light fill gets dark text, whatever the theme
                    item.setBackground(QBrush(fill))
                    item.setForeground(QBrush(theme.readable(QColor(0, 0, 0), fill)))
                self.confusion.setItem(t, p, item)
            item = QTableWidgetItem(percent(float(per_class[t])))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.confusion.setItem(t, 10, item)
        # "100.0%" and "correct" in full, whatever the font and its size.
        self.confusion.resizeColumnToContents(10)

    def open_cell(self, true: int, read: int):
        """Show the test digits of class `true` read as `read` (None before a run's results)."""
        if self._test_set is None:
            return None
        from .confusion_cell import ConfusionCellDialog

        if self.cell_dialog is not None:
            self.cell_dialog.close()
        self.cell_dialog = ConfusionCellDialog(*self._test_set, true, read, self)
        self.cell_dialog.digit_chosen.connect(self._on_cell_dialog_digit_chosen)
        self.cell_dialog.show()
        return self.cell_dialog

    def _on_confusion_cell_clicked(self, row: int, column: int) -> None:
        if column < 10:
            self.open_cell(row, column)

    def _on_cell_dialog_digit_chosen(self, image, index: int, true: int, read: int) -> None:
        self.test_digit_chosen.emit(image, f"MNIST test digit {index:,} (a {true}, read {read})")

    def _fill_gallery(self, images, true, predicted) -> None:
        if images is None or len(images) == 0:
            self.gallery_grid.addWidget(QLabel("No mistakes on the test digits."), 0, 0)
            return
        for i, (image, t, p) in enumerate(zip(images, true, predicted, strict=True)):
            cell = QLabel()
            cell.setPixmap(field_pixmap(image, 44))
            cell.setToolTip(f"a {int(t)}, read as {int(p)}")
            caption = QLabel(f"{int(t)} → {int(p)}")
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box = QVBoxLayout()
            box.setSpacing(0)
            box.addWidget(cell, 0, Qt.AlignmentFlag.AlignCenter)
            box.addWidget(caption)
            holder = QWidget()
            holder.setLayout(box)
            self.gallery_grid.addWidget(holder, i // GALLERY_COLUMNS, i % GALLERY_COLUMNS)
