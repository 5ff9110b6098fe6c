"""Retrain dialog: fine-tune LeNet-5 (or train it from scratch) on MNIST and the user's digits.

It wraps the core's `train` through `TrainingWorker` and never touches the live model: a run
trains a copy of its weights in another process, and only "Use this model" hands a new, saved
`LoadedModel` to whoever listens to `model_accepted`.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import time
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QBrush, QCloseEvent, QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..mnist import MnistError, has_mnist, load_mnist
from ..paths import APP_NAME, default_mnist_dir, user_data_dir
from ..samples import SampleStore, holdout_split
from .sample_browser import field_pixmap
from .training_worker import (
    DEFAULT_MODE,
    FINE_TUNE,
    FROM_SCRATCH,
    DownloadWorker,
    RetrainSettings,
    TrainingJob,
    TrainingWorker,
    estimate_seconds,
    images_per_epoch,
    make_job,
)

VAL_PEN, USER_PEN = pg.mkPen("#1f77b4", width=2), pg.mkPen("#d62728", width=2)


def duration_text(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "..."
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"


def percent(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"


def settings_store() -> QSettings:
    """The app's INI settings, as `ui.settings` opens them (tests redirect it with setPath)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_NAME, APP_NAME)


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


class RetrainDialog(QDialog):
    """Emits `model_accepted(LoadedModel)` when the user chooses "Use this model"."""

    model_accepted = Signal(object)
    # Passed to the core's `download_mnist` (mirrors, files, timeout): tests use a local server.
    download_options: dict = {}  # noqa: RUF012 - read only

    def __init__(
        self,
        current=None,
        store: SampleStore | None = None,
        parent: QWidget | None = None,
        *,
        mode: str = DEFAULT_MODE,
    ):
        super().__init__(parent)
        self.setWindowTitle("Retrain LeNet-5")
        self.current = current  # LoadedModel or None
        self.store = store or SampleStore()
        self.mode = mode
        self.qsettings = settings_store()
        self.worker: TrainingWorker | None = None
        self.download: DownloadWorker | None = None
        self.job: TrainingJob | None = None
        self.outcome = None  # TrainingOutcome of the last finished run
        self.trained = None  # LoadedModel saved from it
        self.mnist_folder: str | None = None
        self.curves: dict[str, tuple[list, list]] = {}
        self._before: dict[str, float | None] = {}
        self._samples_cache: list = []
        self._last_pace: tuple[str, float] | None = None
        self._ready = False  # controls fire signals while they are being built
        self._started_at = 0.0

        left = QVBoxLayout()
        left.addWidget(self._build_data_group())
        left.addWidget(self._build_how_group())
        left.addStretch(1)
        right = QVBoxLayout()
        right.addLayout(self._build_progress())
        right.addWidget(self._build_curves(), 3)
        right.addWidget(self._build_results(), 2)
        body = QHBoxLayout()
        body.addLayout(left, 0)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(self._build_buttons())
        self.resize(1180, 760)

        self._ready = True
        self.apply_settings(FROM_SCRATCH if current is None else FINE_TUNE)
        self._find_mnist()
        self.refresh_samples()

    # --- building -------------------------------------------------------------------------

    def _build_data_group(self) -> QGroupBox:
        box = QGroupBox("Data")
        grid = QVBoxLayout(box)
        self.use_mnist = QCheckBox("MNIST handwritten digits")
        self.mnist_status = QLabel()
        self.mnist_status.setWordWrap(True)
        self.mnist_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_folder_button = QPushButton("Choose folder...")
        self.choose_folder_button.clicked.connect(self._on_choose_folder_button_clicked)
        self.download_button = QPushButton("Download MNIST")
        self.download_button.setToolTip("About 11 MB from public mirrors, checked by checksum")
        self.download_button.clicked.connect(self._on_download_button_clicked)
        self.download_bar = QProgressBar()
        self.download_bar.setVisible(False)
        self.mnist_images = QSpinBox()
        self.mnist_images.setRange(1_000, 60_000)
        self.mnist_images.setSingleStep(5_000)
        self.mnist_images.setGroupSeparatorShown(True)
        self.mnist_images.setSuffix(" images an epoch")
        self.use_samples = QCheckBox("My own samples")
        self.samples_status = QLabel()
        self.samples_status.setWordWrap(True)
        self.user_share = QSpinBox()
        self.user_share.setRange(5, 90)
        self.user_share.setSuffix(" % of each epoch")
        self.user_share.setToolTip("How often your samples are drawn compared with MNIST's")
        self.holdout = QSpinBox()
        self.holdout.setRange(0, 50)
        self.holdout.setSuffix(" % held out")
        self.holdout.setToolTip("Never trained on: they measure how well it reads your digits")

        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_folder_button)
        buttons.addWidget(self.download_button)
        form = QFormLayout()
        form.addRow("MNIST used:", self.mnist_images)
        form.addRow("Mix in mine:", self.user_share)
        form.addRow("Measure mine:", self.holdout)
        for widget in (self.use_mnist, self.mnist_status):
            grid.addWidget(widget)
        grid.addLayout(buttons)
        for widget in (self.download_bar, self.use_samples, self.samples_status):
            grid.addWidget(widget)
        grid.addLayout(form)
        for check in (self.use_mnist, self.use_samples):
            check.toggled.connect(self._on_settings_changed)
        for spin in (self.mnist_images, self.user_share, self.holdout):
            spin.valueChanged.connect(self._on_settings_changed)
        return box

    def _build_how_group(self) -> QGroupBox:
        box = QGroupBox("How")
        form = QFormLayout(box)
        self.fine_tune = QRadioButton()
        self._show_current_model_name()
        self.fine_tune.setEnabled(self.current is not None)
        self.from_scratch = QRadioButton("Train from scratch")
        group = QButtonGroup(self)
        group.addButton(self.fine_tune)
        group.addButton(self.from_scratch)
        self.fine_tune.toggled.connect(self._on_fine_tune_toggled)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 100)
        self.batch_size = QComboBox()
        for size in (32, 64, 128, 256):
            self.batch_size.addItem(str(size), size)
        self.learning_rate = QDoubleSpinBox()
        self.learning_rate.setDecimals(5)
        self.learning_rate.setRange(1e-5, 0.1)
        self.learning_rate.setSingleStep(1e-4)
        self.learning_rate.setToolTip("Peak after a warm-up, then a cosine decay (Adam)")
        self.augment = QCheckBox("Augmentation (random slants, sizes, warps, stroke widths)")
        self.estimate = QLabel()
        self.estimate.setWordWrap(True)
        form.addRow(self.fine_tune)
        form.addRow(self.from_scratch)
        form.addRow("Epochs:", self.epochs)
        form.addRow("Batch size:", self.batch_size)
        form.addRow("Learning rate:", self.learning_rate)
        form.addRow(self.augment)
        form.addRow(self.estimate)
        self.epochs.valueChanged.connect(self._on_settings_changed)
        self.batch_size.currentIndexChanged.connect(self._on_settings_changed)
        self.learning_rate.valueChanged.connect(self._on_settings_changed)
        self.augment.toggled.connect(self._on_settings_changed)
        box.setMaximumWidth(420)
        return box

    def _build_progress(self) -> QVBoxLayout:
        # Epoch, step and time left in a label beside the bar: text drawn across the bar's
        # fill is hard to read where the fill ends.
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.progress_label = QLabel("Not started")
        self.progress_label.setMinimumWidth(330)
        font = self.progress_label.font()
        font.setBold(True)
        self.progress_label.setFont(font)
        self.status = QLabel("Choose the data and press Train.")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.progress_label)
        row.addWidget(self.progress, 1)
        layout = QVBoxLayout()
        layout.addLayout(row)
        layout.addWidget(self.status)
        return layout

    def _build_curves(self) -> QWidget:
        widget = QWidget()
        row = QHBoxLayout(widget)
        row.setContentsMargins(0, 0, 0, 0)
        self.loss_plot = pg.PlotWidget(title="Training loss")
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.3)
        self.accuracy_plot = pg.PlotWidget(title="Accuracy (%)")
        self.accuracy_plot.setLabel("bottom", "step")
        self.accuracy_plot.showGrid(x=True, y=True, alpha=0.3)
        self.accuracy_plot.addLegend(offset=(-10, -10))
        self.loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen("#444", width=2))
        self.val_curve = self.accuracy_plot.plot(
            [],
            [],
            pen=VAL_PEN,
            symbol="o",
            symbolSize=5,
            symbolBrush="#1f77b4",
            name="MNIST validation (2,000 test digits)",
        )
        self.user_curve = self.accuracy_plot.plot(
            [],
            [],
            pen=USER_PEN,
            symbol="s",
            symbolSize=5,
            symbolBrush="#d62728",
            name="my held-out samples",
        )
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.setBackground("w")
            plot.setMinimumHeight(200)
        row.addWidget(self.loss_plot)
        row.addWidget(self.accuracy_plot)
        return widget

    def _build_results(self) -> QTabWidget:
        self.results = QTabWidget()
        self.summary = QLabel("Results appear here when a run has finished.")
        self.summary.setWordWrap(True)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.confusion = QTableWidget(10, 11)
        self.confusion.setHorizontalHeaderLabels([str(d) for d in range(10)] + ["correct"])
        self.confusion.setVerticalHeaderLabels([f"true {d}" for d in range(10)])
        self.confusion.horizontalHeader().setDefaultSectionSize(52)
        self.confusion.verticalHeader().setDefaultSectionSize(20)
        self.confusion.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.confusion.setToolTip("Rows: the true digit; columns: what the network read")
        self.gallery = QWidget()
        self.gallery_grid = QGridLayout(self.gallery)
        self.gallery_grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.results.addTab(self.summary, "Summary")
        self.results.addTab(self.confusion, "Per class and confusion")
        self.results.addTab(self.gallery, "Test digits it gets wrong")
        return self.results

    def _build_buttons(self) -> QHBoxLayout:
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.train_button.clicked.connect(self.start_training)
        self.cancel_button = QPushButton("Cancel training")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_training)
        self.use_button = QPushButton("Use this model")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self.use_model)
        self.save_button = QPushButton("Save as...")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        close = QPushButton("Close")
        close.setAutoDefault(False)
        close.clicked.connect(self.close)
        row = QHBoxLayout()
        for button in (self.train_button, self.cancel_button):
            row.addWidget(button)
        row.addStretch(1)
        for button in (self.use_button, self.save_button, close):
            row.addWidget(button)
        return row

    # --- settings -------------------------------------------------------------------------

    def _show_current_model_name(self) -> None:
        """A long file name is shortened in the middle (the dialog must not grow past the
        screen); the tooltip has the full path."""
        name = self.current.name if self.current is not None else "none loaded"
        if len(name) > 30:
            name = f"{name[:14]}…{name[-14:]}"
        self.fine_tune.setText(f"Fine-tune the current model ({name})")
        self.fine_tune.setToolTip(str(self.current.path) if self.current is not None else "")

    def set_current_model(self, loaded) -> None:
        """The main window switched models: fine-tune that one from the next run on."""
        self.current = loaded
        self._show_current_model_name()
        self.fine_tune.setEnabled(loaded is not None)
        if loaded is None:
            self.from_scratch.setChecked(True)

    def apply_settings(self, s: RetrainSettings) -> None:
        widgets = (self.fine_tune, self.from_scratch, self.epochs, self.learning_rate)
        for w in widgets:
            w.blockSignals(True)
        scratch = s.from_scratch or self.current is None
        (self.from_scratch if scratch else self.fine_tune).setChecked(True)
        self.use_mnist.setChecked(s.use_mnist)
        self.use_samples.setChecked(s.use_samples)
        self.mnist_images.setValue(s.mnist_images)
        self.user_share.setValue(round(100 * s.user_share))
        self.holdout.setValue(round(100 * s.holdout_fraction))
        self.epochs.setValue(s.epochs)
        self.batch_size.setCurrentIndex(max(0, self.batch_size.findData(s.batch_size)))
        self.learning_rate.setValue(s.learning_rate)
        self.augment.setChecked(s.augment)
        for w in widgets:
            w.blockSignals(False)
        self._on_settings_changed()

    def settings(self) -> RetrainSettings:
        return RetrainSettings(
            from_scratch=self.from_scratch.isChecked() or self.current is None,
            use_mnist=self.use_mnist.isChecked() and self.mnist_folder is not None,
            use_samples=self.use_samples.isChecked(),
            mnist_images=self.mnist_images.value(),
            user_share=self.user_share.value() / 100.0,
            holdout_fraction=self.holdout.value() / 100.0,
            epochs=self.epochs.value(),
            batch_size=int(self.batch_size.currentData()),
            learning_rate=self.learning_rate.value(),
            augment=self.augment.isChecked(),
        )

    def _on_fine_tune_toggled(self, fine_tune: bool) -> None:
        defaults = FINE_TUNE if fine_tune else FROM_SCRATCH
        self.epochs.setValue(defaults.epochs)
        self.learning_rate.setValue(defaults.learning_rate)
        self.batch_size.setCurrentIndex(self.batch_size.findData(defaults.batch_size))
        self.mnist_images.setValue(defaults.mnist_images)

    def _remembered(self, key: str) -> float | None:
        """A positive number stored by an earlier run, or None."""
        try:
            value = float(self.qsettings.value(f"retrain/{key}", 0.0))
        except (TypeError, ValueError):
            return None
        return value if value > 0 and math.isfinite(value) else None

    def _build_job(self) -> TrainingJob:
        base = None
        if self.current is not None:
            base = {
                k: v.detach().cpu().numpy().copy()
                for k, v in self.current.model.state_dict().items()
            }
        args = self.current.model.model_args() if self.current is not None else {}
        return make_job(self.settings(), base, args, self.mnist_folder, self.store.samples())

    def _on_settings_changed(self, *_args) -> None:
        if not self._ready:
            return
        s = self.settings()
        self.use_mnist.setEnabled(self.mnist_folder is not None)
        self.mnist_images.setEnabled(s.use_mnist)
        self.user_share.setEnabled(s.use_mnist and s.use_samples)
        self._show_sample_counts(s)
        job = self._job_preview(s)
        n = images_per_epoch(job)
        if n == 0:
            self.estimate.setText("Nothing to train on: choose MNIST or add samples of your own.")
            self.train_button.setEnabled(False)
            return
        pace = self._remembered(f"pace_{'augment' if s.augment else 'plain'}")
        seconds = estimate_seconds(job, pace, self._remembered("overhead"))
        basis = "measured on the last run" if pace else "a first guess for a 2-core machine"
        self.estimate.setText(
            f"About {duration_text(seconds)}: {s.epochs} x {n:,} images ({basis})."
        )
        self.train_button.setEnabled(not self.is_training())

    def _job_preview(self, s: RetrainSettings) -> TrainingJob:
        """A job without weights, only to count images for the estimate."""
        return make_job(s, None, {}, self.mnist_folder, self._samples_cache)

    # --- data -----------------------------------------------------------------------------

    def refresh_samples(self) -> None:
        self._samples_cache = self.store.samples()
        total = len(self._samples_cache)
        self.use_samples.setEnabled(total > 0)
        if total == 0:
            self.use_samples.setChecked(False)
        self._on_settings_changed()

    def _show_sample_counts(self, s: RetrainSettings) -> None:
        counts = np.bincount([x.label for x in self._samples_cache], minlength=10)
        if not counts.sum():
            self.samples_status.setText("None yet: label drawings in the main window (keys 0-9).")
            return
        held = len(holdout_split(self._samples_cache, s.holdout_fraction, s.seed)[1])
        per_digit = ", ".join(f"{d}: {c}" for d, c in enumerate(counts) if c)
        self.samples_status.setText(
            f"{int(counts.sum())} samples ({per_digit}); {held} held out to measure."
        )

    def _find_mnist(self) -> None:
        remembered = self.qsettings.value("retrain/mnist_folder", "")
        for folder in (remembered, str(default_mnist_dir()), str(user_data_dir() / "mnist")):
            if folder and check_mnist_folder(folder) is None:
                self._accept_mnist_folder(folder)
                return
        self.mnist_folder = None
        self.use_mnist.setChecked(False)
        self.mnist_status.setText(
            f"No copy found (looked in {default_mnist_dir()}). Download it "
            "(about 11 MB) or choose a folder that holds it."
        )
        self._on_settings_changed()

    def _accept_mnist_folder(self, folder: str) -> None:
        self.mnist_folder = str(folder)
        self.qsettings.setValue("retrain/mnist_folder", self.mnist_folder)
        self.mnist_status.setText(f"Found in {self.mnist_folder}")
        self.mnist_status.setStyleSheet("")
        self.use_mnist.setEnabled(True)
        self.use_mnist.setChecked(True)
        self._on_settings_changed()

    def set_mnist_folder(self, folder: str | os.PathLike) -> bool:
        """Use `folder` if it holds valid MNIST files; otherwise say why and keep the old one."""
        problem = check_mnist_folder(folder)
        if problem is None:
            self._accept_mnist_folder(str(folder))
            return True
        self.mnist_status.setText(f"Not used: {problem}")
        self.mnist_status.setStyleSheet("color: #b00020;")
        return False

    def _on_choose_folder_button_clicked(self) -> None:
        start = self.mnist_folder or str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Folder with the MNIST files", start)
        if folder:
            self.set_mnist_folder(folder)

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
        self.mnist_status.setStyleSheet("")
        self.mnist_status.setText(f"Downloading into {dest}...")
        self.download.start()

    def _on_download_progressed(self, name: str, done: int, total) -> None:
        if total:
            self.download_bar.setRange(0, 1000)
            self.download_bar.setValue(round(1000 * done / total))
        of = f" of {total / 1e6:.1f} MB" if total else " MB"
        self.download_bar.setFormat(f"{name}: {done / 1e6:.1f}{of}")

    def _end_download(self, message: str, error: bool = False) -> None:
        self.download_bar.setVisible(False)
        self.download_button.setText("Download MNIST")
        self.mnist_status.setText(message)
        self.mnist_status.setStyleSheet("color: #b00020;" if error else "")

    def _on_download_finished(self, folder: str) -> None:
        self._end_download(f"Downloaded into {folder}")
        self.set_mnist_folder(folder)

    def _on_download_failed(self, message: str) -> None:
        self._end_download(message, error=True)

    def _on_download_cancelled(self) -> None:
        self._end_download("Download cancelled; nothing half-written was kept.")

    # --- training -------------------------------------------------------------------------

    def is_training(self) -> bool:
        return self.worker is not None and self.worker.is_running()

    def start_training(self) -> None:
        if self.is_training():
            return
        self.refresh_samples()
        self.job = self._build_job()
        if images_per_epoch(self.job) == 0:
            self.status.setText("Nothing to train on: choose MNIST or add samples of your own.")
            return
        self.outcome, self.trained = None, None
        self._clear_results()
        self.worker = TrainingWorker(self.job, mode=self.mode, parent=self)
        self.worker.status_changed.connect(self.status.setText)
        self.worker.started.connect(self._on_worker_started)
        self.worker.progressed.connect(self._on_worker_progressed)
        self.worker.finished.connect(self._on_worker_finished)
        self.worker.failed.connect(self._on_worker_failed)
        self.worker.cancelled.connect(self._on_worker_cancelled)
        self._set_running(True)
        self._started_at = time.perf_counter()
        self.progress_label.setText("Starting...")
        self.status.setText("Starting the training process...")
        self.worker.start()

    def cancel_training(self) -> None:
        if self.is_training():
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("Stopping...")

    def _set_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for box in self.findChildren(QGroupBox):
            box.setEnabled(not running)
        self.use_button.setEnabled(not running and self.outcome is not None)
        self.save_button.setEnabled(not running and self.outcome is not None)

    def _clear_results(self) -> None:
        self.curves = {"loss": ([], []), "val": ([], []), "user": ([], [])}
        for curve in (self.loss_curve, self.val_curve, self.user_curve):
            curve.setData([], [])
        self.progress.setValue(0)
        self.summary.setText("Training...")
        self.confusion.clearContents()
        while self.gallery_grid.count():
            self.gallery_grid.takeAt(0).widget().deleteLater()

    def _add_point(self, key: str, x: float, y: float | None, scale: float = 1.0) -> None:
        if y is None or not math.isfinite(y):
            return
        xs, ys = self.curves[key]
        xs.append(x)
        ys.append(y * scale)
        curve = {"loss": self.loss_curve, "val": self.val_curve, "user": self.user_curve}[key]
        curve.setData(xs, ys)

    def _on_worker_started(self, info) -> None:
        self._before = {"val": info.mnist_val_accuracy, "user": info.user_val_accuracy}
        self._add_point("val", 0, info.mnist_val_accuracy, 100)
        self._add_point("user", 0, info.user_val_accuracy, 100)
        self.status.setText(
            f"Training on {info.train_images:,} images an epoch, {info.total_steps:,} steps in all."
        )
        held = len(self.job.holdout_labels) if self.job.holdout_labels is not None else 0
        before = []
        if info.mnist_val_accuracy is not None:
            before.append(f"MNIST validation: {percent(info.mnist_val_accuracy)}")
        if held:
            before.append(f"my {held} held-out samples: {percent(info.user_val_accuracy)}")
        self.summary.setText("<b>Before training</b><br>" + "<br>".join(before))

    def _on_worker_progressed(self, update) -> None:
        p = update.progress
        self.progress.setValue(round(1000 * update.step / update.total_steps))
        self.progress_label.setText(
            f"Epoch {p.epoch}/{p.epochs}  ·  step {p.step}/{p.steps_per_epoch}"
            f"  ·  {duration_text(update.remaining)} left"
        )
        self._add_point("loss", update.step, update.mean_loss)
        self._add_point("val", update.step, update.mnist_val_accuracy, 100)
        self._add_point("user", update.step, update.user_val_accuracy, 100)
        if p.kind == "step" and p.images_per_second > 0:
            key = f"retrain/pace_{'augment' if self.job.config.augment else 'plain'}"
            self._last_pace = (key, p.images_per_second)

    def _on_worker_finished(self, outcome) -> None:
        self.outcome = outcome
        if self._last_pace is not None:
            self.qsettings.setValue(*self._last_pace)
            wall = time.perf_counter() - self._started_at
            self.qsettings.setValue("retrain/overhead", max(0.0, wall - outcome.seconds))
        self.progress.setValue(1000)
        self.progress_label.setText(f"Done in {duration_text(outcome.seconds)}")
        self.status.setText("Finished. Use this model, or save it, or train again.")
        self._show_outcome(outcome)
        self._set_running(False)
        self._on_settings_changed()  # the estimate now uses this run's pace

    def _on_worker_failed(self, message: str) -> None:
        self.progress_label.setText("Failed")
        self.status.setText(f"Training failed: {message}")
        self.status.setStyleSheet("color: #b00020;")
        self._set_running(False)

    def _on_worker_cancelled(self) -> None:
        self.progress_label.setText("Cancelled")
        self.status.setText("Cancelled: the current model is unchanged.")
        self.summary.setText("Cancelled.")
        self._set_running(False)

    # --- results --------------------------------------------------------------------------

    def _show_outcome(self, o) -> None:
        self.status.setStyleSheet("")
        epochs = f"{o.config.epochs} epoch{'s' * (o.config.epochs != 1)}"
        rows = [
            f"<b>Trained</b> for {epochs} on {o.train_images:,} images an epoch "
            f"in {duration_text(o.seconds)}."
        ]
        if o.mnist_test_accuracy is not None:
            line = f"<b>MNIST test accuracy: {percent(o.mnist_test_accuracy)}</b> ({o.test_count:,}"
            started_from = None
            if self.job.base_state is not None and self.current is not None:
                started_from = self.current.metadata.get("metrics", {}).get("mnist_test_accuracy")
            if isinstance(started_from, float):
                line += f" digits; the model it started from: {percent(started_from)})."
            else:
                line += " digits)."
            val = self.curves["val"][1]
            if val:
                line += (f" Validation subset: {percent(self._before.get('val'))} before, "
                         f"{val[-1]:.1f}% after.")  # fmt: skip
            rows.append(line)
        if o.user_holdout:
            rows.append(
                f"<b>My held-out samples: {percent(o.user_before)} before, "
                f"{percent(o.user_after)} after</b> ({o.user_holdout} samples never "
                "trained on)."
            )
        else:
            rows.append("No held-out samples of yours to measure (label more drawings).")
        self.summary.setText("<br><br>".join(rows))
        if o.confusion is not None:
            self._fill_confusion(o.confusion, o.per_class)
            self._fill_gallery(o.gallery_images, o.gallery_true, o.gallery_predicted)

    def _fill_confusion(self, confusion: np.ndarray, per_class: np.ndarray) -> None:
        off_peak = max(1, int((confusion - np.diag(np.diag(confusion))).max()))
        for t in range(10):
            for p in range(10):
                value = int(confusion[t, p])
                item = QTableWidgetItem(str(value) if value else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if t == p:
                    item.setBackground(QBrush(QColor(200, 235, 200)))
                elif value:
                    strength = 60 + round(150 * value / off_peak)
                    item.setBackground(QBrush(QColor(255, 255 - strength, 255 - strength)))
                self.confusion.setItem(t, p, item)
            item = QTableWidgetItem(percent(float(per_class[t])))
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.confusion.setItem(t, 10, item)

    def _fill_gallery(self, images, true, predicted) -> None:
        if images is None or len(images) == 0:
            self.gallery_grid.addWidget(QLabel("No mistakes on the test digits."), 0, 0)
            return
        for i, (image, t, p) in enumerate(zip(images, true, predicted, strict=True)):
            cell = QLabel()
            cell.setPixmap(field_pixmap(image, 44))
            cell.setToolTip(f"a {int(t)}, read as {int(p)}")
            caption = QLabel(f"{int(t)} → {int(p)}")
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box = QVBoxLayout()
            box.setSpacing(0)
            box.addWidget(cell, 0, Qt.AlignmentFlag.AlignCenter)
            box.addWidget(caption)
            holder = QWidget()
            holder.setLayout(box)
            self.gallery_grid.addWidget(holder, i // 12, i % 12)

    # --- using and saving -----------------------------------------------------------------

    def _save(self, path: str | os.PathLike):
        import torch  # lazily: the window appears before torch is loaded

        from ..checkpoint import load_checkpoint, save_checkpoint
        from ..model import LeNet5, LeNet5Config

        o = self.outcome
        model = LeNet5(LeNet5Config(**o.model_args))
        model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in o.state.items()})
        metrics = {
            "mnist_test_accuracy": o.mnist_test_accuracy,
            "user_holdout_before": o.user_before,
            "user_holdout_after": o.user_after,
            "user_holdout_count": o.user_holdout,
        }
        kind = "from scratch" if self.job.base_state is None else "fine-tuned"
        notes = f"{kind} in the retrain dialog on {o.train_images:,} images an epoch"
        save_checkpoint(
            path,
            model,
            train_config=o.config.to_dict(),
            metrics={k: v for k, v in metrics.items() if v is not None},
            notes=notes,
        )
        return load_checkpoint(path)

    def use_model(self):
        """Save the trained model into the user's models folder and hand it over."""
        if self.outcome is None:
            return None
        if self.trained is None:
            stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            kind = "scratch" if self.job.base_state is None else "finetuned"
            self.trained = self._save(user_data_dir() / "models" / f"lenet5-{kind}-{stamp}.pt")
        self.model_accepted.emit(self.trained)
        self.status.setText(f"Now in use: {self.trained.path.name}")
        self.status.setToolTip(str(self.trained.path))
        return self.trained

    def save_as(self, path: str | os.PathLike):
        return self._save(path)

    def _on_save_button_clicked(self) -> None:
        start = str(user_data_dir() / "models" / "lenet5-retrained.pt")
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the trained model", start, "Checkpoints (*.pt)"
        )
        if path:
            try:
                saved = self.save_as(path)
            except OSError as exc:
                self.status.setText(f"Could not save: {exc.strerror or exc}")
            else:
                self.status.setText(f"Saved {saved.path}")

    # --- closing --------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop training and downloading and wait for them: nothing is left running."""
        if self.worker is not None:
            self.worker.shutdown()
        if self.download is not None:
            self.download.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    def reject(self) -> None:  # Escape
        self.shutdown()
        super().reject()
