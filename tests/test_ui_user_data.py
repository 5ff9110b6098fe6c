"""The user's files when something is wrong with them: the app says so and keeps working."""

from __future__ import annotations

import os

from conftest import drag

from lenet_gui.system.paths import user_data_dir
from lenet_gui.ui.retrain.integration import RetrainController


def _controller(window) -> RetrainController:
    return next(c for c in window.children() if isinstance(c, RetrainController))


def test_a_folder_in_place_of_the_samples_file_leaves_the_app_working(window, settle):
    """Retrain... and Own samples... raised IsADirectoryError and did not open."""
    (user_data_dir() / "samples" / "samples.jsonl").mkdir(parents=True)
    controller = _controller(window)
    browser = controller.open_samples()
    assert browser.isVisible() and "is a folder" in browser.counts_label.text()
    dialog = controller.open_retrain()
    assert dialog.isVisible() and "is a folder" in dialog.samples_status.text()
    dialog.close()
    drag(window.canvas, [(60.0, 60.0), (200.0, 60.0), (120.0, 220.0)])
    settle()
    assert controller.labelling_bar.label_current(7) is None
    assert "is a folder" in controller.labelling_bar.message.text()
    assert window.prediction_panel.shown_digit is not None  # classifying goes on


def test_an_unreadable_settings_lock_left_by_a_crash_is_removed():
    """An empty lock file made every settings save wait 30 s (31.9 s at start-up)."""
    from lenet_gui.ui.settings import Settings, open_qsettings

    lock = open_qsettings().fileName() + ".lock"
    os.makedirs(os.path.dirname(lock), exist_ok=True)
    open(lock, "w").close()
    os.utime(lock, (1, 1))
    settings = Settings()
    assert not os.path.exists(lock)
    settings.pen_fraction = 0.07
    settings.sync()
    assert Settings().pen_fraction == 0.07
