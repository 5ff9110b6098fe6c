"""End to end: real pen digits replayed as mouse drags on the window's canvas must be read as
`predict --strokes` reads the same drawings (`classify_drawings`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from lenet_gui.data.drawn_digits import CANVAS, load_pen_digits, pen_drawings
from lenet_gui.reading.inference import classify_drawings

PEN_DIGITS = Path(
    os.environ.get(
        "LENET_PEN_DIGITS", ROOT.parent / "shared" / "data" / "pen-digits" / "unipen_dev.json.gz"
    )
)
REPLAYED = 300


@pytest.fixture(scope="module")
def replayed_drawings():
    if not PEN_DIGITS.is_file():
        pytest.skip(f"pen digits not found at {PEN_DIGITS} (set LENET_PEN_DIGITS to the file)")
    digits = load_pen_digits(PEN_DIGITS)
    step = max(1, len(digits) // REPLAYED)
    return pen_drawings(digits[::step][:REPLAYED], seed=0)


def test_replayed_pen_digits_are_read_as_the_command_line_reads_them(
    window, draw, settle, bundled_model, replayed_drawings
):
    canvas = window.canvas
    canvas.setFixedSize(CANVAS, CANVAS)  # pen_drawings place digits on a 280x280 canvas
    settle()
    assert (canvas.width(), canvas.height()) == (CANVAS, CANVAS)
    expected = classify_drawings(bundled_model.model, replayed_drawings)

    agree, exact = 0, 0
    for drawing, reference in zip(replayed_drawings, expected, strict=True):
        QTest.keyClick(canvas, Qt.Key.Key_Escape)  # clear, as a person would
        draw(canvas, drawing.strokes)
        settle()
        recorded = window.current_drawing()
        exact += recorded.strokes == drawing.strokes
        assert recorded.effective_pen_width() == pytest.approx(drawing.effective_pen_width())
        agree += window.prediction_panel.shown_digit == reference.verdict.digit
    assert exact == len(replayed_drawings)  # the mouse path records every point exactly
    assert agree / len(replayed_drawings) >= 0.99
