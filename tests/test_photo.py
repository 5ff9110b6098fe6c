"""Photos and scans as people take them: each case of issue 8, made here, with its right value."""

import io

import numpy as np
import pytest
from PIL import Image

from lenet_gui.preprocessing.components import digit_components, ink_components
from lenet_gui.preprocessing.photo import ImageReadError, open_image, photo_ink
from lenet_gui.preprocessing.preprocess import (
    Drawing,
    crop_to_ink,
    prepare_drawing,
    prepare_image,
    render_drawing,
)

# Unit-box strokes of clear digits (the bundled model reads each drawn on the canvas).
DIGITS = {
    4: [[(0.55, 0), (0.05, 0.65), (0.8, 0.65)], [(0.6, 0.3), (0.6, 1.1)]],
    5: [
        [
            (0.85, 0),
            (0.2, 0),
            (0.15, 0.45),
            (0.45, 0.38),
            (0.75, 0.48),
            (0.85, 0.72),
            (0.7, 0.95),
            (0.4, 1.0),
            (0.1, 0.9),
        ]
    ],
    6: [
        [
            (0.7, 0),
            (0.4, 0.2),
            (0.2, 0.5),
            (0.15, 0.8),
            (0.3, 1.0),
            (0.6, 1.0),
            (0.75, 0.8),
            (0.65, 0.6),
            (0.4, 0.55),
            (0.2, 0.75),
        ]
    ],
    7: [[(0.0, 0.0), (0.8, 0.0), (0.35, 1.2)]],
}


def digit_drawing(digit: int, size: float = 150, left: float = 60, top: float = 50, canvas=280):
    strokes = DIGITS[digit]
    points = tuple(tuple((left + x * size, top + y * size) for x, y in s) for s in strokes)
    return Drawing(canvas, canvas, points)


def ink_of(digit: int, height: int) -> np.ndarray:
    """The digit's ink (0..1) about `height` pixels tall, on a tight canvas."""
    canvas = int(height * 1.6)
    drawing = Drawing(canvas, canvas, digit_drawing(digit, height / 1.2, height * 0.2, height * 0.2,
                                                    canvas).strokes)  # fmt: skip
    return crop_to_ink(render_drawing(drawing).astype(np.float32) / 255.0)


def paste(page: np.ndarray, ink: np.ndarray, top: int, left: int, ink_level: float) -> None:
    """Darken a grey page (float levels) towards `ink_level` where the ink is."""
    h, w = ink.shape
    region = page[top : top + h, left : left + w]
    page[top : top + h, left : left + w] = region * (1 - ink) + ink_level * ink


def reference(digit: int) -> np.ndarray:
    return prepare_drawing(digit_drawing(digit)).field


def close_to(field: np.ndarray, ref: np.ndarray) -> bool:
    return np.corrcoef(field.ravel(), ref.ravel())[0, 1] > 0.85


def to_image(levels: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(np.rint(levels), 0, 255).astype(np.uint8))


def jpeg(image: Image.Image, **kwargs) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, **kwargs)
    buffer.seek(0)
    return Image.open(buffer)


rng = np.random.default_rng(8)


# -- the cases of the issue ----------------------------------------------------------------------


def gradient_five() -> Image.Image:
    """A clear 5 on grey paper lit from one side: 215 grey on the left, 110 on the right."""
    h, w = 480, 640
    page = np.tile(np.linspace(215, 110, w), (h, 1)) + rng.normal(0, 2, (h, w))
    paste(page, ink_of(5, 200), 130, 330, 40)  # in the darker half
    return to_image(page)


def large_photo(digit: int, speck: bool) -> Image.Image:
    """2000x1500 photo, paper 200 with grain (sigma 4), an 80 px digit, maybe a 5x5 speck."""
    page = 200 + rng.normal(0, 4, (1500, 2000))
    paste(page, ink_of(digit, 80), 700, 900, 30)
    if speck:
        page[200:205, 1700:1705] = 30
    return to_image(page)


def test_lighting_gradient_crops_the_digit_not_the_page():
    prepared = prepare_image(gradient_five())
    assert prepared is not None and close_to(prepared.field, reference(5))


@pytest.mark.parametrize("speck", [False, True])
@pytest.mark.parametrize("digit", [4, 5, 6, 7])
def test_large_grainy_photo_with_or_without_dust(digit, speck):
    prepared = prepare_image(large_photo(digit, speck))
    assert prepared is not None and close_to(prepared.field, reference(digit))


def test_sixteen_bit_scan_is_scaled_not_clamped():
    page = np.full((300, 300), 60000.0)
    paste(page, ink_of(6, 150), 60, 80, 8000)
    image = Image.fromarray(page.astype(np.uint16))  # mode I;16
    assert image.mode == "I;16"
    prepared = prepare_image(image)
    assert prepared is not None and close_to(prepared.field, reference(6))


def test_exif_orientation_is_applied(tmp_path):
    page = np.full((300, 240), 230.0)
    paste(page, ink_of(7, 180), 50, 40, 20)
    upright = to_image(page).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned a quarter to the left: show turned right
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    path = tmp_path / "phone.jpg"
    stored.save(path, "JPEG", quality=90, exif=exif)
    opened = open_image(path)
    assert opened.size == upright.size  # upright, as the canvas shows it
    prepared = prepare_image(opened)
    assert prepared is not None and close_to(prepared.field, reference(7))
    sideways = prepare_image(Image.open(path))
    assert not close_to(sideways.field, reference(7))  # what ignoring the tag gave


