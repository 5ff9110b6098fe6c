"""The main window with the bundled model, driven by real mouse and keyboard events."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import send_mouse
from PIL import Image
from PySide6.QtCore import QEvent, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from lenet_gui.preprocessing.preprocess import Drawing, render_drawing
from lenet_gui.reading.inference import classify_drawings, classify_images
from lenet_gui.retrain.checkpoint import save_checkpoint
from lenet_gui.ui.main_window import MainWindow
from lenet_gui.ui.views.map_detail import MapDetailDialog


def digit_strokes(side: float, which: str) -> list[list[tuple[float, float]]]:
    """A few hand-made digits, in canvas pixels of a canvas `side` wide."""
    shapes = {
        "one": [[(0.5, 0.2), (0.5, 0.45), (0.5, 0.8)]],
        "seven": [[(0.3, 0.25), (0.5, 0.25), (0.7, 0.25), (0.6, 0.5), (0.5, 0.8)]],
        "zero": [
            [
                (0.5, 0.2),
                (0.35, 0.3),
                (0.3, 0.5),
                (0.35, 0.7),
                (0.5, 0.8),
                (0.65, 0.7),
                (0.7, 0.5),
                (0.65, 0.3),
                (0.5, 0.2),
            ]
        ],
    }
    return [[(x * side, y * side) for x, y in stroke] for stroke in shapes[which]]


def test_a_blank_canvas_shows_no_prediction(window):
    panel = window.prediction_panel
    assert panel.shown_digit is None
    assert "Draw a digit" in panel.caption.text()
    assert not panel.bars.values().any()
    assert not window.input_view.has_input()
    assert window.feature_view.activations() is None


def test_drawing_a_stroke_changes_the_scores_as_the_core_does(window, draw, settle, bundled_model):
    canvas = window.canvas
    draw(canvas, digit_strokes(canvas.width(), "one"))
    settle()
    first = window.prediction_panel.bars.values()
    assert first.sum() == pytest.approx(1.0, abs=1e-4)
    assert window.prediction_panel.shown_digit == 1
    draw(canvas, digit_strokes(canvas.width(), "zero"))
    settle()
    second = window.prediction_panel.bars.values()
    assert np.abs(second - first).max() > 0.05
    expected = classify_drawings(bundled_model.model, [window.current_drawing()])[0]
    np.testing.assert_allclose(second, expected.probabilities, atol=1e-5)
    assert window.prediction_panel.shown_digit == expected.digit


def test_the_prediction_updates_while_drawing_before_release(window, settle):
    canvas = window.canvas
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    points = digit_strokes(canvas.width(), "seven")[0]
    send_mouse(canvas, QEvent.Type.MouseButtonPress, points[0], left, left)
    seen = []
    for point in points[1:]:
        send_mouse(canvas, QEvent.Type.MouseMove, point, none, left)
        settle()
        seen.append(window.prediction_panel.bars.values())
    assert window.current_inspection() is not None  # classified with the button still down
    assert not np.allclose(seen[0], seen[-1])
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, points[-1], left, none)


def test_many_moves_in_one_event_loop_turn_give_one_classification(window, qtbot, settle):
    canvas = window.canvas
    results = []
    window.classified.connect(results.append)
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    send_mouse(canvas, QEvent.Type.MouseButtonPress, (100.0, 100.0), left, left)
    for i in range(200):  # a fast pen: no event processing between the moves
        send_mouse(canvas, QEvent.Type.MouseMove, (100.0 + i, 100.0 + i / 2), none, left)
    assert results == []
    settle()
    assert len(results) == 1
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, (299.0, 199.5), left, none)


def test_the_feature_maps_and_input_stages_update(window, draw, settle):
    view = window.feature_view
    blank = view.grab().toImage()
    draw(window.canvas, digit_strokes(window.canvas.width(), "seven"))
    settle()
    acts = view.activations()
    assert acts["C1"].shape == (6, 28, 28) and acts["C3"].shape == (16, 10, 10)
    assert acts["F6"].shape == (84,) and acts["output"].shape == (10,)
    assert window.input_view.has_input()
    seven = view.grab().toImage()
    assert seven != blank
    draw(window.canvas, digit_strokes(window.canvas.width(), "zero"))
    settle()
    assert not np.allclose(view.activations()["C3"], acts["C3"])
    assert view.grab().toImage() != seven


def test_undo_redo_and_clear_through_keyboard_shortcuts(window, draw, settle):
    canvas = window.canvas
    window.activateWindow()
    draw(canvas, digit_strokes(canvas.width(), "one"))
    draw(canvas, digit_strokes(canvas.width(), "zero"))
    ctrl, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(canvas, Qt.Key.Key_Z, ctrl)
    settle()
    assert len(window.current_drawing().strokes) == 1
    assert window.prediction_panel.shown_digit == 1
    QTest.keyClick(canvas, Qt.Key.Key_Z, ctrl | shift)
    assert len(window.current_drawing().strokes) == 2
    QTest.keyClick(canvas, Qt.Key.Key_Z, ctrl)
    QTest.keyClick(canvas, Qt.Key.Key_Y, ctrl)
    assert len(window.current_drawing().strokes) == 2
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    settle()
    assert window.current_drawing().is_blank
    assert window.prediction_panel.shown_digit is None
    QTest.keyClick(canvas, Qt.Key.Key_Z, ctrl)
    draw(canvas, digit_strokes(canvas.width(), "one"))
    QTest.keyClick(canvas, Qt.Key.Key_Delete)
    assert window.current_drawing().is_blank


def _digit_png(path: Path) -> Image.Image:
    """A dark seven on white paper, as a scanned or photographed digit would be."""
    seven = digit_strokes(200, "seven")
    ink = render_drawing(Drawing(200, 200, tuple(tuple(s) for s in seven)))
    image = Image.fromarray(255 - ink)
    image.save(path)
    return image


def _drop(widget, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    enter = QDragEnterEvent(
        pos.toPoint(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        pos,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, drop)


def test_dropping_an_image_classifies_it(window, tmp_path, bundled_model, draw, settle):
    image = _digit_png(tmp_path / "seven.png")
    _drop(window.canvas, tmp_path / "seven.png")
    settle()
    expected = classify_images(bundled_model.model, [image])[0]
    assert expected.digit == 7
    assert window.prediction_panel.shown_digit == 7
    np.testing.assert_allclose(
        window.prediction_panel.bars.values(), expected.probabilities, atol=1e-5
    )
    assert window.canvas.has_backdrop()


def test_an_opened_image_is_part_of_the_history_like_a_stroke(window, tmp_path, draw, settle):
    """Strokes before the image, the image, a stroke on it: undo takes them back in order."""
    canvas = window.canvas
    draw(canvas, digit_strokes(canvas.width(), "one"))
    settle()
    assert window.prediction_panel.shown_digit == 1
    _digit_png(tmp_path / "seven.png")
    assert window.open_image_file(tmp_path / "seven.png")
    settle()
    assert canvas.has_backdrop() and canvas.drawing().is_blank  # the image took the 1's place
    assert window.prediction_panel.shown_digit == 7
    draw(canvas, [[(10.0, 10.0), (12.0, 10.0)]])  # a small mark on the image keeps it
    settle()
    assert canvas.has_backdrop() and len(canvas.drawing().strokes) == 1
    assert window.prediction_panel.shown_digit == 7
    canvas.undo()  # the mark goes, the image stays
    settle()
    assert canvas.has_backdrop() and canvas.drawing().is_blank
    canvas.undo()  # the image goes, the 1 comes back
    settle()
    assert not canvas.has_backdrop() and len(canvas.drawing().strokes) == 1
    assert window.prediction_panel.shown_digit == 1
    canvas.redo()
    settle()
    assert canvas.has_backdrop() and window.prediction_panel.shown_digit == 7


def test_a_file_that_is_no_image_is_refused_with_a_message(window, tmp_path, monkeypatch, settle):
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: messages.append(args))
    bad = tmp_path / "digit.png"
    bad.write_bytes(b"not a png at all")
    _drop(window.canvas, bad)
    settle()
    assert len(messages) == 1 and "digit.png" in messages[0][2]
    assert not window.canvas.has_backdrop()
    assert window.prediction_panel.shown_digit is None


def _choose_file(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def test_a_corrupt_checkpoint_is_refused_and_the_old_model_stays(
    window, tmp_path, monkeypatch, draw, settle, bundled_model
):
    draw(window.canvas, digit_strokes(window.canvas.width(), "seven"))
    settle()
    before = window.prediction_panel.bars.values()
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"PK\x03\x04 this is not a checkpoint" * 10)
    messages, switched = [], []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: messages.append(args))
    window.model_changed.connect(switched.append)
    _choose_file(monkeypatch, bad)
    window.open_model_action.trigger()
    assert len(messages) == 1
    assert "broken.pt" in messages[0][2] and "stays active" in messages[0][2]
    assert window.loaded_model is bundled_model and switched == []
    assert "lenet5.pt" in window.windowTitle()
    settle()
    np.testing.assert_allclose(window.prediction_panel.bars.values(), before)


def _other_checkpoint(path: Path, bundled_model) -> Path:
    """The bundled model with its output layer disturbed: a different, valid checkpoint."""
    from lenet_gui.retrain.checkpoint import load_checkpoint

    model = load_checkpoint(bundled_model.path).model
    with torch.no_grad():
        model.output.bias += torch.linspace(-3, 3, 10)
    return save_checkpoint(path, model, metrics={"mnist_test_accuracy": 0.5}, notes="disturbed")


def test_opening_a_model_switches_at_once_and_revert_brings_back_the_bundled_one(
    window, tmp_path, monkeypatch, draw, settle, bundled_model
):
    draw(window.canvas, digit_strokes(window.canvas.width(), "seven"))
    settle()
    before = window.prediction_panel.bars.values()
    other = _other_checkpoint(tmp_path / "other.pt", bundled_model)
    switched = []
    window.model_changed.connect(switched.append)
    _choose_file(monkeypatch, other)
    window.open_model_action.trigger()
    assert window.loaded_model.path == other and switched == [window.loaded_model]
    assert "other.pt" in window.windowTitle() and "50.00%" in window.model_label.text()
    assert not np.allclose(window.prediction_panel.bars.values(), before)  # re-classified
    assert window.settings.last_model == str(other)
    window.revert_action.trigger()
    assert window.loaded_model.path.name == "lenet5.pt"
    assert window.settings.last_model is None
    np.testing.assert_allclose(window.prediction_panel.bars.values(), before, atol=1e-6)


def test_a_checkpoint_the_window_cannot_show_is_refused_and_not_remembered(
    window, tmp_path, monkeypatch, bundled_model
):
    """An 11-class model raised ValueError in the window and came back at every start."""
    data = torch.load(bundled_model.path, weights_only=True)
    data["model"]["output.weight"] = torch.zeros(11, 84)
    data["model"]["output.bias"] = torch.zeros(11)
    data["model_args"]["num_classes"] = 11
    eleven = tmp_path / "eleven.pt"
    torch.save(data, eleven)
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: messages.append(args))
    assert not window.open_model_file(eleven)
    assert len(messages) == 1 and "11 output classes" in messages[0][2]
    assert window.loaded_model is bundled_model and window.settings.last_model is None


def test_set_model_is_the_public_way_to_switch(window, draw, settle, bundled_model, tmp_path):
    from lenet_gui.retrain.checkpoint import load_checkpoint

    draw(window.canvas, digit_strokes(window.canvas.width(), "one"))
    settle()
    other = load_checkpoint(_other_checkpoint(tmp_path / "retrained.pt", bundled_model))
    window.set_model(other)  # no event processing needed
    expected = classify_drawings(other.model, [window.current_drawing()])[0]
    np.testing.assert_allclose(
        window.prediction_panel.bars.values(), expected.probabilities, atol=1e-5
    )
    assert window.model_menu.title() == "&Model" and window.tool_bar.actions()


def test_settings_persist_between_windows(qtbot, window, tmp_path, bundled_model):
    window.brush_slider.setValue(window.brush_slider.value() + 4)
    fraction = window.canvas.pen_fraction()
    other = _other_checkpoint(tmp_path / "kept.pt", bundled_model)
    window.open_model_file(other)
    window.kernels_action.setChecked(False)
    window.resize(1100, 720)
    window.close()

    again = MainWindow()
    qtbot.addWidget(again)
    assert again.canvas.pen_fraction() == pytest.approx(fraction)
    assert again.brush_slider.value() == window.brush_slider.value()
    assert again.settings.last_model == str(other)
    assert not again.kernels_action.isChecked()
    assert (again.width(), again.height()) == (1100, 720)


def test_the_start_up_model_is_the_last_one_used(
    qtbot, tmp_path, bundled_model, startup_side_effects
):
    other = _other_checkpoint(tmp_path / "last.pt", bundled_model)
    first = MainWindow()
    qtbot.addWidget(first)
    first.settings.last_model = str(other)
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    with qtbot.waitSignal(second.model_changed, timeout=30000) as blocker:
        second.load_initial_model()
    assert blocker.args[0].path == other
    assert torch.get_num_threads() == 1


def test_clicking_a_map_enlarges_it_and_it_follows_the_drawing(window, draw, settle, qtbot):
    draw(window.canvas, digit_strokes(window.canvas.width(), "seven"))
    settle()
    view = window.feature_view
    tile = next(t for t in view.tiles() if t.layer == "C3" and t.index == 5)
    QTest.mouseClick(view, Qt.MouseButton.LeftButton, pos=tile.rect.center().toPoint())
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, MapDetailDialog)]
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    assert "C3 map 5" in dialogs[0].windowTitle() and "S2 maps 5, 0, 1" in dialogs[0].windowTitle()
    np.testing.assert_allclose(dialogs[0].view._array, view.activations()["C3"][5])
    draw(window.canvas, digit_strokes(window.canvas.width(), "zero"))
    settle()
    np.testing.assert_allclose(dialogs[0].view._array, view.activations()["C3"][5])


def test_saving_the_drawing_as_png_keeps_what_the_network_reads(
    window, draw, settle, tmp_path, monkeypatch, bundled_model
):
    draw(window.canvas, digit_strokes(window.canvas.width(), "seven"))
    settle()
    target = tmp_path / "mine.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.save_png_action.trigger()
    with Image.open(target) as saved:
        again = classify_images(bundled_model.model, [saved.copy()])[0]
    assert again.digit == window.prediction_panel.shown_digit == 7


def test_an_opened_image_can_be_labelled(window, tmp_path, settle):
    from lenet_gui.data.samples import SampleStore
    from lenet_gui.ui.retrain.integration import RetrainController

    controller = next(c for c in window.children() if isinstance(c, RetrainController))
    _digit_png(tmp_path / "seven.png")
    assert window.open_image_file(tmp_path / "seven.png")
    settle()
    assert controller.labelling_bar.label_current(7) is not None
    (sample,) = SampleStore().samples()
    assert sample.label == 7 and sample.drawing.is_blank  # no strokes: the image's input
    shown = window.current_inspection().prepared.field
    assert np.abs(sample.field / 255.0 - shown).max() < 1 / 255 + 1e-6


def test_saving_strokes_with_an_image_shown_says_what_it_does(
    window, tmp_path, monkeypatch, draw, settle
):
    infos = []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: infos.append(args))
    target = tmp_path / "strokes.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    _digit_png(tmp_path / "seven.png")
    window.open_image_file(tmp_path / "seven.png")
    window.save_strokes_action.trigger()  # the image alone: nothing a strokes file can hold
    assert len(infos) == 1 and "PNG" in infos[0][2] and not target.exists()
    draw(window.canvas, [[(10.0, 10.0), (30.0, 10.0)]])
    window.save_strokes_action.trigger()
    assert "not the image" in window.statusBar().currentMessage()
    assert len(Drawing.from_dict(json.loads(target.read_text())).strokes) == 1
