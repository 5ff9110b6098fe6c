"""A training replay saved from the retrain dialog and replayed from the file: Save as… with
"Save the training replay" on, Model > Open model… on that file, Model > Replay training…, and
the slider driven with keys, all through the real widgets."""

from __future__ import annotations

import numpy as np
from conftest import bar
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog
from test_ui_main_window import digit_strokes

from lenet_gui.reading.inference import inspect
from lenet_gui.reading.verdict_words import short_reading
from lenet_gui.retrain.replay import model_at
from lenet_gui.retrain.replay_file import added_bytes, size_text
from lenet_gui.ui.retrain.integration import RetrainController

RUN_TIMEOUT_MS = 90_000


def trained_dialog(qtbot, window):
    """The window's retrain dialog after a short run (3 epochs) on forty own samples."""
    controller = window.findChild(RetrainController)
    for digit in range(10):
        for i in range(4):
            controller.store.add(bar(digit, 3 * i), digit, sample_id=f"d{digit}-{i}")
    dialog = controller.open_retrain()
    dialog.use_mnist.setChecked(False)
    dialog.use_samples.setChecked(True)
    dialog.from_scratch.setChecked(True)
    dialog.epochs.setValue(3)
    dialog.batch_size.setCurrentIndex(dialog.batch_size.findData(32))
    assert not dialog.save_replay.isEnabled()  # nothing to save before a run
    QTest.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_training(), timeout=RUN_TIMEOUT_MS)
    assert dialog.outcome is not None, dialog.status.text()
    return controller, dialog


def test_a_replay_saved_from_the_dialog_replays_from_the_opened_file(
    qtbot, window, draw, settle, tmp_path, monkeypatch
):
    controller, dialog = trained_dialog(qtbot, window)
    outcome = dialog.outcome
    option = dialog.save_replay
    size = added_bytes(outcome.snapshots, outcome.curves)
    assert option.isEnabled() and option.isChecked()  # small: on by default
    assert option.text() == f"Save the training replay (adds {size_text(size)})"

    path = tmp_path / "with-replay.pt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert path.is_file() and dialog.status.text() == f"Saved {path}"
    dialog.close()

    # The bundled model has no replay: Replay training is greyed out, and says why.
    action = controller.replay_action
    assert not action.isEnabled() and "has no training replay" in action.toolTip()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    window.open_model_action.trigger()
    loaded = window.loaded_model
    assert loaded.path == path and loaded.replay is not None
    assert action.isEnabled() and action in window.model_menu.actions()
    assert len(loaded.replay.snapshots) == len(outcome.snapshots)

    draw(window.canvas, digit_strokes(window.canvas.width(), "seven"))
    settle()
    shown = window.current_inspection()
    action.trigger()
    replay = controller.replay_dialog
    qtbot.waitUntil(replay.isVisible, timeout=2_000)
    view, slider = replay.view, replay.view.slider
    assert slider.maximum() == len(outcome.snapshots) - 1 == slider.value()

    slider.setFocus()
    QTest.keyClick(slider, Qt.Key.Key_Home)  # before training
    first = inspect(model_at(loaded.replay.snapshots[0], loaded.model.model_args()), shown.prepared)
    np.testing.assert_allclose(view.bars.values(), first.prediction.probabilities, atol=1e-6)
    # An untrained network is sure of nothing: said as the prediction panel would say it, not
    # "reads 3 (11%)".
    assert first.prediction.verdict.kind != "digit"
    assert view.caption.text() == f"before training (step 0): {short_reading(first.prediction)}."
    assert replay.curves.markers[0].value() == 0 and replay.curves.markers[0].isVisible()
    QTest.keyClick(slider, Qt.Key.Key_Right)
    assert replay.curves.markers[1].value() == loaded.replay.snapshots[1].step
    QTest.keyClick(slider, Qt.Key.Key_End)  # the last snapshot: the model the window uses
    np.testing.assert_allclose(view.bars.values(), shown.prediction.probabilities, atol=1e-6)
    final = inspect(loaded.model, shown.prepared)
    np.testing.assert_allclose(view.bars.values(), final.prediction.probabilities, atol=1e-6)
    np.testing.assert_allclose(view.maps.activations()["C3"], final.activations["C3"], atol=1e-6)
    said = short_reading(final.prediction)  # "reads 7 (99%)", or its doubt as the panel's
    assert view.caption.text().endswith(f"the trained model: {said}.")
    assert view.caption.text().startswith("after ")
    assert not np.allclose(first.prediction.probabilities, final.prediction.probabilities)
    # The curves are the run's, from the file: the held-out accuracy from step 0, in percent.
    xs, ys = replay.curves.user_curve.getData()
    np.testing.assert_allclose(xs, outcome.curves["user"][0])
    np.testing.assert_allclose(ys, 100 * np.asarray(outcome.curves["user"][1]))

    # Drawing on: once the drawing stops changing, the replay reads the new one.
    QTest.keyClick(window.canvas, Qt.Key.Key_Escape)
    draw(window.canvas, digit_strokes(window.canvas.width(), "one"))
    settle()
    now = inspect(loaded.model, window.current_inspection().prepared).prediction.probabilities
    assert not np.allclose(now, final.prediction.probabilities, atol=1e-3)
    qtbot.waitUntil(lambda: np.allclose(view.bars.values(), now, atol=1e-6), timeout=5_000)

    # Back to a model without a replay: the replay of the other model closes.
    window.revert_action.trigger()
    assert not replay.isVisible() and not action.isEnabled()


