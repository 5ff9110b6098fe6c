"""Where the retrain dialog gets MNIST: a remembered or default folder, one the user chooses, or
the core's verified download into the user's data folder (run by `DownloadWorker`)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...data.mnist import MnistError, has_mnist, load_mnist
from ...system.paths import default_mnist_dir, user_data_dir
from .. import theme
from .training_worker import DownloadWorker


def check_mnist_folder(folder: str | os.PathLike) -> str | None:
    """None when `folder` holds usable MNIST files, else a message saying what is wrong."""
    folder = Path(folder)
    if not folder.is_dir():
        return f"{folder} is not a folder."
    if not has_mnist(folder):
        return (
            f"No MNIST files in {folder}: it needs train-images-idx3-ubyte, "
            "train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte "
            "(.gz or unpacked)."
        )
    try:
        load_mnist(folder, "test")  # small; the training set is checked when a run loads it
    except MnistError as exc:
        return str(exc)
    return None


class MnistSource(QWidget):
    """A status line, "Choose folder..." and "Download MNIST" with its progress bar.

    `folder` is the MNIST folder in use (None: none found yet). Emits `found(folder)` each time
    a folder with valid MNIST files is accepted, and remembers it in `qsettings`.
    """

    found = Signal(str)
    # Passed to the core's `download_mnist` (mirrors, files, timeout): tests use a local server.
    download_options: dict = {}  # noqa: RUF012 - read only

    def __init__(self, qsettings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.qsettings = qsettings
        self.folder: str | None = None
        self.download: DownloadWorker | None = None
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_folder_button = QPushButton("Choose folder...")
        self.choose_folder_button.clicked.connect(self._on_choose_folder_button_clicked)
        self.download_button = QPushButton("Download MNIST")
        self.download_button.setToolTip("About 11 MB from public mirrors, checked by checksum")
        self.download_button.clicked.connect(self._on_download_button_clicked)
        self.download_bar = QProgressBar()
        self.download_bar.setVisible(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_folder_button)
        buttons.addWidget(self.download_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addWidget(self.download_bar)

    def find(self) -> bool:
        """Use the remembered folder, else the default ones; False (and say so) when none has
        valid MNIST files."""
        remembered = self.qsettings.value("retrain/mnist_folder", "")
        for folder in (remembered, str(default_mnist_dir()), str(user_data_dir() / "mnist")):
            if folder and check_mnist_folder(folder) is None:
                self._accept(folder)
                return True
        self.folder = None
        self.status.setText(
            f"No copy found (looked in {default_mnist_dir()}). Download it "
            "(about 11 MB) or choose a folder that holds it."
        )
        return False

    def _accept(self, folder: str) -> None:
        self.folder = str(folder)
        self.qsettings.setValue("retrain/mnist_folder", self.folder)
        self.status.setText(f"Found in {self.folder}")
        self.status.setStyleSheet("")
        self.found.emit(self.folder)

    def set_folder(self, folder: str | os.PathLike) -> bool:
        """Use `folder` if it holds valid MNIST files; otherwise say why and keep the old one."""
        problem = check_mnist_folder(folder)
        if problem is None:
            self._accept(str(folder))
            return True
        self.status.setText(f"Not used: {problem}")
        self.status.setStyleSheet(theme.css(theme.ink(self.status, "error")))
        return False

    def _on_choose_folder_button_clicked(self) -> None:
        start = self.folder or str(Path.home())
        folder = QFileDialog.getExistingDirectory(
            self.window(), "Folder with the MNIST files", start
        )
        if folder:
            self.set_folder(folder)

    def _on_download_button_clicked(self) -> None:
        if self.download is not None and self.download.is_running():
            self.download.cancel()
            return
        dest = str(user_data_dir() / "mnist")
        self.download = DownloadWorker(dest, parent=self, **self.download_options)
        self.download.progressed.connect(self._on_download_progressed)
        self.download.finished.connect(self._on_download_finished)
        self.download.failed.connect(self._on_download_failed)
        self.download.cancelled.connect(self._on_download_cancelled)
        self.download_bar.setVisible(True)
        self.download_bar.setRange(0, 0)
        self.download_button.setText("Cancel download")
        self.status.setStyleSheet("")
        self.status.setText(f"Downloading into {dest}...")
        self.download.start()

    def _on_download_progressed(self, name: str, done: int, total) -> None:
        if total:
            self.download_bar.setRange(0, 1000)
            self.download_bar.setValue(round(1000 * done / total))
        of = f" of {total / 1e6:.1f} MB" if total else " MB"
        self.download_bar.setFormat(f"{name}: {done / 1e6:.1f}{of}")

    def _end_download(self, message: str, error: bool = False) -> None:
        """Say how the download ended, and which folder training still uses, if any: a failed
        or cancelled download changes nothing about the folder in use."""
        self.download_bar.setVisible(False)
        self.download_button.setText("Download MNIST")
        if self.folder is not None and message.startswith(
            ("Download failed", "Download cancelled")
        ):
            message += f" Training still uses MNIST in {self.folder}."
        self.status.setText(message)
        self.status.setStyleSheet(theme.css(theme.ink(self.status, "error")) if error else "")

    def _on_download_finished(self, folder: str) -> None:
        self._end_download(f"Downloaded into {folder}")
        self.set_folder(folder)

    def _on_download_failed(self, message: str) -> None:
        self._end_download(f"Download failed: {message}", error=True)

    def _on_download_cancelled(self) -> None:
        self._end_download("Download cancelled; nothing half-written was kept.")

    def shutdown(self) -> None:
        """Stop a download and wait a little; the core deletes its partial file when it stops."""
        if self.download is not None:
            self.download.shutdown()
