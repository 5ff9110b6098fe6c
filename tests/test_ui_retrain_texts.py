"""The retrain dialog's words and questions: counts in the singular, a held-out set too small
to mean anything, a model much worse than the current one, discarding an unkept model, and the
curves' axes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import answering
from PySide6.QtWidgets import QMessageBox

from lenet_gui.data.samples import SampleStore
from lenet_gui.preprocessing.preprocess import Drawing
from lenet_gui.retrain.retraining import (
    FROM_SCRATCH,
    MIN_MEANINGFUL_HOLDOUT,
    RetrainSettings,
    TrainingOutcome,
    holdout_note,
    make_job,
    plural,
    worse_than_current,
)
from lenet_gui.training.train_config import TrainConfig
from lenet_gui.ui.retrain.dialog import RetrainDialog
from lenet_gui.ui.retrain.training_curves import VAL_NAME, TrainingCurves


def outcome(**changes) -> TrainingOutcome:
    from lenet_gui.network.model import LeNet5

    state = {k: v.detach().numpy() for k, v in LeNet5().state_dict().items()}
    base = TrainingOutcome(state, {}, TrainConfig(epochs=1), 1.0, 100)
    return dataclasses.replace(base, **changes)


def test_counts_are_singular_for_one():
    assert plural(1, "sample") == "1 sample" and plural(3, "sample") == "3 samples"
    assert plural(0, "held-out sample") == "0 held-out samples"


def test_a_small_held_out_set_is_said_to_mean_little():
    note = holdout_note(1)
    assert "Only 1 held-out sample" in note and "100 points" in note
    assert holdout_note(MIN_MEANINGFUL_HOLDOUT) is None and holdout_note(0) is None


def test_a_much_worse_model_is_named_and_a_similar_one_is_not():
    assert "99.4%" in worse_than_current(outcome(mnist_test_accuracy=0.90), 0.994)
    assert worse_than_current(outcome(mnist_test_accuracy=0.99), 0.994) is None
    own_only = outcome(user_before=0.1, user_after=0.1, user_holdout=10)
    assert "only 10%" in worse_than_current(own_only, 0.994)  # trained on 30 samples alone
    assert "90%" in worse_than_current(outcome(user_before=0.9, user_after=0.5), None)
    assert "Nothing measured it" in worse_than_current(outcome(), 0.994)


@pytest.fixture
def dialog(qtbot, tmp_path, bundled_model):
    store = SampleStore(tmp_path / "samples")
    for digit in range(3):
        for i in range(3):
            x = 100 + 20 * digit + 3 * i
            store.add(Drawing(280, 280, (((x, 40.0), (x + 10, 240.0)),)), digit)
    d = RetrainDialog(bundled_model, store)
    qtbot.addWidget(d)
    d.show()
    return d


def test_the_sample_count_and_a_tiny_held_out_set_are_said(dialog):
    text = dialog.samples_status.text()
    assert text.startswith("9 samples (0: 3, 1: 3, 2: 3); 0 held out")
    dialog.holdout.setValue(34)  # a third: one sample of each digit
    assert "3 held out to measure" in dialog.samples_status.text()
    assert "Only 3 held-out samples" in dialog.samples_status.text()


def finished(dialog, **changes) -> None:
    """As if a run had just finished with this outcome."""
    settings = RetrainSettings(use_mnist=False)
    dialog.job = make_job(settings, None, {}, None, dialog.store.samples())
    dialog.outcome = outcome(**changes)
    dialog._set_running(False)


def test_after_a_run_the_estimate_line_gives_that_runs_time(dialog, qtbot):
    """It said "About 35 s (measured on the last run)" right under "Done in 23 s"."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from lenet_gui.ui.retrain.results import duration_text

    dialog.use_mnist.setChecked(False)
    dialog.holdout.setValue(0)
    dialog.epochs.setValue(1)
    dialog.qsettings.setValue("retrain/pace_augment", 0.5)  # a slow last run: a long estimate
    dialog.qsettings.setValue("retrain/overhead", 30.0)
    dialog._on_settings_changed()
    assert dialog.estimate.text().startswith("About")
    QTest.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.outcome is not None, timeout=90_000)
    qtbot.waitUntil(lambda: not dialog.is_training(), timeout=90_000)
    took = duration_text(dialog.outcome.seconds)
    assert dialog.progress_label.text() == f"Done in {took}"
    assert dialog.estimate.text() == f"This run took {took}: 1 x 9 images."
    dialog.epochs.setFocus()
    QTest.keyClick(dialog.epochs, Qt.Key.Key_Up)  # other settings: an estimate again
    assert dialog.epochs.value() == 2
    assert dialog.estimate.text().startswith("About") and "2 x 9 images" in dialog.estimate.text()
    dialog.close_without_asking()


