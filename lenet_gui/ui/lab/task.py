"""Runs one short computation of the lab off the GUI thread and hands the result back.

A sweep or a fooling search takes a fraction of a second, but the window must not freeze while
it runs, so it runs in a daemon thread. Each start gets a ticket; a result whose ticket is not
the latest (the user asked again, or closed the dialog) is dropped, which is how a run is
cancelled: it is too short to be worth interrupting.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class LabTask(QObject):
    """`start(fn)` runs fn() in a thread; `finished(result)` or `failed(message)` arrive on the
    GUI thread, only for the latest start and only until `cancel()`."""

    finished = Signal(object)
    failed = Signal(str)
    _done = Signal(int, bool, object)  # ticket, ok, result or message

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._ticket = 0
        self._running = 0
        self._done.connect(self._on_done)

    @property
    def busy(self) -> bool:
        return self._running > 0

    def start(self, fn: Callable[[], object]) -> None:
        self._ticket += 1
        self._running += 1
        threading.Thread(target=self._run, args=(self._ticket, fn), daemon=True).start()

    def cancel(self) -> None:
        """Forget any run in progress: its result will not be delivered."""
        self._ticket += 1

    def _run(self, ticket: int, fn: Callable[[], object]) -> None:
        try:
            outcome = (True, fn())
        except ValueError as exc:  # a request the core refused: its message is for the user
            outcome = (False, str(exc))
        except Exception as exc:  # a defect: say so in one line, keep the traceback in the log
            log.error("lab task failed:\n%s", traceback.format_exc())
            outcome = (False, f"The experiment failed: {exc}")
        with contextlib.suppress(RuntimeError):  # the dialog is gone: nobody to tell
            self._done.emit(ticket, *outcome)

    def _on_done(self, ticket: int, ok: bool, payload: object) -> None:
        self._running -= 1
        if ticket != self._ticket:
            return
        (self.finished if ok else self.failed).emit(payload)
