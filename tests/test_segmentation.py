"""Segmentation of drawings and images into digits (lenet_gui.reading.segmentation)."""

import itertools

import numpy as np
import pytest
from real_data import pen_digits_file

from lenet_gui.data.drawn_digits import PenDigit, compose_number, compose_with_mark, load_pen_digits
from lenet_gui.preprocessing.preprocess import Drawing, render_drawing
from lenet_gui.reading.inference import classify_drawings, classify_images
from lenet_gui.reading.segmentation import (
    _split_polyline,
    drawing_pieces,
    image_pieces,
    read_drawing,
    read_image,
)

H = 280


def one(x, top=60, bottom=220):
    return ((x, top), (x - 4, bottom))


def zero(cx, cy=140, rx=45, ry=80):
    t = np.linspace(0, 2 * np.pi, 40)
    return tuple((float(cx + rx * np.sin(a)), float(cy - ry * np.cos(a))) for a in t)


def test_blank_drawing_reads_no_number(bundled_model):
    reading = read_drawing(bundled_model.model, Drawing(600, H, ()))
    assert reading.digits == () and reading.number is None


def test_a_single_digit_reads_exactly_as_before(bundled_model):
    model = bundled_model.model
    for strokes in ((zero(140),), (one(150),), (((60, 60), (200, 60), (120, 220)),)):
        drawing = Drawing(H, H, strokes)
        before = classify_drawings(model, [drawing])[0]
        reading = read_drawing(model, drawing)
        assert len(reading.digits) == 1
        np.testing.assert_array_equal(reading.digits[0].probabilities, before.probabilities)
        assert reading.number == str(before.digit)


def test_strokes_apart_are_digits_left_to_right_with_boxes(bundled_model):
    # drawn right to left: the order of the strokes must not matter
    drawing = Drawing(700, H, (zero(520), one(330), one(150)))
    reading = read_drawing(bundled_model.model, drawing)
    assert reading.number == "110"
    boxes = [d.box for d in reading.digits]
    assert [b[0] < 328 < b[2] for b in boxes] == [False, True, False]
    assert boxes[0][2] < boxes[1][0] < boxes[1][2] < boxes[2][0]


@pytest.mark.parametrize(
    ("strokes", "digit"),
    [
        # a 4 in two strokes: the open left part, then the long down stroke
        ((((100, 50), (60, 160), (170, 160)), ((140, 80), (140, 240))), "4"),
        # a crossed 7
        ((((70, 60), (200, 60), (120, 230)), ((110, 145), (190, 145))), "7"),
        # a 1 with a flag
        ((((95, 95), (140, 50)), ((140, 50), (140, 230))), "1"),
        # a 5: body, then the flag on top
        (
            (
                ((95, 60), (85, 130), (150, 125), (165, 180), (130, 225), (80, 210)),
                ((95, 60), (170, 60)),
            ),
            "5",
        ),
    ],
)
def test_a_digit_drawn_in_two_strokes_stays_one_digit(bundled_model, strokes, digit):
    for dx in (0, 300):  # alone, and after a 1
        shifted = tuple(tuple((x + dx, y) for x, y in s) for s in strokes)
        prefix = (one(80),) if dx else ()
        reading = read_drawing(bundled_model.model, Drawing(700, H, (*prefix, *shifted)))
        assert reading.number == ("1" if dx else "") + digit


