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
