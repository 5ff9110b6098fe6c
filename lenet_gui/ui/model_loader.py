"""Loads the start-up model off the GUI thread, so the window stays live while torch imports.

Importing torch takes seconds on a slow machine; the window is already on screen by then. Only
the import and the file reading happen in the thread: the model is handed to the GUI thread,
which owns it from then on (set_num_threads and the warm-up run there, see `MainWindow`).
"""

from __future__ import annotations

import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Signal


class ModelLoader(QObject):
    """`start(paths)` tries each checkpoint in turn; reports on the GUI thread by signals."""

    loaded = Signal(object, str)  # LoadedModel, a note on any checkpoint that was skipped
    failed = Signal(str, str)  # message for the user, traceback for the log

    def start(self, candidates: list[Path]) -> None:
        thread = threading.Thread(target=self._run, args=(list(candidates),), daemon=True)
        thread.start()

    def _run(self, candidates: list[Path]) -> None:
        notes = []
        try:
            from ..checkpoint import CheckpointError, load_checkpoint

            for path in candidates:
                try:
                    loaded = load_checkpoint(path)
                except CheckpointError as exc:
                    notes.append(str(exc))
                    continue
                self.loaded.emit(loaded, " ".join(notes))
                return
            self.failed.emit("No model could be loaded:\n" + "\n".join(notes), "")
        except Exception as exc:  # a broken installation (torch missing...): say so, log it
            self.failed.emit(f"The model could not be loaded: {exc}", traceback.format_exc())
