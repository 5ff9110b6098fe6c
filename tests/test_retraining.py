"""The retrain dialog's core half without Qt: settings -> job, the estimate, the data split, the
messages of a run and the progress reporter."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
from real_data import mnist_dir

from lenet_gui.retrain.retraining import (
    ASSUMED_PACE,
    FINE_TUNE,
    FROM_SCRATCH,
    MNIST_TRAIN_IMAGES,
    START_SECONDS,
    VAL_COUNT,
    ProgressReporter,
    RetrainSettings,
    StatusMessage,
    TrainingCancelled,
    TrainingJob,
    TrainingOutcome,
    TrainingStart,
    TrainingUpdate,
    estimate_seconds,
    fixed_subset,
    images_per_epoch,
    load_training_data,
    make_job,
    mixing_weights,
    run_training,
    split_mnist_train,
)
from lenet_gui.training.train import Progress, TrainConfig


def test_make_job_splits_samples_and_follows_the_settings(samples):
    base = {"c1.weight": np.zeros((6, 1, 5, 5), np.float32)}
    job = make_job(FINE_TUNE, base, {"a": 1}, "/mnist", samples)
    # 25% of 4 per digit, rounded down: 1 held out per digit.
    assert job.user_fields.shape == (30, 32, 32) and job.user_fields.dtype == np.uint8
    assert job.holdout_fields.shape == (10, 32, 32)
    assert sorted(job.holdout_labels.tolist()) == list(range(10))
    assert job.base_state is base and job.mnist_folder == "/mnist"
    assert job.config.epochs == FINE_TUNE.epochs
    assert job.config.learning_rate == FINE_TUNE.learning_rate
    assert job.mnist_train_count == FINE_TUNE.mnist_images

    scratch = RetrainSettings(from_scratch=True, use_mnist=False, use_samples=False)
    job = make_job(scratch, base, {}, "/mnist", samples)
    assert job.base_state is None and job.mnist_folder is None and job.user_fields is None
    assert job.holdout_fields.shape == (10, 32, 32)  # held-out samples are still measured


def test_images_per_epoch_counts_what_a_run_trains_on(samples):
    assert images_per_epoch(FINE_TUNE, True, 30) == FINE_TUNE.mnist_images + 30
    assert images_per_epoch(FINE_TUNE, False, 30) == 30  # no MNIST folder
    assert images_per_epoch(RetrainSettings(use_samples=False), True, 30) == 10_000
    everything = RetrainSettings(mnist_images=60_000, use_samples=False)
    assert images_per_epoch(everything, True, 0) == MNIST_TRAIN_IMAGES - VAL_COUNT
    # The same count the job itself ends up with.
    job = make_job(FINE_TUNE, None, {}, None, samples)
    assert images_per_epoch(FINE_TUNE, False, 30) == len(job.user_fields)


def test_estimate_seconds_is_overhead_plus_images_over_pace():
    s = RetrainSettings(epochs=3, augment=True)
    pace = ASSUMED_PACE[True]
    assert estimate_seconds(s, 7_000) == pytest.approx(START_SECONDS + 3 * 7_000 / pace)
    assert estimate_seconds(s, 8_000, pace=ASSUMED_PACE[True]) == estimate_seconds(s, 8_000)
    plain = RetrainSettings(epochs=2, augment=False)
    assert estimate_seconds(plain, 7_000, pace=1_000, overhead=1.5) == pytest.approx(15.5)
    assert estimate_seconds(plain, 8_500, overhead=0.0) == pytest.approx(
        2 * 8_500 / ASSUMED_PACE[False]
    )


def test_the_estimate_needs_no_torch():
    code = (
        "import sys\n"
        "from lenet_gui.retrain.retraining import (\n"
        "    FROM_SCRATCH, estimate_seconds, images_per_epoch)\n"
        "print(estimate_seconds(FROM_SCRATCH, images_per_epoch(FROM_SCRATCH, True, 0)))\n"
        "sys.exit(1 if 'torch' in sys.modules else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    images = FROM_SCRATCH.epochs * FROM_SCRATCH.mnist_images
    assert float(result.stdout) == pytest.approx(START_SECONDS + images / ASSUMED_PACE[True])


def test_fixed_subset_is_reproducible_and_bounded():
    a = fixed_subset(100, 10, seed=3)
    assert len(a) == 10 and len(set(a.tolist())) == 10 and a.max() < 100
    assert np.array_equal(a, fixed_subset(100, 10, seed=3))
    assert not np.array_equal(a, fixed_subset(100, 10, seed=4))
    assert sorted(fixed_subset(5, None, seed=0).tolist()) == [0, 1, 2, 3, 4]
    assert len(fixed_subset(5, 50, seed=0)) == 5


def test_mixing_weights_give_the_user_share_of_draws():
    w = mixing_weights(900, 30, 0.1)
    assert w.shape == (930,)
    assert w[:900].sum() == pytest.approx(0.9) and w[900:].sum() == pytest.approx(0.1)
    assert np.allclose(w[900:], 0.1 / 30)
    assert mixing_weights(0, 30, 0.1) is None and mixing_weights(900, 0, 0.1) is None
    assert mixing_weights(10, 10, 1.7)[10:].sum() == pytest.approx(1.0)  # clamped to [0, 1]


def test_validation_comes_from_mnist_train_and_never_overlaps_training():
    train, val = split_mnist_train(60_000, 2_000, 10_000, seed=0)
    assert len(val) == 2_000 and len(train) == 10_000
    assert not set(train.tolist()) & set(val.tolist())
    other_train, other_val = split_mnist_train(60_000, 2_000, 10_000, seed=5)
    assert np.array_equal(val, other_val)  # the same digits held back whatever the seed
    assert not np.array_equal(train, other_train)
    everything, _ = split_mnist_train(60_000, 2_000, None, seed=0)
    assert len(everything) == 58_000


def test_load_training_data_validates_on_train_and_keeps_test_for_the_end():
    from lenet_gui.data.mnist import load_mnist

    folder = str(mnist_dir())
    job = TrainingJob(TrainConfig(), {}, None, folder, mnist_train_count=500, test_count=300)
    data = load_training_data(job, lambda m: None)
    train_x, _ = load_mnist(folder, "train")
    test_x, _ = load_mnist(folder, "test")
    assert data.images.shape == (500, 32, 32) and data.val_images.shape == (VAL_COUNT, 28, 28)
    train_rows = {x.tobytes() for x in train_x}
    assert all(v.tobytes() in train_rows for v in data.val_images[:50])
    trained = {x[2:30, 2:30].tobytes() for x in data.images}
    assert not any(v.tobytes() in trained for v in data.val_images)
    test_rows = {x.tobytes() for x in test_x}
    assert all(t.tobytes() in test_rows for t in data.test_images[:50])
    assert len(data.test_labels) == 300 and data.weights is None


def tiny_job(samples, **changes) -> TrainingJob:
    settings = RetrainSettings(
        from_scratch=True, use_mnist=False, epochs=2, batch_size=16, augment=False
    )
    job = make_job(settings, None, {}, None, samples)
    return TrainingJob(**{**job.__dict__, **changes})


def test_a_run_posts_start_updates_and_one_outcome_all_picklable(samples):
    messages: list = []
    run_training(tiny_job(samples), messages.append, lambda: False)
    kinds = [type(m) for m in messages]
    assert kinds[0] is TrainingStart and kinds[-1] is TrainingOutcome
    assert kinds.count(TrainingStart) == 1 and kinds.count(TrainingOutcome) == 1
    updates = [m for m in messages if isinstance(m, TrainingUpdate)]
    assert [u.progress.kind for u in updates].count("epoch") == 2
    assert updates[-1].step == updates[-1].total_steps == 2 * 2  # 30 images, batch 16
    assert all(u.user_val_accuracy is not None for u in updates if u.progress.kind == "epoch")
    assert any(isinstance(m, StatusMessage) and "Evaluating" in m.text for m in messages)
    outcome = messages[-1]
    assert outcome.train_images == 30 and outcome.user_holdout == 10
    assert outcome.mnist_test_accuracy is None and outcome.user_after is not None
    from lenet_gui.network.model import LeNet5

    assert set(outcome.state) == set(LeNet5().state_dict())
    for m in messages:
        assert type(pickle.loads(pickle.dumps(m))) is type(m)


def test_a_stopped_run_posts_cancelled_and_no_outcome(samples):
    messages: list = []
    run_training(tiny_job(samples), messages.append, lambda: True)
    assert isinstance(messages[-1], TrainingCancelled)
    assert not any(isinstance(m, TrainingOutcome) for m in messages)


def test_a_run_with_nothing_to_train_on_raises_a_readable_error(samples):
    job = tiny_job(samples, user_fields=None, user_labels=None)
    with pytest.raises(ValueError, match="nothing to train on"):
        run_training(job, lambda m: None, lambda: False)


def record(kind: str, epoch: int, step: int, steps: int = 10) -> Progress:
    return Progress(kind, epoch, 2, step, steps, loss=1.0 + step, elapsed=0.1 * step,
                    images_per_second=100.0)  # fmt: skip


def test_progress_reporter_rate_limits_steps_and_evaluates_each_epoch(monkeypatch):
    now = [100.0]
    monkeypatch.setattr("lenet_gui.retrain.retraining.time.perf_counter", lambda: now[0])
    posted, evaluations = [], []

    def evaluate_now():
        evaluations.append(now[0])
        return 0.5, None

    reporter = ProgressReporter(posted.append, evaluate_now, total_steps=20, curve_points=1)
    reporter(record("step", 1, 1))  # first step: posted (nothing posted before)
    reporter(record("step", 1, 2))  # same instant: held back, its loss kept
    assert len(posted) == 1 and posted[0].mean_loss == 2.0
    now[0] += 1.0
    reporter(record("step", 1, 3))  # a second later: posted with the mean of steps 2 and 3
    assert len(posted) == 2 and posted[1].mean_loss == pytest.approx(3.5)
    assert posted[1].mnist_val_accuracy is None and evaluations == []
    reporter(record("epoch", 1, 10))  # an epoch record always evaluates, whatever the time
    assert len(posted) == 3 and posted[2].mnist_val_accuracy == 0.5 and len(evaluations) == 1
    assert posted[2].step == 10 and posted[2].remaining == pytest.approx(1.0)


def test_the_defaults_differ_for_fine_tuning_and_from_scratch():
    assert not FINE_TUNE.from_scratch and FROM_SCRATCH.from_scratch
    assert FROM_SCRATCH.learning_rate > FINE_TUNE.learning_rate


def test_a_run_fits_its_temperature_on_the_validation_split_and_a_saved_model_keeps_it(
    tmp_path,
):
    """Label smoothing caps the top probability near 96%: the run's rejector divides the logits
    by a temperature fitted on its validation split (MNIST training digits held back), so the
    saved model's probabilities are calibrated, not those of verdict.FALLBACK (T = 1)."""
    import torch

    from lenet_gui.reading.calibration import fit_temperature
    from lenet_gui.reading.inference import logits_of
    from lenet_gui.reading.verdict import FALLBACK
    from lenet_gui.retrain.checkpoint import load_checkpoint
    from lenet_gui.retrain.retraining import build_model, save_trained
    from lenet_gui.training.train import ink_fields, to_network_input

    folder = str(mnist_dir())
    config = TrainConfig(epochs=1, batch_size=32, augment=False)
    job = TrainingJob(config, {}, None, folder, mnist_train_count=300, val_count=200,
                      test_count=100)  # fmt: skip
    messages: list = []
    run_training(job, messages.append, lambda: False)
    outcome = messages[-1]
    assert isinstance(outcome, TrainingOutcome)
    rejector = outcome.rejector
    assert rejector["temperature"] != 1.0 and rejector["reject_below"] == 0.5
    assert rejector["validation_images"] == 200 and "200 MNIST" in rejector["fitted_on"]
    # The temperature is the NLL's minimum on exactly those 200 validation digits.
    model = build_model(job)
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in outcome.state.items()})
    data = load_training_data(job, lambda m: None)
    logits = logits_of(model, to_network_input(ink_fields(data.val_images)).numpy())
    assert rejector["temperature"] == pytest.approx(
        fit_temperature(logits, data.val_labels), rel=1e-3
    )
    saved = save_trained(job, outcome, tmp_path / "retrained.pt")
    assert saved.model.rejector == rejector
    reloaded = load_checkpoint(tmp_path / "retrained.pt").model.rejector
    assert reloaded["temperature"] != FALLBACK["temperature"]


