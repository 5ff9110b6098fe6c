"""The second bundled checkpoint, LeNet-5 with the paper's RBF output, on the real data."""

import pytest
from real_data import REPO, mnist_dir

from lenet_gui.data.mnist import load_mnist
from lenet_gui.network.layer_arithmetic import parameter_formulas
from lenet_gui.retrain.checkpoint import load_checkpoint
from lenet_gui.system import paths
from lenet_gui.training.train import evaluate


@pytest.fixture(scope="module")
def bundled_rbf():
    assert paths.bundled_rbf_checkpoint() == REPO / "models" / "lenet5-rbf.pt"
    return load_checkpoint(paths.bundled_rbf_checkpoint())


def test_it_has_the_papers_output_layer_and_60000_parameters(bundled_rbf):
    assert bundled_rbf.model.config.output == "rbf"
    formulas = parameter_formulas(bundled_rbf.model)
    assert sum(f.count for f in formulas) == 60_000  # the prototypes are fixed
    assert bundled_rbf.metadata["train_config"]["rbf_j"] > 0  # trained with the paper's loss


def test_it_reaches_99_percent_on_mnist_test(bundled_rbf):
    images, labels = load_mnist(mnist_dir(), "test")
    evaluation = evaluate(bundled_rbf.model, images, labels)
    assert evaluation.accuracy >= 0.990
    stored = bundled_rbf.metadata["metrics"]["mnist_test_accuracy"]
    assert stored == pytest.approx(evaluation.accuracy, abs=1e-4)
