"""The Qt-free canvas content: strokes stored once, undo/redo in steps, the eraser's hit test."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from PIL import Image

from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing, render_drawing
from lenet_gui.preprocessing.strokes import (
    CanvasHistory,
    OutsideChange,
    Picture,
    Stroke,
    prepare_canvas,
)

SEVEN = ((60.5, 70.25), (150.0, 70.0), (230.75, 72.5), (170.0, 160.0), (120.0, 250.0))
BAR = ((20.0, 280.0), (90.0, 280.0))


def test_a_stroke_keeps_its_exact_points_and_scales_on_demand():
    stroke = Stroke(SEVEN, 300)
    assert stroke.at(300) is stroke.points and stroke.points == SEVEN
    assert stroke.at(600)[0] == pytest.approx((121.0, 140.5))
    np.testing.assert_allclose(stroke.unit_points()[1], (0.5, 70.0 / 300))


@pytest.mark.parametrize(
    "points, side",
    [((), 300), (((1.0, math.nan),), 300), (((1.0, 2.0),), 0), (((math.inf, 2.0),), 300)],
)
def test_a_stroke_refuses_what_no_pen_gives(points, side):
    with pytest.raises(ValueError):
        Stroke(points, side)


def test_strokes_at_another_side_change_nothing_stored():
    history = CanvasHistory()
    strokes = [Stroke(SEVEN, 300), Stroke(BAR, 300)]
    for stroke in strokes:
        history.add_stroke(stroke)
    history.clear()
    history.undo()
    big = history.strokes_at(600)
    assert big[0][0] == pytest.approx((121.0, 140.5))
    assert history.strokes_at(600) is big  # asked again at the same side: not recomputed
    assert history.strokes() == tuple(strokes)  # the very same objects, never copies
    assert all(s.side == 300 for s in history.strokes())
    assert history.strokes_at(300) == (SEVEN, BAR)


def test_undo_redo_clear_and_groups_are_steps():
    history = CanvasHistory()
    seven, bar = Stroke(SEVEN, 300), Stroke(BAR, 300)
    assert not history.can_undo() and not history.undo()
    history.add_stroke(seven)
    history.add_stroke(bar)
    assert history.undo() and history.strokes() == (seven,)
    assert history.redo() and history.strokes() == (seven, bar)
    assert history.clear() and history.is_empty()
    assert not history.clear()  # nothing to clear is no step
    assert history.undo() and history.strokes() == (seven, bar)
    history.undo()
    history.add_stroke(bar)  # a new stroke forgets what could be redone
    assert not history.can_redo()
    history.begin_group()
    assert history.erase_along((0.77, 0.2), (0.77, 0.3), 0.02)  # the 7's right end
    assert history.erase_along((0.1, 0.93), (0.2, 0.93), 0.05)  # the bar
    history.end_group()
    assert history.is_empty()
    history.undo()  # the whole drag at once
    assert history.strokes() == (seven, bar)


def test_the_oldest_steps_are_forgotten_beyond_the_limit():
    history = CanvasHistory(max_steps=3)
    for i in range(5):
        history.add_stroke(Stroke([(i, i)], 10))
    undone = 0
    while history.undo():
        undone += 1
    assert undone == 3 and len(history.strokes()) == 2


def test_an_opened_picture_is_a_step_between_strokes():
    history = CanvasHistory()
    before = Stroke(SEVEN, 300)
    history.add_stroke(before)
    picture = Picture.from_image(Image.new("L", (40, 30), 255))
    history.open_picture(picture)
    assert history.picture() is picture and history.strokes() == ()
    after = Stroke(BAR, 300)
    history.add_stroke(after)
    assert history.picture() is picture and history.strokes() == (after,)
    assert not history.erase_along((0.0, 0.0), (1.0, 1.0), 0.01)  # the eraser spares pictures
    history.undo()
    assert history.picture() is picture and history.strokes() == ()
    history.undo()
    assert history.picture() is None and history.strokes() == (before,)
    history.redo()
    history.redo()
    assert history.picture() is picture and history.strokes() == (after,)


def _brute_distance(stroke: Stroke, a, b, samples: int = 2000) -> float:
    """Distance by dense sampling of both polylines: slow and approximate, but obviously right."""
    pts = stroke.unit_points()
    if len(pts) == 1:
        pts = np.vstack([pts, pts])
    t = np.linspace(0, 1, samples)[:, None]
    dense = np.vstack([p + t * (q - p) for p, q in itertools.pairwise(pts)])
    path = np.asarray(a) + t * (np.asarray(b) - np.asarray(a))
    return float(np.min(np.hypot(*(dense[:, None, :] - path[None, :, :]).T)))


def test_the_hit_test_measures_the_distance_between_paths():
    rng = np.random.default_rng(0)
    for _ in range(40):
        n = int(rng.integers(1, 5))
        stroke = Stroke(rng.uniform(0, 100, (n, 2)), 100)
        a, b = rng.uniform(0, 1, 2), rng.uniform(0, 1, 2)
        exact = stroke.distance_to_segment(tuple(a), tuple(b))
        sampled = _brute_distance(stroke, a, b, samples=400)
        assert exact <= sampled + 1e-9
        assert sampled - exact < 0.01  # the sampling's resolution


def test_a_move_far_away_costs_no_more_than_one_nearby():
    """The old canvas sampled the eraser's path every few pixels: 4,000 px away took 0.67 s and
    a far one gigabytes. The segment test does the same work whatever the distance."""
    history = CanvasHistory()
    for i in range(20):
        history.add_stroke(Stroke([(10.0 + i, 10.0), (10.0 + i, 200.0)], 300))
    assert not history.erase_along((0.9, 0.9), (0.9, 1e12), 0.01)
    assert len(history.strokes()) == 20
    assert history.erase_along((0.0, 0.5), (1e12, 0.5), 0.01)  # crosses every stroke
    assert history.is_empty()


def test_strokes_over_a_picture_are_classified_together():
    seven = Drawing(280, 280, (SEVEN,))
    paper = Picture.from_image(Image.new("L", (200, 100), 255))
    assert paper.prepared is None
    together = prepare_canvas(seven, paper)
    alone = prepare_drawing(seven)
    assert np.abs(together.field - alone.field).mean() < 0.06  # rendered at another scale
    ink = render_drawing(seven)
    picture = Picture.from_image(Image.fromarray(255 - ink))
    assert prepare_canvas(Drawing(280, 280, ()), picture) is picture.prepared
    with_bar = prepare_canvas(Drawing(280, 280, (((40.0, 140.0), (240.0, 140.0)),)), picture)
    assert np.abs(with_bar.field - picture.prepared.field).max() > 0.5  # the bar is in it


def test_an_outside_change_is_undone_and_redone_first_with_its_step():
    history = CanvasHistory()
    seven = Stroke(SEVEN, 300)
    history.add_stroke(seven)
    done = []
    change = OutsideChange("labelling as 7", lambda: done.append("undo") or True, lambda: True)
    history.begin_group()
    history.add_outside(change)
    history.clear()
    history.end_group()
    assert history.is_empty() and history.undo_name() == "labelling as 7"
    assert history.undo() and done == ["undo"] and history.strokes() == (seven,)
    assert history.redo_name() == "labelling as 7" and history.undo_name() is None
    assert history.redo() and history.is_empty()


def test_a_step_whose_outside_change_fails_stays_where_it_was():
    history = CanvasHistory()
    seven = Stroke(SEVEN, 300)
    history.add_stroke(seven)
    works = [False]
    history.begin_group()
    history.add_outside(OutsideChange("labelling as 7", lambda: works[0], lambda: works[0]))
    history.clear()
    history.end_group()
    assert not history.undo() and history.is_empty() and history.can_undo()
    works[0] = True
    assert history.undo() and history.strokes() == (seven,)
    works[0] = False
    assert not history.redo() and history.strokes() == (seven,) and history.can_redo()
