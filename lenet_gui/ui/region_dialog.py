"""Narrow a large opened image to the region with the digit: drag a rectangle over it.

A photo of a page holds more than the digit (other writing, the table, a shadow); the user drags
a box around the digit and only that part is read. The dialog only returns the box, in the
image's own pixels; the caller crops (`crop_picture`) and opens the crop as a new canvas step,
so Undo brings the whole image back.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QRubberBand,
    QVBoxLayout,
    QWidget,
)

from ..preprocessing.strokes import Picture
from .screen_fit import fitted_size

SHOWN = QSize(720, 480)  # the image is shown at most this large in the dialog
CHROME = QSize(30, 80)  # what the dialog adds around the image: margins, the hint, the buttons
MIN_SIDE = 8  # a drag smaller than this (screen pixels) is a click, not a region


def crop_picture(picture: Picture, box: tuple[int, int, int, int]) -> Picture:
    """A new Picture of `box` = (left, top, right, bottom) in the picture's own pixels."""
    scale_x = picture.image.width / picture.size[0]
    scale_y = picture.image.height / picture.size[1]
    left, top, right, bottom = box
    shown = (round(left * scale_x), round(top * scale_y), round(right * scale_x),
             round(bottom * scale_y))  # fmt: skip
    name = f"{picture.name} (region)" if picture.name else "region"
    return Picture.from_image(picture.image.crop(shown), name)


class _RegionLabel(QLabel):
    """The image, on which a drag draws a rubber band."""

    selection_changed = Signal()

    def __init__(self, pixmap: QPixmap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPixmap(pixmap)
        self.setFixedSize(pixmap.size())
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._band = QRubberBand(QRubberBand.Shape.Rectangle, self)
        self._origin: QPoint | None = None
        self.selection = QRect()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._origin = event.position().toPoint()
            self._band.setGeometry(QRect(self._origin, QSize()))
            self._band.show()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._origin is not None:
            rect = QRect(self._origin, event.position().toPoint()).normalized()
            self._band.setGeometry(rect.intersected(self.rect()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._origin is None:
            return
        self._origin = None
        rect = self._band.geometry()
        if rect.width() < MIN_SIDE or rect.height() < MIN_SIDE:
            self._band.hide()
            rect = QRect()
        self.selection = rect
        self.selection_changed.emit()


class RegionDialog(QDialog):
    """Shows the picture; `box()` is the dragged region in the picture's pixels, or None."""

    def __init__(self, picture: Picture, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Read a region of the image")
        self._picture = picture
        rgba = picture.image
        image = QImage(rgba.tobytes(), rgba.width, rgba.height, 4 * rgba.width,
                       QImage.Format.Format_RGBA8888).copy()  # fmt: skip
        room = fitted_size(self, QSize(10_000, 10_000))  # the screen, less the window frame
        shown = QSize(
            min(SHOWN.width(), room.width() - CHROME.width()),
            min(SHOWN.height(), room.height() - CHROME.height()),
        )  # so that the hint and the buttons stay on a small screen too
        pixmap = QPixmap.fromImage(image).scaled(
            shown, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self.image_label = _RegionLabel(pixmap, self)
        hint = QLabel("Drag a box around the digit; only that part is read.")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._ok.setEnabled(False)
        self.image_label.selection_changed.connect(self._on_image_label_selection_changed)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.image_label, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(buttons)

    def _on_image_label_selection_changed(self) -> None:
        self._ok.setEnabled(not self.image_label.selection.isNull())

    def box(self) -> tuple[int, int, int, int] | None:
        """(left, top, right, bottom) in the picture's own pixels, or None before a drag."""
        rect = self.image_label.selection
        if rect.isNull():
            return None
        scale = self._picture.size[0] / self.image_label.width()
        return (
            max(0, round(rect.left() * scale)),
            max(0, round(rect.top() * scale)),
            min(self._picture.size[0], round((rect.right() + 1) * scale)),
            min(self._picture.size[1], round((rect.bottom() + 1) * scale)),
        )
