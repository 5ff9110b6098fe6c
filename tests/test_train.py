import contextlib
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch
from real_data import mnist_dir

from lenet_gui.data.mnist import load_mnist
from lenet_gui.network.model import LeNet5
from lenet_gui.training.train import TrainConfig, augment, evaluate, ink_fields, prefetched, train


@pytest.fixture(scope="module")
def small_mnist():
    folder = mnist_dir()
    images, labels = load_mnist(folder, "train")
    test_images, test_labels = load_mnist(folder, "test")
    return images[:3000], labels[:3000], test_images[:1000], test_labels[:1000]


def test_short_training_on_real_data_learns(small_mnist):
    images, labels, test_images, test_labels = small_mnist
    torch.manual_seed(0)
    model = LeNet5()
    before = evaluate(model, test_images, test_labels).accuracy
    reports = []
    config = TrainConfig(epochs=2, batch_size=64, learning_rate=3e-3, augment=True)
    result = train(
        model,
        images,
        labels,
        config,
        val_images=test_images,
        val_labels=test_labels,
        progress=reports.append,
    )
    after = evaluate(model, test_images, test_labels)
    assert result.completed and result.epochs_run == 2
    assert before < 0.3 and after.accuracy > 0.8
    steps = [r for r in reports if r.kind == "step"]
    epochs = [r for r in reports if r.kind == "epoch"]
    assert len(steps) == 2 * 47 and [r.epoch for r in epochs] == [1, 2]
    assert epochs[-1].val_accuracy == pytest.approx(after.accuracy)
    assert epochs[1].loss < epochs[0].loss
    assert steps[-1].fraction_done == pytest.approx(1.0)
    assert after.confusion.sum() == 1000 and after.per_class.shape == (10,)


def test_training_is_deterministic_for_a_seed(small_mnist):
    images, labels, _, _ = small_mnist
    config = TrainConfig(epochs=1, batch_size=100, seed=7)

    def run(seed):
        torch.manual_seed(seed)  # the model's initialisation is the caller's choice
        model = LeNet5()
        train(model, images[:500], labels[:500], config)
        return model.state_dict()

    a, b = run(1), run(1)
    assert all(torch.equal(a[k], b[k]) for k in a)
    other = TrainConfig(epochs=1, batch_size=100, seed=8)
    torch.manual_seed(1)
    model = LeNet5()
    train(model, images[:500], labels[:500], other)
    assert not torch.equal(model.state_dict()["c1.weight"], a["c1.weight"])


def test_should_stop_ends_training_between_batches():
    images = np.random.default_rng(0).integers(0, 255, (640, 28, 28), dtype=np.uint8)
    labels = np.arange(640) % 10
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 3

    result = train(LeNet5(), images, labels, TrainConfig(epochs=5, batch_size=64), should_stop=stop)
    assert not result.completed and result.epochs_run == 0 and len(calls) == 4


def test_sample_weights_decide_what_an_epoch_sees():
    images = np.zeros((200, 28, 28), np.uint8)
    images[:100, 10:18, 10:18] = 255  # class 1: a square; class 0: blank
    labels = np.array([1] * 100 + [0] * 100)
    weights = np.array([1.0] * 100 + [0.0] * 100)  # never draw a blank one
    torch.manual_seed(0)
    model = LeNet5()
    train(
        model,
        images,
        labels,
        TrainConfig(epochs=3, batch_size=50, augment=False),
        sample_weights=weights,
    )
    assert evaluate(model, images, labels).predictions.tolist() == [1] * 200


def test_augment_keeps_ink_in_range_and_changes_images():
    ink = ink_fields(np.pad(np.full((8, 20, 20), 255, np.uint8), ((0, 0), (4, 4), (4, 4))))
    out = augment(ink.clone(), torch.Generator().manual_seed(0))
    assert out.shape == (8, 1, 32, 32)
    assert out.min() >= 0 and out.max() <= 1
    assert (out - ink).abs().mean() > 0.01
    assert out.sum() > 0.5 * ink.sum()


def test_bad_config_and_data_are_refused():
    with pytest.raises(ValueError, match="optimizer"):
        train(LeNet5(), np.zeros((4, 28, 28), np.uint8), np.zeros(4), TrainConfig(optimizer="x"))
    with pytest.raises(ValueError, match="as many labels"):
        train(LeNet5(), np.zeros((4, 28, 28), np.uint8), np.zeros(3), TrainConfig())


def test_prefetched_yields_every_item_in_order_and_raises_the_producers_error():
    assert list(prefetched(iter(range(50)), ahead=3)) == list(range(50))

    def failing():
        yield from range(3)
        raise ValueError("damaged batch")

    seen = []
    with pytest.raises(ValueError, match="damaged batch"):
        for item in prefetched(failing()):
            seen.append(item)
    assert seen == [0, 1, 2]


def test_closing_prefetched_ends_its_thread():
    def endless():
        n = 0
        while True:
            n += 1
            yield n

    before = sys.getswitchinterval()
    with contextlib.closing(prefetched(endless())) as items:
        assert [next(items), next(items)] == [1, 2]
        assert any(t.name == "lenet-gui batches" for t in threading.enumerate())
        assert sys.getswitchinterval() == pytest.approx(0.0005)  # the GIL passes more often
    assert not any(t.name == "lenet-gui batches" for t in threading.enumerate())
    assert sys.getswitchinterval() == before


def test_training_never_imports_torch_dynamo():
    # torch.optim's first optimizer would import it (and sympy): seconds of every training run.
    code = (
        "import sys, numpy as np, torch\n"
        "from lenet_gui.network.model import LeNet5\n"
        "from lenet_gui.training.train import TrainConfig, train\n"
        "images = np.zeros((64, 28, 28), np.uint8)\n"
        "train(LeNet5(), images, np.arange(64) % 10, TrainConfig(epochs=1, batch_size=32))\n"
        "train(LeNet5(), images, np.arange(64) % 10, TrainConfig(epochs=1, optimizer='sgd'))\n"
        "sys.exit(1 if 'torch._dynamo' in sys.modules else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_augment_share_distorts_that_share_of_each_batch_and_leaves_the_rest():
    from lenet_gui.training.train import batches, field_tensor, network_batch

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (16, 28, 28), dtype=np.uint8)  # all different
    x_all, y_all = field_tensor(images), torch.arange(16) % 10
    originals = network_batch(ink_fields(images))
    config = TrainConfig(epochs=1, batch_size=8, augment_share=0.25)
    gens = torch.Generator().manual_seed(0), torch.Generator().manual_seed(1)
    for _, _, x, _, _ in batches(x_all, y_all, config, None, None, *gens):
        same = [bool((originals == image).flatten(1).all(1).any()) for image in x]
        assert same == [False] * 2 + [True] * 6  # 25% of 8 distorted, first in the batch
