"""The fooling dialog, opened from the Lab menu and driven with real events."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from test_ui_lab_sweep import wait_until
from test_ui_main_window import digit_strokes

from lenet_gui.lab.adversarial import HIGH, LOW
from lenet_gui.reading.inference import probabilities
from lenet_gui.reading.verdict_words import short_reading


def open_fooling(window):
    window.lab_menu.fooling_action.trigger()
    dialog = window.lab_menu.dialogs["fooling"]
    wait_until(lambda: not dialog.task.busy)
    return dialog


def choose(combo, data) -> None:
    combo.setFocus()
    QTest.keyClick(combo, Qt.Key.Key_Home)
    while combo.currentData() != data:
        QTest.keyClick(combo, Qt.Key.Key_Down)


def test_fooling_dialog_shows_a_change_that_really_flips_it(window, draw, settle, bundled_model):
    draw(window.canvas, digit_strokes(window.canvas.width(), "seven"))
    settle()
    plain = window.current_inspection()
    dialog = open_fooling(window)  # the menu runs it at once: PGD, any other digit
    result = dialog.result
    assert result.method == "pgd" and result.reading == plain.prediction.digit == 7
    np.testing.assert_array_equal(result.original, plain.prepared.network_input[0])
    probs = probabilities(bundled_model.model, result.fooled[None, None])[0]
    assert probs.argmax() == result.new_digit != 7
    assert result.fooled.min() >= LOW - 1e-6 and result.fooled.max() <= HIGH + 1e-6
    # The tiles say the app's verdict of each: the changed input, at the edge of another
    # digit, is usually "not sure" there, as the prediction panel would say it.
    before, after = dialog.readings
    assert before.verdict.kind == "digit" and before.digit == 7
    assert dialog.original_tile.caption.startswith(f"Input: {short_reading(before)}\n")
    assert after.digit == result.new_digit
    np.testing.assert_allclose(after.probabilities, result.fooled_probabilities, atol=1e-5)
    assert dialog.fooled_tile.caption.startswith(f"Changed: {short_reading(after)}\n")
    assert f"L∞ {result.linf:.3f}" in dialog.change_tile.caption
    assert dialog.summary_label.text() == result.summary()

    # Towards a chosen digit, with FGSM then PGD, chosen with the keyboard, run with the mouse.
    choose(dialog.target_box, 1)
    QTest.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: not dialog.task.busy)
    targeted = dialog.result
    assert targeted.target == 1 and targeted.flipped and targeted.new_digit == 1
    assert probabilities(bundled_model.model, targeted.fooled[None, None])[0].argmax() == 1
    choose(dialog.method_box, "fgsm")
    choose(dialog.target_box, None)
    QTest.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: not dialog.task.busy)
    assert dialog.result.method == "fgsm" and dialog.result.target is None


def test_fooling_a_blank_canvas_is_explained(window):
    dialog = open_fooling(window)
    assert dialog.result is None and "blank" in dialog.summary_label.text()


def test_asking_for_the_digit_it_already_reads_gets_a_message(window, draw, settle):
    draw(window.canvas, digit_strokes(window.canvas.width(), "one"))
    settle()
    dialog = open_fooling(window)
    choose(dialog.target_box, 1)
    QTest.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: not dialog.task.busy)
    assert "already reads 1" in dialog.summary_label.text()


def test_fooling_what_is_not_a_digit_says_so(window, settle):
    """A dot is "Not a digit" in the window; the dialog said "Input: reads 0" and "Reads 0 (18%)
    -> 3 (12%)", as if a digit had been fooled."""
    from conftest import drag

    side = window.canvas.width()
    drag(window.canvas, [(side / 2, side / 2)])  # a dot: not a digit by its shape
    settle()
    assert window.current_inspection().prediction.verdict.kind == "not a digit"
    dialog = open_fooling(window)
    assert dialog.result is not None and dialog.result.flipped
    assert dialog.original_tile.caption.startswith("Input: not a digit (best guess ")
    assert dialog.fooled_tile.caption.startswith("Changed: not a digit (best guess ")
    assert dialog.summary_label.text().endswith(
        "The input is not a digit to begin with: only its best guess moved."
    )


def test_each_tile_caption_fits_its_tile(window, settle):
    """The tiles' captions are drawn whole: "Changed: not a digit (best guess 4, 11%)" wraps at
    the dialog's size, and its probabilities' line was cut off under a 34 px caption."""
    from conftest import drag
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFontMetrics

    side = window.canvas.width()
    drag(window.canvas, [(side / 2, side / 2)])  # a dot: long "not a digit" captions
    settle()
    dialog = open_fooling(window)
    dialog.resize(dialog.minimumSizeHint().expandedTo(dialog.size()))
    settle()
    for tile in (dialog.original_tile, dialog.fooled_tile, dialog.change_tile):
        room = tile.caption_rect()
        flags = int(Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap)
        needed = QFontMetrics(tile.font()).boundingRect(
            QRect(0, 0, room.width(), 10_000), flags, tile.caption
        )
        assert needed.height() <= room.height(), tile.caption
        assert room.bottom() <= tile.height()
