import numpy as np
import pytest
from PIL import Image

from lenet_gui.preprocess import (
    Drawing,
    default_pen_width,
    ink_levels,
    prepare_drawing,
    prepare_image,
    render_drawing,
)

SEVEN = [[(0.0, 0.0), (1.0, 0.0), (0.45, 1.6)], [(0.25, 0.8), (0.75, 0.8)]]


def seven(canvas: int, size: float, left: float, top: float, pen=None) -> Drawing:
    strokes = tuple(tuple((left + x * size, top + y * size) for x, y in s) for s in SEVEN)
    return Drawing(canvas, canvas, strokes, pen)


def test_render_paints_ink_on_paper_with_round_caps():
    image = render_drawing(Drawing(100, 100, (((50.0, 50.0),),), pen_width=10))
    assert image.shape == (100, 100) and image.dtype == np.uint8
    assert image[50, 50] == 255 and image[0, 0] == 0
    assert image[50, 53] > 200 and image[50, 58] == 0  # a dot of radius 5


def test_prepared_input_follows_mnist_construction():
    prepared = prepare_drawing(seven(280, 80, 100, 60))
    assert prepared.network_input.shape == (1, 32, 32)
    assert prepared.network_input.dtype == np.float32
    assert max(prepared.fitted.shape) == 20
    assert prepared.centred.shape == (28, 28) and prepared.field.shape == (32, 32)
    ys, xs = np.mgrid[0:28, 0:28]
    mass = prepared.centred.sum()
    assert abs((ys * prepared.centred).sum() / mass + 0.5 - 14) <= 0.75
    assert abs((xs * prepared.centred).sum() / mass + 0.5 - 14) <= 0.75
    assert np.all(prepared.field[:2] == 0) and np.all(prepared.field[:, -2:] == 0)
    assert prepared.network_input.min() == pytest.approx(-0.1)
    assert prepared.network_input.max() <= 1.175 + 1e-6


@pytest.mark.parametrize(
    ("size", "left", "top"),
    [(60, 10, 10), (60, 180, 150), (110, 80, 50), (150, 20, 20), (45, 200, 5)],
)
def test_input_barely_depends_on_where_and_how_large_the_digit_is(size, left, top):
    reference = prepare_drawing(seven(280, 100, 90, 50)).field
    field = prepare_drawing(seven(280, size, left, top)).field
    # Same digit anywhere, at 45-150 px tall on a 280 canvas: nearly the same 32x32 input.
    assert np.abs(field - reference).mean() < 0.03
    assert np.corrcoef(field.ravel(), reference.ravel())[0, 1] > 0.9


def test_canvas_size_does_not_matter():
    small = prepare_drawing(seven(280, 100, 90, 50)).field
    large = prepare_drawing(seven(840, 300, 270, 150)).field
    assert np.abs(small - large).mean() < 0.02


@pytest.mark.parametrize("drawing", [Drawing(280, 280, ()), Drawing(280, 280, ((), ()))])
def test_blank_drawing_gives_no_digit(drawing):
    assert prepare_drawing(drawing) is None


def test_blank_and_nearly_blank_images_give_no_digit():
    assert prepare_image(np.zeros((50, 50), np.uint8)) is None
    assert prepare_image(np.full((50, 50), 255, np.uint8)) is None
    speck = np.full((400, 400), 255, np.uint8)
    speck[200, 200] = 0
    assert prepare_image(speck) is None


def test_image_polarity_and_format_do_not_matter():
    ink = render_drawing(seven(200, 90, 50, 20))
    light_paper = Image.fromarray(255 - ink).convert("RGB").resize((333, 333))
    dark_paper = Image.fromarray(ink).resize((333, 333))
    a, b = prepare_image(light_paper).field, prepare_image(dark_paper).field
    assert np.abs(a - b).max() < 0.02


def test_transparent_png_reads_as_ink_on_paper():
    ink = render_drawing(seven(200, 90, 50, 20))
    rgba = np.zeros((200, 200, 4), np.uint8)
    rgba[..., 3] = ink  # black ink, transparent paper
    levels = ink_levels(Image.fromarray(rgba, "RGBA"))
    assert levels.max() == pytest.approx(1.0) and levels[0, 0] == 0


def test_drawing_json_round_trip_and_validation():
    drawing = seven(280, 100, 90, 50, pen=12.0)
    assert Drawing.from_dict(drawing.to_dict()) == drawing
    assert default_pen_width(280, 280) == pytest.approx(drawing.width * 0.06)
    with pytest.raises(ValueError, match="malformed"):
        Drawing.from_dict({"width": 10, "height": 10, "strokes": [[["a"]]]})
    with pytest.raises(ValueError, match="positive"):
        Drawing.from_dict({"width": 0, "height": 10, "strokes": []})
