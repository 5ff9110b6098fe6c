"""Attribution off the GUI thread: the latest request wins, older ones are dropped.

Occlusion (the patches over ink, up to 226 images, in one batch) and integrated gradients (16
or 64 points of the path, forward and backward, in one batch) take several to tens of ms, more
than a mouse move's budget, so they run on one Python thread; torch releases Python's lock while
it computes. The result arrives as a Qt signal (queued to the GUI thread) with the request's key,
so a result for a drawing already changed can be told apart.

While the user draws there is always a newer drawing to explain, and a thread computing without
pause takes a whole core: on a machine whose cores are busy (two cores, or other programs), the
GUI thread then waits for the CPU. So the thread starts a computation at most every `INTERVAL`
seconds, and rests at least `REST` times as long as one took: a small share of a core while
drawing, and a new heatmap every INTERVAL. A new request is first computed quickly (integrated
gradients with fewer steps, `attribution.attribute(quick=True)`); when no newer one has come by
the end of the rest, the same request is computed in full and sent again under the same key.

Integrated gradients are Captum's: the thread imports it (about a second, `attribution.
load_captum`) when the Why tab shows that method over an empty canvas (`prepare`), else before
its first such computation; the import holds Python's lock most of that time, so it is better
done before the user draws. It is not counted in a computation's duration (it would set a long
rest).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

INTERVAL = 0.12  # seconds from one computation's start to the next one's, at least
REST = 2.0  # and rest at least this many times a computation's duration in between


class AttributionWorker(QObject):
    finished = Signal(object, object)  # key, Attribution
    failed = Signal(object, str)  # key, one-line message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._condition = threading.Condition()
        self._pending = None
        self._refine = None  # the last request, computed quickly: to compute in full
        self._stopped = False
        self._busy = False
        self._prepare = None  # a method whose library to load before any request comes
        self._thread = threading.Thread(target=self._run, name="attribution", daemon=True)
        self._thread.start()

    def request(self, key, model, network_input, target, versus, method) -> None:
        """Compute `attribution.attribute(...)` soon; replaces any request not yet started."""
        with self._condition:
            self._pending = (key, model, network_input, target, versus, method)
            self._condition.notify()

    def prepare(self, method: str) -> None:
        """Load what `method` needs (Captum, for integrated gradients) now, while there is
        nothing to explain: not while the user draws, where the import would slow the window."""
        with self._condition:
            self._prepare = method
            self._condition.notify()

    def is_idle(self) -> bool:
        with self._condition:
            return (
                self._pending is None
                and self._refine is None
                and self._prepare is None
                and not self._busy
            )

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the thread to end after the current computation and wait for it (bounded)."""
        with self._condition:
            self._stopped = True
            self._pending = None
            self._condition.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        from ...explain.attribution import CAPTUM_METHODS, REFINED_METHODS, attribute, load_captum

        while True:
            with self._condition:
                while (
                    self._pending is None
                    and self._refine is None
                    and self._prepare is None
                    and not self._stopped
                ):
                    self._condition.wait()
                if self._stopped:
                    return
                prepare, self._prepare = self._prepare, None  # a request loads it anyway
                quick = self._pending is not None  # a new request: quickly first
                request = self._pending if quick else self._refine
                self._pending = self._refine = None
                self._busy = True
            if request is None:  # nothing to explain yet: only load what `prepare` needs
                if prepare in CAPTUM_METHODS:
                    with contextlib.suppress(ImportError):  # said when a map is asked for
                        load_captum()
                with self._condition:
                    self._busy = False
                continue
            key, model, network_input, target, versus, method = request
            started = time.perf_counter()
            try:
                if method in CAPTUM_METHODS:
                    load_captum()  # the first time about a second: not a computation's duration
                started = time.perf_counter()
                result = attribute(model, network_input, target, versus, method, quick)
            except Exception as exc:  # reported, never raised in a thread nobody watches
                log.exception("attribution failed")
                result, error = None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            with self._condition:
                self._busy = False
                stopped = self._stopped
            if stopped:
                return
            try:
                if result is None:
                    self.failed.emit(key, error)
                else:
                    self.finished.emit(key, result)
            except RuntimeError:  # the window went away without stop() (or stop's wait ran out):
                return  # nobody is left to tell, and the thread ends quietly
            took = time.perf_counter() - started
            with self._condition:  # stop() ends the rest at once
                if quick and result is not None and method in REFINED_METHODS:
                    self._refine = request  # unless a newer request comes first
                self._condition.wait_for(lambda: self._stopped, max(REST * took, INTERVAL - took))
                if self._pending is not None:
                    self._refine = None
