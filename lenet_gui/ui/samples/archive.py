"""The sample browser's Export… and Import… buttons: own samples to and from one zip file
(`lenet_gui.data.sample_archive`), so that a class can pool its handwriting."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton, QWidget

from ...data.sample_archive import ArchiveError, export_samples, import_samples

FILTER = "Samples archive (*.zip)"


class ArchiveButtons:
    """Two buttons for `browser` (a SampleBrowser): export every sample, import an archive.
    After an import the browser refreshes and emits `samples_imported(added)`."""

    def __init__(self, browser: QWidget):
        self.browser = browser
        self.export_button = QPushButton("E&xport…")
        self.export_button.setToolTip("Save every sample in one zip (PNGs, strokes, labels.csv)")
        self.import_button = QPushButton("&Import…")
        self.import_button.setToolTip("Add the samples of a zip; the ones you have stay")
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.buttons = (self.export_button, self.import_button)

    def export_to(self, path: str | Path) -> str:
        samples = self.browser.store.samples()
        if not samples:
            return "There are no samples to export yet."
        written = export_samples(samples, path)
        return f"Exported {len(samples)} sample{'s' * (len(samples) != 1)} to {written}."

    def import_from(self, path: str | Path) -> str:
        report = import_samples(self.browser.store, path)
        self.browser.refresh()
        if report.added:
            self.browser.samples_imported.emit(report.added)
        return report.summary()

    def _on_export_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.browser, "Export samples", str(Path.home() / "my-digits.zip"), FILTER
        )
        if path:
            path = path if path.lower().endswith(".zip") else path + ".zip"
            self._run("Export samples", lambda: self.export_to(path))

    def _on_import_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.browser, "Import samples", str(Path.home()), FILTER
        )
        if path:
            self._run("Import samples", lambda: self.import_from(path))

    def _run(self, title: str, action) -> None:
        try:
            message = action()
        except (ArchiveError, OSError) as exc:
            QMessageBox.warning(self.browser, title, str(exc))
            return
        QMessageBox.information(self.browser, title, message)
