"""The main window's Lab menu: one action per experiment, each opening its dialog (imported on
first use, so pyqtgraph is not loaded at start-up)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

# What a lab dialog asks the window for: (model, PreparedInput) of the drawing or image shown,
# or a message saying why there is nothing to experiment on.
Source = Callable[[], tuple[object, object] | str]


def drawing_source(window) -> tuple[object, object] | str:
    """(model, prepared input) of what the window shows, or why there is nothing to use."""
    loaded, inspection = window.loaded_model, window.current_inspection()
    if loaded is None:
        return "The model is still loading."
    if inspection is None:
        return "Draw a digit (or open an image) first: the canvas is blank."
    return loaded.model, inspection.prepared


class LabMenu(QMenu):
    """Lab > Invariance sweep…, Fool the network…; the dialogs stay open beside the window,
    one of each, and each runs on what the canvas shows when it opens or Run is pressed."""

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
        self.fooling_action = QAction("&Fool the network…", self)
        self.fooling_action.setToolTip("The smallest change to the input that makes it read "
                                       "another digit (FGSM, PGD)")  # fmt: skip
        self.fooling_action.triggered.connect(self._on_fooling_action_triggered)
        self.addAction(self.fooling_action)
        self.compare_action = QAction("&Compare with another model…", self)
        self.compare_action.setToolTip(
            "The current model and another checkpoint side by side on the drawing"
        )
        self.compare_action.triggered.connect(self._on_compare_action_triggered)
        self.addAction(self.compare_action)

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

    def _on_fooling_action_triggered(self) -> None:
        from .fooling_dialog import FoolingDialog

        window = self.window_
        dialog = self._show(
            "fooling", lambda: FoolingDialog(lambda: drawing_source(window), window)
        )
        dialog.run()

    def _on_compare_action_triggered(self) -> None:
        from .compare_dialog import CompareDialog

        window = self.window_

        def make():
            dialog = CompareDialog(lambda: drawing_source(window), window)
            window.classified.connect(lambda _inspection: dialog.isVisible() and dialog.refresh())
            return dialog

        dialog = self._show("compare", make)
        if dialog.other is None:
            dialog.choose_other()
        else:
            dialog.refresh()
