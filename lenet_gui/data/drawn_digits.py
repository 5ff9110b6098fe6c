"""Pen-drawn digits (UNIPEN strokes) placed on a canvas the way a person would draw them.

The records come in raw tablet units; each is scaled so that its taller side covers 45-80% of
the canvas and put at a random spot that keeps it inside, seeded, then goes through the same
render-and-prepare path as a drawing on the canvas.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..preprocessing.preprocess import Drawing

CANVAS = 280
HEIGHT_RANGE = (0.45, 0.80)


@dataclass(frozen=True)
class PenDigit:
    label: int
    writer: str
    strokes: tuple[tuple[tuple[float, float], ...], ...]  # raw tablet units


class PenDigitsError(ValueError):
    """A pen-digits file that is missing, unreadable or not pen digits; the message names it."""


def load_pen_digits(path: str | os.PathLike) -> list[PenDigit]:
    """Read `unipen_dev.json.gz` (or plain JSON): a list of {label, writer, strokes} records.

    Raises PenDigitsError with a one-line message for a missing or unreadable file, a file that
    is not (gzipped) JSON, a drawing (strokes JSON, which `predict --strokes` reads) and records
    without a digit label or strokes."""
    path = Path(path)
    try:
        with open(path, "rb") as raw:
            packed = raw.read(2) == b"\x1f\x8b"
        with (gzip.open if packed else open)(path, "rt", encoding="utf-8") as fh:
            records = json.load(fh)
    except FileNotFoundError:
        raise PenDigitsError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PenDigitsError(f"{path}: is a folder, not a pen-digits file") from None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise PenDigitsError(f"{path.name}: not a pen-digits file ({detail})") from None
    if isinstance(records, dict) and "strokes" in records:
        raise PenDigitsError(
            f"{path.name}: a drawing, not pen digits (read drawings with `predict --strokes`)"
        )
    if not isinstance(records, list):
        raise PenDigitsError(
            f"{path.name}: not a pen-digits file (expected a list of "
            f"{{label, writer, strokes}} records, found a JSON {type(records).__name__})"
        )
    digits = []
    for i, r in enumerate(records):
        try:
            label = int(r["label"])
            strokes = tuple(tuple((float(x), float(y)) for x, y in s) for s in r["strokes"])
        except (KeyError, TypeError, ValueError) as exc:
            raise PenDigitsError(
                f"{path.name}: record {i} is not a pen digit ({type(exc).__name__}: {exc})"
            ) from None
        if not 0 <= label <= 9 or not any(strokes):
            raise PenDigitsError(f"{path.name}: record {i} has label {label} or no strokes")
        digits.append(PenDigit(label, str(r.get("writer", "")), strokes))
    if not digits:
        raise PenDigitsError(f"{path.name}: holds no digits")
    return digits


def place_on_canvas(digit: PenDigit, rng: np.random.Generator, canvas: int = CANVAS) -> Drawing:
    """The digit as a person might draw it on a canvas x canvas drawing area."""
    points = np.concatenate([np.asarray(s, dtype=float).reshape(-1, 2) for s in digit.strokes])
    low, high = points.min(axis=0), points.max(axis=0)
    extent = np.maximum(high - low, 1e-6)
    pen = Drawing(canvas, canvas, ()).effective_pen_width()
    target = rng.uniform(*HEIGHT_RANGE) * canvas
    scale = target / extent.max()
    size = extent * scale
    margin = pen / 2  # keep the whole stroke, not just its centre line, on the canvas
    offset = np.array(
        [rng.uniform(margin, max(margin, canvas - margin - size[i])) for i in range(2)]
    )
    strokes = tuple(
        tuple(
            (float(x), float(y)) for x, y in (np.asarray(s).reshape(-1, 2) - low) * scale + offset
        )
        for s in digit.strokes
    )
    return Drawing(canvas, canvas, strokes)


def pen_drawings(digits: list[PenDigit], seed: int = 0) -> list[Drawing]:
    rng = np.random.default_rng(seed)
    return [place_on_canvas(d, rng) for d in digits]


def evaluate_pen_digits(model, digits: list[PenDigit], seed: int = 0):
    """Accuracy, per-class accuracy and confusion of `model` on the digits placed on a canvas,
    through the app's drawing path; a digit read as blank counts as wrong."""
    from ..reading.inference import classify_drawings
    from ..training.train import confusion_summary

    predictions = classify_drawings(model, pen_drawings(digits, seed=seed))
    labels = np.array([d.label for d in digits])
    guessed = np.array([-1 if p.digit is None else p.digit for p in predictions])
    blank = guessed < 0
    guessed[blank] = (labels[blank] + 1) % 10  # any wrong class, for the confusion matrix
    return confusion_summary(labels, guessed)


