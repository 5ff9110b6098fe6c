"""Numpy arrays to QImages: a diverging colour map for activations, gray levels for ink.

Painting a QImage made straight from a numpy buffer is far cheaper than drawing cells one by
one, which keeps a full update of every layer within the live-drawing budget.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage, QLinearGradient

# The squashing function's range: A = 1.7159 (LeNet-5, appendix A). A fixed, symmetric scale per
# layer keeps colours comparable between maps and between drawings.
SQUASH_LIMIT = 1.7159

# ColorBrewer RdBu, reversed: blue for negative, near-white for zero, red for positive. Readable
# for the common forms of colour blindness, and sign is hue while magnitude is saturation.
_STOPS = np.array(
    [
        (-1.00, 33, 102, 172),
        (-0.50, 103, 169, 207),
        (-0.15, 209, 229, 240),
        (0.00, 247, 247, 247),
        (0.15, 253, 219, 199),
        (0.50, 239, 138, 98),
        (1.00, 178, 24, 43),
    ]
)
_LUT_SIZE = 256


def _build_lut() -> np.ndarray:
    """(256,) uint32 0xFFRRGGBB, index 0 is -limit, index 255 is +limit."""
    t = np.linspace(-1.0, 1.0, _LUT_SIZE)
    channels = [np.interp(t, _STOPS[:, 0], _STOPS[:, i]) for i in (1, 2, 3)]
    r, g, b = (np.round(c).astype(np.uint32) for c in channels)
    return (0xFF000000 | (r << 16) | (g << 8) | b).astype(np.uint32)


LUT = _build_lut()


def color_for(value: float, limit: float) -> QColor:
    """The colour a single value gets, e.g. for a legend or a unit drawn on its own."""
    index = int(np.clip((value / limit + 1.0) * 0.5 * (_LUT_SIZE - 1) + 0.5, 0, _LUT_SIZE - 1))
    return QColor.fromRgb(int(LUT[index]))


def gradient(x0: float, x1: float) -> QLinearGradient:
    """The colour map as a horizontal gradient from x0 (-limit) to x1 (+limit), for legends."""
    grad = QLinearGradient(x0, 0, x1, 0)
    for stop in _STOPS:
        pos = (stop[0] + 1.0) / 2.0
        grad.setColorAt(pos, QColor(int(stop[1]), int(stop[2]), int(stop[3])))
    return grad


def lut_pixels(values: np.ndarray, limit: float) -> np.ndarray:
    """uint32 pixels of the colour map for an array of any shape (clipped at +-limit)."""
    scale = 0.5 * (_LUT_SIZE - 1) / max(limit, 1e-9)
    index = np.asarray(values, dtype=np.float32) * scale + (0.5 * (_LUT_SIZE - 1) + 0.5)
    np.clip(index, 0, _LUT_SIZE - 1, out=index)
    return LUT[index.astype(np.intp)]


def _rgb32(pixels: np.ndarray) -> QImage:
    pixels = np.ascontiguousarray(pixels)
    h, w = pixels.shape
    return QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGB32).copy()


def diverging_image(values: np.ndarray, limit: float) -> QImage:
    """A 2-D array as an RGB32 image, -limit blue .. 0 white .. +limit red (clipped)."""
    values = np.asarray(values, dtype=np.float32)
    return _rgb32(lut_pixels(values[None] if values.ndim == 1 else values, limit))


def gray_image(ink: np.ndarray, ink_is_white: bool = True) -> QImage:
    """Ink levels 0..1 as an 8-bit gray image: white ink on black, as MNIST is usually shown."""
    levels = np.clip(np.asarray(ink, dtype=np.float32), 0.0, 1.0)
    if not ink_is_white:
        levels = 1.0 - levels
    pixels = np.ascontiguousarray((levels * 255.0 + 0.5).astype(np.uint8))
    h, w = pixels.shape
    return QImage(pixels.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