def test_too_few_validation_images_or_none_read_wrong_fit_no_temperature(samples):
    """10 held-out samples say nothing of the next drawing; all read right, the likelihood has
    no minimum (T would go to its bound and every reading be 100% sure): verdict.FALLBACK."""
    from lenet_gui.network.model import LeNet5
    from lenet_gui.retrain.retraining import (
        MIN_CALIBRATION_IMAGES,
        TrainingData,
        fit_validation_rejector,
    )
    from lenet_gui.training.train import ink_fields, to_network_input

    model = LeNet5()
    few = load_training_data(tiny_job(samples), lambda m: None)
    assert few.holdout_count < MIN_CALIBRATION_IMAGES
    assert fit_validation_rejector(model, few) is None
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (MIN_CALIBRATION_IMAGES, 32, 32), dtype=np.uint8)
    read = model.eval()(to_network_input(ink_fields(images))).argmax(1).numpy()
    all_right = TrainingData(images, read, None, holdout_images=images, holdout_labels=read)
    assert fit_validation_rejector(model, all_right) is None
    some_wrong = TrainingData(images, read, None, holdout_images=images,
                              holdout_labels=(read + 1) % 10)  # fmt: skip
    fitted = fit_validation_rejector(model, some_wrong)
    assert fitted is not None and "100 held-out samples" in fitted["fitted_on"]


