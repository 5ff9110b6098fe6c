"""The window says "Not a digit" plainly, with the scores still shown."""

from __future__ import annotations

import numpy as np
from conftest import drag


def test_one_click_on_the_canvas_is_not_a_digit(window, settle):
    side = window.canvas.width()
    drag(window.canvas, [(side / 2, side / 2)])  # press and release at one point: a dot
    settle()
    panel = window.prediction_panel
    assert panel.shown_digit is None
    assert "Not a digit" in panel.caption.text()
    assert np.sum(panel.bars.values()) > 0.99  # the scores stay visible


def test_not_a_digit_still_gives_each_score_as_text(window, settle):
    """The bars of a "Not a digit" reading say their percentages (painted, on hover and to a
    screen reader) as a digit's do; "–" is for a blank canvas only."""
    from conftest import send_mouse
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtWidgets import QToolTip

    side = window.canvas.width()
    drag(window.canvas, [(side / 2, side / 2)])  # a dot
    settle()
    bars = window.prediction_panel.bars
    assert window.prediction_panel.shown_digit is None
    values = bars.values()
    described = bars.accessibleDescription()
    assert described == ", ".join(f"{d}: {100 * float(v):.1f}%" for d, v in enumerate(values))
    QToolTip.hideText()
    none = Qt.MouseButton.NoButton
    row = bars.height() / 10
    send_mouse(bars, QEvent.Type.MouseMove, (bars.width() / 2, 3.5 * row), none, none)
    assert QToolTip.text() == f"digit 3: probability {100 * float(values[3]):.2f}%"
    window.canvas.clear()
    settle()
    assert bars.accessibleDescription() == "No digit read yet."
