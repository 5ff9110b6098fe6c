"""Start-up: the window first, then the model (torch imports in the background).

A frozen windowed app has `sys.stdout` and `sys.stderr` set to None, so nothing here prints
unguarded; errors go to the log (`lenet_gui.system.logs`: `user_data_dir()/lenet-gui.log`, rotating,
set up here first thing) and to a message box.

Set LENET_GUI_STARTUP_PROBE=1 to have the start-up times written to stderr (one JSON line per
event, wall-clock seconds), or =exit to also quit once the first prediction is ready; the
start-up benchmark and test use it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback

from PySide6.QtCore import QEvent, QLocale, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from .. import __version__
from ..system import paths
from ..system.allocator import return_large_blocks_to_the_system
from ..system.logs import setup_logging, where_logged
from .numbers import NUMBER_LOCALE

PROBE_ENV = "LENET_GUI_STARTUP_PROBE"
log = logging.getLogger(__name__)


def _write_stderr(text: str) -> None:
    stream = sys.stderr
    if stream is not None:
        try:
            stream.write(text + "\n")
            stream.flush()
        except (OSError, ValueError):
            pass


def show_error(title: str, exc: BaseException, details: str) -> None:
    """Log an error and show it in a message box whose details hold the traceback, so the user
    sees everything even when the log cannot be written."""
    log.error("%s\n%s", title, details.rstrip())
    where = where_logged()
    if str(exc) in where:  # the log belongs in the very folder that failed
        where = "No log was written: it belongs in that folder."
    what = str(exc) if isinstance(exc, paths.DataFolderError) else f"{type(exc).__name__}: {exc}"
    box = QMessageBox(QMessageBox.Icon.Critical, title, f"{what}\n\n{where}")
    box.setDetailedText(details)
    box.exec()


def _probe(event: str, **extra) -> None:
    _write_stderr("lenet-gui-startup " + json.dumps({"event": event, "time": time.time(), **extra}))


class _FirstPaint(QObject):
    """Notes when a widget is first painted: the moment the window is really on screen."""

    def __init__(self, widget) -> None:
        super().__init__(widget)
        self._widget = widget
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Paint:
            self._widget.removeEventFilter(self)
            _probe("window_shown", torch_imported="torch" in sys.modules)
        return False


def _install_excepthook() -> None:
    """Exceptions in slots would otherwise vanish in a windowed build: log them, say so."""
    showing = []

    def hook(exc_type, exc, tb) -> None:
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        if QApplication.instance() is None or showing:
            log.critical("Unexpected error\n%s", text.rstrip())
        else:
            showing.append(True)
            try:
                show_error("lenet-gui: unexpected error", exc, text)
            finally:
                showing.clear()

    sys.excepthook = hook


def run_app(argv: list[str] | None = None) -> int:
    """Show the main window, then load the model; returns the exit code."""
    probe = os.environ.get(PROBE_ENV, "")
    setup_logging()  # never raises: an unusable data folder leaves stderr alone
    log.info("lenet-gui %s starting (Python %s)", __version__, sys.version.split()[0])
    removed = paths.remove_stale_user_files()  # left by saves a crash interrupted
    if removed:
        log.info("removed %d temporary files left by interrupted saves", removed)
    return_large_blocks_to_the_system()  # freed window-sized images leave the process
    app = QApplication.instance() or QApplication(list(argv if argv is not None else sys.argv))
    try:
        QLocale.setDefault(NUMBER_LOCALE)  # one number format in every widget
        app.setApplicationName(paths.APP_NAME)
        app.setApplicationVersion(__version__)
        icon = paths.resource_path("icon.png")
        if icon.is_file():
            app.setWindowIcon(QIcon(str(icon)))
        _install_excepthook()
        from .main_window import MainWindow

        window = MainWindow()
        if probe:
            _FirstPaint(window.canvas)
            window.model_changed.connect(lambda loaded: _on_probe_model_ready(app, probe))
        window.show()
        QTimer.singleShot(0, window.load_initial_model)
    except Exception as exc:
        show_error("lenet-gui could not start", exc, traceback.format_exc())
        return 1
    return app.exec()


def _on_probe_model_ready(app: QApplication, probe: str) -> None:
    _probe("model_ready")
    if probe == "exit":
        QTimer.singleShot(0, app.quit)