def test_unchecked_the_model_is_saved_without_its_replay(qtbot, window, tmp_path):
    controller, dialog = trained_dialog(qtbot, window)
    QTest.mouseClick(dialog.save_replay, Qt.MouseButton.LeftButton)
    assert not dialog.save_replay.isChecked()
    saved = dialog.save_as(tmp_path / "plain.pt")
    assert saved.replay is None
    window.open_model_file(saved.path)
    assert not controller.replay_action.isEnabled()
    assert controller.open_replay() is None
    dialog.close()


def test_a_damaged_replay_opens_the_model_and_says_why_replay_is_unavailable(window, tmp_path):
    import torch

    from lenet_gui.network.model import LeNet5
    from lenet_gui.retrain.checkpoint import save_checkpoint
    from lenet_gui.retrain.replay_file import replay_entry
    from lenet_gui.retrain.retraining import Snapshot

    model = LeNet5()
    state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    entry = replay_entry([Snapshot(0, 0.0, state), Snapshot(4, 1.0, state)], {}, 4)
    entry["weights"]["c3.weight"][0, 0, 0, 0] = float("nan")
    path = save_checkpoint(tmp_path / "damaged.pt", model, replay=entry)
    assert window.open_model_file(path)
    assert window.loaded_model.path == path
    assert torch.equal(window.loaded_model.model.c3.weight, model.c3.weight)
    message = window.statusBar().currentMessage()
    assert "its training replay was left out: c3.weight has non-finite values" in message
    action = window.findChild(RetrainController).replay_action
    assert not action.isEnabled()
    assert action.toolTip() == (
        "The training replay saved with damaged.pt could not be read: "
        "c3.weight has non-finite values."
    )


def test_the_model_the_app_starts_with_brings_its_replay(qtbot, tmp_path, startup_side_effects):
    from lenet_gui.network.model import LeNet5
    from lenet_gui.retrain.checkpoint import save_checkpoint
    from lenet_gui.retrain.replay_file import replay_entry
    from lenet_gui.retrain.retraining import Snapshot
    from lenet_gui.ui.main_window import MainWindow

    model = LeNet5()
    state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    start = {k: v * 0.5 for k, v in state.items()}
    entry = replay_entry([Snapshot(0, 0.0, start), Snapshot(8, 1.0, state)], {}, 8)
    path = save_checkpoint(tmp_path / "last.pt", model, replay=entry)
    first = MainWindow()
    qtbot.addWidget(first)
    first.settings.last_model = str(path)
    window = MainWindow()
    qtbot.addWidget(window)
    action = window.findChild(RetrainController).replay_action
    assert not action.isEnabled() and action.toolTip() == "No model is loaded yet."
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitSignal(window.model_changed, timeout=30_000):
        window.load_initial_model()
    assert window.loaded_model.path == path
    assert action.isEnabled() and "2 snapshots, steps 0-8 (1 epoch)" in action.toolTip()
    replay = window.findChild(RetrainController).open_replay()
    assert replay.view.slider.maximum() == 1 and replay.isVisible()
    replay.close()
