"""The log: rotating and bounded, in the user data folder, and crash tracebacks via faulthandler."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading

import pytest
from conftest import ROOT

from lenet_gui.system.logs import BACKUPS, CRASH_LOG_NAME, LOG_NAME, setup_logging, shutdown_logging


@pytest.fixture
def logs(tmp_path):
    yield tmp_path
    shutdown_logging()


def test_errors_go_to_the_log_file_with_their_traceback(logs):
    path = setup_logging(logs, crash_log=False)
    assert path == logs / LOG_NAME
    try:
        raise ValueError("something broke")
    except ValueError:
        logging.getLogger("lenet_gui.ui.main_window").exception("loading failed")
    text = path.read_text(encoding="utf-8")
    assert "ERROR lenet_gui.ui.main_window: loading failed" in text
    assert "ValueError: something broke" in text and "Traceback" in text


def test_the_log_rotates_and_stays_bounded(logs):
    path = setup_logging(logs, crash_log=False, max_bytes=2_000)
    log = logging.getLogger("lenet_gui.test")
    for i in range(400):
        log.info("line %d %s", i, "x" * 40)
    files = sorted(p.name for p in logs.iterdir())
    assert files == [LOG_NAME] + [f"{LOG_NAME}.{i}" for i in range(1, BACKUPS + 1)]
    assert all(p.stat().st_size <= 2_000 for p in logs.iterdir())
    assert "line 399" in path.read_text(encoding="utf-8")


def test_setting_up_twice_does_not_double_the_lines(logs):
    setup_logging(logs, crash_log=False)
    path = setup_logging(logs, crash_log=False)
    logging.getLogger("lenet_gui").warning("once")
    assert path.read_text(encoding="utf-8").count("once") == 1


def test_uncaught_exceptions_in_threads_are_logged(logs):
    path = setup_logging(logs, crash_log=False)

    def fail():
        raise RuntimeError("in a thread")

    thread = threading.Thread(target=fail, name="worker-x")
    thread.start()
    thread.join()
    text = path.read_text(encoding="utf-8")
    assert "Uncaught exception in thread worker-x" in text and "RuntimeError: in a thread" in text


def test_a_hard_crash_leaves_its_python_traceback_in_the_crash_log(tmp_path):
    code = (
        "import faulthandler, sys\n"
        "from lenet_gui.system.logs import setup_logging\n"
        "setup_logging(sys.argv[1])\n"
        "def deep_in_the_app():\n"
        "    faulthandler._sigsegv()\n"
        "deep_in_the_app()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode != 0
    crash = (tmp_path / CRASH_LOG_NAME).read_text(encoding="utf-8")
    assert "Fatal Python error" in crash and "deep_in_the_app" in crash


def test_an_unusable_folder_leaves_stderr_and_says_why(tmp_path):
    from lenet_gui.system.logs import where_logged

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    try:
        assert setup_logging(blocker / "data", crash_log=False) is None
        logging.getLogger("lenet_gui").error("still said")
        assert where_logged().startswith("The log could not be written: ")
        setup_logging(tmp_path, crash_log=False)
        logging.getLogger("lenet_gui").error("said")
        assert where_logged() == f"Details were written to {tmp_path / LOG_NAME}."
    finally:
        shutdown_logging()
