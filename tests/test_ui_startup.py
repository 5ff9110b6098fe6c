"""Start-up in a separate process (QApplication is a singleton): window first, torch after."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT
from PySide6.QtWidgets import QMessageBox

PROBE = "lenet-gui-startup "


def test_the_window_is_shown_before_torch_is_imported_and_the_model_follows(tmp_path):
    stale = [tmp_path / "data" / sub / name for sub, name in (
        ("samples", ".samples.jsonl.k2j.part"), ("models", ".lenet5-x.pt.u8q.part"))]  # fmt: skip
    for part in stale:  # what saves a crash interrupted leave behind
        part.parent.mkdir(parents=True)
        part.write_bytes(b"half a file")
        os.utime(part, (1, 1))
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
    log = (tmp_path / "data" / "lenet-gui.log").read_text(encoding="utf-8")
    assert "INFO lenet_gui.ui.app: lenet-gui" in log and "starting" in log
    assert "ERROR" not in log and "CRITICAL" not in log  # nothing went wrong
    assert not any(part.exists() for part in stale)


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


def test_start_up_errors_are_logged_and_shown(tmp_path):
    """A window that cannot be built: the traceback goes to the log, the user gets a box."""
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QMessageBox\n"
        "QMessageBox.exec = lambda box: print('BOX', box.windowTitle(), box.text()) or 0\n"
        "import lenet_gui.ui.main_window as mw\n"
        "def broken(*a, **k):\n"
        "    raise RuntimeError('no window today')\n"
        "mw.MainWindow = broken\n"
        "from lenet_gui.ui.app import run_app\n"
        "sys.exit(run_app([]))\n"
    )
    env = {
        **os.environ,
        "LENET_GUI_DATA_DIR": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stderr
    assert "BOX lenet-gui could not start RuntimeError: no window today" in done.stdout
    assert f"Details were written to {tmp_path / 'data' / 'lenet-gui.log'}" in done.stdout
    log = (tmp_path / "data" / "lenet-gui.log").read_text(encoding="utf-8")
    assert "ERROR lenet_gui.ui.app: lenet-gui could not start" in log
    assert "RuntimeError: no window today" in log and "Traceback" in log


def pytest_fail(args) -> None:
    raise AssertionError(f"unexpected message box: {args}")


def _start(tmp_path, *args, **env_extra):
    env = {
        **os.environ,
        "LENET_GUI_STARTUP_PROBE": "exit",
        "LENET_GUI_DATA_DIR": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PYTHONPATH": str(ROOT),
        **env_extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "lenet_gui", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def installed_locale(name: str) -> bool:
    """Is `name` (e.g. "tr_TR.UTF-8") generated on this machine? (.ci/run generates them.)"""
    done = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
    wanted = name.lower().replace("utf-8", "utf8")
    return wanted in {line.strip().lower().replace("utf-8", "utf8") for line in done.stdout.split()}


@pytest.mark.parametrize("lang", ["tr_TR.UTF-8", "de_DE.UTF-8"])
def test_the_app_starts_under_turkish_and_german_locales(tmp_path, lang):
    """Under tr_TR, PySide6 rejected `QTimer(self, singleShot=True, interval=0)` (its keyword
    properties are looked up lower-cased, and Turkish lower-cases "I" to a dotless i)."""
    if not installed_locale(lang):
        pytest.skip(f"locale {lang} is not generated here (.ci/run generates it)")
    done = _start(tmp_path, LANG=lang, LC_ALL=lang)
    assert done.returncode == 0, done.stderr
    assert "model_ready" in done.stderr


def test_no_qt_widget_is_built_with_keyword_properties():
    """Keyword properties in a Qt constructor break under a Turkish locale: none in the code."""
    import ast

    offenders = []
    for path in (ROOT / "lenet_gui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.keywords:
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name[:1] == "Q" and name[1:2].isupper():
                    offenders.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    assert offenders == []


def test_qt_command_line_options_are_accepted(tmp_path):
    env_platform = {"QT_QPA_PLATFORM": ""}  # the platform comes from the command line
    done = _start(tmp_path, "-platform", "offscreen", "-style=fusion", "--reverse", **env_platform)
    assert done.returncode == 0, done.stderr
    assert "model_ready" in done.stderr


def test_qt_options_are_split_from_the_command_line():
    from lenet_gui.system.qt_options import split_qt_options

    argv = ["-style", "fusion", "--platform=offscreen", "-reverse", "info", "--checkpoint", "x"]
    assert split_qt_options(argv) == (
        ["-style", "fusion", "--platform=offscreen", "-reverse"],
        ["info", "--checkpoint", "x"],
    )
    assert split_qt_options(["-style"]) == ([], ["-style"])  # the parser reports it


def test_qt_options_with_a_command_are_a_usage_error(capsys):
    from lenet_gui import cli

    with pytest.raises(SystemExit) as stop:
        cli.main(["info", "-style", "fusion"])
    assert stop.value.code == 2
    assert "GUI only" in capsys.readouterr().err


def test_an_unusable_data_folder_is_reported_although_the_log_cannot_be_written(
    qtbot, tmp_path, monkeypatch
):
    from lenet_gui.ui import app

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LENET_GUI_DATA_DIR", str(blocker / "data"))
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box) or 0)
    assert app.run_app(["lenet-gui"]) == 1
    assert len(shown) == 1
    text = shown[0].text()
    assert f"The data folder {blocker / 'data'} cannot be created (Not a directory)" in text
    assert "No log was written" in text
    assert "Traceback" in shown[0].detailedText()  # the details reach the user, not only a log


def test_too_little_address_space_is_said_before_torch_is_loaded():
    from lenet_gui.system.memory import is_out_of_memory, not_enough_memory_message

    text = not_enough_memory_message(768)
    assert "768 MiB" in text and "ulimit -v" in text and "1000 MiB" in text
    assert not_enough_memory_message(4096) == ""
    error = ImportError("libtorch_cpu.so: failed to map segment from shared object")
    assert is_out_of_memory(error)
    assert not is_out_of_memory(ImportError("No module named 'torch'"))


@pytest.mark.skipif(sys.platform != "linux", reason="ulimit -v is Linux's address-space limit")
def test_the_app_says_what_is_missing_with_768_mib_of_address_space(tmp_path):
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (768 << 20, resource.RLIM_INFINITY))\n"
        "from PySide6.QtWidgets import QApplication, QMessageBox\n"
        "from lenet_gui.ui.main_window import MainWindow\n"
        "app = QApplication([])\n"
        "QMessageBox.critical = lambda parent, title, text: print('BOX', title, text)\n"
        "w = MainWindow(); w.show(); w.load_initial_model()\n"
        "from PySide6.QtCore import QTimer\n"
        "QTimer.singleShot(4000, app.quit); app.exec()\n"
    )
    env = {**os.environ, "LENET_GUI_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert "BOX No model Not enough memory" in done.stdout, done.stdout + done.stderr
    assert "768 MiB" in done.stdout
