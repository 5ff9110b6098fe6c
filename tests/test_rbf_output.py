import numpy as np
import pytest
import torch

from lenet_gui.network.model import LeNet5, LeNet5Config
from lenet_gui.network.prototypes import PROTOTYPES
from lenet_gui.retrain.checkpoint import load_checkpoint, save_checkpoint
from lenet_gui.training.train import TrainConfig, rbf_loss, train


def test_prototypes_are_distinct_plus_minus_one_bitmaps():
    assert PROTOTYPES.shape == (10, 12, 7)
    assert set(np.unique(PROTOTYPES)) == {-1.0, 1.0}
    flat = PROTOTYPES.reshape(10, -1)
    differing = (flat[:, None] != flat[None]).sum(-1) + 100 * np.eye(10)
    assert differing.min() >= 5
    assert (PROTOTYPES[:, 0] == -1).all() and (PROTOTYPES[:, -1] == -1).all()  # blank margins


def test_rbf_output_is_minus_the_squared_distance_to_each_prototype():
    torch.manual_seed(0)
    model = LeNet5(LeNet5Config(output="rbf")).eval()
    x = torch.randn(2, 1, 32, 32)
    scores, acts = model(x, return_activations=True)
    f6 = acts["F6"].detach().numpy()
    expected = ((f6[:, None, :] - PROTOTYPES.reshape(1, 10, 84)) ** 2).sum(-1)
    np.testing.assert_allclose(-scores.detach().numpy(), expected, rtol=1e-5)
    assert not list(model.output.parameters())  # nothing trainable


def test_rbf_loss_is_the_papers_eq_9():
    scores = -torch.tensor([[3.0, 10.0, 50.0], [7.0, 1.0, 2.0]])  # distances y_i
    labels = torch.tensor([0, 2])
    j = 4.0
    y = -scores
    expected = [y[p, labels[p]] + torch.log(np.exp(-j) + torch.exp(-y[p]).sum()) for p in (0, 1)]
    assert rbf_loss(scores, labels, j).item() == pytest.approx(float(sum(expected) / 2), rel=1e-6)


def test_the_output_kind_is_saved_and_old_checkpoints_load_as_linear(tmp_path):
    rbf = LeNet5(LeNet5Config(output="rbf"))
    loaded = load_checkpoint(save_checkpoint(tmp_path / "rbf.pt", rbf))
    assert loaded.model.config.output == "rbf"
    old = tmp_path / "old.pt"
    save_checkpoint(old, LeNet5())
    data = torch.load(old, weights_only=True)
    data["model_args"] = {"num_classes": 10}  # written before the field existed
    torch.save(data, old)
    assert load_checkpoint(old).model.config.output == "linear"
    with pytest.raises(ValueError, match="output must be"):
        LeNet5Config(output="softmax")


def test_training_with_the_rbf_loss_learns():
    rng = np.random.default_rng(0)
    images = np.zeros((200, 28, 28), np.uint8)
    labels = np.arange(200) % 2
    images[labels == 0, 4:24, 12:16] = 255  # a bar
    images[labels == 1, 12:16, 4:24] = 255  # a dash
    images = np.clip(images + rng.integers(0, 40, images.shape), 0, 255).astype(np.uint8)
    model = LeNet5(LeNet5Config(output="rbf"))
    config = TrainConfig(epochs=3, batch_size=32, augment=False, ema_decay=0)
    result = train(model, images, labels, config, val_images=images, val_labels=labels)
    assert result.val_accuracy == 1.0
