"""The main window's Lab menu: one action per experiment, each opening its dialog (imported on
first use, so pyqtgraph is not loaded at start-up)."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu


def drawing_source(window) -> object:
    """(model, prepared input) of what the window shows, or why there is nothing to use."""
    loaded, inspection = window.loaded_model, window.current_inspection()
    if loaded is None:
        return "The model is still loading."
    if inspection is None:
        return "Draw a digit (or open an image) first: the canvas is blank."
    return loaded.model, inspection.prepared


class LabMenu(QMenu):
    """Lab > Invariance sweep…; the dialogs stay open beside the window, one of each."""

    def __init__(self, window: QMainWindow):
        super().__init__("&Lab", window)
        self.window_ = window
        self.dialogs: dict[str, object] = {}
        self.setToolTipsVisible(True)
        self.sweep_action = QAction("Invariance &sweep…", self)
        self.sweep_action.setShortcut("Ctrl+Shift+W")
        self.sweep_action.setToolTip("Shift, scale, rotate, squeeze, thicken or noise the drawing "
                                     "and watch every class's score")  # fmt: skip
        self.sweep_action.triggered.connect(self._on_sweep_action_triggered)
        self.addAction(self.sweep_action)

    def _show(self, key: str, make) -> object:
        dialog = self.dialogs.get(key)
        if dialog is None:
            dialog = self.dialogs[key] = make()
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def _on_sweep_action_triggered(self) -> None:
        from .sweep_dialog import SweepDialog

        window = self.window_
        dialog = self._show("sweep", lambda: SweepDialog(lambda: drawing_source(window), window))
        dialog.run()
