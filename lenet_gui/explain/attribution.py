"""Why the network chose a class: attribution maps over the 32x32 input.

The explained quantity is a class's score (the logit, or for the RBF output minus the
distance), or, to ask "why 7 rather than 1", the difference of two classes' scores. Two
methods, each one batched forward (and backward) pass:

- occlusion sensitivity (Zeiler & Fergus 2014): cover a square patch with blank paper (the
  network's background value) and see how much the score drops; every patch position is one
  image of a single batch, and each pixel gets the mean drop over the patches covering it.
- integrated gradients (Sundararajan, Taly & Yan 2017): the gradient of the score averaged along
  the straight path from a blank input to the drawing, times (input - blank). The attributions
  add up to score(drawing) - score(blank) ("completeness"), up to the Riemann sum's error.

Positive values: pixels that raise the score (of the class, or of the first class over the
second). Captum implements both, but `import captum.attr` imports matplotlib, which the
packaged app leaves out, so these few lines are written here in torch.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch

from ..network.model import LeNet5
from ..preprocessing.preprocess import BACKGROUND_VALUE

METHODS = ("occlusion", "gradient")
OCCLUSION_PATCH = 4  # pixels, about a stroke's width and a C1 kernel's size
OCCLUSION_STRIDE = 2
# Integrated gradients: steps along the path, spaced alpha = t^2 (denser near the blank input,
# where LeNet-5's score changes fastest: with 48 such steps the attributions add up to the
# score change within a few percent, where 48 even steps can miss by half).
GRADIENT_STEPS = 48
# While the user draws, a new heatmap every tenth of a second matters more than the last few
# percent: 16 steps put the map within about 10% of the 48-step one (median over pen digits of
# the largest difference, relative to the map's largest value), at a third of the cost.
QUICK_GRADIENT_STEPS = 16
REFINED_METHODS = ("gradient",)  # methods whose quick map differs from the full one


@dataclass(frozen=True)
class Attribution:
    method: str  # "occlusion" or "gradient" (integrated gradients)
    target: int  # the class explained
    versus: int | None  # the class it is contrasted with, or None
    scores: np.ndarray  # (10,) the model's scores of the input
    map: np.ndarray  # (32, 32) float32, in score units per pixel

    @property
    def explained_score(self) -> float:
        """score[target] (- score[versus]): what `map` attributes."""
        versus = 0.0 if self.versus is None else float(self.scores[self.versus])
        return float(self.scores[self.target]) - versus

    def to_json(self) -> dict:
        return {
            "method": self.method,
            "class": self.target,
            "versus": self.versus,
            "explained_score": round(self.explained_score, 6),
            "scores": [round(float(s), 6) for s in self.scores],
            "attribution": np.round(self.map.astype(float), 6).tolist(),
        }


def _objective(scores: torch.Tensor, target: int, versus: int | None) -> torch.Tensor:
    """(N, 10) scores -> (N,) score of `target`, minus that of `versus` when given."""
    out = scores[:, target]
    return out if versus is None else out - scores[:, versus]


def _check(target: int, versus: int | None, classes: int) -> None:
    for c in (target, versus):
        if c is not None and not 0 <= c < classes:
            raise ValueError(f"a class is a digit 0..{classes - 1}, got {c}")
    if versus == target:
        raise ValueError("contrast a class with another class, not with itself")


@functools.cache
def _patch_masks(size: int, patch: int, stride: int) -> torch.Tensor:
    """(P, size, size) bool: one square patch per position, the last row/column flush."""
    starts = list(range(0, size - patch + 1, stride))
    if starts[-1] != size - patch:
        starts.append(size - patch)
    masks = torch.zeros(len(starts) ** 2, size, size, dtype=torch.bool)
    for i, (r, c) in enumerate((r, c) for r in starts for c in starts):
        masks[i, r : r + patch, c : c + patch] = True
    return masks


@torch.no_grad()
def occlusion(
    model: LeNet5,
    network_input: np.ndarray,
    target: int,
    versus: int | None = None,
    patch: int = OCCLUSION_PATCH,
    stride: int = OCCLUSION_STRIDE,
) -> Attribution:
    """Occlusion sensitivity of (1, 32, 32) `network_input`, in one batch.

    A patch over blank paper leaves the input as it is: its drop is exactly 0 and it is not
    computed, so the batch holds only the patches that cover ink (about 40% of the 226 for a
    drawn digit: the cost of a heatmap while drawing).
    """
    model.eval()
    x = torch.as_tensor(np.asarray(network_input, dtype=np.float32)).reshape(1, 1, 32, 32)
    masks = _patch_masks(x.shape[-1], patch, stride)  # (P, 32, 32)
    inked = (masks & (x[0, 0] != BACKGROUND_VALUE)).flatten(1).any(1)  # (P,)
    covering = masks[inked]  # (Q, 32, 32), Q <= P
    occluded = torch.where(covering[:, None], torch.tensor(BACKGROUND_VALUE), x)  # (Q, 1, 32, 32)
    scores = model(torch.cat([occluded, x]))  # the last one unoccluded
    _check(target, versus, scores.shape[1])
    values = _objective(scores, target, versus)
    drop = torch.zeros(len(masks))
    drop[inked] = values[-1] - values[:-1]  # (P,): 0 where the patch covers no ink
    flat = masks.flatten(1).float()  # (P, 1024)
    mean_drop = (drop @ flat) / flat.sum(0)  # every pixel is covered at least once
    return Attribution(
        "occlusion", target, versus, scores[-1].numpy(), mean_drop.view(32, 32).numpy()
    )


def integrated_gradients(
    model: LeNet5,
    network_input: np.ndarray,
    target: int,
    versus: int | None = None,
    steps: int = GRADIENT_STEPS,
) -> Attribution:
    """Integrated gradients from a blank input (all background), one batch.

    The path integral of the gradient over alpha in 0..1 is taken with alpha = t^2 and the
    midpoint rule in t (weights 2t/steps), which puts more steps where the score moves most.
    """
    model.eval()
    x = torch.as_tensor(np.asarray(network_input, dtype=np.float32)).reshape(1, 1, 32, 32)
    blank = torch.full_like(x, BACKGROUND_VALUE)
    t = ((torch.arange(steps, dtype=torch.float32) + 0.5) / steps).view(-1, 1, 1, 1)
    alphas, weights = t**2, 2 * t / steps
    path = (blank + alphas * (x - blank)).requires_grad_(True)
    with torch.enable_grad():
        scores = model(torch.cat([path, x]))
        _check(target, versus, scores.shape[1])
        objective = _objective(scores[:-1], target, versus).sum()
        (grad,) = torch.autograd.grad(objective, path)
    attribution = ((grad * weights).sum(0, keepdim=True) * (x - blank))[0, 0]
    return Attribution("gradient", target, versus, scores[-1].detach().numpy(), attribution.numpy())


def attribute(
    model: LeNet5,
    network_input: np.ndarray,
    target: int,
    versus: int | None = None,
    method: str = "occlusion",
    quick: bool = False,
) -> Attribution:
    """The one entry point of the GUI and the command line. `quick`: integrated gradients with
    QUICK_GRADIENT_STEPS steps (the GUI while drawing; occlusion is the same either way).
    Raises ValueError for an unknown method or class."""
    if method == "occlusion":
        return occlusion(model, network_input, target, versus)
    if method == "gradient":
        steps = QUICK_GRADIENT_STEPS if quick else GRADIENT_STEPS
        return integrated_gradients(model, network_input, target, versus, steps)
    raise ValueError(f"unknown method {method!r}: one of {', '.join(METHODS)}")
