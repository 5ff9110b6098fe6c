"""The app's log: the standard `logging` module, set up once at start-up.

Every module logs with `logging.getLogger(__name__)`; `setup_logging` sends the `lenet_gui`
loggers to a size-bounded, rotating file in the user data folder (`lenet-gui.log`, at most
`MAX_BYTES` each, `BACKUPS` older files kept) and, when there is a terminal, warnings and errors
to stderr too (a frozen windowed app has `sys.stderr = None`). Uncaught exceptions in threads go
to the log as well. Hard crashes (a segmentation fault in Qt or torch, an abort) cannot run
Python code, so `faulthandler` writes their Python tracebacks to `lenet-gui-crash.log` beside it.

Plain Python (no Qt): the GUI, the command line and the tests set it up alike.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import sys
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path

from .. import __version__
from . import paths

LOG_NAME = "lenet-gui.log"
CRASH_LOG_NAME = "lenet-gui-crash.log"
MAX_BYTES = 1_000_000  # per log file; the log never grows without bound
BACKUPS = 3  # lenet-gui.log.1 .. .3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ROOT_LOGGER = "lenet_gui"

_handlers: list[logging.Handler] = []
_file_handler: RotatingFileHandler | None = None
_file_problem = "logging was not set up"  # why there is no log file, for `where_logged`
_crash_file = None
_previous_thread_hook = None


def setup_logging(
    folder: str | os.PathLike | None = None,
    *,
    level: int = logging.INFO,
    crash_log: bool = True,
    max_bytes: int = MAX_BYTES,
) -> Path | None:
    """Log to `folder/lenet-gui.log` (default: the user data folder); returns the log's path,
    or None when it cannot be written.

    Calling it again replaces the previous set-up (tests, and a second `run_app` in a process).
    Never raises for an unusable folder (paths.DataFolderError, a read-only disk): the log then
    goes to stderr alone, and `where_logged` says why."""
    global _crash_file, _previous_thread_hook, _file_handler, _file_problem
    shutdown_logging()
    logger = logging.getLogger(ROOT_LOGGER)
    logger.setLevel(level)
    formatter = logging.Formatter(FORMAT)
    try:
        folder = Path(folder) if folder is not None else paths.user_data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        log_path = folder / LOG_NAME
        _file_handler = RotatingFileHandler(
            log_path, maxBytes=max_bytes, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        _file_problem = str(exc)
        folder = log_path = None
    else:
        _file_handler.setFormatter(formatter)
        _handlers.append(_file_handler)
    if sys.stderr is not None:
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(logging.WARNING)
        console.setFormatter(formatter)
        _handlers.append(console)
    for handler in _handlers:
        logger.addHandler(handler)

    if crash_log and folder is not None:
        _crash_file = _open_crash_log(folder / CRASH_LOG_NAME, max_bytes)
        if _crash_file is not None:
            faulthandler.enable(file=_crash_file, all_threads=True)

    _previous_thread_hook = threading.excepthook
    threading.excepthook = _log_thread_exception
    return log_path


def where_logged() -> str:
    """Where the records went, as a sentence for a message box: the log file's path, or why
    there is none (an unusable data folder must not hide the error itself)."""
    if _file_handler is not None and _file_handler.stream is not None:
        return f"Details were written to {_file_handler.baseFilename}."
    return f"The log could not be written: {_file_problem}."


def shutdown_logging() -> None:
    """Undo `setup_logging`: remove its handlers, stop writing crash tracebacks."""
    global _crash_file, _previous_thread_hook, _file_handler, _file_problem
    _file_handler, _file_problem = None, "logging was not set up"
    logger = logging.getLogger(ROOT_LOGGER)
    for handler in _handlers:
        logger.removeHandler(handler)
        handler.close()
    _handlers.clear()
    if _crash_file is not None:
        faulthandler.disable()
        _crash_file.close()
        _crash_file = None
    if _previous_thread_hook is not None:
        threading.excepthook = _previous_thread_hook
        _previous_thread_hook = None


def _open_crash_log(path: Path, max_bytes: int):
    """The crash log in append mode, the old one set aside first once it is `max_bytes`."""
    try:
        if path.is_file() and path.stat().st_size > max_bytes:
            path.replace(path.with_name(path.name + ".1"))
        crash = open(path, "a", encoding="utf-8")  # noqa: SIM115 (kept open for faulthandler)
        crash.write(f"--- lenet-gui {__version__} started, pid {os.getpid()}\n")
        crash.flush()
        return crash
    except OSError:
        return None


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger(ROOT_LOGGER).error(
        "Uncaught exception in thread %s",
        name,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
