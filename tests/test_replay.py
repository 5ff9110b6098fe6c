"""Training replay: the weights a retrain run keeps (retraining.Snapshot) and the drawing read
again at each of them (lenet_gui.retrain.replay)."""

from __future__ import annotations

import numpy as np
import torch
from test_retraining import tiny_job
from test_sweep import THREE

from lenet_gui.network.model import LeNet5, LeNet5Config
from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing
from lenet_gui.reading.inference import inspect
from lenet_gui.retrain.replay import model_at, replay
from lenet_gui.retrain.retraining import TrainingJob, run_training, snapshot_steps


def test_snapshot_steps_are_dense_in_the_first_epoch_then_one_per_epoch():
    assert snapshot_steps(3, 100) == {2, 10, 25, 50, 100, 200}
    assert snapshot_steps(1, 2) == {1}  # tiny runs: no duplicates, nothing at the very end


def trained(samples, epochs=3):
    """The outcome of a tiny run (30 of the samples, batch 16: 2 steps an epoch)."""
    job = tiny_job(samples)
    config = job.config.__class__(**{**job.config.__dict__, "epochs": epochs})
    messages: list = []
    run_training(TrainingJob(**{**job.__dict__, "config": config}), messages.append, lambda: False)
    return messages[-1]


def test_a_run_keeps_snapshots_and_the_last_is_the_trained_model(samples):
    outcome = trained(samples)
    steps = [s.step for s in outcome.snapshots]
    assert steps == sorted(steps) and steps[0] == 0 and steps[-1] == 3 * 2  # 30 images, batch 16
    assert [s.epochs for s in outcome.snapshots][-1] == 3.0
    assert set(steps) == {0, *snapshot_steps(3, 2), 6}
    first, last = outcome.snapshots[0], outcome.snapshots[-1]
    assert all(np.array_equal(last.state[k], outcome.state[k]) for k in outcome.state)
    assert not np.array_equal(first.state["c1.weight"], last.state["c1.weight"])


def test_replay_at_the_last_snapshot_equals_the_final_model(samples):
    outcome = trained(samples)
    prepared = prepare_drawing(Drawing.from_dict(THREE))
    frames = replay(outcome.snapshots, outcome.model_args, prepared)
    assert [f.step for f in frames] == [s.step for s in outcome.snapshots]
    final = LeNet5(LeNet5Config(**outcome.model_args))
    final.load_state_dict({k: torch.from_numpy(v) for k, v in outcome.state.items()})
    expected = inspect(final.eval(), prepared)
    last = frames[-1]
    np.testing.assert_array_equal(last.inspection.prediction.probabilities,
                                  expected.prediction.probabilities)  # fmt: skip
    for name, activation in expected.activations.items():
        np.testing.assert_array_equal(last.inspection.activations[name], activation)
    np.testing.assert_array_equal(last.kernels, outcome.state["c1.weight"][:, 0])
    # Earlier frames read the same drawing with other weights.
    assert not np.allclose(
        frames[0].inspection.activations["C1"], last.inspection.activations["C1"]
    )
    assert replay(outcome.snapshots[:1], outcome.model_args, None)[0].inspection is None
    assert model_at(outcome.snapshots[0], outcome.model_args).training is False


def test_replay_slider_in_the_retrain_results_follows_training(window, draw, settle, samples):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from test_ui_main_window import digit_strokes

    from lenet_gui.ui.retrain.integration import RetrainController

    outcome = trained(samples)
    draw(window.canvas, digit_strokes(window.canvas.width(), "seven"))
    settle()
    prepared = window.current_inspection().prepared
    dialog = window.findChild(RetrainController).open_retrain()
    results = dialog.results
    results.show_results(outcome)
    results.setCurrentIndex(results.count() - 1)  # the Replay tab
    view = results.replay
    slider = view.slider
    assert slider.isEnabled() and slider.maximum() == len(outcome.snapshots) - 1
    assert slider.value() == slider.maximum()  # it opens on the trained model
    final = model_at(outcome.snapshots[-1], outcome.model_args)
    expected = inspect(final, prepared).prediction.probabilities
    np.testing.assert_allclose(view.bars.values(), expected, atol=1e-6)
    assert dialog.curves.markers[0].isVisible()
    assert dialog.curves.markers[0].value() == outcome.snapshots[-1].step
    slider.setFocus()
    QTest.keyClick(slider, Qt.Key.Key_Home)  # back to before training
    first = inspect(model_at(outcome.snapshots[0], outcome.model_args), prepared)
    np.testing.assert_allclose(view.bars.values(), first.prediction.probabilities, atol=1e-6)
    np.testing.assert_allclose(view.maps.activations()["C1"], first.activations["C1"], atol=1e-6)
    assert view.caption.text().startswith("before training (step 0)")
    assert dialog.curves.markers[1].value() == 0
    QTest.keyClick(slider, Qt.Key.Key_Right)
    second = outcome.snapshots[1]
    assert dialog.curves.markers[0].value() == second.step
    assert view.caption.text().startswith(f"after {second.epochs:.2f} epochs (step {second.step})")
    dialog.close()


def test_replay_of_an_rbf_model_uses_the_rbf_output_words(qtbot):
    """The replayed maps name the output as the replayed model has it (RBF units, not logits)."""
    from lenet_gui.retrain.retraining import Snapshot
    from lenet_gui.ui.retrain.replay_view import ReplayView

    args = {"output": "rbf"}
    state = {k: v.numpy() for k, v in LeNet5(LeNet5Config(**args)).state_dict().items()}
    view = ReplayView()
    qtbot.addWidget(view)
    view.input_provider = lambda: prepare_drawing(
        Drawing(280, 280, (((140.0, 40.0), (140.0, 240.0)),))
    )
    view.set_snapshots([Snapshot(0, 0.0, state), Snapshot(5, 1.0, state)], args)
    assert view.maps.output_kind() == "rbf"
    linear = {k: v.numpy() for k, v in LeNet5().state_dict().items()}
    view.set_snapshots([Snapshot(0, 0.0, linear)], {})
    assert view.maps.output_kind() == "linear"