def test_the_dialogs_runs_use_outlier_exposure_when_they_use_mnist(samples, tmp_path):
    from lenet_gui.retrain.negatives_cache import PAIRS, SYNTHETIC
    from lenet_gui.retrain.retraining import pace_name, uses_outlier_exposure

    for settings in (FINE_TUNE, FROM_SCRATCH):
        job = make_job(settings, None, {}, "/mnist", samples, str(tmp_path))
        assert job.negatives == (SYNTHETIC, PAIRS) and job.cache_folder == str(tmp_path)
        assert uses_outlier_exposure(settings) and not uses_outlier_exposure(settings, False)
    assert make_job(FINE_TUNE, None, {}, None, samples).negatives is None  # pairs need MNIST
    off = RetrainSettings(outlier_exposure=False)
    assert make_job(off, None, {}, "/mnist", samples).negatives is None
    assert pace_name(True, True) != pace_name(True, False) != pace_name(False, False)


def test_the_estimate_counts_outlier_exposures_slower_steps_and_making_the_negatives():
    from lenet_gui.retrain.retraining import NEGATIVES_SECONDS, OUTLIER_SLOWDOWN

    s = RetrainSettings(epochs=3, augment=True)
    plain = estimate_seconds(s, 7_000)
    oe = estimate_seconds(s, 7_000, outlier_exposure=True)
    assert oe - START_SECONDS == pytest.approx(OUTLIER_SLOWDOWN * (plain - START_SECONDS))
    first = estimate_seconds(s, 7_000, outlier_exposure=True, make_negatives=True)
    assert first == pytest.approx(oe + NEGATIVES_SECONDS)
    # A pace measured on a run with outlier exposure already includes its cost.
    assert estimate_seconds(s, 7_000, pace=1_000, outlier_exposure=True) == pytest.approx(26.0)


