"""Photos and scans to ink: orientation, every Pillow mode, uneven light, grain and paper colour.

What a camera or a scanner gives is not MNIST's clean ink on black: the page is grey or tinted,
lit unevenly, grainy, sideways (EXIF orientation), 16-bit, palette-coded or transparent. This
module turns any such image into ink levels in 0..1 (0 paper, 1 the strongest ink) and picks the
level that separates ink from paper:

1. `open_image`: decode, bounded in size (JPEG decoded at a reduced scale by `draft`, others
   reduced by a whole factor right after decoding), and turned upright (`exif_transpose`).
2. `channels`: every mode to float channels in 0..1 (16-bit scaled, not clamped) plus alpha.
3. `photo_ink`: the paper's brightness is estimated everywhere by a median filter much wider
   than a stroke (on a reduced copy, so it costs little) and divided out, which removes light
   gradients, vignetting and tinted paper (a reflectance image: ink/paper, as in flat-field
   correction); ink may be darker or lighter than the paper (chalk, white ink) and any colour
   (the strongest of the colour channels counts).
4. `ink_threshold`: Otsu's threshold on the ink levels, but never below a minimum contrast, so
   that blank paper with grain or JPEG noise has no ink at all (Otsu, IEEE Trans. SMC 1979).
"""

from __future__ import annotations

import os
import warnings

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image, ImageOps, UnidentifiedImageError

# Images are processed at most this many pixels on their longest side (a 12-megapixel photo
# of a digit is reduced first): bounded time and memory, and plenty for a 20x20 result.
MAX_SIDE = 1024
# Refuse to decode images larger than this (a decompression bomb, or no photo of one digit).
MAX_PIXELS = 80_000_000
# The paper's brightness is estimated on a copy this many pixels on its longest side, by a
# median over a window of this share of that side (wider than a stroke, narrower than a shadow).
BACKGROUND_SIDE = 64
BACKGROUND_WINDOW = 0.25
# Ink must differ from the paper by at least this share of the paper's brightness to count:
# grain, JPEG noise and paper texture stay below it, a pencil stroke does not.
MIN_CONTRAST = 0.2


class ImageReadError(ValueError):
    """An image that cannot be read; the message says why in one line."""


def open_image(path: str | os.PathLike) -> Image.Image:
    """Decode an image file, upright (EXIF orientation applied), fully loaded.

    Raises ImageReadError with a one-line reason for a missing, unreadable, corrupt or
    oversized file.
    """
    try:
        with warnings.catch_warnings():  # Pillow warns above its limit; we refuse in words
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
        with im:
            if im.width * im.height > MAX_PIXELS:
                raise ImageReadError(
                    f"the image is too large ({im.width}x{im.height} pixels, "
                    f"at most {MAX_PIXELS // 1_000_000} megapixels)"
                )
            if im.format == "JPEG" and max(im.size) > 2 * MAX_SIDE:
                im.draft(im.mode, (MAX_SIDE, MAX_SIDE))  # decode at 1/2, 1/4 or 1/8 scale
            im.load()
            return upright(_decoded_small(im))
    except ImageReadError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ImageReadError(f"not a readable image ({exc})") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # truncated or corrupt data
        raise ImageReadError(f"not a readable image ({exc})") from None


def _decoded_small(image: Image.Image) -> Image.Image:
    """A large image reduced by a whole factor (a box average) to no less than MAX_SIDE on its
    longer side, right after decoding, so later steps never copy the full-size pixels."""
    factor = max(image.size) // MAX_SIDE
    if factor < 2:
        return image
    if image.mode.startswith("I;16"):
        image = image.convert("I")  # 16-bit kept
    elif image.mode not in ("L", "LA", "RGB", "RGBA", "I", "F"):  # palette, 1-bit, CMYK...
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    return image.reduce(factor)


def upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says (a copy; unchanged without the tag)."""
    try:
        turned = ImageOps.exif_transpose(image)
    except (OSError, ValueError, TypeError, KeyError, SyntaxError):  # a broken EXIF block
        turned = None
    return turned if turned is not None else image.copy()


def channels(image: np.ndarray | Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """(C, H, W) float32 channels in 0..1 (1 grey or 3 colour) and the (H, W) alpha or None.

    16-bit and 32-bit modes are scaled by their range (I;16: /65535), not clamped to 8 bits;
    palette images are expanded; CMYK and other colour spaces become RGB.
    """
    if isinstance(image, Image.Image):
        return _pil_channels(image)
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] in (2, 4):
        alpha = _scaled(array[..., -1])
        return np.moveaxis(_scaled(array[..., :-1]), 2, 0)[:3], alpha
    if array.ndim == 3 and array.shape[2] in (1, 3):
        return np.moveaxis(_scaled(array), 2, 0), None
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"expected a 2-D grey or (H, W, C) colour image, got shape {array.shape}")
    return _scaled(array)[None], None


def _scaled(array: np.ndarray) -> np.ndarray:
    """Integers by their type's range (bool 0/1, 8-bit, 16-bit); floats as they are if in 0..1,
    else by their maximum."""
    a = np.asarray(array)
    if a.dtype == bool:
        return a.astype(np.float32)
    out = a.astype(np.float32)
    if np.issubdtype(a.dtype, np.integer):
        top = float(out.max()) if out.size else 0.0
        scale = 255.0 if top <= 255 else 65535.0 if top <= 65535 else top
        return out / scale
    top = float(out.max()) if out.size else 0.0
    return out / top if top > 1.0 else np.clip(out, 0.0, 1.0)


def _pil_channels(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    mode = image.mode
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode == "PA":
        image = image.convert("RGBA")
    elif mode in ("L", "RGB") and "transparency" in image.info:
        image = image.convert("RGBA" if mode == "RGB" else "LA")
    elif mode.startswith("I;16") or mode == "I":
        return _scaled(np.asarray(image).astype(np.int64))[None], None
    elif mode == "F":
        gray = np.asarray(image, dtype=np.float32)
        low, high = float(np.nanmin(gray)), float(np.nanmax(gray))
        return (np.nan_to_num(gray - low) / max(high - low, 1e-12))[None], None
    elif mode in ("La", "RGBa"):
        image = image.convert("RGBA" if mode == "RGBa" else "LA")
    elif mode not in ("1", "L", "LA", "RGB", "RGBA"):
        image = image.convert("RGB")  # CMYK, YCbCr, LAB, HSV
    array = np.asarray(image)
    if image.mode in ("LA", "RGBA"):
        return np.moveaxis(_scaled(array[..., :-1]), 2, 0)[:3], _scaled(array[..., -1])
    if array.ndim == 3:
        return np.moveaxis(_scaled(array), 2, 0), None
    return _scaled(array)[None], None


def _reduced(planes: np.ndarray, side: int) -> np.ndarray:
    """(C, H, W) planes box-averaged to at most `side` pixels on the longest side."""
    h, w = planes.shape[1:]
    scale = side / max(h, w)
    if scale >= 1:
        return planes
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.stack(
        [np.asarray(Image.fromarray(p, mode="F").resize(size, Image.BOX)) for p in planes]
    )


def _resized(plane: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    image = Image.fromarray(plane.astype(np.float32), mode="F")
    return np.asarray(image.resize((shape[1], shape[0]), Image.BILINEAR))


def _median_filter(plane: np.ndarray, radius: int) -> np.ndarray:
    padded = np.pad(plane, radius, mode="reflect")
    windows = sliding_window_view(padded, (2 * radius + 1, 2 * radius + 1))
    return np.median(windows, axis=(-2, -1))


def _smoothed(plane: np.ndarray) -> np.ndarray:
    """3x3 box average: grain and JPEG noise down to a third, strokes barely changed."""
    p = np.pad(plane, 1, mode="edge")
    rows = p[:-2] + p[1:-1] + p[2:]
    return (rows[:, :-2] + rows[:, 1:-1] + rows[:, 2:]) / 9.0


def background(plane: np.ndarray) -> np.ndarray:
    """The paper's brightness under every pixel of an (H, W) plane: a median over a window
    about a quarter of the image wide, on a reduced copy, scaled back up (smooth)."""
    small = _reduced(plane[None], BACKGROUND_SIDE)[0]
    radius = max(1, round(BACKGROUND_WINDOW * max(small.shape) / 2))
    radius = min(radius, (min(small.shape) - 1) // 2) if min(small.shape) > 2 else 0
    estimate = _median_filter(small, radius) if radius else np.full_like(small, np.median(small))
    return _resized(estimate, plane.shape)


def photo_ink(image: np.ndarray | Image.Image) -> np.ndarray:
    """(H, W) float32 ink levels in 0..1 of a photo or scan (reduced to MAX_SIDE at most):
    0 where the paper is, 1 where the ink is strongest relative to the paper around it."""
    planes, alpha = channels(image)
    if alpha is not None and float(alpha.min()) < 0.98:
        # Transparent background: the drawing is what is opaque, whatever its colour
        # (black or white ink on transparent); mostly opaque images are put on white paper.
        if float((alpha > 0.5).mean()) < 0.5:
            return _reduced(alpha[None], MAX_SIDE)[0].astype(np.float32)
        planes = planes * alpha + (1.0 - alpha)
    planes = _reduced(np.asarray(planes, dtype=np.float32), MAX_SIDE)
    if min(planes.shape[1:]) >= 24:
        planes = np.stack([_smoothed(p) for p in planes])
    gray = planes.mean(axis=0)
    paper = background(gray)
    residual = gray - paper
    dark_ink = np.percentile(-residual, 99.9) >= np.percentile(residual, 99.9)
    ink = np.zeros_like(gray)
    for plane in planes:
        level = paper if plane is gray or len(planes) == 1 else background(plane)
        # Contrast relative to the paper's brightness (reflectance, for uneven light), but
        # never by less than half the range: noise on paper of any shade stays noise.
        scale = np.maximum(level, 1.0 - level)
        ink = np.maximum(ink, (level - plane if dark_ink else plane - level) / scale)
    return np.clip(ink, 0.0, 1.0).astype(np.float32)


def otsu_threshold(values: np.ndarray, bins: int = 64) -> float:
    """The level that best splits values in 0..1 into two classes (Otsu 1979)."""
    hist, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    hist = hist.astype(np.float64)
    centres = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)
    w1 = w0[-1] - w0
    m0 = np.cumsum(hist * centres)
    mean0 = m0 / np.maximum(w0, 1)
    mean1 = (m0[-1] - m0) / np.maximum(w1, 1)
    between = w0 * w1 * (mean0 - mean1) ** 2
    return float(edges[int(np.argmax(between)) + 1])


def ink_threshold(ink: np.ndarray) -> float | None:
    """The ink level above which a pixel is ink, or None when there is no ink (blank paper:
    nothing reaches MIN_CONTRAST)."""
    strongest = float(ink.max()) if ink.size else 0.0
    if strongest < MIN_CONTRAST:
        return None
    candidates = ink[ink > MIN_CONTRAST / 4]  # Otsu between faint and strong, not the paper
    level = otsu_threshold(candidates) if candidates.size > 16 else MIN_CONTRAST
    return float(np.clip(level, MIN_CONTRAST * 0.75, 0.5 * strongest))
