"""Invariance sweeps: one drawing shifted, scaled, rotated, squeezed, thickened or noised step by
step, and the network's scores at every step (LeCun et al. 1998, section III.C and the LeNet-5
animations: "the answer holds while the digit is translated, scaled, rotated, squeezed").

The drawing goes through the one input pipeline (`preprocess.prepare_drawing` or
`prepare_image`) first, exactly as the canvas reads it; the transform is then applied to that
32x32 field (ink 0..1), around its centre, where the pipeline has placed the digit's centre of
mass. It cannot be applied before the pipeline: cropping, fitting to 20x20, centring by mass and
evening the stroke width would undo a shift, a scale or a thicker pen, and the sweep would show
the pipeline's invariance rather than the network's. All steps are warped in one `grid_sample`
call and read in one batched forward pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..network.model import LeNet5, model_device
from ..preprocessing.preprocess import INPUT_SIZE, PreparedInput
from ..reading.verdict import rejector_settings
from ..training.train import to_network_input


@dataclass(frozen=True)
class Transform:
    """One kind of sweep: its unit, the value that leaves the input as it is, a default range
    and the values it accepts."""

    name: str
    label: str
    unit: str
    identity: float
    default_range: tuple[float, float]
    limits: tuple[float, float]


TRANSFORMS: dict[str, Transform] = {
    t.name: t
    for t in (
        Transform("shift_x", "shift right", "pixels", 0.0, (-8.0, 8.0), (-32.0, 32.0)),
        Transform("shift_y", "shift down", "pixels", 0.0, (-8.0, 8.0), (-32.0, 32.0)),
        Transform("scale", "scale", "times", 1.0, (0.4, 1.8), (0.05, 10.0)),
        Transform("rotate", "rotate anticlockwise", "degrees", 0.0, (-90.0, 90.0), (-360.0, 360.0)),
        Transform("squeeze", "width (squeeze < 1)", "times", 1.0, (0.3, 1.7), (0.05, 10.0)),
        Transform("stroke_width", "stroke width change", "pixels", 0.0, (-2.0, 4.0), (-6.0, 6.0)),
        Transform("noise", "added noise (std of ink)", "ink 0..1", 0.0, (0.0, 1.0), (0.0, 5.0)),
    )
}

MAX_STEPS = 1001  # one batch of this many 32x32 inputs is about 4 MB


@dataclass(frozen=True)
class SweepResult:
    """The network's reading at every step of a sweep.

    `values` (S,) in the transform's unit, `probabilities` (S, 10), `inputs` (S, 32, 32) the
    network inputs (paper scale -0.1..1.175). `reading` is the plain reading of the untransformed
    input, `holds` the range of values, around the step nearest the identity, over which the
    network still reads it (None if it does not read it there), `flips_below` / `flips_above`
    the nearest values on each side of the identity where it reads another digit.
    """

    transform: Transform
    values: np.ndarray
    probabilities: np.ndarray
    inputs: np.ndarray
    reading: int
    plain_probabilities: np.ndarray
    seed: int

    @property
    def digits(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    def _anchor(self) -> int:
        return int(np.abs(self.values - self.transform.identity).argmin())

    @property
    def holds(self) -> tuple[float, float] | None:
        same = self.digits == self.reading
        i = self._anchor()
        if not same[i]:
            return None
        lo, hi = i, i
        while lo > 0 and same[lo - 1]:
            lo -= 1
        while hi < len(same) - 1 and same[hi + 1]:
            hi += 1
        return float(self.values[lo]), float(self.values[hi])

    def _nearest_flip(self, side: int) -> float | None:
        identity = self.transform.identity
        side_mask = (self.values - identity) * side > 0
        flipped = np.flatnonzero(side_mask & (self.digits != self.reading))
        if len(flipped) == 0:
            return None
        return float(self.values[flipped[np.abs(self.values[flipped] - identity).argmin()]])

    @property
    def flips_below(self) -> float | None:
        return self._nearest_flip(-1)

    @property
    def flips_above(self) -> float | None:
        return self._nearest_flip(+1)

    @property
    def first_flip(self) -> float | None:
        """The value nearest the identity at which the network reads another digit."""
        flipped = np.flatnonzero(self.digits != self.reading)
        if len(flipped) == 0:
            return None
        distance = np.abs(self.values[flipped] - self.transform.identity)
        return float(self.values[flipped[distance.argmin()]])

    def summary(self) -> str:
        """One sentence for people: where the reading holds and where it first flips."""
        t = self.transform
        holds, flip = self.holds, self.first_flip
        text = f"Reads {self.reading}"
        if holds is None:
            text += f" untransformed, but not near {t.identity:.3g} {t.unit}"
        elif flip is None:
            text += f" over the whole sweep ({holds[0]:.3g} to {holds[1]:.3g} {t.unit})"
        else:
            text += f" from {holds[0]:.3g} to {holds[1]:.3g} {t.unit}"
        if flip is not None:
            digit = int(self.digits[int(np.flatnonzero(self.values == flip)[0])])
            text += f"; first flips at {flip:.3g} {t.unit} (reads {digit})"
        return text + "."

    def to_json(self) -> dict:
        """The fields `python -m lenet_gui sweep` prints (documented in README)."""
        return {
            "transform": self.transform.name,
            "unit": self.transform.unit,
            "identity": self.transform.identity,
            "seed": self.seed,
            "reading": self.reading,
            "values": [_round(v) for v in self.values],
            "digits": [int(d) for d in self.digits],
            "probabilities": [[round(float(p), 6) for p in row] for row in self.probabilities],
            "holds": None if self.holds is None else [_round(v) for v in self.holds],
            "flips_below": _round(self.flips_below),
            "flips_above": _round(self.flips_above),
            "first_flip": _round(self.first_flip),
        }

    def csv_rows(self) -> list[list[str]]:
        """Header and one row per step: value, digit read, the ten probabilities."""
        header = [f"{self.transform.name} ({self.transform.unit})", "digit"]
        header += [f"p{d}" for d in range(self.probabilities.shape[1])]
        rows = [header]
        for value, digit, probs in zip(self.values, self.digits, self.probabilities, strict=True):
            rows.append([f"{value:g}", str(int(digit))] + [f"{p:.6f}" for p in probs])
        return rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def sweep_values(transform: str, low: float, high: float, steps: int) -> np.ndarray:
    """`steps` evenly spaced values from `low` to `high`; ValueError for a bad request."""
    t = TRANSFORMS.get(transform)
    if t is None:
        raise ValueError(f"unknown transform {transform!r}; one of {', '.join(TRANSFORMS)}")
    if not 2 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be between 2 and {MAX_STEPS}, got {steps}")
    if not (math.isfinite(low) and math.isfinite(high)) or low == high:
        raise ValueError(f"the range needs two different finite values, got {low:g} {high:g}")
    for v in (low, high):
        if not t.limits[0] <= v <= t.limits[1]:
            raise ValueError(
                f"{transform} must lie in {t.limits[0]:g}..{t.limits[1]:g} {t.unit}, got {v:g}"
            )
    return np.linspace(low, high, steps)


def transform_fields(field: np.ndarray, transform: str, values: np.ndarray, seed: int = 0):
    """The field (32, 32) ink 0..1 transformed once per value: a tensor (S, 1, 32, 32) of ink.

    Geometry is one affine warp about the centre (bilinear, paper outside); stroke width grows
    or shrinks each side by a 3x3 grey dilation or erosion per 2 pixels, blended for fractions;
    noise adds the same seeded Gaussian pattern (std 1) times each value, clipped to 0..1.
    """
    v = torch.as_tensor(values, dtype=torch.float32)
    n = len(v)
    ink = torch.as_tensor(np.asarray(field, dtype=np.float32)).view(1, 1, INPUT_SIZE, INPUT_SIZE)
    ink = ink.expand(n, 1, INPUT_SIZE, INPUT_SIZE)
    if transform == "noise":
        generator = torch.Generator().manual_seed(seed)
        pattern = torch.randn(1, 1, INPUT_SIZE, INPUT_SIZE, generator=generator)
        return (ink + v.view(-1, 1, 1, 1) * pattern).clamp(0.0, 1.0)
    if transform == "stroke_width":
        return _change_stroke_width(ink, v)
    one, zero = torch.ones(n), torch.zeros(n)
    half = INPUT_SIZE / 2  # affine_grid works in -1..1: one pixel is 1/half
    # theta maps output coordinates to input coordinates (the inverse of the transform).
    if transform == "shift_x":
        rows = [[one, zero, -v / half], [zero, one, zero]]
    elif transform == "shift_y":
        rows = [[one, zero, zero], [zero, one, -v / half]]
    elif transform == "scale":
        rows = [[1 / v, zero, zero], [zero, 1 / v, zero]]
    elif transform == "squeeze":
        rows = [[1 / v, zero, zero], [zero, one, zero]]
    elif transform == "rotate":
        a = torch.deg2rad(v)  # anticlockwise on screen, where y points down
        rows = [[torch.cos(a), -torch.sin(a), zero], [torch.sin(a), torch.cos(a), zero]]
    else:
        raise ValueError(f"unknown transform {transform!r}")
    theta = torch.stack([torch.stack(row, 1) for row in rows], 1)  # (S, 2, 3)
    grid = F.affine_grid(theta, [n, 1, INPUT_SIZE, INPUT_SIZE], align_corners=False)
    return F.grid_sample(ink, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _change_stroke_width(ink: torch.Tensor, change: torch.Tensor) -> torch.Tensor:
    """Strokes `change` pixels wider (negative: thinner), one 3x3 pass per 2 pixels."""
    passes = change / 2
    most = math.ceil(float(passes.abs().max()))
    grown, shrunk = [ink[:1]], [ink[:1]]
    for _ in range(most):
        grown.append(F.max_pool2d(grown[-1], 3, 1, 1))
        shrunk.append(-F.max_pool2d(-shrunk[-1], 3, 1, 1))
    levels = torch.cat(shrunk[::-1] + grown[1:])  # index `most` is the unchanged field
    position = passes + most
    lower = position.floor().long().clamp(0, 2 * most)
    upper = (lower + 1).clamp(max=2 * most)
    frac = (position - lower).view(-1, 1, 1, 1)
    return (1 - frac) * levels[lower] + frac * levels[upper]


@torch.no_grad()
def run_sweep(
    model: LeNet5,
    prepared: PreparedInput,
    transform: str,
    low: float,
    high: float,
    steps: int,
    seed: int = 0,
) -> SweepResult:
    """Sweep `transform` from `low` to `high` in `steps` steps; the untransformed input is
    read in the same forward pass. ValueError for a bad transform, range or step count."""
    values = sweep_values(transform, low, high, steps)
    fields = transform_fields(prepared.field, transform, values, seed)
    plain = torch.from_numpy(prepared.network_input[None])
    batch = torch.cat([plain, to_network_input(fields)])  # (1 + S, 1, 32, 32)
    model.eval()
    temperature = rejector_settings(model.rejector)["temperature"]  # the app's calibration
    probs = torch.softmax(model(batch.to(model_device(model))) / temperature, 1).cpu().numpy()
    return SweepResult(
        transform=TRANSFORMS[transform],
        values=values,
        probabilities=probs[1:],
        inputs=batch[1:, 0].numpy(),
        reading=int(probs[0].argmax()),
        plain_probabilities=probs[0],
        seed=seed,
    )
