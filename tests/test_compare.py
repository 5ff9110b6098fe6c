"""Two models side by side (lenet_gui.lab.compare) and the compare dialog, driven with real
events."""

from __future__ import annotations

import copy

import numpy as np
import torch
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog
from test_sweep import THREE
from test_ui_lab_sweep import wait_until
from test_ui_main_window import digit_strokes

from lenet_gui.lab.compare import compare
from lenet_gui.network.architecture import LAYER_NAMES
from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing
from lenet_gui.reading.inference import inspect
from lenet_gui.reading.verdict_words import short_reading
from lenet_gui.retrain.checkpoint import save_checkpoint


def nudged(model, seed=0, scale=0.05):
    """A copy of `model` with every weight moved a little: a stand-in for a fine-tuned model."""
    other = copy.deepcopy(model)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in other.parameters():
            p.add_(scale * torch.randn(p.shape, generator=generator))
    return other.eval()


def test_the_difference_is_second_minus_first_layer_by_layer(bundled_model):
    prepared = prepare_drawing(Drawing.from_dict(THREE))
    other = nudged(bundled_model.model)
    c = compare(bundled_model.model, other, prepared)
    a, b = inspect(bundled_model.model, prepared), inspect(other, prepared)
    np.testing.assert_allclose(c.first.prediction.probabilities, a.prediction.probabilities)
    np.testing.assert_allclose(c.second.prediction.probabilities, b.prediction.probabilities)
    for name in LAYER_NAMES:
        np.testing.assert_allclose(c.difference[name], b.activations[name] - a.activations[name])
    means = c.mean_absolute_difference()
    assert list(means) == list(LAYER_NAMES) and all(v > 0 for v in means.values())


def test_a_model_compared_with_itself_differs_nowhere(bundled_model):
    prepared = prepare_drawing(Drawing.from_dict(THREE))
    c = compare(bundled_model.model, bundled_model.model, prepared)
    assert all(v == 0 for v in c.mean_absolute_difference().values())
    assert c.summary().startswith("Both read 3")


def test_compare_dialog_follows_the_drawing(window, draw, settle, bundled_model, tmp_path,
                                            monkeypatch):  # fmt: skip
    other = nudged(bundled_model.model, scale=0.2)
    path = save_checkpoint(tmp_path / "other.pt", other)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    draw(window.canvas, digit_strokes(window.canvas.width(), "seven"))
    settle()
    window.lab_menu.compare_action.trigger()
    dialog = window.lab_menu.dialogs["compare"]
    wait_until(lambda: dialog.comparison is not None)
    prepared = window.current_inspection().prepared
    expected = compare(bundled_model.model, other, prepared)
    np.testing.assert_allclose(dialog.first_bars.values(), expected.first.prediction.probabilities,
                               atol=1e-6)  # fmt: skip
    np.testing.assert_allclose(dialog.second_bars.values(),
                               expected.second.prediction.probabilities, atol=1e-5)  # fmt: skip
    assert dialog.second_label.text() == f"other.pt: {short_reading(expected.second.prediction)}"
    assert dialog.summary_label.text() == expected.summary()
    # Choose layer C3 with the keyboard: three rows of its 16 maps, the last the difference.
    dialog.layer_box.setFocus()
    while dialog.layer_box.currentData() != "C3":
        QTest.keyClick(dialog.layer_box, Qt.Key.Key_Down)
    assert dialog.first_row.maps.shape == dialog.difference_row.maps.shape == (16, 10, 10)
    np.testing.assert_allclose(dialog.difference_row.maps, expected.difference["C3"], atol=1e-5)
    # Drawing on: the dialog reads the new drawing with both models.
    before = dialog.first_bars.values()
    draw(window.canvas, [[(0.2 * window.canvas.width(), 0.5 * window.canvas.width()),
                          (0.8 * window.canvas.width(), 0.5 * window.canvas.width())]])  # fmt: skip
    settle()
    now = window.current_inspection().prediction.probabilities
    assert not np.allclose(before, now)
    np.testing.assert_allclose(dialog.first_bars.values(), now, atol=1e-6)


def test_a_broken_checkpoint_is_a_message(window, tmp_path, monkeypatch):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    window.lab_menu.compare_action.trigger()
    dialog = window.lab_menu.dialogs["compare"]
    wait_until(lambda: not dialog.task.busy)
    assert "bad.pt" in dialog.summary_label.text() and dialog.other is None


REJECTOR = {"temperature": 1.0, "reject_below": 0.3}


def _reading(logits, prepared):
    from lenet_gui.reading.inference import Inspection, predict_from_logits

    prediction = predict_from_logits(np.asarray(logits, float), prepared, REJECTOR)
    return Inspection(prepared, prediction, {})


def test_the_summary_says_each_verdict_not_a_bare_digit():
    """A drawing the model calls "not a digit" was summed up as "They disagree: 1 (11%) and 0
    (100%)", the dialog's label saying "This model: reads 1": a firm digit for a non-digit."""
    from lenet_gui.lab.compare import Comparison

    prepared = prepare_drawing(Drawing.from_dict(THREE))
    firm = _reading(np.eye(10)[0] * 12, prepared)
    flat = _reading(np.eye(10)[1] * 0.3, prepared)  # 13%: below 0.3, not a digit
    unsure = _reading(np.eye(10)[4] * 1.8, prepared)  # 40%: unsure, more likely wrong
    assert flat.prediction.verdict.kind == "not a digit"
    assert unsure.prediction.verdict.kind == "unsure"
    said = Comparison(flat, firm).summary()
    assert said == "They differ: not a digit (best guess 1, 13%) and reads 0 (100%)."
    said = Comparison(unsure, firm).summary()
    assert said == "They differ: not sure, maybe 4 (40%) and reads 0 (100%)."
    assert Comparison(flat, flat).summary().startswith("Neither reads a digit")
    assert Comparison(firm, firm).summary() == "Both read 0 (100% and 100%)."
    assert Comparison(unsure, unsure).summary() == "Both unsure: maybe 4 (40% and 40%)."


def test_compare_dialog_names_no_digit_for_a_dot(window, settle, bundled_model, tmp_path,
                                                 monkeypatch):  # fmt: skip
    from conftest import drag

    path = save_checkpoint(tmp_path / "other.pt", nudged(bundled_model.model))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    side = window.canvas.width()
    drag(window.canvas, [(side / 2, side / 2)])  # a dot: not a digit by its shape
    settle()
    assert window.current_inspection().prediction.verdict.kind == "not a digit"
    window.lab_menu.compare_action.trigger()
    dialog = window.lab_menu.dialogs["compare"]
    wait_until(lambda: dialog.comparison is not None)
    assert dialog.first_label.text().startswith("This model: not a digit (best guess ")
    assert dialog.second_label.text().startswith("other.pt: not a digit (best guess ")
    assert dialog.summary_label.text().startswith("Neither reads a digit")
    assert dialog.first_bars._highlight is None  # no digit singled out, as in the main panel