def test_split_polyline_keeps_the_whole_stroke():
    stroke = ((0.0, 0.0), (10.0, 5.0), (30.0, 5.0), (5.0, 20.0))
    parts = _split_polyline(stroke, [8.0, 20.0])
    assert len(parts) == 3
    for band, (lo, hi) in zip(parts, [(-1e9, 8.0), (8.0, 20.0), (20.0, 1e9)], strict=True):
        for piece in band:
            assert all(lo - 1e-9 <= x <= hi + 1e-9 for x, _ in piece)

    # the polyline's length is unchanged
    def length(s):
        return sum(np.hypot(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(s))

    total = sum(length(p) for band in parts for p in band)
    assert total == pytest.approx(length(stroke))


def test_a_long_stroke_across_two_digits_gets_cut(bundled_model):
    # "111" without lifting the pen: down, along the bottom, up and down, twice
    stroke = ((60, 50), (60, 230), (250, 230), (300, 50), (300, 230), (490, 230), (540, 50))
    stroke += ((540, 230),)
    pieces = drawing_pieces(Drawing(600, H, (stroke,)))
    assert len(pieces) > 1 and all(p.box[2] - p.box[0] < 400 for p in pieces)


def test_image_pieces_are_the_components_left_to_right_and_wide_ones_are_cut():
    ink = np.zeros((60, 200), np.float32)
    ink[10:50, 150:156] = 1.0  # a 1 on the right
    ink[10:50, 20:26] = 1.0  # a 1 on the left
    ink[30, 100] = 1.0  # a speck
    pieces = image_pieces(ink)
    assert [p.box[0] for p in pieces] == [20, 150]
    assert all(p.mask.sum() == 240 for p in pieces)
    wide = np.zeros((60, 200), np.float32)
    wide[10:50, 20:26] = wide[10:50, 120:126] = 1.0
    wide[48:50, 20:126] = 1.0  # joined at the bottom: one component, too wide for one digit
    pieces = image_pieces(wide)
    assert len(pieces) > 1 and any(p.cut for p in pieces)
    assert sum(int(p.mask.sum()) for p in pieces) == int((wide > 0).sum())


def test_image_of_one_digit_reads_exactly_as_before(bundled_model):
    image = 255 - render_drawing(Drawing(H, H, (zero(140),)))
    before = classify_images(bundled_model.model, [image])[0]
    reading = read_image(bundled_model.model, image)
    assert len(reading.digits) == 1
    np.testing.assert_array_equal(reading.digits[0].probabilities, before.probabilities)


def _writer_digits(labels):
    """The first digits with these labels by one pen writer whose digits read right alone."""
    from lenet_gui.data.drawn_digits import pen_drawings
    from lenet_gui.retrain.checkpoint import load_checkpoint
    from lenet_gui.system.paths import bundled_checkpoint

    digits = load_pen_digits(pen_digits_file())
    model = load_checkpoint(bundled_checkpoint()).model
    by_writer = {}
    for d in digits:
        by_writer.setdefault(d.writer, []).append(d)
    for writer_digits in by_writer.values():
        picked = [next((d for d in writer_digits if d.label == lab), None) for lab in labels]
        if None in picked:
            continue
        alone = classify_drawings(model, pen_drawings(picked))
        if [p.digit for p in alone] == list(labels):
            return picked
    pytest.skip("no writer with these digits")


@pytest.mark.parametrize("gap", [(0.3, 0.3), (0.0, 0.0)])
def test_real_pen_digits_composed_into_42_read_42(bundled_model, gap):
    picked = _writer_digits([4, 2])
    drawing = compose_number(picked, np.random.default_rng(0), gap_range=gap)
    reading = read_drawing(bundled_model.model, drawing)
    assert reading.number == "42"
    assert [d.verdict.kind for d in reading.digits] == ["digit", "digit"]
    assert [d.verdict.digit for d in reading.digits] == [4, 2]
    assert reading.digits[0].box[2] <= reading.digits[1].box[0] + 1


def _dash(x0, x1, y=140.0, wobble=3.0, tilt=10.0):
    xs = np.linspace(x0, x1, 40)
    ys = y + np.linspace(0, tilt, 40) + wobble * np.sin(xs / 30)
    return tuple(zip(xs.tolist(), ys.tolist(), strict=True))


@pytest.mark.parametrize(
    "strokes",
    [
        (_dash(100, 600),),  # long, across the width of several digits
        (_dash(100, 400),),
        (_dash(50, 900, wobble=6.0),),
        (_dash(100, 300, wobble=0.0, tilt=0.0),),  # straight
        (((150.0, 140.0),),),  # a click: a dot
    ],
)
def test_a_dash_or_a_dot_alone_is_no_number(bundled_model, strokes):
    reading = read_drawing(bundled_model.model, Drawing(1000, H, strokes))
    assert reading.number is None
    assert reading.digits and all(d.verdict.kind == "not a digit" for d in reading.digits)
    assert reading.to_json()["number"] is None


def test_parts_that_are_not_digits_are_left_out_of_the_number(bundled_model):
    # "1", a dot far to the right of it, "0": the dot is a part of its own, not a digit
    drawing = Drawing(900, H, (one(150), ((450.0, 150.0),), zero(700)))
    reading = read_drawing(bundled_model.model, drawing)
    kinds = [d.verdict.kind for d in reading.digits]
    assert "not a digit" in kinds
    assert reading.number == "10"
    assert [d["verdict"] for d in reading.to_json()["digits"]] == kinds


def test_a_dash_between_digits_is_a_part_of_its_own_left_out(bundled_model):
    """A dash close to a digit was taken into it (a short part alone cost far more than a
    merge): this 4-2 read "4". The shape rules make it a mark, a part of its own."""
    picked = _writer_digits([4, 2])
    rng = np.random.default_rng(2)
    drawing = compose_with_mark(picked, "dash", 1, rng, gap_range=(0.1, 0.1))
    dash = drawing.strokes[len(picked[0].strokes)]
    reading = read_drawing(bundled_model.model, drawing)
    assert reading.number == "42"
    assert [d.strokes for d in reading.digits][1] == (dash,)
    assert [d.verdict.kind for d in reading.digits] == ["digit", "not a digit", "digit"]


def test_real_pen_digits_in_an_image_read_as_a_number(bundled_model):
    picked = _writer_digits([3, 5, 7])
    drawing = compose_number(picked, np.random.default_rng(0), gap_range=(0.2, 0.3))
    image = 255 - render_drawing(drawing)  # dark ink on white paper, like a scan
    assert read_image(bundled_model.model, image).number == "357"


def test_a_cut_through_ink_costs_only_where_the_path_cuts():
    from lenet_gui.reading.segmentation import Piece, best_path

    runs = [(0, 1), (1, 2), (0, 2)]
    probs = np.full((3, 10), 0.01, np.float32)
    probs[0, 1] = probs[1, 7] = 0.9  # each half reads well
    probs[2, 4] = 0.3  # both together read poorly
    for cut, expected in ((0.0, [0, 1]), (5.0, [2])):
        pieces = [Piece((0, 0, 50, 100), cut=cut), Piece((50, 0, 100, 100))]
        assert best_path(pieces, runs, probs, height=100.0, pen=0.0) == expected


@pytest.mark.parametrize("wobble", [0.0, 6.0])
def test_a_dash_drawn_alone_is_one_piece_and_no_number(bundled_model, wobble):
    """A long dash is as wide as several digits but only a pen width tall: cutting it made
    "22222" of it. It stays one piece, read as a single drawing (whose verdict rejects it)."""
    xs = np.linspace(100, 560, 24)
    dash = tuple((float(x), 140.0 + wobble * np.sin(x / 30)) for x in xs)
    drawing = Drawing(700, H, (dash,))
    assert len(drawing_pieces(drawing)) == 1
    reading = read_drawing(bundled_model.model, drawing)
    assert reading.number is None or len(reading.number) == 1


def four(x, top=60, bottom=220):
    """A 4 in two strokes: the open L, then the down stroke through its bar."""
    bar = top + 0.65 * (bottom - top)
    return ((x, top), (x - 30, bar), (x + 45, bar)), ((x + 25, top + 20), (x + 22, bottom))


@pytest.mark.parametrize("gap", [10, 35])
def test_two_digits_of_two_strokes_each_side_by_side_are_two_digits(bundled_model, gap):
    """Each stroke of a 44 overlaps another in x, but the first 4's strokes do not overlap the
    second's: a split the merge cost must see (it read one 4)."""
    left = four(100)
    right = four(100 + 75 + gap + 30)
    drawing = Drawing(500, H, (*left, *right))
    reading = read_drawing(bundled_model.model, drawing)
    assert len(reading.digits) == 2
    assert [d.strokes for d in reading.digits] == [left, right]


def test_a_scribble_of_more_pieces_than_a_number_has_is_one_candidate():
    from lenet_gui.reading.segmentation import MAX_PIECES, MAX_RUN, plan_drawing

    # short strokes side by side: every run of up to MAX_RUN of them would be a candidate
    strokes = tuple(((20.0 + 9 * i, 60.0), (24.0 + 9 * i, 90.0)) for i in range(MAX_PIECES + 1))
    plan = plan_drawing(Drawing(400, 140, strokes))
    assert len(plan.pieces) == MAX_PIECES + 1
    assert plan.runs == [(0, MAX_PIECES + 1)]
    fewer = plan_drawing(Drawing(400, 140, strokes[:MAX_PIECES]))
    assert MAX_PIECES < len(fewer.runs) <= MAX_RUN * MAX_PIECES


def test_the_same_strokes_on_a_resized_canvas_reuse_every_prepared_candidate():
    from lenet_gui.reading.segmentation import plan_drawing, prepare_strokes

    strokes = (zero(140), one(330), one(352), zero(520))
    plan = plan_drawing(Drawing(700, H, strokes, 12.0))
    factor = 1.37  # as a window resize scales every point and the pen
    scaled = tuple(tuple((x * factor, y * factor) for x, y in s) for s in strokes)
    before = prepare_strokes.cache_info()
    resized = plan_drawing(Drawing(round(700 * factor), round(H * factor), scaled, 12.0 * factor))
    after = prepare_strokes.cache_info()
    assert resized.runs == plan.runs and len(plan.runs) > 4  # (1, 3): the close ones as one
    assert after.misses - before.misses <= 1  # the whole drawing, on its own canvas size
    for a, b in zip(plan.prepared, resized.prepared, strict=True):
        np.testing.assert_allclose(a.network_input, b.network_input, atol=0.05)


def test_a_mark_goes_only_between_digits():
    picked = [PenDigit(1, "w", (((0.0, 0.0), (0.0, 10.0)),))] * 2
    for mark, at in (("star", 1), ("dot", 0), ("dash", 2)):
        with pytest.raises(ValueError):
            compose_with_mark(picked, mark, at, np.random.default_rng(0))
    drawing = compose_with_mark(picked, "dot", 1, np.random.default_rng(0))
    assert len(drawing.strokes) == 3


def test_images_of_wide_single_digits_are_not_cut(bundled_model):
    """Wide pen digits (a flat 0, 2, 3 or 5), each alone in an image: cutting through the ink
    of their strokes was nearly free, so they read "73", "71", "53"..."""
    digits = load_pen_digits(pen_digits_file())
    picked = [digits[i] for i in (362, 380, 689, 1408, 1975, 2227, 4081)]
    images = [255 - render_drawing(compose_number([d], np.random.default_rng(0))) for d in picked]
    readings = [read_image(bundled_model.model, image) for image in images]
    assert [r.number for r in readings] == [str(d.label) for d in picked]
