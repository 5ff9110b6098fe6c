"""Retrain dialog: fine-tune LeNet-5 (or train it from scratch) on MNIST and the user's digits.

It wraps the core's `train` through `TrainingWorker` and never touches the live model: a run
trains a copy of its weights in another process, and only "Use this model" hands a new, saved
`LoadedModel` to whoever listens to `model_accepted`. The dialog holds the data and how
choices, runs and wires the parts: the settings, the job and the run itself are the core's
(`lenet_gui.retrain.retraining`);
the MNIST folder, the live curves and the results tabs are widgets of
their own (`mnist_source`, `training_curves`, `retrain_results`).
"""

from __future__ import annotations

import math
import os
import time

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...data.samples import SampleStore, holdout_split
from ...reading.verdict import FALLBACK
from ...retrain.negatives_cache import FOLDER as NEGATIVES_FOLDER
from ...retrain.negatives_cache import PAIRS, SYNTHETIC, cache_path
from ...retrain.retraining import (
    FINE_TUNE,
    FROM_SCRATCH,
    RetrainSettings,
    TrainingJob,
    estimate_seconds,
    holdout_note,
    images_per_epoch,
    make_job,
    pace_name,
    plural,
    save_trained,
    uses_outlier_exposure,
    worse_than_current,
)
from ...system.paths import new_model_path, user_data_dir
from ...training.metrics import MNIST_TEST_ACCURACY, metric
from .. import theme
from ..numbers import DecimalSpinBox, use_number_format
from ..screen_fit import centre_on_screen, scrolling
from ..settings import open_qsettings
from .mnist_source import MnistSource
from .results import RetrainResults, duration_text
from .training_curves import TrainingCurves
from .training_worker import DEFAULT_MODE, TrainingWorker

# The curves and results tabs are cramped below this width (two plots side by side): narrower,
# they go below the settings instead.
RESULTS_MIN_WIDTH = 440


def negatives_folder() -> str | None:
    """Where runs keep their outlier-exposure negatives (`negatives_cache`); None (made every
    run) when the user data folder cannot be created."""
    try:
        return str(user_data_dir() / NEGATIVES_FOLDER)
    except OSError:
        return None


def calibration_text(outcome) -> str:
    """What the trained model's probabilities and "not a digit" rest on (its rejector, and the
    non-digit examples of outlier exposure)."""
    threshold = FALLBACK["reject_below"]
    rejector = outcome.rejector
    said = f'With it, "not a digit" uses a general threshold ({threshold:.0%}), '
    if not rejector:
        said += "and its probabilities are not calibrated (too few validation images)."
    else:
        images = plural(int(rejector.get("validation_images", 0)), "validation image")
        said += f"on probabilities calibrated by a temperature fitted on {images}."
    if outcome.negative_count:
        said += (
            f" It learned from {plural(outcome.negative_count, 'non-digit example')} (marks, two"
            " digits side by side) to be unsure of what is not a digit."
        )
    return said


