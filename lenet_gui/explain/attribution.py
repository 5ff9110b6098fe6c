"""Why the network chose a class: attribution maps over the 32x32 input.

The explained quantity is a class's score (the logit, or for the RBF output minus the
distance), or, to ask "why 7 rather than 1", the difference of two classes' scores. Two
methods, each one batched forward (and backward) pass:

- occlusion sensitivity (Zeiler & Fergus 2014): cover a square patch with blank paper (the
  network's background value) and see how much the score drops; every patch position is one
  image of a single batch, and each pixel gets the mean drop over the patches covering it. This
  is what Captum's `captum.attr.Occlusion` computes (tests/test_attribution.py checks that the
  maps agree), written here because Captum perturbs every patch position and builds the 225
  occluded copies one by one in Python: 4 times the CPU time of these lines, which skip the
  patches over blank paper (20 ms vs 5 ms per map, benchmarks/bench_attribution.py), and while
  drawing, the Explain dock's heatmap then came every 255-324 ms instead of every 120 ms on a
  loaded machine (benchmarks/bench_gui_latency.py --heatmap occlusion).
- integrated gradients (Sundararajan, Taly & Yan 2017), by Captum (`captum.attr.
  IntegratedGradients`; Kokhlikyan et al. 2020, "Captum: A unified and generic model
  interpretability library for PyTorch"): the gradient of the score averaged along the straight
  path from a blank input to the drawing, times (input - blank), the path integral by
  Gauss-Legendre quadrature. The attributions add up to score(drawing) - score(blank)
  ("completeness"), up to the quadrature's error.

Positive values: pixels that raise the score (of the class, or of the first class over the
second). `import captum.attr` takes about a second (Captum 0.9 imports matplotlib.pyplot for its
plotting helpers, which this app does not use; the very first time on a machine about 3 s, while
matplotlib writes its font list to the user's cache folder), so it happens on first use, never
at start-up: `load_captum()` lets the GUI's attribution thread do it before it times its first
map.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import sys
from dataclasses import dataclass

import numpy as np
import torch

from ..network.model import LeNet5
from ..preprocessing.preprocess import BACKGROUND_VALUE
from ..system.paths import user_data_dir

METHODS = ("occlusion", "gradient")
OCCLUSION_PATCH = 4  # pixels, about a stroke's width and a C1 kernel's size
OCCLUSION_STRIDE = 2
# Integrated gradients: points of the Gauss-Legendre rule along the path. Over 60 pen digits
# (their predicted class), 48 points make the map add up to the score change within 1.4%
# (median; 5% for the worst tenth), 64 within 0.7% (2.6%): benchmarks/bench_attribution.py.
GRADIENT_STEPS = 64
# While the user draws, a new heatmap every tenth of a second matters more than the last few
# percent: 16 points put the map within about 7% of a 512-point one (median over the pen digits
# of the largest difference, relative to the map's largest value), at a third of the cost.
QUICK_GRADIENT_STEPS = 16
GRADIENT_RULE = "gausslegendre"  # Captum's default, and its most accurate rule here
REFINED_METHODS = ("gradient",)  # methods whose quick map differs from the full one
CAPTUM_METHODS = ("gradient",)  # methods computed by Captum (`load_captum` first)


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


def load_captum():
    """`captum.attr`, imported once (about a second, most of it matplotlib.pyplot; in the frozen
    app matplotlib keeps its font list in the user data folder's matplotlib/). Raises
    ImportError with the install command when Captum is missing."""
    if getattr(sys, "frozen", False) and "captum.attr" not in sys.modules:
        # PyInstaller's matplotlib hook points MPLCONFIGDIR at a new temporary folder each run,
        # where matplotlib would rebuild its font list (about 3 s) in every session. Without a
        # writable data folder the temporary one stays.
        with contextlib.suppress(OSError):
            os.environ["MPLCONFIGDIR"] = str(user_data_dir() / "matplotlib")
    try:
        import captum.attr
    except ImportError as exc:
        raise ImportError(f"attribution needs Captum ({exc}): pip install captum") from exc
    return captum.attr


def _objective(scores: torch.Tensor, target: int, versus: int | None) -> torch.Tensor:
    """(N, 10) scores -> (N,) score of `target`, minus that of `versus` when given."""
    out = scores[:, target]
    return out if versus is None else out - scores[:, versus]


def _explained(model: LeNet5, target: int, versus: int | None):
    """The forward function Captum attributes: (N, 1, 32, 32) -> (N,) explained score."""
    return lambda x: _objective(model(x), target, versus)


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
    """Integrated gradients from a blank input (all background): `captum.attr.
    IntegratedGradients` with `steps` Gauss-Legendre points, all in one batch."""
    model.eval()
    x = torch.as_tensor(np.asarray(network_input, dtype=np.float32)).reshape(1, 1, 32, 32)
    with torch.no_grad():
        scores = model(x)[0]
    _check(target, versus, len(scores))
    integrated = load_captum().IntegratedGradients(_explained(model, target, versus))
    result = integrated.attribute(
        x, baselines=BACKGROUND_VALUE, n_steps=steps, method=GRADIENT_RULE
    )
    return Attribution("gradient", target, versus, scores.numpy(), result[0, 0].detach().numpy())


def completeness_gap(model: LeNet5, attribution: Attribution) -> float:
    """How far an integrated-gradients map is from adding up to what it explains:
    |map sum - (explained score - the blank input's)| / |that score change| (Sundararajan,
    Taly & Yan 2017, section 3, "completeness"; 0 for an exact path integral). inf when the
    score does not change along the path. The self-test and bench_attribution.py report it."""
    blank = torch.full((1, 1, 32, 32), BACKGROUND_VALUE)
    with torch.no_grad():
        blank_score = float(_objective(model(blank), attribution.target, attribution.versus)[0])
    change = attribution.explained_score - blank_score
    if change == 0:
        return math.inf
    return abs(float(attribution.map.sum()) - change) / abs(change)


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
