"""Boxes over the digits of a number on the canvas, each with a tag that reads it.

The boxes are painted by a widget that lets every mouse event through to the canvas (drawing
goes on as before); each tag is a small button above its box: clicking it chooses the digit
whose input, scores and feature maps the window shows. Nothing is shown for a single digit.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QPushButton, QWidget

from .. import theme

# The boxes sit on the canvas's white paper and the tags carry white text: colours at 4.5:1
# against white serve both, in light and dark themes alike.
_WHITE = QColor(255, 255, 255)
SURE = theme.readable(theme.ACCENTS["sure"], _WHITE)
UNSURE = theme.readable(theme.ACCENTS["unsure"], _WHITE)
OTHER = theme.readable(QColor(120, 128, 140), _WHITE)
TAG_HEIGHT = 22
NOT_A_DIGIT = "\u2715"  # the tag of a part that is no digit


class _Boxes(QWidget):
    """Paints the boxes; transparent for the mouse."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.boxes: list[tuple[QRectF, QColor, bool]] = []

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for rect, colour, chosen in self.boxes:
            pen = QPen(colour, 2.5 if chosen else 1.5)
            if not chosen:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, 4, 4)


class NumberOverlay(QObject):
    """Shows a number's digits over `canvas`; emits `digit_chosen(index)` on a tag's click."""

    digit_chosen = Signal(int)

    def __init__(self, canvas: QWidget) -> None:
        super().__init__(canvas)
        self._canvas = canvas
        self._boxes = _Boxes(canvas)
        self._boxes.setGeometry(canvas.rect())
        self.tags: list[QPushButton] = []
        canvas.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if watched is self._canvas and event.type() == QEvent.Type.Resize:
            self._boxes.setGeometry(self._canvas.rect())
        return False

    def clear(self) -> None:
        self.show_digits([], [], [], None)

    def show_digits(
        self,
        boxes: Sequence[tuple[float, float, float, float]],
        texts: Sequence[str],
        unsure: Sequence[bool],
        chosen: int | None,
    ) -> None:
        """One box (x0, y0, x1, y1 in canvas pixels) per digit with its tag text; `chosen` is
        the index drawn in full."""
        while len(self.tags) > len(boxes):
            self.tags.pop().deleteLater()
        while len(self.tags) < len(boxes):
            index = len(self.tags)
            tag = QPushButton(self._canvas)
            tag.setCursor(Qt.CursorShape.PointingHandCursor)
            tag.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            tag.clicked.connect(lambda _=False, i=index: self.digit_chosen.emit(i))
            self.tags.append(tag)
        painted = []
        placed: list[QRect] = []  # the tags placed so far: none may hide another
        counted = "Part" if NOT_A_DIGIT in texts else "Digit"
        for i, (box, text, doubt) in enumerate(zip(boxes, texts, unsure, strict=True)):
            colour = (UNSURE if doubt else SURE) if i == chosen else OTHER
            margin = 4.0
            rect = QRectF(box[0] - margin, box[1] - margin, box[2] - box[0] + 2 * margin,
                          box[3] - box[1] + 2 * margin)  # fmt: skip
            painted.append((rect, colour, i == chosen))
            tag = self.tags[i]
            if tag.text() != text:
                tag.setText(text)
                tag.adjustSize()
                tag.setFixedHeight(TAG_HEIGHT)
            weight = "bold" if i == chosen else "normal"
            style = (
                f"QPushButton {{ background: {colour.name()}; color: white; border: none;"
                f" border-radius: 3px; padding: 1px 6px; font-weight: {weight}; }}"
            )
            if tag.styleSheet() != style:  # setting a style sheet costs a re-polish
                tag.setStyleSheet(style)
                tag.adjustSize()
                tag.setFixedHeight(TAG_HEIGHT)
            # Counted as the prediction panel's caption counts them: "Part" once a part is
            # no digit (tag ✕), else "Digit".
            tip = f"{counted} {i + 1} of {len(texts)}: click to look inside the network at it"
            if tag.toolTip() != tip:
                tag.setToolTip(tip)
            top = rect.top() - TAG_HEIGHT - 1
            if top < 0:  # no room above the box: inside it, at its top
                top = rect.top() + 1
            # Parts whose boxes start at the same place (an H read as a 1 and a 4) would stack
            # their tags: each one moves right of the tags it would cover.
            where = QRect(round(rect.left()), round(top), tag.width(), tag.height())
            while covered := [o for o in placed if o.intersects(where)]:
                where.moveLeft(max(o.right() for o in covered) + 3)
            placed.append(where)
            tag.move(where.topLeft())
            tag.show()
            tag.raise_()
        self._boxes.boxes = painted
        self._boxes.raise_()
        self._boxes.update()
        for tag in self.tags:
            tag.raise_()