def test_closing_with_an_unkept_model_asks_first(dialog, monkeypatch):
    finished(dialog, mnist_test_accuracy=0.99)
    asked = []

    monkeypatch.setattr(
        QMessageBox, "question", answering(asked, QMessageBox.StandardButton.Cancel)
    )
    dialog.close()
    assert dialog.isVisible() and "neither in use nor saved" in asked[0]
    dialog.reject()  # Escape asks too
    assert dialog.isVisible() and len(asked) == 2
    monkeypatch.setattr(
        QMessageBox, "question", answering(asked, QMessageBox.StandardButton.Discard)
    )
    dialog.close()
    assert not dialog.isVisible()


def test_closing_after_saving_does_not_ask(dialog, tmp_path, monkeypatch):
    finished(dialog, mnist_test_accuracy=0.99)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail("asked"))
    dialog.save_as(tmp_path / "kept.pt")
    dialog.close()
    assert not dialog.isVisible()


def test_use_this_model_warns_about_a_much_worse_model(dialog, monkeypatch, bundled_model):
    current = bundled_model.metadata["metrics"]["mnist_test_accuracy"]  # 0.99 and more
    finished(dialog, mnist_test_accuracy=0.50)
    accepted, warned = [], []
    dialog.model_accepted.connect(accepted.append)

    def warning(*args, **kwargs):
        warned.append(args[2])
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "warning", warning)
    assert dialog.use_model() is None and accepted == []
    assert current > 0.99 and "50.0%" in warned[0] and f"{100 * current:.1f}%" in warned[0]
    assert "current model stays" in dialog.status.text()
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert dialog.use_model() is not None and len(accepted) == 1


def test_the_curves_span_the_run_and_name_only_what_they_draw(qtbot):
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    (x0, x1), (y0, y1) = curves.accuracy_plot.viewRange()
    assert (x0, x1) == (0, 100) and (y0, y1) == (0, 100)
    curves.start(400, mnist=False, user=True)
    curves.add_point("user", 0, 0.1, 100)
    curves.add_point("user", 400, 0.9, 100)
    (x0, x1), (y0, y1) = curves.accuracy_plot.viewRange()
    assert x0 <= 0 and 400 <= x1 < 420
    assert 0 <= y0 < 10 and 90 < y1 <= 100  # the points, with a margin
    title = curves.accuracy_plot.getPlotItem().titleLabel.text
    assert "■ mine" in title and "MNIST" not in title
    assert not curves.accuracy_plot.getAxis("bottom").autoSIPrefix
    curves.start(400, mnist=True, user=False)
    assert "■ MNIST" in curves.accuracy_plot.getPlotItem().titleLabel.text
    assert VAL_NAME in curves.accuracy_plot.toolTip()
    assert np.isfinite(curves.last("user"))


def test_the_accuracy_axis_follows_a_fine_tunes_points_up_to_100_percent(qtbot):
    """A fine-tune moves between 98.9% and 99.3%: on a fixed 0-100% axis that is a flat line
    along the top edge."""
    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.show()
    curves.start(300, mnist=True, user=True)
    for step, val in ((0, 0.989), (100, 0.991), (200, 0.993), (300, 0.992)):
        curves.add_point("val", step, val, 100)
    (_, _), (y0, y1) = curves.accuracy_plot.viewRange()
    assert y1 == pytest.approx(100) and 90 < y0 < 98.9  # the ceiling, and room below
    curves.add_point("user", 300, 0.60, 100)  # a held-out curve far below: in view too
    (_, _), (y0, y1) = curves.accuracy_plot.viewRange()
    assert 50 < y0 < 60 and y1 == pytest.approx(100)
    curves.clear()
    assert curves.accuracy_plot.viewRange()[1] == pytest.approx([0, 100])


def test_a_failed_download_keeps_saying_which_folder_training_uses(qtbot):
    from conftest import closed_port
    from real_data import mnist_dir

    port = closed_port()
    dialog = RetrainDialog(None)
    qtbot.addWidget(dialog)
    assert dialog.set_mnist_folder(mnist_dir())
    source = dialog.mnist_source
    source.download_options = {"mirrors": (f"http://127.0.0.1:{port}/",), "timeout": 2}
    source.download_button.click()
    qtbot.waitUntil(lambda: not source.download.is_running(), timeout=20_000)
    text = source.status.text()
    assert text.startswith("Download failed: Could not download")
    assert text.endswith(f"Training still uses MNIST in {mnist_dir()}.")
    assert source.folder == str(mnist_dir()) and dialog.use_mnist.isChecked()


