"""Stroke-level distortion of pen data before rendering (lenet_gui/data/stroke_distortion.py)."""

import numpy as np

from lenet_gui.data.drawn_digits import PenDigit
from lenet_gui.data.stroke_distortion import (
    DEFAULT,
    STYLE_SHARE,
    distort_strokes,
    with_random_pen,
    with_style_stroke,
)
from lenet_gui.preprocessing.preprocess import Drawing, default_pen_width, prepare_drawing
from lenet_gui.retrain.rejection import PenCharacter, placed

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


ZERO = (tuple((50 + 30 * np.cos(t), 50 + 45 * np.sin(t)) for t in np.linspace(0, 6.2, 30)),)
BAR_ONE = (((50.0, 0.0), (52.0, 100.0)),)
PLAIN_SEVEN = (((0.0, 0.0), (60.0, 0.0), (25.0, 100.0)),)


def test_style_strokes_slash_zeros_cross_sevens_and_flag_ones():
    """Over 400 draws each: a one-stroke 0 gets a slash through its middle, a one-stroke 7 a
    bar across its stem below the top, a plain 1 a flag at its top (and sometimes a base), each
    about STYLE_SHARE of the time; the digit's own strokes stay as they were."""
    rng = np.random.default_rng(0)
    for label, strokes in ((0, ZERO), (7, PLAIN_SEVEN), (1, BAR_ONE)):
        styled = [with_style_stroke(strokes, label, rng) for _ in range(400)]
        changed = [s for s in styled if s != strokes]
        assert abs(len(changed) / 400 - STYLE_SHARE) < 0.07
        for s in changed:
            assert s[: len(strokes)] == strokes and 1 <= len(s) - len(strokes) <= 2
            extra = np.asarray(s[len(strokes)])
            if label == 0:  # through the middle, wider than the 0 is tall
                assert np.abs(extra.mean(0) - [50, 50]).max() < 0.5
                assert np.ptp(extra[:, 1]) > 45
            elif label == 7:  # level, at mid-height, across the stem
                assert extra[0, 1] == extra[1, 1] and 40 < extra[0, 1] < 65
                assert extra[0, 0] < 25 + 0.45 * 75 and extra[1, 0] > 25
            else:  # ends at the top of the 1, on its left, lower down
                assert tuple(extra[1]) == (50.0, 0.0) and extra[0, 0] < 50 and extra[0, 1] > 0


def test_style_strokes_leave_other_digits_and_styled_ones_alone():
    rng = np.random.default_rng(1)
    barred = (*PLAIN_SEVEN, ((10.0, 50.0), (40.0, 50.0)))
    flagged = (((30.0, 30.0), (50.0, 0.0), (52.0, 100.0)),)  # already wide: has a flag
    for label, strokes in ((4, SEVEN), (7, barred), (1, flagged), (0, (*ZERO, *BAR_ONE))):
        assert all(with_style_stroke(strokes, label, rng) == strokes for _ in range(50))
    assert with_style_stroke((), 0, rng) == ()
