"""Reading a number: segmentation of a drawing or an image into digits, left to right.

The method is the one LeCun et al. (1998) use for strings (sections VI-VIII): a heuristic
over-segmentation into pieces, then every plausible run of consecutive pieces is read by the
recognizer, and the best path through these candidates (dynamic programming) gives the digits.

- Pieces of a drawing are its strokes; pieces of an image are the connected components of its
  ink. A piece too wide for one digit (touching digits, a number written without lifting the
  pen) is cut at the thinnest columns of its ink into several pieces (cut hypotheses).
- Candidates are runs of up to `MAX_RUN` consecutive pieces (ordered by the centre of their
  ink box) that leave no wide gap inside (a drawing or image of more than `MAX_PIECES` pieces,
  a scribble rather than a number, is one candidate: reading it costs what a number does);
  each one goes through the same drawing-to-input
  functions as a single digit (`prepare_drawing`; `prepare_ink`, the body of `prepare_image`)
  and ALL of them are read in one batched forward.
- A path's cost adds, per digit, the recognizer's -log p(best class) and geometric costs (too
  short for the line, pieces that do not overlap in x as a digit's strokes do, too wide), and,
  per cut, how much the two sides overlap and what it cuts through.
  The paper trains the recognizer on non-characters for this; ours never saw any, so the
  geometry says what a lone fragment (a 5's flag, a 7's bar) is.

A drawing or image that is one piece and is not cut is read exactly as a single digit
(`prepare_drawing(drawing)` / `prepare_image(image)`), so single digits read as before.
Coordinates (`box`) are the drawing's canvas pixels, or the image's pixels.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from PIL import Image

from ..preprocessing.components import components_mask, ink_components
from ..preprocessing.photo import ink_threshold, photo_ink
from ..preprocessing.preprocess import (
    INK_THRESHOLD,
    MIN_INK_FRACTION,
    WORKING_SIZE,
    Drawing,
    PreparedInput,
    prepare_drawing,
    prepare_ink,
    stroke_width,
)
from .number_verdict import number_verdicts
from .verdict import Verdict, calibrated_probabilities, decide, shape_reason

Box = tuple[float, float, float, float]  # x0, y0, x1, y1

MAX_RUN = 4  # pieces per digit at most (pen digits have 1-4 strokes)
# More pieces than this are read as one digit: every piece costs up to MAX_RUN candidates, each
# a render and a forward (100 strokes cost 0.6-1 s per mouse move before this bound).
MAX_PIECES = 32
MAX_GAP = 0.3  # a run with a horizontal gap wider than this (x line height) is no candidate
MAX_WIDTH = 1.6  # nor is a run of several pieces wider than this (x line height)
WIDE = 1.05  # an image component wider than this (x line height) gets cut hypotheses
WIDE_STROKE = 2.0  # a stroke wider than this (x line height) gets cut hypotheses
MAX_CUTS = 4  # per wide piece
LINE_PENS = 2.0  # a stroke whose centre line is less tall than this (x pen width) is not cut
# Path costs, in units of -log p: terms are measured in line heights; tuned on the dev pen
# digits (benchmarks/bench_numbers.py).
# Digits of a number are about as tall as the line; parts of a digit (a 5's or 7's bar, a 1's
# flag, a 4's left half) are not.
SHORT = 0.8  # a digit shorter than this fraction of the line costs SHORT_COST per missing 10%
SHORT_COST = 3.0
# The strokes of one digit overlap in x (the centre lines of two-stroke pen digits: 5th
# percentile 0.01-0.06 line heights for 4, 5 and 7); digits side by side do not.
MIN_OVERLAP = 0.0
MERGE_COST = 8.0  # per line height that a piece of a digit overlaps less than MIN_OVERLAP
WIDTH_LIMIT = 1.25  # a digit wider than this costs WIDTH_COST per line height more
WIDTH_COST = 6.0
OVERLAP_COST = 12.0  # per line height that the centre lines on both sides of a cut overlap
STROKE_CUT_COST = 8.0  # for cutting through a stroke: people lift the pen between digits
# A dot or a dash as a part of its own (see digit_cost): -log of its prior share of a number's
# parts, about one in twenty. Without it a dash paid a short digit's cost (~20) and was taken
# into the digit beside it.
MARK_COST = 3.0
# per line height of ink crossed by a cut through an image component: one pen width (~0.1 line)
# costs 1; at 3 a cut through the two strokes of a wide 0, 2 or 3 was nearly free (images of the
# seed-1 numbers: 91.2% -> 91.6% read right).
CUT_INK_COST = 10.0
MIN_PIECE_INK = 0.002  # image components with less ink than this x line height² are specks


@dataclass(frozen=True)
class Piece:
    """One piece of the over-segmentation: some strokes (or parts of strokes), or an image mask."""

    box: Box  # ink box
    strokes: tuple = ()  # drawing pieces: strokes in canvas pixels
    mask: np.ndarray | None = None  # image pieces: (H, W) bool, the piece's ink pixels
    cut: float = 0.0  # the cost of the cut that ends this piece on the right (0: no cut)

    @property
    def centre(self) -> float:
        return (self.box[0] + self.box[2]) / 2


@dataclass(frozen=True)
class DigitReading:
    """One part of a number: where it is, what the network saw and what it read.

    `alone` is the verdict the part gets as a drawing of its own (`verdict.decide`); `verdict`
    is the one it gets in the number (`number_verdict.number_verdicts`). A part whose verdict
    is "not a digit" (a dot, a dash, a stray mark) stays in `NumberReading.digits`, with its
    box, but is left out of the number."""

    box: Box  # ink box in the drawing's (or image's) coordinates
    prepared: PreparedInput
    probabilities: np.ndarray  # (10,) calibrated (the verdict's)
    candidate: int  # the row of the batched forward that read it
    verdict: Verdict
    alone: Verdict
    strokes: tuple = ()  # a drawing's digit: its strokes (parts of strokes if cut), canvas pixels

    @property
    def digit(self) -> int:
        return int(self.probabilities.argmax())

    @property
    def probability(self) -> float:
        return float(self.probabilities.max())

    def to_json(self) -> dict:
        return {
            "digit": self.digit,
            "probability": round(self.probability, 6),
            "box": [round(float(v), 2) for v in self.box],
            "verdict": self.verdict.kind,
        }


@dataclass(frozen=True)
class NumberReading:
    """The digits of a drawing or image, left to right (empty for a blank one)."""

    digits: tuple[DigitReading, ...]

    @property
    def number(self) -> str | None:
        """The digits as a string ("42"), None when nothing was read as a digit: parts whose
        verdict is "not a digit" are left out ("unsure" ones keep their best digit)."""
        return "".join(str(d.digit) for d in self.digits if d.verdict.digit is not None) or None

    def to_json(self) -> dict:
        """The fields `predict` adds to each line: "number" and "digits" (left to right)."""
        return {"number": self.number, "digits": [d.to_json() for d in self.digits]}


# -- pieces of a drawing -------------------------------------------------------------------------


def _ink_box(strokes: Sequence, pen: float) -> Box:
    points = np.concatenate([np.asarray(s, dtype=float).reshape(-1, 2) for s in strokes])
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    r = pen / 2
    return (float(x0 - r), float(y0 - r), float(x1 + r), float(y1 + r))


def drawing_pieces(drawing: Drawing) -> list[Piece]:
    """The strokes as pieces, ordered by the centre of their ink box; strokes too wide for one
    digit are cut at x positions where the pen crosses least (see `_cut_positions`)."""
    pen = drawing.effective_pen_width()
    strokes = [s for s in drawing.strokes if s]
    if not strokes:
        return []
    height = _line_height([_ink_box([s], pen) for s in strokes])
    pieces = []
    for stroke in strokes:
        box = _ink_box([stroke], pen)
        thin = box[3] - box[1] - pen < LINE_PENS * pen  # a dash: no digits side by side
        if box[2] - box[0] > WIDE_STROKE * height and len(stroke) > 2 and not thin:
            pieces.extend(_cut_stroke(stroke, box, pen, height))
        else:
            pieces.append(Piece(box, strokes=(stroke,)))
    return sorted(pieces, key=lambda p: p.centre)


def _line_height(boxes: Sequence[Box]) -> float:
    return max(1.0, max(b[3] for b in boxes) - min(b[1] for b in boxes))


MAX_TRACE_SAMPLES = 65_536
MAX_PROFILE_BINS = 4096


def _cut_stroke(stroke, box: Box, pen: float, height: float) -> list[Piece]:
    """Cut one wide stroke at vertical lines where it has the fewest points' worth of ink."""
    pts = np.asarray(stroke, dtype=float)
    # How much pen trace each column holds: sample the polyline densely, histogram by x.
    seg = np.diff(pts, axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    # Samples every quarter pen, but never more than MAX_TRACE_SAMPLES in all, and at most
    # MAX_PROFILE_BINS columns: a point far off the canvas must not cost time and memory in
    # proportion to its distance.
    spacing = max(pen / 4, 0.5, float(lengths.sum()) / MAX_TRACE_SAMPLES)
    steps = np.maximum(1, np.ceil(lengths / spacing)).astype(int)
    samples = np.concatenate(
        [pts[i] + seg[i] * (np.arange(n) / n)[:, None] for i, n in enumerate(steps)] + [pts[-1:]]
    )
    bins = min(MAX_PROFILE_BINS, max(8, int((box[2] - box[0]) / max(pen / 2, 1.0))))
    profile, edges = np.histogram(samples[:, 0], bins=bins, range=(box[0], box[2]))
    profile = profile * (edges[1] - edges[0]) / spacing  # px of trace per column bin
    cuts = _cut_positions(profile, edges, height)
    if not cuts:
        return [Piece(box, strokes=(stroke,))]
    parts = _split_polyline(stroke, [c for c, _ in cuts])
    pieces = []
    for k, part_strokes in enumerate(parts):
        if not part_strokes:
            continue
        cost = STROKE_CUT_COST if k < len(cuts) else 0.0
        pieces.append(Piece(_ink_box(part_strokes, pen), strokes=tuple(part_strokes), cut=cost))
    return pieces


def _split_polyline(stroke, cuts: Sequence[float]) -> list[list[tuple]]:
    """The stroke's sub-polylines between consecutive vertical lines x = cut (sorted)."""
    bounds = [-math.inf, *sorted(cuts), math.inf]
    parts: list[list[tuple]] = [[] for _ in range(len(bounds) - 1)]

    def band(x: float) -> int:
        return int(np.searchsorted(bounds, x, side="right")) - 1

    current: list[tuple] = [tuple(stroke[0])]
    current_band = band(stroke[0][0])
    for (ax, ay), (bx, by) in itertools.pairwise(stroke):
        b = band(bx)
        while b != current_band:  # the segment crosses one or more cut lines
            edge = bounds[current_band + 1] if b > current_band else bounds[current_band]
            t = (edge - ax) / (bx - ax) if bx != ax else 0.0
            point = (edge, ay + t * (by - ay))
            current.append(point)
            parts[current_band].append(tuple(current))
            current_band += 1 if b > current_band else -1
            current = [point]
        current.append((bx, by))
    parts[current_band].append(tuple(current))
    return parts


def _cut_positions(
    profile: np.ndarray, edges: np.ndarray, height: float
) -> list[tuple[float, float]]:
    """Up to MAX_CUTS x positions at the local minima of an ink profile, at least 0.25 line
    heights from the ends and from each other; each with the ink (px) the cut crosses."""
    centres = (edges[:-1] + edges[1:]) / 2
    margin = 0.25 * height
    smooth = np.convolve(profile, np.ones(3) / 3, mode="same")
    order = np.argsort(smooth, kind="stable")
    chosen: list[int] = []
    for i in order:
        x = centres[i]
        if x - edges[0] < margin or edges[-1] - x < margin:
            continue
        if any(abs(x - centres[j]) < margin for j in chosen):
            continue
        if 0 < i < len(smooth) - 1 and not (
            smooth[i] <= smooth[i - 1] and smooth[i] <= smooth[i + 1]
        ):
            continue
        chosen.append(i)
        if len(chosen) == MAX_CUTS:
            break
    return sorted((float(centres[i]), float(smooth[i])) for i in chosen)


# -- pieces of an image --------------------------------------------------------------------------


def image_pieces(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> list[Piece]:
    """The connected components of the ink (`components.ink_components`; specks dropped), wide
    ones cut at the columns where least ink crosses, ordered by the centre of their ink box."""
    mask = ink > threshold
    comps = [
        (
            components_mask(mask.shape, [c]),
            (float(c.left), float(c.top), float(c.right), float(c.bottom)),
        )
        for c in ink_components(mask)
    ]
    if not comps:
        return []
    height = _line_height([b for _, b in comps])
    min_ink = max(1.0, MIN_INK_FRACTION * ink.size, MIN_PIECE_INK * height * height)
    pieces = []
    for m, box in comps:
        if m.sum() < min_ink:
            continue
        if box[2] - box[0] > WIDE * height:
            pieces.extend(_cut_mask(m, box, height))
        else:
            pieces.append(Piece(box, mask=m))
    return sorted(pieces, key=lambda p: p.centre)


def _cut_mask(mask: np.ndarray, box: Box, height: float) -> list[Piece]:
    x0, x1 = int(box[0]), int(box[2])
    profile = mask[:, x0:x1].sum(axis=0).astype(float)
    edges = np.arange(x0, x1 + 1, dtype=float)
    cuts = _cut_positions(profile, edges, height)
    bounds = [x0, *(round(c) for c, _ in cuts), x1]
    pieces = []
    for k in range(len(bounds) - 1):
        part = np.zeros_like(mask)
        part[:, bounds[k] : bounds[k + 1]] = mask[:, bounds[k] : bounds[k + 1]]
        if not part.any():
            continue
        rows, cols = np.flatnonzero(part.any(axis=1)), np.flatnonzero(part.any(axis=0))
        sub = (float(cols[0]), float(rows[0]), float(cols[-1] + 1), float(rows[-1] + 1))
        cost = CUT_INK_COST * cuts[k][1] / height if k < len(cuts) else 0.0
        pieces.append(Piece(sub, mask=part, cut=cost))
    return pieces


def _grow(mask: np.ndarray) -> np.ndarray:
    """Dilate a bool mask by one pixel (3x3 square)."""
    grown = mask.copy()
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    wide = grown.copy()
    grown[:, 1:] |= wide[:, :-1]
    grown[:, :-1] |= wide[:, 1:]
    return grown


# -- the best path -------------------------------------------------------------------------------


def _union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _overlap(a: Box, b: Box) -> float:
    """How far two boxes overlap in x (negative: the gap between them)."""
    return min(a[2], b[2]) - max(a[0], b[0])


def _least_overlap(boxes: Sequence[Box]) -> float:
    """The least that the boxes overlap in x where they could come apart into a group on the
    left and a group on the right (inf for a single box; negative: the gap there). A digit's
    strokes hold together at every such split; two digits side by side, each of several
    strokes (a 44 of two-stroke 4s), come apart between the two."""
    spans = sorted((b[0], b[2]) for b in boxes)
    least, reach = math.inf, spans[0][1]
    for a, b in spans[1:]:
        least = min(least, reach - a)
        reach = max(reach, b)
    return least


def candidate_runs(pieces: Sequence[Piece], height: float) -> list[tuple[int, int]]:
    """Runs [i, j) of consecutive pieces that could be one digit: single pieces always; longer
    runs up to MAX_RUN pieces, MAX_WIDTH line heights wide, with no gap wider than MAX_GAP.
    More than MAX_PIECES pieces are one run, all of them."""
    if len(pieces) > MAX_PIECES:
        return [(0, len(pieces))]
    runs = []
    for i in range(len(pieces)):
        for j in range(i + 1, min(len(pieces), i + MAX_RUN) + 1):
            if j > i + 1:
                boxes = [p.box for p in pieces[i:j]]
                box = _union(boxes)
                too_wide = box[2] - box[0] > MAX_WIDTH * height
                if too_wide or _least_overlap(boxes) < -MAX_GAP * height:
                    break
            runs.append((i, j))
    return runs


def digit_cost(
    run: Sequence[Piece],
    box: Box,
    probability: float,
    height: float,
    pen: float,
    mark: bool = False,
) -> float:
    """Cost of reading a run of pieces as one digit: the recognizer's surprise plus geometry
    (too short for the line, pieces that do not overlap like a digit's strokes, too wide).
    A `mark` (a dot or a dash by the shape rules, `verdict.shape_reason`) is no digit to read
    but a part of its own that the number leaves out: it costs MARK_COST, not a short digit's."""
    h, w = (box[3] - box[1]) / height, (box[2] - box[0]) / height
    if mark:
        cost = MARK_COST
    else:
        cost = -math.log(max(probability, 1e-9))
        cost += SHORT_COST * 10 * max(0.0, SHORT - h)
    cost += WIDTH_COST * max(0.0, w - WIDTH_LIMIT)
    if len(run) > 1:
        overlap = (_least_overlap([p.box for p in run]) - pen) / height  # of the centre lines
        cost += MERGE_COST * max(0.0, MIN_OVERLAP - overlap)
    return cost


def cut_cost(left: Box, right: Box, last: Piece, height: float, pen: float) -> float:
    """Cost of a cut between two candidates: how far their centre lines overlap in x, and the
    cost of cutting through a stroke or through ink if the cut does."""
    return OVERLAP_COST * max(0.0, _overlap(left, right) - pen) / height + last.cut


def best_path(
    pieces: Sequence[Piece],
    runs: Sequence[tuple[int, int]],
    probabilities: np.ndarray,
    height: float,
    pen: float,
    marks: Sequence[bool] | None = None,
) -> list[int]:
    """Indices into `runs` of the cheapest segmentation covering all pieces, left to right.

    Dynamic programming over runs by their end: a cut's cost depends on both runs beside it.
    `probabilities` (len(runs), 10) are the recognizer's readings of the runs; `marks` says
    which runs are dots or dashes (default: none).
    """
    boxes = [_union([p.box for p in pieces[i:j]]) for i, j in runs]
    marks = marks if marks is not None else [False] * len(runs)
    costs = [
        digit_cost(pieces[i:j], boxes[k], float(probabilities[k].max()), height, pen, marks[k])
        for k, (i, j) in enumerate(runs)
    ]
    ending: dict[int, list[int]] = {}
    for k, (_, j) in enumerate(runs):
        ending.setdefault(j, []).append(k)
    best: dict[int, tuple[float, int | None]] = {}  # run -> cost of the best path to it, previous
    for k, (i, _) in sorted(enumerate(runs), key=lambda item: item[1][1]):
        if i == 0:
            best[k] = (costs[k], None)
            continue
        options = [
            (best[q][0] + costs[k] + cut_cost(boxes[q], boxes[k], pieces[i - 1], height, pen), q)
            for q in ending.get(i, [])
            if q in best
        ]
        if options:
            best[k] = min(options, key=lambda o: o[0])
    finals = [k for k in ending.get(len(pieces), []) if k in best]
    if not finals:
        return []
    k: int | None = min(finals, key=lambda q: best[q][0])
    path = []
    while k is not None:
        path.append(k)
        k = best[k][1]
    return path[::-1]


@dataclass(frozen=True)
class Plan:
    """The candidates of one drawing or image, before the recognizer has read them:
    `prepared[k]` is the network input of the run of pieces `runs[k]`."""

    pieces: Sequence[Piece]
    runs: list[tuple[int, int]]
    prepared: list[PreparedInput]
    height: float
    pen: float
    scale: float = 1.0  # from the pieces' coordinates to the drawing's or image's


def make_plan(
    pieces: Sequence[Piece],
    pen: float,
    prepare: Callable[[Sequence[Piece]], PreparedInput | None],
    scale: float = 1.0,
) -> Plan:
    height = _line_height([p.box for p in pieces]) if pieces else 1.0
    runs, prepared = [], []
    for i, j in candidate_runs(pieces, height):
        ready = prepare(pieces[i:j])
        if ready is not None:
            runs.append((i, j))
            prepared.append(ready)
    return Plan(pieces, runs, prepared, height, pen, scale)


def read_plans(
    plans: Sequence[Plan],
    classify: Callable[[np.ndarray], np.ndarray],
    rejector: dict | None = None,
) -> list[NumberReading]:
    """Read every candidate of every plan in one batched forward, then each plan's best path.

    `classify` takes the stacked inputs (N, 1, 32, 32) and returns the network's logits
    (N, 10); the GUI passes one that also keeps every layer's activations. The path is scored
    on probabilities calibrated with the model's `rejector` (as a single digit's are); each
    part on it gets its verdict alone (`verdict.decide`) and in the number
    (`number_verdict.number_verdicts`).
    """
    inputs = [p.network_input for plan in plans for p in plan.prepared]
    logits = classify(np.stack(inputs)) if inputs else np.zeros((0, 10), np.float32)
    probs = calibrated_probabilities(logits, rejector).reshape(-1, 10)
    readings, first = [], 0
    for plan in plans:
        mine = probs[first : first + len(plan.runs)]
        marks = [shape_reason(p, q) is not None for p, q in zip(plan.prepared, mine, strict=True)]
        path = best_path(plan.pieces, plan.runs, mine, plan.height, plan.pen, marks)
        rows = [first + k for k in path]
        alone = [
            decide(logits[r], plan.prepared[k], rejector) for r, k in zip(rows, path, strict=True)
        ]
        in_number = number_verdicts(alone, [plan.prepared[k] for k in path], rejector)
        digits = []
        for k, row, verdict, single in zip(path, rows, in_number, alone, strict=True):
            i, j = plan.runs[k]
            box = tuple(v * plan.scale for v in _union([p.box for p in plan.pieces[i:j]]))
            strokes = tuple(s for p in plan.pieces[i:j] for s in p.strokes)
            digits.append(
                DigitReading(box, plan.prepared[k], probs[row], row, verdict, single, strokes)
            )
        readings.append(NumberReading(tuple(digits)))
        first += len(plan.runs)
    return readings


# -- public entry points -------------------------------------------------------------------------


def _classifier(model) -> Callable[[np.ndarray], np.ndarray]:
    from .inference import logits_of

    return lambda inputs: logits_of(model, inputs)


@lru_cache(maxsize=2 * MAX_RUN * MAX_PIECES)
def prepare_strokes(drawing: Drawing) -> PreparedInput | None:
    """`prepare_drawing`, remembered: while a number is drawn only the digit under the pen
    changes, the others are read from this cache (it holds every candidate of two plans, so
    reading one plan in order never evicts what the next reading needs)."""
    return prepare_drawing(drawing)


def plan_drawing(drawing: Drawing) -> Plan:
    """Pieces and candidates of a drawing. A candidate's strokes are a drawing of their own
    with the drawing's pen, then `prepare_drawing`, exactly as a single digit."""
    pieces = drawing_pieces(drawing)
    whole = tuple(s for s in drawing.strokes if s)
    pen = drawing.effective_pen_width()

    def prepare(run: Sequence[Piece]) -> PreparedInput | None:
        strokes = tuple(s for p in run for s in p.strokes)
        if len(run) == len(pieces) and not any(p.cut for p in run) and len(strokes) == len(whole):
            return prepare_strokes(drawing)  # the whole drawing: exactly today's reading
        return prepare_strokes(_on_own_canvas(strokes, pen))

    return make_plan(pieces, pen, prepare)


def _on_own_canvas(strokes: tuple, pen: float) -> Drawing:
    """The strokes on a canvas just large enough for them, at the scale `prepare_drawing`
    paints them (at most WORKING_SIZE pixels across), moved by a whole number of its pixels: the
    same pixels as on the whole canvas, far fewer of them (a wide canvas holding a number would
    cost several times as much to paint). Coordinates are rounded to 1/1000 of a pixel, so the
    same strokes on a resized canvas give the same drawing (`prepare_strokes` remembers it)."""
    points = np.concatenate([np.asarray(s, dtype=float).reshape(-1, 2) for s in strokes])
    low, high = points.min(axis=0), points.max(axis=0)
    scale = min(1.0, WORKING_SIZE / (float((high - low).max()) + pen))  # as prepare_drawing
    shift = np.floor((low - pen) * scale)
    width, height = (int(v) for v in np.ceil((high + pen) * scale - shift))
    dx, dy = float(shift[0]), float(shift[1])
    moved = tuple(
        tuple((round(x * scale - dx, 3), round(y * scale - dy, 3)) for x, y in stroke)
        for stroke in strokes
    )
    return Drawing(width, height, moved, round(pen * scale, 6))


def plan_image(image: np.ndarray | Image.Image, whole: PreparedInput | None = None) -> Plan:
    """Pieces and candidates of an image (upright already: `photo.open_image`). A candidate is
    the image's ink inside its pieces, then `prepare_ink`; all of it together is
    `prepare_image(image)`, or `whole` when the caller has that already."""
    ink = photo_ink(image)  # reduced to photo.MAX_SIDE at most
    threshold = ink_threshold(ink)
    width = image.width if isinstance(image, Image.Image) else np.asarray(image).shape[1]
    scale = width / ink.shape[1]
    pieces = image_pieces(ink, threshold) if threshold is not None else []

    def prepare(run: Sequence[Piece]) -> PreparedInput | None:
        if len(run) == len(pieces) and not any(p.cut for p in run):  # exactly today's reading
            return whole if whole is not None else prepare_ink(ink, threshold)
        x0, y0, x1, y1 = (int(v) for v in _union([p.box for p in run]))
        keep = np.zeros(ink.shape, dtype=bool)
        for p in run:
            keep |= p.mask
        keep = _grow(keep)  # the anti-aliased edge below the threshold belongs to the piece
        part = np.where(keep, ink, 0.0)[max(0, y0 - 1) : y1 + 1, max(0, x0 - 1) : x1 + 1]
        return prepare_ink(np.pad(part, 2), threshold)

    pen = stroke_width(ink) if pieces else 0.0
    return make_plan(pieces, pen, prepare, scale)


def read_drawings(model, drawings: Sequence[Drawing], classify=None) -> list[NumberReading]:
    """The digits of each drawing, left to right; all candidates of all drawings are read in
    one batched forward. `classify` (inputs (N, 1, 32, 32) -> logits (N, 10)) replaces the
    model's forward, e.g. to share it with other work."""
    plans = [plan_drawing(d) for d in drawings]
    return read_plans(plans, classify or _classifier(model), model.rejector)


def read_drawing(model, drawing: Drawing, classify=None) -> NumberReading:
    return read_drawings(model, [drawing], classify)[0]


def read_images(model, images: Sequence, classify=None) -> list[NumberReading]:
    """The digits of each image (array or PIL image, any paper and ink), left to right."""
    plans = [plan_image(im) for im in images]
    return read_plans(plans, classify or _classifier(model), model.rejector)


def read_image(model, image: np.ndarray | Image.Image, classify=None) -> NumberReading:
    return read_images(model, [image], classify)[0]


def inspect_plan(model, plan: Plan | None):
    """Read a plan in one forward that also keeps every layer's activations (the GUI's path).

    Returns the `NumberReading` and a function giving the `inference.Inspection` of its digit i,
    so the window can show any digit of the number without another forward; (None, None) for
    no plan.
    """
    from ..network.architecture import LAYER_NAMES
    from .inference import inspect_batch, inspection_at

    if plan is None:
        return None, None
    captured = {}

    def classify(inputs: np.ndarray) -> np.ndarray:
        captured["probs"], captured["acts"] = inspect_batch(model, inputs)
        return captured["acts"][LAYER_NAMES[-1]]

    reading = read_plans([plan], classify, model.rejector)[0]

    def inspection(i: int):
        d = reading.digits[i]
        acts = captured["acts"]
        seen = inspection_at(d.prepared, captured["probs"], acts, d.candidate, model.rejector)
        # the part's verdict in the number (the same as alone for a single digit)
        return replace(seen, prediction=replace(seen.prediction, verdict=d.verdict))

    return reading, inspection
