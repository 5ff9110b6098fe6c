"""The invariance-sweep dialog, opened from the Lab menu and driven with real events."""

from __future__ import annotations

import csv
import time

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from test_ui_main_window import digit_strokes

from lenet_gui.lab.sweep import run_sweep


def wait_until(condition, timeout=20.0) -> None:
    """Let a worker thread run: processEvents and sleep (QTest.qWait would hold the GIL)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        QApplication.processEvents()
        time.sleep(0.01)


def open_sweep(window):
    window.lab_menu.sweep_action.trigger()
    dialog = window.lab_menu.dialogs["sweep"]
    wait_until(lambda: not dialog.task.busy)
    return dialog


def type_into(spin_box, text: str) -> None:
    spin_box.setFocus()
    spin_box.selectAll()  # the number only, not the unit after it
    QTest.keyClicks(spin_box, text)
    QTest.keyClick(spin_box, Qt.Key.Key_Return)


def test_sweep_dialog_plots_the_numbers_of_the_core(window, draw, settle, bundled_model, tmp_path):
    draw(window.canvas, digit_strokes(window.canvas.width(), "seven"))
    settle()
    plain = window.current_inspection().prediction
    dialog = open_sweep(window)
    assert dialog.isVisible() and dialog.result is not None  # the menu runs it at once
    # Ask for -45..45 degrees in 31 steps with the keyboard, then press Run with the mouse.
    type_into(dialog.from_box, "-45")
    type_into(dialog.to_box, "45")
    type_into(dialog.steps_box, "31")
    QTest.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: not dialog.task.busy)
    result = dialog.result
    assert result.transform.name == "rotate" and len(result.values) == 31
    assert result.values[0] == -45 and result.values[-1] == 45
    # 0 degrees is the plain reading, exactly.
    np.testing.assert_allclose(result.probabilities[15], plain.probabilities, atol=1e-6)
    assert result.reading == plain.digit == 7
    expected = run_sweep(bundled_model.model, window.current_inspection().prepared, "rotate",
                         -45, 45, 31)  # fmt: skip
    np.testing.assert_allclose(result.probabilities, expected.probabilities, atol=1e-6)
    # The plot shows every class's curve, the strip every input, the label the summary.
    for digit, curve in enumerate(dialog.curves):
        xs, ys = curve.getData()
        np.testing.assert_allclose(xs, result.values)
        np.testing.assert_allclose(ys, result.probabilities[:, digit])
    shown, cell = dialog.strip.layout_cells()
    assert shown == list(range(31)) and len(shown) * (cell + 2) <= dialog.strip.width()
    assert dialog.summary_label.text() == expected.summary()
    assert dialog.holds_region.isVisible() == (expected.holds is not None)
    if expected.holds is not None:
        assert dialog.holds_region.getRegion() == pytest.approx(expected.holds)
    assert dialog.flip_line.isVisible() == (expected.first_flip is not None)

    dialog.export_csv(tmp_path / "sweep.csv")
    dialog.export_png(tmp_path / "sweep.png")
    rows = list(csv.reader((tmp_path / "sweep.csv").open()))
    assert len(rows) == 32 and float(rows[16][2 + 7]) == pytest.approx(
        plain.probabilities[7], abs=1e-6
    )
    with Image.open(tmp_path / "sweep.png") as image:
        assert image.size[0] > 300 and image.size[1] > 200
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_noise_sweep_chosen_in_the_combo_box_uses_the_seed(window, draw, settle):
    draw(window.canvas, digit_strokes(window.canvas.width(), "zero"))
    settle()
    dialog = open_sweep(window)
    box = dialog.transform_box
    box.setFocus()
    while box.currentData() != "noise":
        QTest.keyClick(box, Qt.Key.Key_Down)
    assert dialog.seed_box.isEnabled() and dialog.from_box.value() == 0.0
    type_into(dialog.seed_box, "5")
    QTest.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: not dialog.task.busy)
    first = dialog.result
    assert first.transform.name == "noise" and first.seed == 5
    np.testing.assert_allclose(first.probabilities[0], first.plain_probabilities, atol=1e-6)
    QTest.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: not dialog.task.busy)
    np.testing.assert_array_equal(dialog.result.probabilities, first.probabilities)


def test_a_blank_canvas_is_explained_not_swept(window):
    dialog = open_sweep(window)
    assert dialog.result is None
    assert "blank" in dialog.summary_label.text()
    assert not dialog.png_button.isEnabled() and not dialog.csv_button.isEnabled()


def test_a_bad_range_gets_a_message(window, draw, settle):
    draw(window.canvas, digit_strokes(window.canvas.width(), "one"))
    settle()
    dialog = open_sweep(window)
    type_into(dialog.from_box, "10")
    type_into(dialog.to_box, "10")
    QTest.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: not dialog.task.busy)
    assert "two different" in dialog.summary_label.text()


def test_sweeping_what_is_not_a_digit_does_not_state_a_digit(window, settle):
    """A dot is "Not a digit" in the window; the sweep began "Reads 0 from ...", as if it were a
    0. It now says the verdict first, then what its best digit does."""
    from conftest import drag

    side = window.canvas.width()
    drag(window.canvas, [(side / 2, side / 2)])  # a dot: not a digit by its shape
    settle()
    assert window.current_inspection().prediction.verdict.kind == "not a digit"
    dialog = open_sweep(window)
    assert dialog.result is not None
    said = dialog.summary_label.text()
    assert said.startswith("Not a digit (") and ". Its best digit: reads " in said
    assert said.endswith(dialog.result.summary()[1:])
