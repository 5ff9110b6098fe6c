"""From a drawing or an image to the network's 1x32x32 input, the way MNIST itself was made.

MNIST's digits were cropped to their ink, scaled to fit a 20x20 box keeping the aspect ratio
(anti-aliased), placed in a 28x28 field by centre of mass, and LeNet-5 sees them padded to 32x32.
One step is added before the fit: strokes are thickened or thinned to MNIST's median width for a
digit of that size, so the brush and the size of the drawing do not change what the network sees.
Every path that classifies a drawing (canvas, command line, tests) calls `render_drawing` and
`prepare_image`, so they all agree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image, ImageDraw

from .components import components_mask, digit_components, ink_components
from .photo import ink_threshold, photo_ink

# The paper's pixel scaling: background -0.1, full ink 1.175 (mean about 0, variance about 1).
BACKGROUND_VALUE = -0.1
INK_VALUE = 1.175

FIT_BOX = 20  # the longest side of the digit after scaling
FIELD = 28  # MNIST's field, digit placed by centre of mass
INPUT_SIZE = 32  # LeNet-5's input

# Default pen width as a fraction of the canvas's shorter side: on a 280x280 canvas a digit
# drawn at 60% of its height then has strokes about as thick, relative to its size, as MNIST's.
DEFAULT_PEN_FRACTION = 0.06

# Median stroke width of MNIST digits as a fraction of their longest side (measured on the
# test set: 10th-90th percentile 0.093-0.178).
STROKE_WIDTH_FRACTION = 0.127

# Ink below this level (0..1, after removing the background) is paper when cropping.
INK_THRESHOLD = 0.15
# Fewer ink pixels than this fraction of the image is no digit (a stray click, a speck of dust).
MIN_INK_FRACTION = 0.0002

# Drawings are classified from a copy painted with the digit about this many pixels across:
# plenty of detail for a 20x20 result, and as fast on a large canvas as on a small one.
WORKING_SIZE = 80


Point = Sequence[float]
Stroke = Sequence[Point]


# Limits on a drawing read from a file (a canvas records far less): sizes in pixels.
MAX_CANVAS_SIDE = 100_000
MAX_COORDINATE = 1e9
MAX_STROKES = 10_000
MAX_POINTS = 1_000_000


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number, not {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, not {value}")
    return value


def _side(value, what: str) -> int:
    number = _number(value, what)
    if number != int(number) or not 1 <= number <= MAX_CANVAS_SIDE:
        raise ValueError(
            f"{what} must be a whole number from 1 to {MAX_CANVAS_SIDE:,}, not {value}"
        )
    return int(number)


def _point(value) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError("each point must be a list [x, y]")
    x, y = _number(value[0], "a point's x"), _number(value[1], "a point's y")
    if abs(x) > MAX_COORDINATE or abs(y) > MAX_COORDINATE:
        raise ValueError(f"a point lies beyond {MAX_COORDINATE:g} pixels: ({x}, {y})")
    return x, y


@dataclass(frozen=True)
class Drawing:
    """What a canvas records: pen-down strokes of [x, y] points in canvas pixels."""

    width: int
    height: int
    strokes: tuple[tuple[tuple[float, float], ...], ...]
    pen_width: float | None = None  # canvas pixels; None: DEFAULT_PEN_FRACTION of the canvas

    @classmethod
    def from_dict(cls, data: dict) -> Drawing:
        """Build from `{"width": W, "height": H, "strokes": [[[x, y], ...], ...]}` (and an
        optional "pen_width"), checking every value: ValueError names what is wrong.

        Sizes are whole numbers 1..MAX_CANVAS_SIDE, the pen a finite positive width up to the
        canvas's side, points pairs of finite numbers within MAX_COORDINATE, and there are at
        most MAX_STROKES strokes and MAX_POINTS points in all."""
        if not isinstance(data, dict):
            raise ValueError("a drawing must be an object with width, height and strokes")
        try:
            width, height = _side(data["width"], "width"), _side(data["height"], "height")
            raw = data["strokes"]
        except KeyError as exc:
            raise ValueError(f"a drawing needs {exc.args[0]!r}") from None
        if not isinstance(raw, list) or len(raw) > MAX_STROKES:
            raise ValueError(f"strokes must be a list of at most {MAX_STROKES:,} strokes")
        strokes, count = [], 0
        for stroke in raw:
            if not isinstance(stroke, list):
                raise ValueError("each stroke must be a list of [x, y] points")
            count += len(stroke)
            if count > MAX_POINTS:
                raise ValueError(f"a drawing has at most {MAX_POINTS:,} points")
            strokes.append(tuple(_point(p) for p in stroke))
        pen = data.get("pen_width")
        if pen is not None:
            pen = _number(pen, "pen_width")
            if not 0 < pen <= max(width, height):
                raise ValueError(
                    f"pen_width must be above 0 and at most the canvas side, not {pen}"
                )
        return cls(width, height, tuple(strokes), pen)

    def to_dict(self) -> dict:
        data = {
            "width": self.width,
            "height": self.height,
            "strokes": [[list(p) for p in s] for s in self.strokes],
        }
        if self.pen_width is not None:
            data["pen_width"] = self.pen_width
        return data

    def effective_pen_width(self) -> float:
        if self.pen_width is not None:
            return self.pen_width
        return default_pen_width(self.width, self.height)

    @property
    def is_blank(self) -> bool:
        return not any(self.strokes)


def default_pen_width(width: int, height: int) -> float:
    return DEFAULT_PEN_FRACTION * min(width, height)


def render_drawing(
    drawing: Drawing, scale: float = 1.0, window: tuple[int, int, int, int] | None = None
) -> np.ndarray:
    """Paint the strokes as the canvas does: (H, W) uint8, 0 paper, 255 ink, round caps.

    `scale` < 1 paints a smaller copy (the canvas size, points and pen all scaled), which is
    all that classifying needs: the digit ends up 20 pixels tall anyway. `window` (left, top,
    right, bottom, in pixels of that copy) paints only that part, pixel for pixel as the whole.
    """
    width, height = max(1, round(drawing.width * scale)), max(1, round(drawing.height * scale))
    left, top, right, bottom = window or (0, 0, width, height)
    pen = max(1.0, drawing.effective_pen_width() * scale)
    s = 2 if pen < 6 else 1  # thin pens: paint twice as large and reduce, for smooth edges
    canvas = Image.new("L", ((right - left) * s, (bottom - top) * s), 0)
    draw = ImageDraw.Draw(canvas)
    radius = pen * s / 2
    for stroke in drawing.strokes:
        if not stroke:
            continue
        points = [((x * scale - left) * s, (y * scale - top) * s) for x, y in stroke]
        if len(points) > 1:
            draw.line(points, fill=255, width=max(1, round(pen * s)), joint="curve")
        for x, y in (points[0], points[-1]):  # round caps; a single point is a dot
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    if s > 1:
        canvas = canvas.resize((right - left, bottom - top), Image.BOX)
    return np.asarray(canvas)


@dataclass(frozen=True)
class PreparedInput:
    """Each stage of the preprocessing, as float arrays of ink in 0..1 (for the GUI to show),
    and the network input itself."""

    ink_crop: np.ndarray  # the cropped ink, WORKING_SIZE pixels across, strokes evened
    fitted: np.ndarray  # scaled so that the longest side is FIT_BOX pixels
    centred: np.ndarray  # (28, 28): placed by centre of mass, like MNIST
    field: np.ndarray  # (32, 32): padded, what the network sees
    network_input: np.ndarray  # (1, 32, 32) float32, normalised as in training
    # The shape of the ink before it was fitted: height / width of its box, and the stroke
    # width as a share of its longest side (about 0.13 for a digit, 0.5 for a dot).
    aspect: float = 1.0
    stroke_fraction: float = STROKE_WIDTH_FRACTION


def ink_levels(image: np.ndarray | Image.Image) -> np.ndarray:
    """Ink intensity in 0..1 of any image (photo, scan, drawing; any Pillow mode, dark ink on
    light paper or the reverse, uneven light): see `photo.photo_ink`."""
    return photo_ink(image)


def prepare_image(image: np.ndarray | Image.Image) -> PreparedInput | None:
    """The network input for a digit image, or None when there is no digit in it (blank paper,
    grain, a speck). The image should be upright already (`photo.open_image` does that)."""
    ink = photo_ink(image)
    threshold = ink_threshold(ink)
    return None if threshold is None else prepare_ink(ink, threshold)


def prepare_ink(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> PreparedInput | None:
    """The network input from ink levels (H, W) in 0..1, or None when there is too little ink.

    The digit is the ink that belongs together (`components.digit_components`): specks and
    marks far from it are left out before cropping. Its ink is scaled so that its strokes
    are full ink (a faint pencil digit reads like a dark one).
    """
    mask = ink > threshold
    if mask.sum() < max(1, MIN_INK_FRACTION * ink.size):
        return None
    components = ink_components(mask)
    kept = digit_components(components)
    top, left = min(c.top for c in kept), min(c.left for c in kept)
    bottom, right = max(c.bottom for c in kept), max(c.right for c in kept)
    if len(kept) < len(components):
        near = _square_filter(components_mask(mask.shape, kept).astype(np.float32), 2, np.max)
        ink = ink * near  # the digit's ink with its anti-aliased edges, nothing else
    crop = ink[top:bottom, left:right]
    strong = crop[mask[top:bottom, left:right]]
    level = float(np.percentile(strong, 90)) if strong.size else 1.0
    if level < 1.0:
        crop = np.clip(crop / max(level, 1e-6), 0.0, 1.0)
    working = fit_to_box(crop, WORKING_SIZE)
    shape = (crop.shape[0] / max(crop.shape[1], 1), stroke_width(working) / max(working.shape))
    crop = crop_to_ink(even_stroke_width(working), None)

    fitted = fit_to_box(crop, FIT_BOX)
    centred = place_by_centre_of_mass(fitted, FIELD)
    pad = (INPUT_SIZE - FIELD) // 2
    field = np.pad(centred, pad)
    network_input = normalise(field)[None]
    return PreparedInput(crop, fitted, centred, field, network_input, *shape)


def crop_to_ink(ink: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """The smallest box holding every pixel of `mask` (default: ink above INK_THRESHOLD);
    the whole image when the mask is empty."""
    mask = ink > INK_THRESHOLD if mask is None else mask
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return ink
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def stroke_width(ink: np.ndarray) -> float:
    """Mean stroke width in pixels: a stroke of width w and length L covers w*L pixels and
    has about 2*L pixels on its boundary."""
    mask = ink > 0.5
    area = int(mask.sum())
    p = np.pad(mask, 1)
    interior = p[1:-1, 1:-1] & p[:-2, 1:-1] & p[2:, 1:-1] & p[1:-1, :-2] & p[1:-1, 2:]
    boundary = area - int(interior.sum())
    return 2.0 * area / max(boundary, 1)


def even_stroke_width(ink: np.ndarray) -> np.ndarray:
    """Thicken or thin the strokes to MNIST's typical width for a digit of this size.

    A fixed brush makes a small digit bold and a large one thin; MNIST's writers used pens of
    about the same relative width, so the network sees every drawing at that width.
    """
    width = stroke_width(ink)
    target = STROKE_WIDTH_FRACTION * max(ink.shape)
    change = round((target - width) / 2)  # grow or shrink each side by this much
    change = max(change, -int(width / 2 - 1))  # never erode a stroke away
    if change == 0:
        return ink
    if change > 0:
        return _square_filter(np.pad(ink, change), change, np.max)  # padded: room to grow
    return _square_filter(ink, -change, np.min)


def _square_filter(ink: np.ndarray, radius: int, reduce) -> np.ndarray:
    """Grey-level dilation (np.max) or erosion (np.min) by a square, as two 1-D passes."""
    for axis in (0, 1):
        pad = [(radius, radius) if a == axis else (0, 0) for a in (0, 1)]
        windows = sliding_window_view(np.pad(ink, pad), 2 * radius + 1, axis=axis)
        ink = reduce(windows, axis=-1)
    return ink


def fit_to_box(ink: np.ndarray, box: int) -> np.ndarray:
    """Scale so that the longest side is `box` pixels, keeping the aspect ratio, anti-aliased."""
    h, w = ink.shape
    scale = box / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    resized = Image.fromarray(ink.astype(np.float32), mode="F").resize(size, Image.BILINEAR)
    return np.clip(np.asarray(resized), 0.0, 1.0)


def place_by_centre_of_mass(ink: np.ndarray, field: int) -> np.ndarray:
    """Put `ink` in a field x field square with its centre of mass exactly at the centre.

    The shift is sub-pixel (bilinear), so the input does not jump by a pixel as a drawing grows.
    """
    h, w = ink.shape
    total = float(ink.sum())
    ys, xs = np.mgrid[0:h, 0:w]
    cy = float((ys * ink).sum()) / total + 0.5  # pixel centres sit at +0.5
    cx = float((xs * ink).sum()) / total + 0.5
    left, top = field / 2 - cx, field / 2 - cy
    image = Image.fromarray(ink.astype(np.float32), mode="F")
    placed = image.transform(
        (field, field), Image.AFFINE, (1, 0, -left, 0, 1, -top), resample=Image.BILINEAR
    )
    return np.clip(np.asarray(placed), 0.0, 1.0)


def normalise(ink: np.ndarray) -> np.ndarray:
    """Ink 0..1 to the paper's scale (background -0.1, ink 1.175), as float32."""
    return (BACKGROUND_VALUE + ink * (INK_VALUE - BACKGROUND_VALUE)).astype(np.float32)


