"""Stroke-level distortion of pen data before rendering (lenet_gui/stroke_distortion.py)."""

import numpy as np

from lenet_gui.drawn_digits import PenDigit
from lenet_gui.preprocess import Drawing, default_pen_width, prepare_drawing
from lenet_gui.rejection import PenCharacter, placed
from lenet_gui.stroke_distortion import DEFAULT, distort_strokes, with_random_pen

SEVEN = (((0.0, 0.0), (10.0, 0.0), (4.0, 20.0)), ((2.0, 10.0), (8.0, 10.0)))
LONG = (tuple((float(i), float(i % 3)) for i in range(40)),)


def test_distortion_is_reproducible_and_keeps_every_stroke():
    a = distort_strokes(SEVEN, np.random.default_rng(5))
    b = distort_strokes(SEVEN, np.random.default_rng(5))
    assert a == b and a != distort_strokes(SEVEN, np.random.default_rng(6))
    assert [len(s) for s in a] == [len(s) for s in SEVEN]
    assert distort_strokes(((), *SEVEN), np.random.default_rng(5)) == a  # empty strokes dropped
    assert distort_strokes((), np.random.default_rng(0)) == ()


def test_distortion_stays_within_its_ranges():
    """Rotation up to 15 degrees, slant 0.3, aspect 1.25 and the jitter move a point by less
    than 0.6 of the drawing's size; its mean stays within 0.3 of it."""
    points = np.concatenate([np.asarray(s) for s in SEVEN])
    for seed in range(50):
        moved = np.concatenate(
            [np.asarray(s) for s in distort_strokes(SEVEN, np.random.default_rng(seed))]
        )
        assert np.abs(moved - points).max() < 0.6 * np.ptp(points, 0).max()
        assert np.abs(moved.mean(0) - points.mean(0)).max() < 0.3 * np.ptp(points, 0).max()
        assert np.isfinite(moved).all()


def test_only_non_digits_lose_stroke_ends():
    rng = np.random.default_rng(0)
    kept = [len(distort_strokes(LONG, rng)[0]) for _ in range(20)]
    cut = [len(distort_strokes(LONG, rng, truncate=True)[0]) for _ in range(20)]
    assert set(kept) == {40}
    most = int(DEFAULT.truncate * 40)
    assert min(cut) >= 40 - 2 * most and min(cut) < 40


def test_random_pen_width_within_its_range():
    drawing = Drawing(280, 280, SEVEN)
    default = default_pen_width(280, 280)
    widths = [with_random_pen(drawing, np.random.default_rng(s)).pen_width for s in range(30)]
    low, high = DEFAULT.pen_width
    assert all(low * default <= w <= high * default for w in widths)
    assert len(set(widths)) == 30


def test_placed_samples_go_through_the_canvas_path():
    rng = np.random.default_rng(1)
    digit = PenDigit(7, "w/1", SEVEN)
    character = PenCharacter("A", "w/1", False, LONG)
    plain = placed(digit, np.random.default_rng(1), distort=False)
    assert plain.pen_width is None and plain.width == plain.height == 280
    for sample, truncate in ((digit, False), (character, True)):
        drawing = placed(sample, rng, distort=True, truncate=truncate)
        assert drawing.pen_width is not None
        prepared = prepare_drawing(drawing)
        assert prepared is not None and prepared.field.shape == (32, 32)
