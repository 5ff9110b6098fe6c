"""Adds retraining to the main window through its public API only.

`install_retrain(window)` needs `window.model_menu`, `window.tool_bar`, `window.loaded_model`,
`window.current_drawing()`, `window.current_digit_drawings()`, `window.set_model(loaded)`,
`window.model_changed` and `window.classified`. The dialog modules (pyqtgraph, and torch when a
run is saved) are imported only when a dialog is first opened, so the window still appears
before torch is loaded.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QAction

from ...data.samples import SampleStore
from ...preprocessing.strokes import OutsideChange
from ..samples.labelling import LabellingBar, labelled_as


class RetrainController(QObject):
    """Owns the store, the labelling bar and at most one retrain dialog and one sample browser."""

    def __init__(self, window, store: SampleStore | None = None):
        super().__init__(window)
        self.window = window
        self.store = store or SampleStore()
        self.dialog = None
        self.browser = None
        self.replay_dialog = None

        self.retrain_action = QAction("&Retrain…", window)
        self.retrain_action.setToolTip("Fine-tune or train LeNet-5 on MNIST and your own digits")
        self.retrain_action.triggered.connect(self.open_retrain)
        self.replay_action = QAction("Re&play training…", window)
        self.replay_action.triggered.connect(self.open_replay)
        self._show_replay_state(window.loaded_model)
        self.samples_action = QAction("Own &samples…", window)
        self.samples_action.setToolTip("Browse and delete the drawings you labelled")
        self.samples_action.triggered.connect(self.open_samples)
        window.model_menu.addSeparator()
        window.model_menu.addActions([self.retrain_action, self.replay_action, self.samples_action])
        window.tool_bar.addSeparator()
        window.tool_bar.addAction(self.retrain_action)

        self.labelling_bar = LabellingBar(
            window.current_drawing,
            self.store,
            window,
            input_provider=getattr(window, "current_input", None),
            digits_provider=getattr(window, "current_digit_drawings", None),
        )
        self.labelling_bar.status_changed.connect(self._on_labelling_bar_status_changed)
        self.labelling_bar.samples_added.connect(self._on_labelling_bar_samples_added)
        window.addToolBar(Qt.ToolBarArea.BottomToolBarArea, self.labelling_bar)
        self.labelling_bar.show()  # a tool bar added to a window already shown starts hidden
        window.addActions(self.labelling_bar.digit_actions)  # keys 0-9 even with the bar hidden
        window.addAction(self.labelling_bar.number_action)  # Enter: label a number's digits

        window.model_changed.connect(self._on_window_model_changed)
        window.classified.connect(self._on_window_classified)
        window.installEventFilter(self)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def open_retrain(self):
        """Show the running dialog, or a new one for the model that is active now."""
        from .dialog import RetrainDialog

        if self.dialog is not None and not (self.dialog.isVisible() or self.dialog.is_training()):
            self.dialog.deleteLater()  # a closed dialog: start afresh, with the model active now
            self.dialog = None
        if self.dialog is None:
            self.dialog = RetrainDialog(self.window.loaded_model, self.store, self.window)
            self.dialog.model_accepted.connect(self.window.set_model)
            self.dialog.test_digit_chosen.connect(self._on_dialog_test_digit_chosen)
            self.dialog.results.replay.input_provider = self._current_input
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def open_replay(self):
        """Show the training replay saved with the current model (None if it has none)."""
        loaded = self.window.loaded_model
        if loaded is None or getattr(loaded, "replay", None) is None:
            return None
        from .replay_dialog import ReplayDialog

        if self.replay_dialog is None:
            self.replay_dialog = ReplayDialog(self._current_input, self.window)
        if self.replay_dialog.loaded is not loaded:
            self.replay_dialog.show_model(loaded)
        self.replay_dialog.show()
        self.replay_dialog.raise_()
        self.replay_dialog.activateWindow()
        return self.replay_dialog

    def _show_replay_state(self, loaded) -> None:
        """Replay training is there for a model saved with its replay; else the tooltip says why
        it is not."""
        replay = getattr(loaded, "replay", None)
        problem = getattr(loaded, "replay_problem", None)
        self.replay_action.setEnabled(replay is not None)
        if loaded is None:
            tip = "No model is loaded yet."
        elif replay is not None:
            tip = (
                f"Slide through the training of {loaded.name} on your drawing ({replay.summary()})"
            )
        elif problem:
            tip = f"The training replay saved with {loaded.name} could not be read: {problem}."
        else:
            tip = (
                f"{loaded.name} has no training replay: retrain with \u201cSave the training "
                "replay\u201d checked, then use or save the model."
            )
        self.replay_action.setToolTip(tip)
        self.replay_action.setStatusTip(tip)

    def open_samples(self):
        from ..samples.browser import SampleBrowser

        if self.browser is None:
            self.browser = SampleBrowser(self.store, self.window)
            self.browser.samples_deleted.connect(self._on_browser_samples_deleted)
            self.browser.samples_imported.connect(self._on_browser_samples_deleted)
        self.browser.refresh()
        self.browser.show()
        self.browser.raise_()
        return self.browser

    def shutdown(self) -> None:
        """Stop a run (or a download) and wait for it: called on closing the window and on quit."""
        if self.dialog is not None:
            self.dialog.shutdown()
            self.dialog.close_without_asking()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def _current_input(self):
        """The PreparedInput the window shows now (drawing or image), None when blank."""
        inspection = self.window.current_inspection()
        return inspection.prepared if inspection is not None else None

    def _on_dialog_test_digit_chosen(self, image, name: str) -> None:
        """A test digit from the confusion drill-down goes on the canvas, as an opened image."""
        from PIL import Image

        from ...preprocessing.strokes import Picture

        self.window.show_picture(Picture.from_image(Image.fromarray(image), name))
        self.window.raise_()

    def _on_window_model_changed(self, loaded) -> None:
        if self.dialog is not None:
            self.dialog.set_current_model(loaded)
        self._show_replay_state(loaded)
        if self.replay_dialog is not None and self.replay_dialog.isVisible():
            if getattr(loaded, "replay", None) is not None:
                self.replay_dialog.show_model(loaded)
            else:  # the replay shown was another model's
                self.replay_dialog.close()

    def _on_window_classified(self, _inspection) -> None:
        if self.replay_dialog is not None and self.replay_dialog.isVisible():
            self.replay_dialog.drawing_changed()

    def _on_labelling_bar_status_changed(self, text: str) -> None:
        """The bar shows its own message; the status bar only when the bar is hidden (keys)."""
        status = getattr(self.window, "statusBar", None)
        if callable(status) and not self.labelling_bar.isVisible():
            status().showMessage(text, 6000)

    def _on_labelling_bar_samples_added(self, samples: list) -> None:
        """The labelling is an undo step of the canvas, with the clearing that readies it for
        the next sample: one Undo removes the samples and brings the drawing back."""
        bar = self.labelling_bar
        change = OutsideChange(
            f"labelling as {labelled_as(samples)}",
            lambda: self._samples_changed(bar.take_back(samples)),
            lambda: self._samples_changed(bar.store_again(samples)),
        )
        self.window.canvas.add_outside(change, clear=bar.clears_after_labelling())
        self._on_browser_samples_deleted()

    def _samples_changed(self, done: bool) -> bool:
        if done:
            self._on_browser_samples_deleted()
        return done

    def _on_browser_samples_deleted(self, *_args) -> None:
        if _args:  # a delete (not an addition): the bar's last count is stale
            self.labelling_bar.show_total()
        if self.browser is not None and self.browser.isVisible():
            self.browser.refresh()
        if self.dialog is not None and not self.dialog.is_training():
            self.dialog.refresh_samples()


def install_retrain(window) -> RetrainController:
    """Model > Retrain…, Model > Replay training…, Model > Own samples…, a Retrain tool button
    and the labelling bar."""
    return RetrainController(window)
