"""Start-up in a separate process (QApplication is a singleton): window first, torch after."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT
from PySide6.QtWidgets import QMessageBox

PROBE = "lenet-gui-startup "


def test_the_window_is_shown_before_torch_is_imported_and_the_model_follows(tmp_path):
    env = {
        **os.environ,
        "LENET_GUI_STARTUP_PROBE": "exit",
        "LENET_GUI_DATA_DIR": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "lenet_gui"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    events = [
        json.loads(line[len(PROBE) :])
        for line in done.stderr.splitlines()
        if line.startswith(PROBE)
    ]
    assert [e["event"] for e in events] == ["window_shown", "model_ready"]
    assert events[0]["torch_imported"] is False
    assert events[0]["time"] < events[1]["time"]
    assert not (tmp_path / "data" / "lenet-gui.log").exists()  # nothing went wrong


def test_a_broken_last_model_falls_back_to_the_bundled_one(
    qtbot, tmp_path, monkeypatch, startup_side_effects
):
    from lenet_gui.ui.main_window import MainWindow

    broken = tmp_path / "gone-bad.pt"
    broken.write_bytes(b"\x00" * 64)
    window = MainWindow()
    qtbot.addWidget(window)
    window.settings.last_model = str(broken)
    monkeypatch.setattr(QMessageBox, "critical", lambda *a: pytest_fail(a))
    window.show()
    with qtbot.waitSignal(window.model_changed, timeout=30000) as blocker:
        window.load_initial_model()
    assert blocker.args[0].path.name == "lenet5.pt"
    assert "gone-bad.pt" in window.statusBar().currentMessage()
    assert window.settings.last_model is None


def test_start_up_errors_are_logged_to_the_user_data_folder(tmp_path):
    from lenet_gui.paths import user_data_dir
    from lenet_gui.ui.app import LOG_NAME, log_error

    log_error("Traceback: something broke")
    assert "something broke" in (user_data_dir() / LOG_NAME).read_text(encoding="utf-8")


def pytest_fail(args) -> None:
    raise AssertionError(f"unexpected message box: {args}")
