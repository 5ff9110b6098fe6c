"""Candidate "not a digit" statistics from the literature, for `benchmarks/bench_reject.py`.

Each statistic maps one reading to one number, larger for more digit-like inputs; a threshold
that keeps a stated share of the dev writers' pen digits turns it into a decision, as
`rejection.fit_rejector` does for the verdict's own statistic (the top calibrated probability).
The bench compares them on the held-out writers; none of them beat the verdict's statistic there
(README, "Photos, scans and not a digit"), so the app does not use them.

- top calibrated probability: the maximum softmax probability (Hendrycks and Gimpel, ICLR 2017),
  after temperature scaling: the verdict's.
- max logit: the largest output score (Hendrycks et al., ICML 2022, "Scaling Out-of-Distribution
  Detection for Real-World Settings").
- energy: T log sum_i exp(z_i / T), minus the free energy (Liu, Wang, Owens and Li, NeurIPS
  2020, "Energy-based Out-of-distribution Detection", eq. 4 and 6).
- Mahalanobis: minus the smallest squared Mahalanobis distance from a layer's activations to
  the class means, with one covariance shared by the classes (Lee, Lee, Lee and Shin, NeurIPS
  2018, "A Simple Unified Framework for Detecting Out-of-Distribution Samples and Adversarial
  Attacks", eq. 1-2; without their input preprocessing).
- kNN: minus the Euclidean distance from the L2-normalised activations to their k-th nearest
  neighbour among the training set's, also normalised (Sun, Ming, Zhu and Li, ICML 2022,
  "Out-of-Distribution Detection with Deep Nearest Neighbors", section 3).
- a logistic regression on a few of the above (`LogisticCombination`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..network.model import LeNet5, model_device

# The layers whose activations feature-space statistics use: C5 (120 units) and F6 (84 units).
FEATURE_LAYERS = ("C5", "F6")


@torch.no_grad()
def layer_features(
    model: LeNet5,
    inputs: np.ndarray,
    layers: Sequence[str] = FEATURE_LAYERS,
    batch_size: int = 1024,
) -> dict[str, np.ndarray]:
    """Activations (N, units) float32 of `layers` and the output scores under "output" (N, 10),
    for network inputs (N, 1, 32, 32), in one forward per batch."""
    model.eval()
    device = model_device(model)
    keep = (*layers, "output")
    parts: dict[str, list[np.ndarray]] = {name: [] for name in keep}
    for i in range(0, max(len(inputs), 1), batch_size):  # an empty batch gives the widths
        batch = torch.from_numpy(np.ascontiguousarray(inputs[i : i + batch_size])).to(device)
        _, acts = model(batch.float(), return_activations=True)
        for name in keep:
            parts[name].append(acts[name].flatten(1).cpu().numpy())
    return {name: np.concatenate(p) for name, p in parts.items()}


def top_probability(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """The top softmax probability of logits / temperature: (N, 10) -> (N,)."""
    from ..reading.calibration import softmax

    return softmax(logits, temperature).max(axis=1)


def max_logit(logits: np.ndarray) -> np.ndarray:
    """The largest output score: (N, 10) -> (N,)."""
    return np.asarray(logits, dtype=np.float64).max(axis=1)


def energy(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """T log sum_i exp(z_i / T) (minus Liu et al.'s energy, so larger = more digit-like):
    (N, 10) -> (N,)."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    return temperature * np.logaddexp.reduce(z, axis=1)


@dataclass(frozen=True)
class ClassGaussians:
    """Class-conditional Gaussians with a shared covariance (Lee et al. 2018, eq. 1):
    means (C, D) and the shared covariance's inverse, precision (D, D), float64."""

    means: np.ndarray
    precision: np.ndarray

    def distances(self, features: np.ndarray) -> np.ndarray:
        """Squared Mahalanobis distances (N, C) of features (N, D) to each class mean."""
        x = np.asarray(features, dtype=np.float64)
        # (x - m)' P (x - m) = x'Px - 2 x'Pm + m'Pm, without an (N, C, D) array
        xp = x @ self.precision
        quad = np.einsum("nd,nd->n", xp, x)[:, None]
        cross = xp @ self.means.T
        mean_quad = np.einsum("cd,dk,ck->c", self.means, self.precision, self.means)[None]
        return np.maximum(quad - 2 * cross + mean_quad, 0.0)

    def score(self, features: np.ndarray) -> np.ndarray:
        """Minus the smallest squared distance (N,): larger = closer to some digit."""
        return -self.distances(features).min(axis=1)


def fit_class_gaussians(
    features: np.ndarray, labels: np.ndarray, num_classes: int = 10, ridge: float = 1e-6
) -> ClassGaussians:
    """Class means and the shared covariance of features (N, D) with labels (N,) in
    0..num_classes-1 (the maximum-likelihood estimates of Lee et al. 2018, eq. 1). `ridge` times
    the mean variance is added to the covariance's diagonal so that it can be inverted. Raises
    ValueError if a class has no sample."""
    x = np.asarray(features, dtype=np.float64)
    labels = np.asarray(labels)
    counts = np.bincount(labels, minlength=num_classes)
    if (counts[:num_classes] == 0).any():
        raise ValueError("every class needs at least one sample")
    means = np.stack([x[labels == c].mean(axis=0) for c in range(num_classes)])
    centred = x - means[labels]
    covariance = centred.T @ centred / len(x)
    covariance += ridge * np.trace(covariance) / len(covariance) * np.eye(len(covariance))
    return ClassGaussians(means, np.linalg.inv(covariance))


def knn_score(features: np.ndarray, bank: np.ndarray, k: int = 10) -> np.ndarray:
    """Minus the distance from each L2-normalised feature (N, D) to its k-th nearest neighbour
    among the L2-normalised rows of `bank` (M, D), M >= k (Sun et al. 2022): (N,)."""

    def unit(a):
        a = np.asarray(a, dtype=np.float64)
        return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)

    queries, bank = unit(features), unit(bank)
    out = np.empty(len(queries))
    for i in range(0, len(queries), 512):  # (512, M) similarities at a time
        squared = np.maximum(2.0 - 2.0 * queries[i : i + 512] @ bank.T, 0.0)
        out[i : i + 512] = np.sqrt(np.partition(squared, k - 1, axis=1)[:, k - 1])
    return -out


