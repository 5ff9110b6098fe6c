"""The user's own samples as thumbnails grouped by digit: check mislabelled ones, delete them."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...data.samples import Sample, SampleStore
from ..screen_fit import fit_to_screen
from .archive import ArchiveButtons

THUMB = 48
COLUMNS = 12  # thumbnails a row the dialog opens wide enough for; fewer when narrower
SPACING = 4


def field_pixmap(field: np.ndarray, size: int = THUMB) -> QPixmap:
    """An ink field (uint8 0..255, or float 0..1) as dark ink on white paper, `size` pixels."""
    ink = np.asarray(field)
    if ink.dtype != np.uint8:
        ink = np.clip(np.rint(ink * 255.0), 0, 255).astype(np.uint8)
    gray = np.ascontiguousarray(255 - ink)
    h, w = gray.shape
    image = QImage(gray.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(image).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def counts_text(counts: np.ndarray) -> str:
    total = int(np.sum(counts))
    if total == 0:
        return "No samples yet: label drawings in the main window (keys 0-9)."
    per_digit = "  ".join(f"{d}: {int(c)}" for d, c in enumerate(counts))
    return f"{total} sample{'s' if total != 1 else ''}   ({per_digit})"


class SampleBrowser(QDialog):
    """Reads the store each time it refreshes, so it shows what is on disk."""

    samples_deleted = Signal(int)
    samples_imported = Signal(int)

    def __init__(self, store: SampleStore, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Own samples")
        self.store = store
        self.buttons: dict[str, QToolButton] = {}
        self._grids: list[tuple[QGridLayout, list[QToolButton]]] = []  # one per digit
        self._columns = 0  # thumbnails a row as laid out
        self._margins = (0, 0)  # the content's left and right margins
        self.counts_label = QLabel()
        self.counts_label.setWordWrap(True)
        self.scroll = QScrollArea()
        self.scroll.setAccessibleName("Samples")
        self.scroll.setWidgetResizable(True)
        self.delete_button = QPushButton("Delete selected")
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.addButton(self.delete_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.archive = ArchiveButtons(self)  # Export…, Import… (a zip of samples)
        for button in self.archive.buttons:
            box.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.counts_label)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(box)
        fit_to_screen(self, QSize(COLUMNS * (THUMB + 10) + 60, 520))
        # A checked thumbnail must stand out: it is about to be deleted.
        self.setStyleSheet("QToolButton:checked { border: 3px solid #d62728; background: #fdd; }")
        self.refresh()

    def refresh(self) -> None:
        samples = self.store.samples()
        counts = np.bincount([s.label for s in samples], minlength=10)
        problem = self.store.problem
        self.counts_label.setText(counts_text(counts) + (f"\n{problem}" if problem else ""))
        self.buttons = {}
        self._grids = []
        content = QWidget()
        layout = QVBoxLayout(content)
        margins = layout.contentsMargins()
        self._margins = (margins.left(), margins.right())
        for digit in range(10):
            group = [s for s in samples if s.label == digit]
            if not group:
                continue
            header = QLabel(f"<b>{digit}</b> &nbsp; {len(group)} sample{'s' * (len(group) != 1)}")
            layout.addWidget(header)
            grid = QGridLayout()
            grid.setSpacing(SPACING)
            self._grids.append((grid, [self._thumbnail(sample) for sample in group]))
            layout.addLayout(grid)
        layout.addStretch(1)
        self._columns = 0
        self._arrange()
        self.scroll.setWidget(content)
        self._on_selection_changed()

    def _fitting_columns(self) -> int:
        """As many thumbnails a row as the scroll area shows without scrolling sideways (room
        kept for the vertical scroll bar)."""
        if not self.buttons:
            return COLUMNS
        cell = next(iter(self.buttons.values())).sizeHint().width() + SPACING
        room = (
            self.scroll.width()
            - 2 * self.scroll.frameWidth()
            - self.scroll.verticalScrollBar().sizeHint().width()
            - sum(self._margins)
            + SPACING
        )
        return max(1, room // cell)

    def _arrange(self) -> None:
        """Lay the thumbnails out in rows of `_fitting_columns()` (again when that changed)."""
        columns = self._fitting_columns()
        if columns == self._columns:
            return
        for grid, thumbs in self._grids:
            for thumb in thumbs:
                grid.removeWidget(thumb)
            for column in range(max(columns, self._columns) + 1):
                grid.setColumnStretch(column, 0)
            for i, thumb in enumerate(thumbs):
                grid.addWidget(thumb, i // columns, i % columns)
            grid.setColumnStretch(columns, 1)  # the rows start at the left
        self._columns = columns

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _thumbnail(self, sample: Sample) -> QToolButton:
        button = QToolButton()
        button.setCheckable(True)
        button.setIcon(field_pixmap(sample.field))
        button.setIconSize(QSize(THUMB, THUMB))
        button.setToolTip(f"labelled {sample.label}, {sample.created}")
        button.setAccessibleName(f"Sample labelled {sample.label}")
        button.setAccessibleDescription(f"drawn {sample.created}; checked means selected")
        button.toggled.connect(self._on_selection_changed)
        self.buttons[sample.id] = button
        return button

    def selected_ids(self) -> list[str]:
        return [sample_id for sample_id, b in self.buttons.items() if b.isChecked()]

    def _on_selection_changed(self, *_args) -> None:
        n = len(self.selected_ids())
        self.delete_button.setEnabled(n > 0)
        self.delete_button.setText(f"Delete {n} selected" if n else "Delete selected")

    def delete_selected(self) -> int:
        """Delete the checked samples from the store (no question asked) and refresh."""
        try:
            removed = self.store.delete(self.selected_ids())
        except OSError as exc:
            QMessageBox.warning(self, "Cannot delete samples", str(exc))
            return 0
        backup, skipped = self.store.last_backup, self.store.skipped_lines
        self.refresh()
        if backup is not None:
            QMessageBox.information(
                self,
                "Unreadable lines kept",
                f"{skipped} line{'s' * (skipped != 1)} of the samples file could not be "
                f"read and are no longer in it; the file as it was is kept as {backup}.",
            )
        if removed:
            self.samples_deleted.emit(removed)
        return removed

    def _on_delete_button_clicked(self) -> None:
        n = len(self.selected_ids())
        answer = QMessageBox.question(
            self, "Delete samples", f"Delete {n} sample{'s' * (n != 1)} for good?"
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_selected()
