"""Runs the core's retraining off the GUI thread, for the retrain dialog.

The work itself is `lenet_gui.retrain.retraining.run_training`, a plain function (no Qt) that
receives a `TrainingJob`, a `post` callback and a `should_stop` flag, in the manner of Orange3's
concurrent tasks. It can run in a thread of this process or in a separate process started with the
"spawn" context (its entry point, `retraining.process_main`, imports no Qt); either way its
messages go through a queue that a QTimer on the GUI thread drains, so the dialog only ever sees
plain data on its own thread.

Which one is the default was measured (`benchmarks/bench_training_responsiveness.py`): a thread
shares the GIL with the GUI, and a Python training loop then delays the GUI's timers; a process
does not, at the cost of a second or two to start (importing torch again).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue as queue_module
import threading
import time

from PySide6.QtCore import QObject, QTimer, Signal

from ...retrain.retraining import (
    FINAL_MESSAGES,
    Message,
    StatusMessage,
    TrainingCancelled,
    TrainingFailed,
    TrainingJob,
    TrainingOutcome,
    TrainingStart,
    TrainingUpdate,
    describe_error,
    process_main,
    run_training,
)

# The measured choice (see the module docstring and the benchmark). A frozen app starts the
# "spawn" child as its own executable: scripts/lenet_gui_entry.py calls freeze_support() for it.
DEFAULT_MODE = "process"
MODES = ("process", "thread")
POLL_MS = 40  # how often the GUI drains the queue: 25 updates a second at most
CANCEL_GRACE_S = 2.0  # a cancelled process still busy after its loop (evaluating) is ended


class TrainingWorker(QObject):
    """One training run, in a separate process or a thread; results arrive as signals.

    Emits `progressed` (TrainingUpdate), `started` (TrainingStart), `status_changed` (text),
    and exactly one of `finished` (TrainingOutcome), `failed` (message) or `cancelled`.
    """

    status_changed = Signal(str)
    started = Signal(object)
    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, job: TrainingJob, mode: str = DEFAULT_MODE, parent: QObject | None = None):
        super().__init__(parent)
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.job, self.mode = job, mode
        self._runner = None  # multiprocessing.Process or threading.Thread
        self._queue = None
        self._stop = None
        self._done = False
        self._cancel_requested_at: float | None = None
        self._training_started = False  # TrainingStart arrived: the loop checks the stop flag
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("a TrainingWorker runs once")
        if self.mode == "process":
            context = multiprocessing.get_context("spawn")
            self._queue, self._stop = context.Queue(), context.Event()
            self._runner = context.Process(
                target=process_main,
                args=(self.job, self._queue, self._stop),
                name="lenet-gui training",
                daemon=True,
            )
        else:
            self._queue, self._stop = queue_module.Queue(), threading.Event()
            self._runner = threading.Thread(
                target=self._thread_main, name="lenet-gui training", daemon=True
            )
        self._runner.start()
        self._timer.start()

    def _thread_main(self) -> None:
        try:
            run_training(self.job, self._queue.put, self._stop.is_set)
        except Exception as exc:
            self._queue.put(TrainingFailed(describe_error(exc)))

    def is_running(self) -> bool:
        return self._runner is not None and not self._done

    def cancel(self) -> None:
        """Ask the run to stop; `cancelled` follows once it has: within a batch once training has
        started, within one poll (POLL_MS) while a process is still starting."""
        if self.is_running() and self._stop is not None:
            self._stop.set()
            self._cancel_requested_at = time.monotonic()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop and wait: for closing the dialog or quitting. Nothing is left running after it."""
        if self._runner is None:
            return
        if self._stop is not None:
            self._stop.set()
        self._timer.stop()
        self._drain(emit=False)
        self._join(timeout)
        self._done = True

    def _join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        runner = self._runner
        while runner.is_alive() and time.monotonic() < deadline:
            # A process blocks on a full queue pipe at exit until someone reads it.
            self._drain(emit=False)
            runner.join(0.05)
        if isinstance(runner, multiprocessing.process.BaseProcess):
            if runner.is_alive():
                runner.terminate()
                runner.join(2.0)
            if runner.is_alive():
                runner.kill()
                runner.join(1.0)
            with contextlib.suppress(Exception):
                self._queue.close()
                self._queue.join_thread()

    def _drain(self, emit: bool) -> list[Message]:
        messages = []
        while True:
            try:
                messages.append(self._queue.get_nowait())
            except (queue_module.Empty, EOFError, OSError, ValueError):
                break
        if emit:
            for message in messages:
                self._dispatch(message)
                if self._done:
                    break
        return messages

    def _on_timer_timeout(self) -> None:
        self._drain(emit=True)
        if self._done:
            return
        if not self._runner.is_alive():
            self._drain(emit=True)  # the last messages may have arrived meanwhile
            if not self._done:
                self._finish()
                self.failed.emit("The training process ended unexpectedly.")
            return
        # A run checks the stop flag between batches. Before its first batch (the process
        # still importing torch and loading data, which takes a second or two) and after its
        # last (evaluating), it cannot: a process there has nothing to save, so it is ended,
        # at once while it is still starting, after a grace period while it evaluates.
        grace = CANCEL_GRACE_S if self._training_started else 0.0
        stuck = (
            self.mode == "process"
            and self._cancel_requested_at is not None
            and time.monotonic() - self._cancel_requested_at > grace
        )
        if stuck:
            self._join(0.0)
            self._finish()
            self.cancelled.emit()

    def _finish(self) -> None:
        self._done = True
        self._timer.stop()

    def _dispatch(self, message: Message) -> None:
        if isinstance(message, StatusMessage):
            self.status_changed.emit(message.text)
        elif isinstance(message, TrainingStart):
            self._training_started = True
            self.started.emit(message)
        elif isinstance(message, TrainingUpdate):
            self.progressed.emit(message)
        elif isinstance(message, FINAL_MESSAGES):
            self._finish()
            self._join(5.0)
            if isinstance(message, TrainingOutcome):
                self.finished.emit(message)
            elif isinstance(message, TrainingCancelled):
                self.cancelled.emit()
            else:
                self.failed.emit(message.message)
        else:  # a programming error, not the user's: say so rather than hang
            self._finish()
            self.failed.emit(f"Unexpected message from the training run: {message!r}")


