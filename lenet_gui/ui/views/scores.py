"""The prediction: the digit, large, how sure the network is, and a bar for each class."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolTip, QVBoxLayout, QWidget

from ...reading.verdict_words import doubt_words
from .. import theme


class ProbabilityBars(QWidget):
    """Ten horizontal bars, 0 at the top; the predicted digit's bar is highlighted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values = np.zeros(10, dtype=np.float32)
        self._highlight: int | None = None
        self._read = False  # values were given: a reading (a digit, or "Not a digit")
        self._unsure = False
        self.setMouseTracking(True)
        self.setMinimumSize(160, 200)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.setToolTip("The probability of each digit (softmax of the output layer, calibrated)")
        self.setAccessibleName("Digit probabilities")
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # reachable, so a screen reader reads it
        self._describe()

    def values(self) -> np.ndarray:
        return self._values.copy()

    def set_values(self, values: np.ndarray | None, highlight: int | None, unsure: bool) -> None:
        self._values = (
            np.zeros(10, np.float32) if values is None else np.asarray(values, np.float32)
        )
        self._highlight = highlight
        self._read = values is not None
        self._unsure = unsure
        self._describe()
        self.update()

    def _describe(self) -> None:
        """The values as text (they are otherwise only painted): the accessible description."""
        if not self._read:
            text = "No digit read yet."
        else:
            text = ", ".join(f"{d}: {100 * float(v):.1f}%" for d, v in enumerate(self._values))
        if text != self.accessibleDescription():
            self.setAccessibleDescription(text)

    def paintEvent(self, event: QPaintEvent) -> None:
        self._paint()
        if self.hasFocus():  # visible focus
            painter = QPainter(self)
            painter.setPen(theme.ink(self, "highlight"))
            painter.drawRect(self.rect().adjusted(0, 0, -1, -1))

    def sizeHint(self) -> QSize:
        return QSize(220, 300)

    def _row_height(self) -> float:
        return self.height() / 10

    def _paint(self) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        row = self._row_height()
        label_w, value_w = 24.0, 64.0
        bar_w = max(10.0, self.width() - label_w - value_w - 8)
        bar_h = min(row * 0.62, 22.0)
        font = painter.font()
        font.setPointSizeF(max(9.0, min(12.0, row * 0.36)))
        text_colour, muted = theme.ink(self, "text"), theme.ink(self, "muted")
        accent = theme.ink(self, "unsure" if self._unsure else "sure")
        track_colour, other = theme.quiet_fill(self, 0.1), theme.quiet_fill(self, 0.35)
        for digit in range(10):
            top = digit * row + (row - bar_h) / 2
            chosen = digit == self._highlight
            font.setBold(chosen)
            painter.setFont(font)
            painter.setPen(text_colour if chosen else muted)
            label_rect = QRectF(0, digit * row, label_w, row)
            painter.drawText(label_rect, Qt.AlignmentFlag.AlignCenter, str(digit))
            track = QRectF(label_w + 4, top, bar_w, bar_h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(track_colour)
            painter.drawRoundedRect(track, 3, 3)
            value = float(self._values[digit])
            if value > 0:
                colour = accent if chosen else other
                painter.setBrush(colour)
                painter.drawRoundedRect(
                    QRectF(track.x(), top, max(2.0, bar_w * value), bar_h), 3, 3
                )
            painter.setPen(text_colour if chosen else muted)
            value_rect = QRectF(track.right() + 4, digit * row, value_w, row)
            text = f"{100 * value:.1f}%" if self._read else "–"
            painter.drawText(
                value_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, text
            )

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        digit = int(event.position().y() // self._row_height())
        if 0 <= digit < 10 and self._read:
            text = f"digit {digit}: probability {100 * float(self._values[digit]):.2f}%"
            QToolTip.showText(event.globalPosition().toPoint(), text, self)


class PredictionPanel(QWidget):
    """Says what the network reads, or invites drawing when there is nothing to read."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shown_digit: int | None = None  # what the panel names, None when it names nothing
        self.shown_number: str | None = None  # the number it shows ("7" for a single digit)
        self._colour = ""
        self.digit_label = QLabel("·")
        font = QFont(self.font())
        font.setPixelSize(112)
        font.setBold(True)
        self.digit_label.setFont(font)
        self.digit_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.digit_label.setMinimumHeight(130)
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        caption_font = QFont(self.font())
        caption_font.setPointSizeF(caption_font.pointSizeF() * 1.15)
        self.caption.setFont(caption_font)
        self.caption.setMinimumHeight(48)
        self.bars = ProbabilityBars()
        title = QLabel("<b>Prediction</b>")
        title.setToolTip("What LeNet-5 reads in the drawing, updated while you draw")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(title)
        layout.addWidget(self.digit_label)
        layout.addWidget(self.caption)
        layout.addSpacing(6)
        layout.addWidget(self.bars, 1)
        self.show_loading()

    def _set(self, digit_text: str, colour: str, caption: str) -> None:
        """Change only what changed: a new text or colour makes Qt lay the labels out again."""
        if self.digit_label.text() != digit_text:
            self.digit_label.setText(digit_text)
        if self._colour != colour:
            self._colour = colour
            palette = self.digit_label.palette()
            palette.setColor(QPalette.ColorRole.WindowText, theme.ink(self, colour))
            self.digit_label.setPalette(palette)
        if self.caption.text() != caption:
            self.caption.setText(caption)

    def _fit_digits(self, text: str) -> None:
        """The large label's font: 112 px for one digit, smaller so that a number fits."""
        font = self.digit_label.font()
        size = 112
        if len(text) > 1:
            probe = QFont(font)
            probe.setPixelSize(100)
            advance = QFontMetrics(probe).horizontalAdvance(text) / 100  # per pixel of size
            room = self.digit_label.width() - 12
            size = max(24, min(112, int(room / max(advance, 1e-6))))
        if font.pixelSize() != size:
            font.setPixelSize(size)
            self.digit_label.setFont(font)

    def show_number(
        self,
        number: str,
        chosen: int,
        prediction,
        parts: int | None = None,
        unsure: Sequence[bool] = (),
    ) -> None:
        """A number read left to right, large; the caption and the bars are those of its part
        `chosen` (0-based of `parts`, default one per digit), the one the other views show.
        `unsure[i]` marks digit i of `number` as unsure: it is shown as the tags show it, "4?"
        in the unsure colour, so that no doubtful part is stated as a firm digit."""
        self.show_prediction(prediction)
        self.shown_number = number
        doubtful = [i < len(unsure) and bool(unsure[i]) for i in range(len(number))]
        self._fit_digits("".join(d + "?" * u for d, u in zip(number, doubtful, strict=True)))
        colour = theme.ink(self, "unsure").name()
        shown = "".join(
            f'<span style="color:{colour}">{d}?</span>' if u else d
            for d, u in zip(number, doubtful, strict=True)
        )
        verdict = prediction.verdict
        read = f"{prediction.digit} ({100 * prediction.confidence:.1f}% sure)"
        if verdict.kind == "unsure":
            first, second = doubt_words(verdict)
            read = f"not sure, {first} {second}"
        elif verdict.kind == "not a digit":
            read = f"not a digit, left out ({verdict.reason})"
        parts = parts or len(number)
        caption = f"{'Digit' if parts == len(number) else 'Part'} {chosen + 1} of {parts}: {read}"
        self._set(shown, "sure", caption + "\nClick a digit's tag to look at it")

    def show_loading(self, text: str = "Loading the model…") -> None:
        self.shown_number = None
        self._fit_digits("")
        self.shown_digit = None
        self._set("…", "muted", text)
        self.bars.set_values(None, None, False)

    def show_blank(self, text: str | None = None) -> None:
        self.shown_number = None
        self._fit_digits("")
        self.shown_digit = None
        invitation = "Draw a digit on the canvas,\nor drop an image of one there"
        self._set("?", "muted", text or invitation)
        self.bars.set_values(None, None, False)

    def show_prediction(self, prediction) -> None:
        """`prediction` is the core's `Prediction` for a drawing with ink in it; its verdict
        decides what is said (verdict.py): a digit, "5?" when unsure, or "Not a digit"."""
        probs = prediction.probabilities
        digit = prediction.digit
        verdict = prediction.verdict
        self.shown_digit = verdict.digit
        self.shown_number = None if verdict.digit is None else str(verdict.digit)
        self._fit_digits("")
        if verdict.kind == "not a digit":
            self._set("\u2715", "error", f"Not a digit\n({verdict.reason})")
            self.bars.set_values(probs, None, False)
            return
        if prediction.unsure:
            first, second = doubt_words(verdict)
            self._set(f"{digit}?", "unsure", f"Not sure: {first}\n{second}")
        else:
            self._set(str(digit), "sure", f"{100 * prediction.confidence:.1f}% sure")
        self.bars.set_values(probs, digit, prediction.unsure)