def mnist_job_with_negatives(cache) -> TrainingJob:
    config = TrainConfig(epochs=1, batch_size=32, augment=False)
    return TrainingJob(config, {}, None, str(mnist_dir()), mnist_train_count=300, val_count=200,
                       test_count=100, negatives=(10, 5), cache_folder=str(cache))  # fmt: skip


def test_a_run_passes_the_negatives_to_train_and_says_how_many(tmp_path, monkeypatch):
    import lenet_gui.training.train

    job = mnist_job_with_negatives(tmp_path / "cache")
    given: list = []
    real_train = lenet_gui.training.train.train

    def spy(*args, negative_images=None, **kwargs):
        given.append(negative_images)
        return real_train(*args, negative_images=negative_images, **kwargs)

    monkeypatch.setattr(lenet_gui.training.train, "train", spy)
    messages: list = []
    run_training(job, messages.append, lambda: False)
    outcome = messages[-1]
    assert isinstance(outcome, TrainingOutcome)
    assert len(given) == 1 and given[0].shape[1:] == (32, 32)
    assert outcome.negative_count == len(given[0]) and 5 < len(given[0]) <= 15
    assert not outcome.negatives_cached and outcome.negatives_seconds > 0
    said = "Preparing non-digit examples…"
    preparing = [i for i, m in enumerate(messages) if getattr(m, "text", "") == said]
    start = [type(m) for m in messages].index(TrainingStart)
    assert len(preparing) == 1 and preparing[0] < start  # said before training starts
    again: list = []
    run_training(job, again.append, lambda: False)
    assert again[-1].negatives_cached and again[-1].negative_count == outcome.negative_count
    assert np.array_equal(given[1], given[0])


def test_a_run_cancelled_while_making_the_negatives_ends_cancelled(tmp_path):
    job = mnist_job_with_negatives(tmp_path / "cache")
    messages: list = []
    run_training(job, messages.append, lambda: True)
    assert isinstance(messages[-1], TrainingCancelled)
    assert not any(isinstance(m, TrainingStart) for m in messages)
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())