@dataclass(frozen=True)
class LogisticCombination:
    """A logistic regression on a few statistics (columns of X (N, K)), standardised by `mean`
    and `scale` (K,); `weights` (K,) and `bias`. `score` gives the log-odds of "digit"."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def score(self, x: np.ndarray) -> np.ndarray:
        return (
            (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        ) @ self.weights + self.bias


def fit_logistic(
    digits: np.ndarray, others: np.ndarray, l2: float = 1e-2, steps: int = 30
) -> LogisticCombination:
    """A logistic regression of "digit" on statistics, from the digits' rows (N, K) and the
    non-digits' (M, K), each class weighted half; L2 penalty `l2` on the standardised weights;
    Newton's method (the loss is convex and smooth)."""
    x = np.concatenate([digits, others]).astype(np.float64)
    y = np.r_[np.ones(len(digits)), np.zeros(len(others))]
    w = np.where(y == 1, 0.5 / len(digits), 0.5 / len(others))
    mean, scale = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-12)
    design = np.c_[(x - mean) / scale, np.ones(len(x))]
    penalty = l2 * np.diag(np.r_[np.ones(x.shape[1]), 0.0])
    beta = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-design @ beta))
        gradient = design.T @ ((p - y) * w) + penalty @ beta
        hessian = (design * (p * (1 - p) * w)[:, None]).T @ design + penalty
        beta -= np.linalg.solve(hessian, gradient)
    return LogisticCombination(mean, scale, beta[:-1], float(beta[-1]))