# Numbers composed from pen digits, for the measure of `segmentation` (issue 9).
NUMBER_HEIGHT_RANGE = (0.45, 0.70)  # the digits' common height, x the canvas height
GAP_RANGE = (0.0, 0.5)  # between neighbouring ink boxes, x the digit height: touching to wide
BASELINE_JITTER = 0.05  # each digit moves up or down by up to this, x the digit height
MAX_ASPECT = 1.5  # a digit wider than this x its height is scaled to this width instead


def compose_number(
    digits: list[PenDigit],
    rng: np.random.Generator,
    canvas_height: int = CANVAS,
    gap_range: tuple[float, float] = GAP_RANGE,
) -> Drawing:
    """The digits written side by side at one height, left to right, on a canvas as wide as
    they need (at least square): gaps from touching to wide, a little baseline jitter.

    Gaps are measured between the digits' ink boxes (centre lines plus half the pen), so a gap
    of 0 is digits that touch.
    """
    pen = Drawing(canvas_height, canvas_height, ()).effective_pen_width()
    height = rng.uniform(*NUMBER_HEIGHT_RANGE) * canvas_height
    line_height = height - pen  # of the centre lines, so the ink is `height` tall
    margin = 0.1 * canvas_height
    x = margin
    placed = []
    for digit in digits:
        points = np.concatenate([np.asarray(s, dtype=float).reshape(-1, 2) for s in digit.strokes])
        low, high = points.min(axis=0), points.max(axis=0)
        extent = np.maximum(high - low, 1e-6)
        scale = min(line_height / extent[1], MAX_ASPECT * line_height / extent[0])
        top = (canvas_height - height) / 2 + pen / 2
        top += rng.uniform(-BASELINE_JITTER, BASELINE_JITTER) * height
        top += (line_height - extent[1] * scale) / 2
        offset = np.array([x + pen / 2, top])
        placed.append(
            tuple(
                tuple(
                    (float(px), float(py))
                    for px, py in (np.asarray(s).reshape(-1, 2) - low) * scale + offset
                )
                for s in digit.strokes
            )
        )
        right = x + extent[0] * scale + pen
        x = right + rng.uniform(*gap_range) * height
    width = max(canvas_height, round(right + margin))
    return Drawing(width, canvas_height, tuple(s for strokes in placed for s in strokes), pen)


MARKS = ("dot", "dash")


def compose_with_mark(
    digits: list[PenDigit], mark: str, at: int, rng: np.random.Generator, **number
) -> Drawing:
    """`compose_number` with a `mark` ("dot" or "dash") between digits at-1 and at: it takes
    the place of a box half a line wide; a dot is a click on the baseline (or, for odd draws of
    `rng`, a tiny loop there), a dash a stroke across the box at mid-height with a little wobble.
    `number` goes to `compose_number`. A letter between digits is `compose_number` with the
    letter's strokes as one of the digits."""
    if mark not in MARKS or not 0 < at < len(digits):
        raise ValueError(f"no {mark!r} at {at}")
    placeholder = PenDigit(-1, "", (((0.0, 0.0), (0.5, 1.0)),))
    glyphs = [*digits[:at], placeholder, *digits[at:]]
    drawing = compose_number(glyphs, rng, **number)
    strokes = list(drawing.strokes)
    first = sum(len(g.strokes) for g in glyphs[:at])
    (x0, y0), (x1, y1) = strokes[first]
    if mark == "dot":
        x, y, r = (x0 + x1) / 2, y1, drawing.effective_pen_width() / 3
        loop = tuple((x + r * np.cos(t), y + r * np.sin(t)) for t in np.linspace(0, 6, 6))
        strokes[first] = loop if rng.integers(2) else ((x, y),)
    else:
        xs = np.linspace(x0, x1, 12)
        ys = (y0 + y1) / 2 + rng.uniform(-0.02, 0.02) * (y1 - y0) * np.sin(xs / 9)
        strokes[first] = tuple(zip(xs.tolist(), ys.tolist(), strict=True))
    return Drawing(drawing.width, drawing.height, tuple(strokes), drawing.pen_width)
