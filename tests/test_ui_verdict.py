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


def test_a_screen_reader_hears_the_verdict_not_a_digit(window, settle):
    """The canvas's description says what the panel says: "Not a digit (...)" for a dot, not
    "Read as 0, 18.0% sure" (a firm-sounding digit for a non-digit)."""
    side = window.canvas.width()
    drag(window.canvas, [(side / 2, side / 2)])  # a dot
    settle()
    described = window.canvas.accessibleDescription()
    assert described.startswith("Not a digit (") and "Read as" not in described


def test_a_screen_reader_hears_an_unsure_reading_as_unsure(window, draw, settle, monkeypatch):
    from lenet_gui.reading import verdict as verdict_module

    monkeypatch.setattr(verdict_module, "FIRM_PROBABILITY", 1.01)  # no reading is firm
    side = window.canvas.height()
    draw(window.canvas, [[(0.5 * side, 0.2 * side), (0.5 * side, 0.8 * side)]])
    settle()
    prediction = window.current_inspection().prediction
    assert prediction.verdict.kind == "unsure"
    guess = f"maybe {prediction.digit} ({100 * prediction.confidence:.0f}%)"
    assert window.canvas.accessibleDescription().startswith(f"Not sure: {guess}")
