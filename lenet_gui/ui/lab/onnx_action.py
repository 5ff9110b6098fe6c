"""Model > Export as ONNX…: write the active model as ONNX and check it with onnxruntime on the
bundled digits, off the GUI thread; the result (or how to install the optional packages) is
said in a message box."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from .task import LabTask

TITLE = "Export as ONNX"


def export_and_verify(model, path: str) -> str:
    """Runs in the task's thread: export, check, and the sentence to show."""
    from ...lab.onnx_export import OnnxUnavailable, export_onnx, verify

    try:
        written = export_onnx(model, path)
        agreements = verify(model, written)
    except OnnxUnavailable as exc:
        raise ValueError(str(exc)) from None
    except OSError as exc:
        raise ValueError(f"Could not write {path}: {exc}") from None
    lines = [f"Wrote {written} ({written.stat().st_size:,} bytes)."]
    lines += [a.describe() + "." for a in agreements]
    if not all(a.ok for a in agreements):
        raise ValueError("\n".join([*lines, "The ONNX model does not agree with torch."]))
    return "\n".join(lines)


class OnnxExportAction(QAction):
    """Added to the Model menu; enabled once a model is loaded (`window.loaded_model`)."""

    def __init__(self, window: QMainWindow):
        super().__init__("E&xport as ONNX…", window)
        self.window_ = window
        self.setToolTip("Save the active model as ONNX (needs the optional onnx packages)")
        self.task = LabTask(self)
        self.task.finished.connect(self._on_task_finished)
        self.task.failed.connect(self._on_task_failed)
        self.triggered.connect(self._on_triggered)
        self.last_message = ""

    def _on_triggered(self) -> None:
        loaded = self.window_.loaded_model
        if loaded is None:
            self._say(QMessageBox.warning, "The model is still loading.")
            return
        start = str(Path.home() / f"{Path(loaded.path).stem}.onnx")
        path, _ = QFileDialog.getSaveFileName(self.window_, TITLE, start, "ONNX (*.onnx)")
        if not path:
            return
        if not path.lower().endswith(".onnx"):
            path += ".onnx"
        self.window_.statusBar().showMessage(f"Exporting {path}…")
        model = loaded.model
        self.task.start(lambda: export_and_verify(model, path))

    def _on_task_finished(self, message: str) -> None:
        self.window_.statusBar().clearMessage()
        self._say(QMessageBox.information, message)

    def _on_task_failed(self, message: str) -> None:
        self.window_.statusBar().clearMessage()
        self._say(QMessageBox.warning, message)

    def _say(self, box, message: str) -> None:
        self.last_message = message
        box(self.window_, TITLE, message)
