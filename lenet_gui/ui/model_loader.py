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

from ..system.memory import address_space_limit_mib, is_out_of_memory, not_enough_memory_message


class ModelLoader(QObject):
    """`start(paths)` tries each checkpoint in turn; reports on the GUI thread by signals."""

    loaded = Signal(object, str)  # LoadedModel, a note on any checkpoint that was skipped
    failed = Signal(str, str)  # message for the user, traceback for the log

    def start(self, candidates: list[Path]) -> None:
        thread = threading.Thread(target=self._run, args=(list(candidates),), daemon=True)
        thread.start()

    def _run(self, candidates: list[Path]) -> None:
        notes = []
        short = not_enough_memory_message()
        if short:  # importing torch now would abort the process without a word
            self.failed.emit(short, "")
            return
        try:
            import torch

            # One thread from the start: besides latency (see MainWindow), each OpenMP worker
            # reserves its stack, and with 1 GB of address space (ulimit -v) creating them
            # aborts the whole process inside libgomp, with no message.
            torch.set_num_threads(1)
            from ..retrain.checkpoint import CheckpointError, load_checkpoint

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
            if is_out_of_memory(exc):
                limit = address_space_limit_mib()
                allowed = f" (this session allows {limit} MiB, ulimit -v)" if limit else ""
                self.failed.emit(
                    f"Not enough memory to load the network{allowed}: {exc}",
                    traceback.format_exc(),
                )
                return
            self.failed.emit(f"The model could not be loaded: {exc}", traceback.format_exc())