class RetrainDialog(QDialog):
    """Emits `model_accepted(LoadedModel)` when the user chooses "Use this model"."""

    model_accepted = Signal(object)
    test_digit_chosen = Signal(object, str)  # a test digit (28, 28) uint8 to inspect, its name

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
        self.qsettings = open_qsettings()
        self.worker: TrainingWorker | None = None
        self.job: TrainingJob | None = None
        self.outcome = None  # TrainingOutcome of the last finished run
        self.trained = None  # LoadedModel saved from it
        self._kept = False  # the last outcome was used or saved: closing loses nothing
        self._closing_anyway = False  # quitting the app: close without asking
        self._before: dict[str, float | None] = {}
        self._samples_cache: list = []
        self._last_pace: tuple[str, float] | None = None
        self._run_plan: tuple | None = None  # (settings, images an epoch) of the last run
        self._ready = False  # controls fire signals while they are being built
        self._started_at = 0.0

        self.settings_panel = QWidget()
        left = QVBoxLayout(self.settings_panel)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self._build_data_group())
        left.addWidget(self._build_how_group())
        left.addStretch(1)
        self.results_panel = QWidget()
        self.results_panel.setMinimumWidth(RESULTS_MIN_WIDTH)
        right = QVBoxLayout(self.results_panel)
        right.setContentsMargins(0, 0, 0, 0)
        self.curves = TrainingCurves()
        self.results = RetrainResults()
        self.results.test_digit_chosen.connect(self.test_digit_chosen)
        self.results.replay.position_changed.connect(self._on_replay_position_changed)
        right.addWidget(self.curves, 3)
        right.addWidget(self.results, 2)
        self.body = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.addWidget(self.settings_panel, 0)
        self.body.addWidget(self.results_panel, 1)
        content = QWidget()
        content.setLayout(self.body)
        self.scroll_area = scrolling(content, "Training settings, curves and results")
        layout = QVBoxLayout(self)
        # The settings, curves and results scroll on a small screen (one above the other when
        # the dialog is too narrow for both side by side: never sideways); the progress, the
        # status line (where errors are said) and the buttons stay in view at the full width.
        layout.addWidget(self.scroll_area, 1)
        layout.addLayout(self._build_progress())
        buttons = self._build_buttons()
        # On a row of its own, above the buttons that save: the buttons' row fits 640 pixels.
        layout.addWidget(self.save_replay, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(buttons)
        centre_on_screen(self, QSize(1180, 760))

        self._ready = True
        self.apply_settings(FROM_SCRATCH if current is None else FINE_TUNE)
        self._find_mnist()
        self.refresh_samples()

    # --- building -------------------------------------------------------------------------

    def _build_data_group(self) -> QGroupBox:
        box = QGroupBox("Data")
        grid = QVBoxLayout(box)
        self.use_mnist = QCheckBox("MNIST handwritten digits")
        self.mnist_source = MnistSource(self.qsettings)
        self.mnist_source.found.connect(self._on_mnist_source_found)
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

        form = QFormLayout()
        form.addRow("MNIST used:", self.mnist_images)
        form.addRow("Mix in mine:", self.user_share)
        form.addRow("Measure mine:", self.holdout)
        for widget in (self.use_mnist, self.mnist_source, self.use_samples, self.samples_status):
            grid.addWidget(widget)
        grid.addLayout(form)
        for check in (self.use_mnist, self.use_samples):
            check.toggled.connect(self._on_settings_changed)
        for spin in (self.mnist_images, self.user_share, self.holdout):
            use_number_format(spin)  # "10,000 images", as every other text says it
            spin.valueChanged.connect(self._on_settings_changed)
        return box

    def _build_how_group(self) -> QGroupBox:
        box = QGroupBox("How")
        column = QVBoxLayout(box)
        form = QFormLayout()
        column.addLayout(form)
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
        self.learning_rate = DecimalSpinBox()  # "0.001" and "0,001" alike
        self.learning_rate.setDecimals(5)
        self.learning_rate.setRange(1e-5, 0.1)
        self.learning_rate.setSingleStep(1e-4)
        self.learning_rate.setToolTip("Peak after a warm-up, then a cosine decay (Adam)")
        self.augment = QSpinBox()  # the share of each batch distorted; 0: no augmentation
        self.augment.setRange(0, 100)
        self.augment.setSingleStep(25)
        self.augment.setSuffix("% of each batch")
        self.augment.setSpecialValueText("none")
        self.augment.setToolTip("Random slants, sizes, warps and stroke widths")
        self.estimate = QLabel()
        self.estimate.setWordWrap(True)
        form.addRow(self.fine_tune)
        form.addRow(self.from_scratch)
        form.addRow("Epochs:", self.epochs)
        form.addRow("Batch size:", self.batch_size)
        form.addRow("Learning rate:", self.learning_rate)
        form.addRow("Augmented:", self.augment)
        # Below the form, not a row of it: QFormLayout gives a wrapped row a single line's
        # height when the text grows to two (the estimate was cut in half).
        column.addWidget(self.estimate)
        use_number_format(self.epochs)
        self.epochs.valueChanged.connect(self._on_settings_changed)
        self.batch_size.currentIndexChanged.connect(self._on_settings_changed)
        self.learning_rate.valueChanged.connect(self._on_settings_changed)
        self.augment.valueChanged.connect(self._on_settings_changed)
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
        self.save_replay = QCheckBox("Save the training replay")
        self.save_replay.setEnabled(False)
        self.save_replay.setToolTip(
            "Keep the weights at moments of the run, and its curves, in the saved model: "
            "Model \u25b8 Replay training\u2026 then replays them on any drawing"
        )
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
        self.augment.setValue(round(100 * s.augment_share) if s.augment else 0)
        for w in widgets:
            w.blockSignals(False)
        self._on_settings_changed()

    def settings(self) -> RetrainSettings:
        return RetrainSettings(
            from_scratch=self.from_scratch.isChecked() or self.current is None,
            use_mnist=self.use_mnist.isChecked() and self.mnist_source.folder is not None,
            use_samples=self.use_samples.isChecked(),
            mnist_images=self.mnist_images.value(),
            user_share=self.user_share.value() / 100.0,
            holdout_fraction=self.holdout.value() / 100.0,
            epochs=self.epochs.value(),
            batch_size=int(self.batch_size.currentData()),
            learning_rate=self.learning_rate.value(),
            augment=self.augment.value() > 0,
            augment_share=self.augment.value() / 100.0,
        )

    def _on_fine_tune_toggled(self, fine_tune: bool) -> None:
        defaults = FINE_TUNE if fine_tune else FROM_SCRATCH
        self.epochs.setValue(defaults.epochs)
        self.learning_rate.setValue(defaults.learning_rate)
        self.batch_size.setCurrentIndex(self.batch_size.findData(defaults.batch_size))
        self.mnist_images.setValue(defaults.mnist_images)
        self.augment.setValue(round(100 * defaults.augment_share) if defaults.augment else 0)

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
        folder = self.mnist_source.folder
        samples = self.store.samples()
        return make_job(self.settings(), base, args, folder, samples, negatives_folder())

    def _on_settings_changed(self, *_args) -> None:
        if not self._ready:
            return
        s = self.settings()
        self.use_mnist.setEnabled(self.mnist_source.folder is not None)
        self.mnist_images.setEnabled(s.use_mnist)
        self.user_share.setEnabled(s.use_mnist and s.use_samples)
        held = self._show_sample_counts(s)
        n = self._images_per_epoch(s, held)
        if n == 0:
            self.estimate.setText("Nothing to train on: choose MNIST or add samples of your own.")
            self.train_button.setEnabled(False)
            return
        if self.outcome is not None and self._run_plan == (s, n):
            # The result of a run with these very settings is shown: its time, not a guess.
            self.estimate.setText(
                f"This run took {duration_text(self.outcome.seconds)}: {s.epochs} x {n:,} images."
            )
            self.train_button.setEnabled(not self.is_training())
            return
        oe = uses_outlier_exposure(s, self.mnist_source.folder is not None)
        pace = self._remembered(pace_name(s.augment, oe))
        cache = negatives_folder()
        make = oe and (cache is None or not cache_path(cache, SYNTHETIC, PAIRS, s.seed).exists())
        seconds = estimate_seconds(
            s, n, pace, self._remembered("overhead"), outlier_exposure=oe, make_negatives=make
        )
        basis = "measured on the last run" if pace else "a first guess for a 2-core machine"
        extra = ", with non-digit examples to prepare" if make else ""
        self.estimate.setText(
            f"About {duration_text(seconds)}: {s.epochs} x {n:,} images ({basis}{extra})."
        )
        self.train_button.setEnabled(not self.is_training())

    def _images_per_epoch(self, s: RetrainSettings, held: int | None = None) -> int:
        """Counted from the settings and the samples list alone: no job, no torch."""
        if held is None:
            held = len(holdout_split(self._samples_cache, s.holdout_fraction, s.seed)[1])
        user_train = len(self._samples_cache) - held
        return images_per_epoch(s, self.mnist_source.folder is not None, user_train)

    # --- data -----------------------------------------------------------------------------

    def refresh_samples(self) -> None:
        self._samples_cache = self.store.samples()
        total = len(self._samples_cache)
        self.use_samples.setEnabled(total > 0)
        if total == 0:
            self.use_samples.setChecked(False)
        self._on_settings_changed()

    def _show_sample_counts(self, s: RetrainSettings) -> int:
        """Show the samples per digit and how many are held out; return that number."""
        counts = np.bincount([x.label for x in self._samples_cache], minlength=10)
        problem = f" {self.store.problem}" if self.store.problem else ""
        if not counts.sum():
            self.samples_status.setText(
                "None yet: label drawings in the main window (keys 0-9)." + problem
            )
            return 0
        held = len(holdout_split(self._samples_cache, s.holdout_fraction, s.seed)[1])
        per_digit = ", ".join(f"{d}: {c}" for d, c in enumerate(counts) if c)
        self.samples_status.setText(
            f"{plural(int(counts.sum()), 'sample')} ({per_digit}); {held} held out to measure."
            + problem
        )
        note = holdout_note(held) if s.use_samples or held else None
        if note:
            self.samples_status.setText(f"{self.samples_status.text()} {note}")
        return held

    def _find_mnist(self) -> None:
        if not self.mnist_source.find():
            self.use_mnist.setChecked(False)
            self._on_settings_changed()

    def _on_mnist_source_found(self, _folder: str) -> None:
        self.use_mnist.setEnabled(True)
        self.use_mnist.setChecked(True)
        self._on_settings_changed()

    def set_mnist_folder(self, folder: str | os.PathLike) -> bool:
        """Use `folder` if it holds valid MNIST files; otherwise say why and keep the old one."""
        return self.mnist_source.set_folder(folder)

    # --- training -------------------------------------------------------------------------

    def is_training(self) -> bool:
        return self.worker is not None and self.worker.is_running()

    def start_training(self) -> None:
        if self.is_training():
            return
        self.refresh_samples()
        if self._images_per_epoch(self.settings()) == 0:
            self.status.setText("Nothing to train on: choose MNIST or add samples of your own.")
            return
        self.job = self._build_job()
        self._run_plan = (self.settings(), self._images_per_epoch(self.settings()))
        self.outcome, self.trained, self._kept = None, None, False
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
        self.save_replay.setEnabled(
            not running and self.outcome is not None and bool(self.outcome.snapshots)
        )

    def _clear_results(self) -> None:
        self.curves.clear()
        self.progress.setValue(0)
        self.results.clear("Training...")

    def _on_worker_started(self, info) -> None:
        self._before = {"val": info.mnist_val_accuracy, "user": info.user_val_accuracy}
        self.curves.start(
            info.total_steps,
            info.mnist_val_accuracy is not None,
            info.user_val_accuracy is not None,
        )
        self.curves.add_point("val", 0, info.mnist_val_accuracy, 100)
        self.curves.add_point("user", 0, info.user_val_accuracy, 100)
        self.status.setText(
            f"Training on {info.train_images:,} images an epoch, {info.total_steps:,} steps in all."
        )
        held = len(self.job.holdout_labels) if self.job.holdout_labels is not None else 0
        self.results.show_before(info.mnist_val_accuracy, info.user_val_accuracy, held)

    def _on_worker_progressed(self, update) -> None:
        p = update.progress
        self.progress.setValue(round(1000 * update.step / update.total_steps))
        self.progress_label.setText(
            f"Epoch {p.epoch}/{p.epochs}  ·  step {p.step}/{p.steps_per_epoch}"
            f"  ·  {duration_text(update.remaining)} left"
        )
        self.curves.add_point("loss", update.step, update.mean_loss)
        self.curves.add_point("val", update.step, update.mnist_val_accuracy, 100)
        self.curves.add_point("user", update.step, update.user_val_accuracy, 100)
        if p.kind == "step" and p.images_per_second > 0:
            key = "retrain/" + pace_name(self.job.config.augment, self.job.negatives is not None)
            self._last_pace = (key, p.images_per_second)

    def _on_worker_finished(self, outcome) -> None:
        self.outcome = outcome
        if self._last_pace is not None:
            self.qsettings.setValue(*self._last_pace)
            wall = time.perf_counter() - self._started_at
            start_up = wall - outcome.seconds - outcome.negatives_seconds  # not the negatives'
            self.qsettings.setValue("retrain/overhead", max(0.0, start_up))
        self.progress.setValue(1000)
        self.progress_label.setText(f"Done in {duration_text(outcome.seconds)}")
        self.status.setText(
            "Finished. Use this model, or save it, or train again. " + calibration_text(outcome)
        )
        self._show_outcome(outcome)
        self._set_running(False)
        self._on_settings_changed()  # this run's time; other settings, an estimate at its pace

    def _on_replay_position_changed(self, step: int) -> None:
        self.curves.mark(step)

    def _on_worker_failed(self, message: str) -> None:
        self.progress_label.setText("Failed")
        self.status.setText(f"Training failed: {message}")
        self.status.setStyleSheet(theme.css(theme.ink(self.status, "error")))
        self._set_running(False)

    def _on_worker_cancelled(self) -> None:
        self.progress_label.setText("Cancelled")
        self.status.setText("Cancelled: the current model is unchanged.")
        self.results.show_message("Cancelled.")
        self._set_running(False)

    # --- results --------------------------------------------------------------------------

    def _show_outcome(self, o) -> None:
        self.status.setStyleSheet("")
        started_from = None  # the MNIST test accuracy of the model it was fine-tuned from
        fine_tuned = self.job.base_state is not None and self.current is not None
        if o.mnist_test_accuracy is not None and fine_tuned:
            started_from = metric(self.current.metadata, MNIST_TEST_ACCURACY)
        self.results.show_results(o, started_from, self._before.get("val"), self.curves.last("val"))
        self._offer_replay(o)

    def _offer_replay(self, o) -> None:
        """Say what saving the run's replay adds; checked when that is small."""
        from ...retrain.replay_file import SMALL_BYTES, added_bytes, size_text

        size = added_bytes(o.snapshots, o.curves) if o.snapshots else 0
        self.save_replay.setText(f"Save the training replay (adds {size_text(size)})")
        self.save_replay.setChecked(0 < size <= SMALL_BYTES)

    # --- using and saving -----------------------------------------------------------------

    def _save(self, path: str | os.PathLike, replace: bool = True):
        """Save the run's model (and its replay, if chosen) at `path` and load it back."""
        with_replay = self.save_replay.isChecked()
        return save_trained(self.job, self.outcome, path, replace, with_replay=with_replay)

    def use_model(self, *, ask: bool = True):
        """Save the trained model into the user's models folder and hand it over. When it looks
        much worse than the model in use (`retraining.worse_than_current`), ask first."""
        if self.outcome is None:
            return None
        current = None
        if self.current is not None:
            current = metric(self.current.metadata, MNIST_TEST_ACCURACY)
        concern = worse_than_current(self.outcome, current)
        if ask and concern:
            answer = QMessageBox.warning(
                self,
                "Use this model?",
                f"{concern}\n\nUse it anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.status.setText("Not used: the current model stays.")
                return None
        if self.trained is None:
            kind = "scratch" if self.job.base_state is None else "finetuned"
            try:
                path = new_model_path(kind)
                self.trained = self._save(path, replace=False)
            except OSError as exc:  # read-only or full data folder: say so, keep the run
                self.status.setText(
                    f"{exc} The trained model is kept here: Save model… can put it elsewhere."
                )
                self.status.setStyleSheet(theme.css(theme.ink(self.status, "error")))
                return None
        self._kept = True
        self.model_accepted.emit(self.trained)
        self.status.setText(f"Now in use: {self.trained.path.name}")
        self.status.setToolTip(str(self.trained.path))
        return self.trained

    def save_as(self, path: str | os.PathLike):
        saved = self._save(path)
        self._kept = True
        return saved

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
        self.mnist_source.shutdown()

    def has_unkept_model(self) -> bool:
        """A finished run whose model was neither used nor saved: closing would lose it."""
        return self.outcome is not None and not self._kept and not self.is_training()

    def _may_close(self) -> bool:
        """Ask before a close (Escape, Close, the title bar's button) throws work away: a run
        still going, or a trained model neither used nor saved."""
        if self._closing_anyway:
            return True
        if self.is_training():
            answer = QMessageBox.question(
                self,
                "Stop training?",
                "Stop training and discard this run?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            # The run may have ended while the question was open: its model is discarded too.
            self._kept = self._kept or answer == QMessageBox.StandardButton.Yes
            return answer == QMessageBox.StandardButton.Yes
        if not self.has_unkept_model():
            return True
        answer = QMessageBox.question(
            self,
            "Discard the trained model?",
            "The model just trained is neither in use nor saved. Close and discard it?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Discard

    def close_without_asking(self) -> None:
        """For quitting the app: stop everything and close, whatever is unsaved."""
        self._kept = self._closing_anyway = True
        try:
            self.close()
        finally:
            self._closing_anyway = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange_for_width()

    def _arrange_for_width(self) -> None:
        """Settings beside the curves when both fit in the scroll area's width, else above
        them, so that nothing is ever reached by scrolling sideways."""
        spacing = max(self.body.spacing(), 0)
        side_by_side = (
            self.settings_panel.sizeHint().width()
            + max(self.results_panel.minimumWidth(), self.results_panel.minimumSizeHint().width())
            + spacing
        )
        scroll_bar = self.scroll_area.verticalScrollBar().sizeHint().width()
        room = self.width() - 2 * self.layout().contentsMargins().left() - scroll_bar
        direction = (
            QBoxLayout.Direction.LeftToRight
            if room >= side_by_side
            else QBoxLayout.Direction.TopToBottom
        )
        if self.body.direction() != direction:
            self.body.setDirection(direction)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close():
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def reject(self) -> None:  # Escape
        if not self._may_close():
            return
        self.shutdown()
        super().reject()
