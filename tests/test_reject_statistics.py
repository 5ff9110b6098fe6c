"""The candidate "not a digit" statistics that bench_reject compares (reject_statistics.py)."""

import numpy as np
import pytest
import torch

from lenet_gui.network.model import LeNet5
from lenet_gui.retrain.reject_statistics import (
    energy,
    fit_class_gaussians,
    fit_logistic,
    knn_score,
    layer_features,
    max_logit,
    top_probability,
)


def _two_classes(rng, n=2000):
    """Two correlated Gaussian clouds in 5-D, labels 0 and 1."""
    mix = rng.normal(size=(5, 5))
    labels = rng.integers(0, 2, n)
    features = rng.normal(size=(n, 5)) @ mix + np.where(labels[:, None] == 1, 4.0, -4.0)
    return features, labels, mix


def test_mahalanobis_recovers_the_shared_covariance_and_rejects_a_far_vector():
    rng = np.random.default_rng(0)
    features, labels, mix = _two_classes(rng)
    gaussians = fit_class_gaussians(features, labels, num_classes=2)
    assert gaussians.means.shape == (2, 5) and gaussians.precision.shape == (5, 5)
    assert np.allclose(gaussians.means, [[-4.0] * 5, [4.0] * 5], atol=0.3)
    assert np.allclose(np.linalg.inv(gaussians.precision), mix.T @ mix, rtol=0.15, atol=0.3)
    # the squared distances as written in Lee et al. (2018), eq. 2
    x = features[:7]
    direct = np.array(
        [[(v - m) @ gaussians.precision @ (v - m) for m in gaussians.means] for v in x]
    )
    assert np.allclose(gaussians.distances(x), direct)
    # a 5-D Gaussian's squared distance is chi-squared with 5 degrees of freedom: mean 5
    assert gaussians.score(features).mean() == pytest.approx(-5.0, abs=0.5)
    threshold = np.quantile(gaussians.score(features), 0.01)
    far = np.full((1, 5), 40.0)
    between = np.zeros((1, 5))  # halfway between the two clouds: far from both
    assert gaussians.score(far)[0] < threshold and gaussians.score(between)[0] < threshold


def test_fit_class_gaussians_needs_every_class():
    with pytest.raises(ValueError, match="every class"):
        fit_class_gaussians(np.zeros((4, 3)), np.array([0, 0, 2, 2]), num_classes=3)


def test_energy_and_max_logit():
    logits = np.array([[0.0, 0.0, np.log(2.0)], [5.0, -3.0, 1.0]])
    assert energy(logits[:1])[0] == pytest.approx(np.log(4.0))
    assert (energy(logits) >= max_logit(logits)).all()
    # a low temperature leaves only the largest score
    assert energy(logits, 0.01) == pytest.approx(max_logit(logits), abs=0.01)
    assert max_logit(logits).tolist() == [np.log(2.0), 5.0]
    assert top_probability(logits[:1])[0] == pytest.approx(0.5)


def test_knn_score_is_the_distance_to_the_kth_neighbour_on_the_unit_sphere():
    bank = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    assert knn_score(np.array([[3.0, 0.0]]), bank, k=1)[0] == pytest.approx(0.0)
    assert knn_score(np.array([[3.0, 0.0]]), bank, k=2)[0] == pytest.approx(-np.sqrt(2.0))
    scores = knn_score(np.array([[1.0, 1.0], [0.0, -1.0]]), bank, k=1)
    assert scores[0] > scores[1]  # between two bank points, versus opposite one


def test_logistic_combination_learns_which_way_is_a_digit():
    rng = np.random.default_rng(1)
    digits = np.c_[rng.normal(2, 1, 500), rng.normal(0, 1, 500)]
    others = np.c_[rng.normal(-2, 1, 300), rng.normal(0, 1, 300)]
    combination = fit_logistic(digits, others)
    assert combination.weights[0] > 1.0 and abs(combination.weights[1]) < 0.3
    right = (combination.score(digits) > 0).mean() + (combination.score(others) < 0).mean()
    assert right / 2 > 0.95


def test_layer_features_are_the_forward_activations():
    torch.manual_seed(0)
    model = LeNet5().eval()
    inputs = np.random.default_rng(2).uniform(-0.1, 1.175, (5, 1, 32, 32)).astype(np.float32)
    features = layer_features(model, inputs, batch_size=2)
    assert {k: v.shape for k, v in features.items()} == {
        "C5": (5, 120),
        "F6": (5, 84),
        "output": (5, 10),
    }
    with torch.no_grad():
        assert np.allclose(features["output"], model(torch.from_numpy(inputs)).numpy(), atol=1e-5)
    assert layer_features(model, inputs[:0])["F6"].shape == (0, 84)


def test_mahalanobis_on_the_bundled_model_keeps_mnist_digits_and_rejects_far_features(
    bundled_model,
):
    from real_data import mnist_dir

    from lenet_gui.data.mnist import load_mnist
    from lenet_gui.training.train import ink_fields, to_network_input

    model = bundled_model.model
    train, train_labels = load_mnist(mnist_dir(), "train")
    test, _ = load_mnist(mnist_dir(), "test")
    fit = layer_features(model, to_network_input(ink_fields(train[:5000])).numpy())
    gaussians = fit_class_gaussians(fit["F6"], train_labels[:5000])
    threshold = np.quantile(gaussians.score(fit["F6"]), 0.01)
    seen = layer_features(model, to_network_input(ink_fields(test[:1000])).numpy())["F6"]
    assert (gaussians.score(seen) >= threshold).mean() > 0.97  # MNIST test digits kept
    # F6 saturated the other way from a digit's mean: no digit is like that
    far = -np.sign(gaussians.means[:1]) * 1.7
    assert gaussians.score(far)[0] < threshold
