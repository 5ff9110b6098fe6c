"""The checkpoint that ships with the app, measured on the real data in CI."""

import pytest
from real_data import REPO, mnist_dir, pen_digits_file

from lenet_gui import paths
from lenet_gui.checkpoint import load_checkpoint
from lenet_gui.drawn_digits import evaluate_pen_digits, load_pen_digits
from lenet_gui.mnist import load_mnist
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
    evaluation = evaluate_pen_digits(bundled.model, digits, seed=0)
    assert len(digits) > 4000 and evaluation.confusion.sum() == len(digits)
    assert evaluation.accuracy >= 0.975
    # The pen-digit accuracy stored in the checkpoint is the one measured here.
    stored = bundled.metadata["metrics"]["pen_dev_accuracy"]
    assert stored == pytest.approx(evaluation.accuracy, abs=1e-4)


def test_bundled_checkpoint_was_trained_on_mnists_training_set_alone(bundled):
    """`train` records how many images it trained on: MNIST's 60,000 exactly, so no pen digit
    (they only measure, with --pen) and no test digit was among them."""
    assert bundled.metadata["notes"] == "trained by `lenet_gui train` on 60000 MNIST images"