class DownloadWorker(QObject):
    """The core's verified MNIST download in a daemon thread (it waits on the network, which
    releases the GIL); progress reaches the GUI through a queue drained by a QTimer."""

    progressed = Signal(str, object, object)  # file name, bytes done, bytes in all (or None)
    finished = Signal(str)  # the folder now holding MNIST
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, dest: str, parent: QObject | None = None, **download_options):
        super().__init__(parent)
        self.dest = dest
        self.options = download_options  # mirrors, timeout: for tests against a local server
        self._queue: queue_module.Queue = queue_module.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="lenet-gui MNIST download", daemon=True
        )
        self._thread.start()
        self._timer.start()

    def _run(self) -> None:
        from ...data.mnist import MnistDownloadCancelled, download_mnist

        def progress(name, done, total):
            self._queue.put(("progress", (name, done, total)))

        try:
            download_mnist(
                self.dest, progress=progress, should_stop=self._stop.is_set, **self.options
            )
        except MnistDownloadCancelled:
            self._queue.put(("cancelled", None))
        except Exception as exc:
            self._queue.put(("failed", describe_error(exc)))
        else:
            self._queue.put(("finished", str(self.dest)))

    def is_running(self) -> bool:
        return self._thread is not None and self._timer.isActive()

    def cancel(self) -> None:
        self._stop.set()

    def shutdown(self, timeout: float = 3.0) -> None:
        """Stop and wait a little; the core deletes its partial file when it stops."""
        self._stop.set()
        self._timer.stop()
        if self._thread is not None:
            self._thread.join(timeout)

    def _on_timer_timeout(self) -> None:
        while True:
            try:
                kind, payload = self._queue.get_nowait()
            except queue_module.Empty:
                return
            if kind == "progress":
                self.progressed.emit(*payload)
                continue
            self._timer.stop()
            if kind == "finished":
                self.finished.emit(payload)
            elif kind == "cancelled":
                self.cancelled.emit()
            else:
                self.failed.emit(payload)
            return
