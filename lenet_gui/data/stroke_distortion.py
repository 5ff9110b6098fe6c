"""Random distortions of pen strokes, made before rendering: more pen styles from the same writers.

The field-level augmentation of `train.augment` warps the 32x32 image a network sees; this one
changes the drawing itself (its points, its pen), so each variant then goes through the very
path a canvas drawing takes (`preprocess.prepare_drawing`: render, crop, even the stroke width,
fit, centre). Per drawing: a random affine map about the centre of its points (rotation,
slant as a horizontal shear, aspect, the scale being fixed later by the canvas placement),
a jitter of every point smoothed along its stroke (an unsteady hand), and a random pen width.
For non-digits (`truncate=True`) a stroke may also lose a piece of either end (a hurried
letter). This is the stroke-level counterpart of the affine distortions the paper adds to MNIST
(LeCun et al. 1998, section III.C) and of the elastic distortions of Simard, Steinkraus and
Platt, "Best practices for convolutional neural networks applied to visual document analysis"
(ICDAR 2003), section 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..preprocessing.preprocess import Drawing

Strokes = tuple[tuple[tuple[float, float], ...], ...]


@dataclass(frozen=True)
class StrokeDistortion:
    """Ranges of the random distortion (each drawn uniformly, per drawing)."""

    rotation_degrees: float = 15.0  # +-
    slant: float = 0.3  # horizontal shear x += slant * y, +-
    aspect: float = 1.25  # width / height multiplied by a factor in [1 / aspect, aspect]
    jitter: float = 0.012  # point noise, as a share of the drawing's longest side (sd)
    pen_width: tuple[float, float] = (0.7, 1.5)  # times the canvas's default pen width
    truncate: float = 0.15  # with truncate=True: up to this share of a stroke's points per end


DEFAULT = StrokeDistortion()


def distort_strokes(
    strokes: Strokes,
    rng: np.random.Generator,
    *,
    truncate: bool = False,
    ranges: StrokeDistortion = DEFAULT,
) -> Strokes:
    """The strokes, in the units they came in, distorted at random (see the module docstring).

    Strokes of any length; empty strokes are dropped. Deterministic for a given `rng` state."""
    arrays = [np.asarray(s, dtype=float).reshape(-1, 2) for s in strokes if len(s)]
    if not arrays:
        return ()
    points = np.concatenate(arrays)
    centre = (points.min(0) + points.max(0)) / 2
    size = max(float(np.ptp(points, 0).max()), 1e-6)
    angle = math.radians(rng.uniform(-ranges.rotation_degrees, ranges.rotation_degrees))
    slant = rng.uniform(-ranges.slant, ranges.slant)
    stretch = math.exp(rng.uniform(-math.log(ranges.aspect), math.log(ranges.aspect)))
    cos, sin = math.cos(angle), math.sin(angle)
    rotation = np.array([[cos, -sin], [sin, cos]])
    shape = np.array([[math.sqrt(stretch), 0.0], [0.0, 1 / math.sqrt(stretch)]])
    shear = np.array([[1.0, slant], [0.0, 1.0]])
    matrix = rotation @ shape @ shear
    out = []
    for stroke in arrays:
        if truncate and len(stroke) > 4:
            most = int(ranges.truncate * len(stroke))
            start, end = rng.integers(0, most + 1, 2)
            stroke = stroke[start : len(stroke) - end]
        noise = rng.normal(0.0, ranges.jitter * size, stroke.shape)
        if len(stroke) > 2:  # smoothed along the stroke: a wobble, not a fuzz
            noise = (np.roll(noise, 1, 0) + 2 * noise + np.roll(noise, -1, 0)) / 4
        moved = (stroke - centre) @ matrix.T + centre + noise
        out.append(tuple((float(x), float(y)) for x, y in moved))
    return tuple(out)


def with_random_pen(
    drawing: Drawing, rng: np.random.Generator, ranges: StrokeDistortion = DEFAULT
) -> Drawing:
    """The drawing with a pen width drawn from `ranges.pen_width` times the default width."""
    factor = rng.uniform(*ranges.pen_width)
    return replace(drawing, pen_width=drawing.effective_pen_width() * factor)


# Each pen digit of these labels gets, with this probability, the extra stroke of a style the
# train writers used less than other writers may (`with_style_stroke`).
STYLE_SHARE = 0.25


def with_style_stroke(strokes: Strokes, label: int, rng: np.random.Generator) -> Strokes:
    """A digit's strokes with, at random (STYLE_SHARE), the extra stroke of a European style:
    a slash through a one-stroke 0 (Ø), a bar across the stem of a one-stroke 7, a flag (and
    half the time a base) on a 1 drawn as a plain bar. Others are returned as they are.

    The field-level counterpart for MNIST is `train.add_style_strokes` (slashed 0s, crossed
    7s); issue 8 names these styles among the pen digits misread (a 1 with a flag as 7, a
    slashed 0 as 4, 8 or 9). Deterministic for a given `rng` state; same units as `strokes`."""
    arrays = [np.asarray(s, dtype=float).reshape(-1, 2) for s in strokes if len(s)]
    if not arrays or label not in (0, 1, 7) or rng.random() >= STYLE_SHARE:
        return strokes
    points = np.concatenate(arrays)
    low, high = points.min(0), points.max(0)
    width, height = np.maximum(high - low, 1e-6)
    extra: list[np.ndarray] = []
    if label == 0 and len(arrays) == 1:
        angle = rng.uniform(0.9, 1.35)  # from the horizontal, rising to the right (y down)
        half = rng.uniform(0.55, 0.75) * height
        centre = (low + high) / 2
        direction = np.array([math.cos(angle), -math.sin(angle)])
        extra.append(np.stack([centre - half * direction, centre + half * direction]))
    elif label == 7 and len(arrays) == 1:
        y = low[1] + rng.uniform(0.45, 0.62) * height
        stem = arrays[0][arrays[0][:, 1] > low[1] + 0.2 * height]  # below the top bar
        if len(stem):
            x = float(stem[np.argmin(np.abs(stem[:, 1] - y)), 0])
            half = rng.uniform(0.15, 0.3) * max(width, 0.6 * height)
            extra.append(np.array([[x - half, y], [x + half, y]]))
    elif label == 1 and width < 0.2 * height:
        top = points[np.argmin(points[:, 1])]
        bottom = points[np.argmax(points[:, 1])]
        reach = rng.uniform(0.2, 0.45) * height
        drop = rng.uniform(0.1, 0.3) * height
        extra.append(np.array([[top[0] - reach, top[1] + drop], top]))
        if rng.random() < 0.5:
            half = rng.uniform(0.2, 0.35) * height
            extra.append(np.array([[bottom[0] - half, bottom[1]], [bottom[0] + half, bottom[1]]]))
    return tuple(strokes) + tuple(tuple((float(x), float(y)) for x, y in e) for e in extra)
