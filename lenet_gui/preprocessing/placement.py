"""Where the network's 32x32 input lies on the drawing: input pixels to canvas coordinates.

The preprocessing (`preprocess.prepare_image`) crops the ink, scales it to fit 20x20 keeping the
aspect ratio and places it by centre of mass in the middle of the 32x32 input. Undoing that:
the ink's box on the source (canvas or image) corresponds to the fitted digit's box in the
input, with one scale for both axes. The stroke evening step grows or shrinks strokes by a
pixel or two of the working copy before the crop, so the match is exact up to that change of
width (under one input pixel). Used to draw attribution maps and receptive fields on the canvas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .preprocess import FIELD, INPUT_SIZE, Drawing, PreparedInput


@dataclass(frozen=True)
class Placement:
    """source = centre_source + (input - centre_input) * scale, for x and y alike."""

    scale: float  # source pixels per input pixel
    centre_input: tuple[float, float]  # (x, y) in input pixel units, 0..32
    centre_source: tuple[float, float]

    def to_source(self, x: float, y: float) -> tuple[float, float]:
        """An input point (pixel units, 0..32, corners of pixels at integers) on the source."""
        return (
            self.centre_source[0] + (x - self.centre_input[0]) * self.scale,
            self.centre_source[1] + (y - self.centre_input[1]) * self.scale,
        )

    def rect_to_source(self, top: int, left: int, bottom: int, right: int):
        """(x0, y0, x1, y1) on the source of input rows top..bottom, columns left..right."""
        x0, y0 = self.to_source(left, top)
        x1, y1 = self.to_source(right, bottom)
        return (x0, y0, x1, y1)


def placement(prepared: PreparedInput, ink_box: tuple[float, float, float, float]) -> Placement:
    """The mapping for `prepared`, made from a source whose ink spans `ink_box` (x0, y0, x1, y1).

    Raises ValueError for an empty box.
    """
    x0, y0, x1, y1 = ink_box
    if x1 <= x0 and y1 <= y0:
        raise ValueError("the ink box is empty")
    fitted = prepared.fitted
    h, w = fitted.shape
    total = float(fitted.sum())
    ys, xs = np.mgrid[0:h, 0:w]
    # As place_by_centre_of_mass: the fitted digit's top-left corner in the 28x28 field.
    left = FIELD / 2 - (float((xs * fitted).sum()) / total + 0.5)
    top = FIELD / 2 - (float((ys * fitted).sum()) / total + 0.5)
    pad = (INPUT_SIZE - FIELD) / 2
    centre_input = (pad + left + w / 2, pad + top + h / 2)
    scale = max(x1 - x0, y1 - y0) / max(h, w)
    return Placement(scale, centre_input, ((x0 + x1) / 2, (y0 + y1) / 2))


def drawing_ink_box(drawing: Drawing) -> tuple[float, float, float, float] | None:
    """The box the strokes' ink covers on the canvas (points +- half the pen), None if blank."""
    points = [p for stroke in drawing.strokes for p in stroke]
    if not points:
        return None
    r = drawing.effective_pen_width() / 2
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (min(xs) - r, min(ys) - r, max(xs) + r, max(ys) + r)


def image_ink_box(ink: np.ndarray, threshold: float) -> tuple[float, float, float, float] | None:
    """The box of the pixels of `ink` (0..1, (H, W)) above `threshold`, None if there are none."""
    mask = ink > threshold
    if not mask.any():
        return None
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return (float(cols[0]), float(rows[0]), float(cols[-1] + 1), float(rows[-1] + 1))
