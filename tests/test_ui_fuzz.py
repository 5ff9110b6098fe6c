"""A few thousand seeded random events through the real window: nothing raises, nothing hangs.

The events (tests/gui_fuzz.py) include far-away moves with either button, resizes up to
4000x3000 in the middle of a stroke, and undo storms. pytest-qt fails the test on any exception
raised inside a Qt event handler or slot. Speed and memory are measured, not asserted, by
benchmarks/bench_fuzz.py.
"""

from __future__ import annotations

import math

import pytest
from gui_fuzz import NONE, GuiFuzzer
from PySide6.QtWidgets import QApplication

EVENTS = 2000


@pytest.mark.parametrize("seed", [0])
def test_random_events_leave_the_window_consistent(window, seed, startup_side_effects):
    import torch

    torch.set_num_threads(1)  # as the app runs (MainWindow._on_loader_loaded)
    fuzzer = GuiFuzzer(window, seed)
    canvas = window.canvas
    kinds = set()
    for i in range(EVENTS):
        kinds.add(fuzzer.step())
        QApplication.processEvents()
        if i % 100 == 99:
            drawing = canvas.drawing()
            assert all(math.isfinite(v) for s in drawing.strokes for p in s for v in p)
            assert (drawing.width, drawing.height) == (canvas.width(), canvas.height())
            if drawing.is_blank and canvas.picture() is None:
                assert window.prediction_panel.shown_digit is None
    assert kinds >= {"far move", "resize", "undo storm", "press", "release"}
    if fuzzer.held != NONE:
        fuzzer._release()
    window.clear_action.trigger()
    QApplication.processEvents()
    assert canvas.drawing().is_blank and window.prediction_panel.shown_digit is None
    undone = 0
    while canvas.can_undo():  # the history is bounded: this ends
        canvas.undo()
        undone += 1
    assert 0 < undone <= 1000
