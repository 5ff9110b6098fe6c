"""The checkpoint that ships with the app, measured on the real data in CI."""

import numpy as np
import pytest
from real_data import REPO, mnist_dir, pen_digits_file

from lenet_gui import paths
from lenet_gui.checkpoint import load_checkpoint
from lenet_gui.inference import classify_drawings
from lenet_gui.mnist import load_mnist
from lenet_gui.pen_digits import load_pen_digits, pen_drawings
from lenet_gui.train import evaluate


@pytest.fixture(scope="module")
def bundled():
    assert paths.bundled_checkpoint() == REPO / "models" / "lenet5.pt"
    return load_checkpoint(paths.bundled_checkpoint())


def test_bundled_checkpoint_reaches_99_3_percent_on_mnist_test(bundled):
    images, labels = load_mnist(mnist_dir(), "test")
    evaluation = evaluate(bundled.model, images, labels)
    assert len(labels) == 10000
    assert evaluation.accuracy >= 0.993
    # The accuracy stored in the checkpoint is the one measured here.
    stored = bundled.metadata["metrics"]["mnist_test_accuracy"]
    assert stored == pytest.approx(evaluation.accuracy, abs=1e-4)


def test_bundled_checkpoint_reads_pen_drawn_digits(bundled):
    digits = load_pen_digits(pen_digits_file())
    predictions = classify_drawings(bundled.model, pen_drawings(digits, seed=0))
    labels = np.array([d.label for d in digits])
    guessed = np.array([-1 if p.digit is None else p.digit for p in predictions])
    assert len(digits) > 4000
    assert (guessed == labels).mean() >= 0.975


def test_bundled_checkpoint_was_not_trained_on_pen_digits(bundled):
    notes = bundled.metadata["notes"]
    assert "MNIST" in notes and "pen" not in bundled.metadata["train_config"]