LONG_ERROR = (
    "C:\\Users\\someone\\AppData\\Local\\lenet-gui\\mnist\\train-images-idx3-ubyte.gz: the file "
    "ends early: its header declares 60,000 images of 28x28 but only 12,345 are there; download "
    "MNIST again or choose another folder"
)


@pytest.mark.parametrize("size", [(640, 480), (800, 600), (1180, 760)])
def test_error_texts_are_shown_whole_at_every_size(dialog, size):
    """An error is read to its end without scrolling sideways: every label shows all of its
    text, nothing in the dialog is reached by a horizontal scroll bar, and the status line
    where training errors are said stays in view outside the scrolling part."""
    import time

    from PySide6.QtWidgets import QApplication, QLabel

    def settle() -> None:  # wrapped labels need a few layout passes to find their height
        for _ in range(8):
            QApplication.processEvents()
            time.sleep(0.01)

    dialog.resize(*size)
    settle()
    dialog._on_worker_failed(LONG_ERROR)
    dialog.mnist_source.set_folder("/no/such/folder/with-a-rather-long-name/and/more/levels")
    settle()
    shown = [w for w in dialog.findChildren(QLabel) if w.isVisible() and w.text()]
    assert dialog.status in shown and dialog.mnist_source.status in shown
    for label in shown:
        if label.wordWrap():
            assert label.height() >= label.heightForWidth(label.width()), label.text()
        else:
            assert label.width() >= label.sizeHint().width(), label.text()
    assert dialog.scroll_area.horizontalScrollBar().maximum() == 0
    assert not dialog.scroll_area.isAncestorOf(dialog.status)
    assert dialog.rect().contains(dialog.status.mapTo(dialog, dialog.status.rect().bottomRight()))


def test_the_from_scratch_defaults_and_the_augmented_share_reach_the_job(dialog, qtbot):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    assert dialog.fine_tune.isChecked() and dialog.augment.value() == 100

    def click(radio):  # on the button itself: the row is wider than its text
        QTest.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))

    click(dialog.from_scratch)
    assert dialog.from_scratch.isChecked()
    chosen, fields = dialog.settings(), dataclasses.fields(FROM_SCRATCH)
    differ = [f.name for f in fields if getattr(chosen, f.name) != getattr(FROM_SCRATCH, f.name)]
    assert set(differ) <= {"use_mnist"}  # off when no MNIST folder was found
    config = dialog._build_job().config
    assert config.augment and config.augment_share == FROM_SCRATCH.augment_share == 0.5
    assert (config.epochs, config.learning_rate) == (FROM_SCRATCH.epochs, 6e-3)
    dialog.augment.selectAll()
    QTest.keyClicks(dialog.augment, "0")
    assert dialog.augment.value() == 0 and not dialog._build_job().config.augment
    click(dialog.fine_tune)
    assert dialog.augment.value() == 100 and dialog._build_job().config.augment_share == 1.0


def test_the_calibration_text_says_how_many_non_digits_the_model_learned_from():
    from lenet_gui.ui.retrain.dialog import calibration_text

    rejector = {"temperature": 1.3, "reject_below": 0.5, "validation_images": 2000}
    said = calibration_text(outcome(rejector=rejector, negative_count=3_998))
    assert "general threshold (50%)" in said and "2,000 validation images" in said
    assert "It learned from 3,998 non-digit examples" in said
    assert "non-digit" not in calibration_text(outcome(rejector=rejector))
    assert "It learned from 1 non-digit example " in calibration_text(outcome(negative_count=1))


def test_the_estimate_adds_making_the_negatives_until_they_are_cached(dialog):
    from real_data import mnist_dir

    from lenet_gui.retrain.negatives_cache import FOLDER, PAIRS, SYNTHETIC, cache_path
    from lenet_gui.system.paths import user_data_dir

    assert dialog.mnist_source.set_folder(mnist_dir())
    dialog.use_mnist.setChecked(True)
    dialog._on_settings_changed()
    first = dialog.estimate.text()
    assert first.endswith("with non-digit examples to prepare).")
    path = cache_path(user_data_dir() / FOLDER, SYNTHETIC, PAIRS, dialog.settings().seed)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"made by an earlier run")
    dialog._on_settings_changed()
    assert "non-digit" not in dialog.estimate.text() and dialog.estimate.text() != first
    dialog.close_without_asking()
