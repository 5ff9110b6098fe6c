import numpy as np
import pytest
from memory_cap import run_capped
from PIL import Image

from lenet_gui.preprocessing.preprocess import (
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
    with pytest.raises(ValueError, match="each point must be a list"):
        Drawing.from_dict({"width": 10, "height": 10, "strokes": [[["a"]]]})
    with pytest.raises(ValueError, match="whole number from 1"):
        Drawing.from_dict({"width": 0, "height": 10, "strokes": []})


@pytest.mark.parametrize(
    "change, words",
    [
        ({"width": float("inf")}, "finite"),
        ({"width": 1e20}, "whole number from 1"),
        ({"width": True}, "must be a number"),
        ({"pen_width": 0}, "pen_width must be above 0"),
        ({"pen_width": float("inf")}, "finite"),
        ({"pen_width": 1e20}, "at most the canvas side"),
        ({"strokes": [[[10.0, float("nan")]]]}, "finite"),  # a NaN silently made a 7 a 0
        ({"strokes": [[[10.0, 1e300]]]}, "beyond"),
        ({"strokes": [[[1, 2, 3]]]}, "each point"),
        ({"strokes": [[[[[1, 2]]]]]}, "each point must be a list"),
        ({"strokes": "12"}, "strokes must be a list"),
        ({"strokes": [[]] * 10_001}, "at most 10,000 strokes"),
        ({"strokes": [[[1, 2]] * 600_000] * 2}, "at most 1,000,000 points"),
    ],
)
def test_drawing_files_are_validated(change, words):
    data = {"width": 280, "height": 280, "strokes": [[[10.0, 10.0], [100.0, 100.0]]], **change}
    with pytest.raises(ValueError, match=words):
        Drawing.from_dict(data)


def test_a_huge_declared_canvas_renders_at_a_bounded_size():
    """A 100-byte file declaring 30000x30000 with pen width 1 took more than 6 GB."""
    script = """
        from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing
        huge = Drawing.from_dict({"width": 30000, "height": 30000, "pen_width": 1,
                                  "strokes": [[[100, 100], [140, 180]]]})
        far = Drawing.from_dict({"width": 300, "height": 300, "pen_width": 3,
                                 "strokes": [[[100, 100], [140, 180]], [[-1e9, 5], [1e9, 9]]]})
        cap(60)
        print(prepare_drawing(huge) is not None, prepare_drawing(far) is not None)
        """
    done = run_capped(script, extra_mb=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True"]


def test_painting_a_window_matches_the_whole_canvas():
    drawing = seven(280, 100, 90, 50)
    whole = render_drawing(drawing, 0.5)
    xs, ys = zip(*(p for stroke in drawing.strokes for p in stroke), strict=True)
    left, top = int(min(xs) * 0.5) - 6, int(min(ys) * 0.5) - 6  # the ink and its margin
    part = render_drawing(drawing, 0.5, (left, top, 130, 125))
    np.testing.assert_array_equal(part, whole[top:125, left:130])
    assert part.max() == 255