def test_white_ink_on_transparent_background():
    ink = np.pad(ink_of(4, 150), 40)
    rgba = np.zeros((*ink.shape, 4), np.uint8)
    rgba[..., :3] = 255  # white everywhere; only the alpha draws the digit
    rgba[..., 3] = np.rint(ink * 255).astype(np.uint8)
    prepared = prepare_image(Image.fromarray(rgba, "RGBA"))
    assert prepared is not None and close_to(prepared.field, reference(4))


def test_blank_paper_with_faint_grain_has_no_digit():
    paper = 235 + rng.integers(-2, 3, (200, 200))
    assert prepare_image(to_image(paper)) is None


@pytest.mark.parametrize("seed", range(4))
def test_blank_grainy_jpeg_scan_has_no_digit(seed):
    paper = 225 + np.random.default_rng(seed).normal(0, 6, (600, 800))
    assert prepare_image(jpeg(to_image(paper))) is None


def test_a_lone_speck_of_dust_is_no_digit():
    page = 200 + rng.normal(0, 3, (1500, 2000))
    page[200:205, 1700:1705] = 30
    assert prepare_image(to_image(page)) is None


# -- every other mode ----------------------------------------------------------------------------


def clean_page(digit: int, paper: float, ink: float) -> np.ndarray:
    page = np.full((260, 260), paper)
    paste(page, ink_of(digit, 160), 50, 60, ink)
    return page


@pytest.mark.parametrize(
    "convert",
    [
        lambda im: im.convert("P"),
        lambda im: im.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=16),
        lambda im: im.convert("LA"),
        lambda im: im.convert("RGBA"),
        lambda im: im.convert("CMYK"),
        lambda im: im.convert("1"),
        lambda im: im.convert("I"),
        lambda im: im.convert("F"),
        lambda im: im.convert("YCbCr"),
    ],
    ids=["P", "P-adaptive", "LA", "RGBA", "CMYK", "1", "I", "F", "YCbCr"],
)
def test_every_pillow_mode(convert):
    image = convert(to_image(clean_page(5, 240, 20)))
    prepared = prepare_image(image)
    assert prepared is not None and close_to(prepared.field, reference(5))


def test_light_ink_on_dark_paper_and_coloured_ink_on_tinted_paper():
    chalk = prepare_image(to_image(clean_page(6, 40, 220)))
    assert chalk is not None and close_to(chalk.field, reference(6))
    tinted = np.stack([clean_page(6, p, i) for p, i in ((240, 200), (225, 30), (170, 40))], -1)
    red = prepare_image(Image.fromarray(tinted.astype(np.uint8), "RGB"))  # red ink, yellow paper
    assert red is not None and close_to(red.field, reference(6))


def test_faint_pencil_reads_like_dark_ink():
    faint = prepare_image(to_image(clean_page(7, 235, 170)))
    dark = prepare_image(to_image(clean_page(7, 235, 10)))
    assert np.abs(faint.field - dark.field).mean() < 0.03


def test_odd_arrays_and_tiny_images():
    assert prepare_image(np.zeros((1, 1), np.uint8)) is None
    assert prepare_image(np.full((3, 5, 3), 7, np.uint8)) is None
    with pytest.raises(ValueError):
        photo_ink(np.zeros((0, 4)))
    assert photo_ink(np.zeros((4, 4, 2), np.uint8)).shape == (4, 4)


def test_unreadable_files_raise_one_clear_error(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    with pytest.raises(ImageReadError, match="not a readable image"):
        open_image(broken)
    with pytest.raises(ImageReadError):
        open_image(tmp_path / "missing.png")
    truncated = tmp_path / "cut.jpg"
    buffer = io.BytesIO()
    to_image(clean_page(5, 240, 20)).save(buffer, "JPEG")
    truncated.write_bytes(buffer.getvalue()[:300])
    with pytest.raises(ImageReadError):
        open_image(truncated)


# -- components ---------------------------------------------------------------------------------


def test_components_keep_the_digit_and_drop_far_specks():
    mask = np.zeros((100, 200), bool)
    mask[20:80, 40:46] = True  # a digit's stroke
    mask[20:26, 40:70] = True  # its flag, touching
    mask[50:54, 60:66] = True  # a close separate piece (a 5's flag)
    mask[90:92, 190:192] = True  # dust far away
    components = ink_components(mask)
    assert [c.area for c in components] == sorted((c.area for c in components), reverse=True)
    assert len(components) == 3
    kept = digit_components(components)
    assert len(kept) == 2 and all(c.right <= 70 for c in kept)
    assert components[0].top == 20 and components[0].left == 40 and components[0].bottom == 80


def test_components_are_eight_connected():
    mask = np.eye(6, dtype=bool)  # a diagonal line: one piece
    assert len(ink_components(mask)) == 1
    assert ink_components(np.zeros((3, 3), bool)) == []


def test_predict_reads_photos_upright_and_blank_scans_as_no_digit(tmp_path, capsys):
    import json

    from lenet_gui import cli

    paper = 225 + np.random.default_rng(3).normal(0, 6, (600, 800))
    jpeg(to_image(paper)).save(tmp_path / "blank.jpg")
    gradient_five().save(tmp_path / "five.png")
    assert cli.main(["predict", str(tmp_path / "blank.jpg"), str(tmp_path / "five.png")]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["digit"] for line in lines] == [None, 5]
