"""Draw the application icon: a hand-written 5 (for LeNet-5) over a grid of feature-map cells.

Generated rather than drawn by hand so it can be changed and re-made:
`python scripts/make_icon.py` writes resources/icon.png (256x256) and resources/icon.ico.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

SIZE = 256
SUPERSAMPLE = 4  # draw large, then reduce: smooth edges without a vector library
OUT = Path(__file__).resolve().parent.parent / "resources"

BACKGROUND_TOP = (22, 30, 58)
BACKGROUND_BOTTOM = (12, 16, 34)
CELL_COLD = (40, 62, 120)
CELL_HOT = (255, 176, 64)
INK = (250, 250, 255)


def _mix(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, ...]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _five_strokes(scale: float) -> list[list[tuple[float, float]]]:
    """A pen-drawn 5 in a 256-unit box: the flag, the stem, then the round belly."""
    flag = [(172, 58), (142, 56), (104, 60)]
    stem = [(104, 60), (98, 98), (94, 122)]
    belly = [(94, 122)]
    cx, cy, rx, ry = 124, 158, 48, 44
    for step in range(1, 29):  # from the top of the belly round the right side to bottom left
        angle = math.radians(-140 + step * 10)
        belly.append((cx + rx * math.cos(angle), cy + ry * math.sin(angle)))
    return [[(x * scale, y * scale) for x, y in stroke] for stroke in (flag, stem, belly)]


def draw_icon() -> Image.Image:
    big = SIZE * SUPERSAMPLE
    # Vertical gradient background.
    background = Image.new("RGB", (big, big))
    pixels = ImageDraw.Draw(background)
    for y in range(big):
        pixels.line([(0, y), (big, y)], fill=_mix(BACKGROUND_TOP, BACKGROUND_BOTTOM, y / big))

    # A 7x7 feature map whose cells glow where a blurred copy of the digit has ink, as a
    # convolution's activations would.
    ink_mask = Image.new("L", (big, big), 0)
    ink_draw = ImageDraw.Draw(ink_mask)
    strokes = _five_strokes(SUPERSAMPLE)
    pen = 30 * SUPERSAMPLE
    for stroke in strokes:
        ink_draw.line(stroke, fill=255, width=pen, joint="curve")
        for x, y in (stroke[0], stroke[-1]):
            ink_draw.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=255)
    heat = ink_mask.filter(ImageFilter.GaussianBlur(18 * SUPERSAMPLE))

    cells, margin, gap = 7, 26 * SUPERSAMPLE, 5 * SUPERSAMPLE
    cell = (big - 2 * margin - (cells - 1) * gap) / cells
    grid = ImageDraw.Draw(background)
    for row in range(cells):
        for col in range(cells):
            x0 = margin + col * (cell + gap)
            y0 = margin + row * (cell + gap)
            level = heat.getpixel((round(x0 + cell / 2), round(y0 + cell / 2))) / 255
            colour = _mix(CELL_COLD, CELL_HOT, min(1.0, level * 1.6))
            grid.rounded_rectangle(
                (x0, y0, x0 + cell, y0 + cell), radius=5 * SUPERSAMPLE, fill=colour
            )

    # The digit itself in white, with a soft dark shadow so it reads over the bright cells.
    shadow = ink_mask.filter(ImageFilter.GaussianBlur(6 * SUPERSAMPLE))
    background.paste((0, 0, 0), (3 * SUPERSAMPLE, 4 * SUPERSAMPLE), shadow.point(lambda v: v // 2))
    core = Image.new("L", (big, big), 0)
    core_draw = ImageDraw.Draw(core)
    thin = 20 * SUPERSAMPLE
    for stroke in strokes:
        core_draw.line(stroke, fill=255, width=thin, joint="curve")
        for x, y in (stroke[0], stroke[-1]):
            core_draw.ellipse((x - thin / 2, y - thin / 2, x + thin / 2, y + thin / 2), fill=255)
    background.paste(INK, (0, 0), core)

    # Rounded-square silhouette with a transparent outside.
    shape = Image.new("L", (big, big), 0)
    ImageDraw.Draw(shape).rounded_rectangle((0, 0, big - 1, big - 1), radius=48 * SUPERSAMPLE,
                                            fill=255)  # fmt: skip
    icon = background.convert("RGBA")
    icon.putalpha(shape)
    return icon.resize((SIZE, SIZE), Image.LANCZOS)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    icon = draw_icon()
    icon.save(OUT / "icon.png", optimize=True)
    icon.save(OUT / "icon.ico", sizes=[(16, 16), (32, 32), (48, 48), (64, 64), (128, 128),
                                       (256, 256)])  # fmt: skip
    print(f"wrote {OUT / 'icon.png'} and {OUT / 'icon.ico'}")


if __name__ == "__main__":
    main()
