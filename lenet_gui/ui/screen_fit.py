"""Windows that fit the screen they open on, from 640x480 up, and scroll where they must.

A window asks for its preferred size; it gets at most the screen's available area (less the
window frame), centred on it. Content with a large minimum size goes into `scrolling()` so the
window itself has a small minimum and the rest scrolls instead of being cut off.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

# The frame a window manager adds (title bar, borders) before the window is shown and the real
# one is known: a generous guess so the title bar stays on screen.
FRAME_GUESS = QSize(16, 40)
ELIDED_TIMEOUT_MS = 10_000


def available_area(window: QWidget) -> QRect:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def frame_extra(window: QWidget) -> QSize:
    """What the frame adds to the window's size: measured once shown, else FRAME_GUESS."""
    if window.isVisible():
        frame, inner = window.frameGeometry(), window.geometry()
        extra = QSize(frame.width() - inner.width(), frame.height() - inner.height())
        if extra.width() > 0 or extra.height() > 0:
            return extra
    return FRAME_GUESS


def fitted_size(window: QWidget, preferred: QSize) -> QSize:
    """`preferred`, shrunk to the available screen area less the frame."""
    area, extra = available_area(window), frame_extra(window)
    return QSize(
        max(1, min(preferred.width(), area.width() - extra.width())),
        max(1, min(preferred.height(), area.height() - extra.height())),
    )


def fit_to_screen(window: QWidget, preferred: QSize | None = None) -> None:
    """Resize `window` to `preferred` (default: its current size) within the screen, and move
    it so that its whole frame is on the screen."""
    size = fitted_size(window, preferred or window.size())
    window.resize(size)
    area, extra = available_area(window), frame_extra(window)
    frame = QRect(window.pos(), size + extra)
    x = min(max(frame.x(), area.left()), area.right() + 1 - frame.width())
    y = min(max(frame.y(), area.top()), area.bottom() + 1 - frame.height())
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)


def centre_on_screen(window: QWidget, preferred: QSize) -> None:
    """Size `window` as `fit_to_screen` does and centre it on its screen."""
    size = fitted_size(window, preferred)
    window.resize(size)
    area, extra = available_area(window), frame_extra(window)
    window.move(
        area.left() + (area.width() - size.width() - extra.width()) // 2,
        area.top() + (area.height() - size.height() - extra.height()) // 2,
    )


def scrolling(content: QWidget, name: str) -> QScrollArea:
    """`content` in a frameless scroll area that resizes it: it fills the area while there is
    room, and scrolls (instead of being cut) when the window is smaller than its minimum.
    `name` is the area's accessible name (what a screen reader says on reaching it)."""
    area = QScrollArea()
    area.setAccessibleName(name)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(content)
    return area


def text_dialog(parent: QWidget, title: str, html: str) -> QDialog:
    """A rich-text message (About, a model's details) in a window that fits the screen, the
    text scrolling when it does not (a QMessageBox grows taller than a 640x480 screen and
    its OK button is lost below it). Opened without blocking; OK or Esc closes it."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    text = QLabel(html)
    text.setWordWrap(True)
    text.setTextFormat(Qt.TextFormat.RichText)
    text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    text.setContentsMargins(4, 0, 4, 4)
    icon = QLabel()
    icon.setPixmap(dialog.windowIcon().pixmap(48, 48))
    icon.setAlignment(Qt.AlignmentFlag.AlignTop)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
    buttons.accepted.connect(dialog.accept)
    row = QHBoxLayout()
    row.addWidget(icon)
    row.addWidget(scrolling(text, title), 1)
    layout = QVBoxLayout(dialog)
    layout.addLayout(row, 1)
    layout.addWidget(buttons)
    width = 520
    height = text.heightForWidth(width - 100) + buttons.sizeHint().height() + 40
    centre_on_screen(dialog, QSize(width, height))
    dialog.open()
    return dialog


def elide_status_messages(bar: QStatusBar, permanent: list[QWidget]) -> None:
    """Status messages that do not fit beside the `permanent` widgets (timing, model) end in
    "…" with a gap before them, instead of running into them; the whole text is the tooltip.
    An elided message stays ELIDED_TIMEOUT_MS (QStatusBar does not tell the original timeout)."""
    busy = []

    def fit(message: str) -> None:
        if busy or not message:
            bar.setToolTip("")
            return
        room = bar.width() - 24  # the size grip and margins
        for child in permanent:
            if child.isVisible():
                room -= child.width() + 12  # what QStatusBar keeps between them, and a gap
        metrics = bar.fontMetrics()
        if metrics.horizontalAdvance(message) <= room:
            bar.setToolTip("")
            return
        shown = metrics.elidedText(message, Qt.TextElideMode.ElideRight, max(room, 40))
        busy.append(True)
        try:
            bar.showMessage(shown, ELIDED_TIMEOUT_MS)
        finally:
            busy.clear()
        bar.setToolTip(message)

    bar.messageChanged.connect(fit)