def prepare_drawing(drawing: Drawing) -> PreparedInput | None:
    """Render a drawing and prepare it: the one path from strokes to the network input.

    Only the part of the canvas around the ink is painted, at most about WORKING_SIZE pixels
    across, so time and memory are bounded whatever canvas size a drawing declares."""
    points = np.array([p for stroke in drawing.strokes for p in stroke], dtype=np.float64)
    if not len(points):
        return None
    # What can show is on the canvas: clip the points' bounding box to it.
    low = np.clip(points.min(axis=0), 0, (drawing.width, drawing.height))
    high = np.clip(points.max(axis=0), 0, (drawing.width, drawing.height))
    pen = drawing.effective_pen_width()
    extent = float((high - low).max()) + pen
    scale = min(1.0, WORKING_SIZE / extent)
    size = (max(1, round(drawing.width * scale)), max(1, round(drawing.height * scale)))
    margin = pen * scale / 2 + 2
    left, top = (max(0, math.floor(v * scale - margin)) for v in low)
    right, bottom = (min(n, math.ceil(v * scale + margin)) for v, n in zip(high, size, strict=True))
    if right <= left or bottom <= top:
        return None
    rendered = render_drawing(drawing, scale, (left, top, right, bottom))
    return prepare_ink(rendered.astype(np.float32) / 255.0)
