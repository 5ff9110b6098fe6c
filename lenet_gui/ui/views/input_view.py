"""What the network sees: each preprocessing stage between the drawing and LeNet-5's 32x32 input.

The stages are the core's `PreparedInput` arrays, shown as they are (white ink on black, as MNIST
is usually shown), pixelated where the network works at low resolution.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ...preprocessing.preprocess import BACKGROUND_VALUE, FIELD, FIT_BOX, INK_VALUE, INPUT_SIZE
from .. import theme
from .colormap import gray_image

STAGES = (
    (
        "ink_crop",
        "Ink crop",
        "The drawing cropped to its ink and scaled to a working size; the preprocessing also "
        "evens the strokes to MNIST's typical width for a digit of that size, so the brush "
        "changes what you see more than what the network reads",
    ),
    (
        "fitted",
        f"Fit {FIT_BOX}×{FIT_BOX}",
        f"Scaled (anti-aliased) so its longest side is {FIT_BOX} pixels, keeping the aspect "
        "ratio, as MNIST's digits were",
    ),
    (
        "centred",
        f"Centred {FIELD}×{FIELD}",
        f"Placed in a {FIELD}×{FIELD} field with its centre of mass in the middle, like MNIST",
    ),
    (
        "field",
        f"Input {INPUT_SIZE}×{INPUT_SIZE}",
        f"Padded to {INPUT_SIZE}×{INPUT_SIZE}, what LeNet-5 sees: the border lets C3's "
        "receptive fields reach stroke ends near the edge (the dashed square is the "
        f"{FIELD}×{FIELD} field). Ink 0..1 becomes {BACKGROUND_VALUE}..{INK_VALUE}.",
    ),
)

GAP = 8
MAX_TILE = 220  # px: beyond this the stages only take room from the canvas
EMPTY_FILL = QColor(236, 237, 240)  # as the feature maps show a tile with nothing yet
EMPTY_EDGE = QColor(175, 178, 188)


class InputStagesView(QWidget):
    """Four tiles in a row: ink crop, 20x20 fit, 28x28 by centre of mass, 32x32 field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._arrays: dict | None = None
        self._images: dict[str, QImage] = {}
        self.setMouseTracking(True)
        self.setAccessibleName("What the network sees")
        self.setAccessibleDescription(
            "The preprocessing stages: " + ", ".join(caption for _, caption, _ in STAGES)
        )
        self.setMinimumSize(4 * 48 + 3 * GAP, 48 + self._caption_height())
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)  # square tiles as wide as the column allows
        self.setSizePolicy(policy)

    def _caption_height(self) -> int:
        """Two lines: a caption too wide for its tile wraps instead of running into the next."""
        return 2 * self.fontMetrics().lineSpacing() + 4

    def sizeHint(self) -> QSize:
        return QSize(4 * 110 + 3 * GAP, 110 + self._caption_height())

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        side = max(48, min(MAX_TILE, (width - 3 * GAP) // 4))
        return side + self._caption_height()

    def set_prepared(self, prepared) -> None:
        """Show a `PreparedInput`, or nothing for None (a blank drawing)."""
        if prepared is None:
            self._arrays, self._images = None, {}
        else:
            self._arrays = {key: getattr(prepared, key) for key, _, _ in STAGES}
            self._images = {key: gray_image(a) for key, a in self._arrays.items()}
        self.update()

    def has_input(self) -> bool:
        return self._arrays is not None

    def _tile_side(self) -> int:
        return max(24, min((self.width() - 3 * GAP) // 4, self.height() - self._caption_height()))

    def _tile_rect(self, i: int) -> QRect:
        side = self._tile_side()
        left = (self.width() - (4 * side + 3 * GAP)) // 2
        return QRect(left + i * (side + GAP), 0, side, side)

    def _image_rect(self, key: str, tile: QRect) -> QRectF:
        """Where a stage's pixels go inside its tile: the fit keeps its 20-pixel box scale."""
        image = self._images[key]
        w, h = image.width(), image.height()
        if key == "fitted":  # the 20-pixel box, with a pixel of margin to show its edges
            scale = tile.width() / (FIT_BOX + 2)
        elif key == "ink_crop":  # the same margin, relative to the crop's longest side
            scale = tile.width() / (max(w, h) * (FIT_BOX + 2) / FIT_BOX)
        else:
            scale = min(tile.width() / w, tile.height() / h)
        rect = QRectF(0, 0, w * scale, h * scale)
        rect.moveCenter(QRectF(tile).center())
        return rect

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        caption_font = painter.font()
        caption_font.setPointSizeF(max(8.0, caption_font.pointSizeF() * 0.92))
        painter.setFont(caption_font)
        for i, (key, caption, _) in enumerate(STAGES):
            tile = self._tile_rect(i)
            if key not in self._images:  # nothing drawn: an empty slot, not a black square
                painter.fillRect(tile, EMPTY_FILL)
                painter.setPen(QPen(EMPTY_EDGE, 1, Qt.PenStyle.DashLine))
                painter.drawRect(QRectF(tile).adjusted(0.5, 0.5, -0.5, -0.5))
            else:
                painter.fillRect(tile, QColor(0, 0, 0))
            if key in self._images:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, key == "ink_crop")
                painter.drawImage(self._image_rect(key, tile), self._images[key])
                if key == "field":  # the 28x28 MNIST field inside the padding
                    cell = tile.width() / INPUT_SIZE
                    pad = (INPUT_SIZE - FIELD) / 2 * cell
                    inner = QRectF(tile).adjusted(pad, pad, -pad, -pad)
                    painter.setPen(QPen(QColor(80, 160, 255, 170), 1, Qt.PenStyle.DashLine))
                    painter.drawRect(inner)
            painter.setPen(theme.ink(self, "text"))
            painter.drawText(
                QRect(
                    tile.left() - GAP // 2,
                    tile.bottom() + 2,
                    tile.width() + GAP,
                    self._caption_height(),
                ),
                Qt.AlignmentFlag.AlignHCenter
                | Qt.AlignmentFlag.AlignTop
                | Qt.TextFlag.TextWordWrap,
                caption,
            )

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        for i, (key, caption, explanation) in enumerate(STAGES):
            tile = self._tile_rect(i)
            if not tile.contains(pos.toPoint()):
                continue
            text = f"<b>{caption}</b><br>{explanation}"
            if self._arrays is not None:
                text += self._pixel_text(key, tile, pos)
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
            return
        QToolTip.hideText()

    def _pixel_text(self, key: str, tile: QRect, pos: QPointF) -> str:
        array = self._arrays[key]
        rect = self._image_rect(key, tile)
        if not rect.contains(pos):
            return ""
        h, w = array.shape
        col = min(w - 1, int((pos.x() - rect.left()) / rect.width() * w))
        row = min(h - 1, int((pos.y() - rect.top()) / rect.height() * h))
        ink = float(array[row, col])
        text = f"<br>row {row}, column {col}: ink {ink:.2f}"
        if key == "field":
            text += f" → input {BACKGROUND_VALUE + ink * (INK_VALUE - BACKGROUND_VALUE):.3f}"
        return text
