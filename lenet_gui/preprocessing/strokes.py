"""What the canvas holds (strokes and an opened image) and its undo/redo history. No Qt.

A stroke is stored once: the points the pen gave, in pixels of the canvas it was drawn on, with
that canvas's side (the shorter of width and height). Its meaning is points / side, so it does not
depend on the size the canvas has now: a resize changes no stored point and copies no history;
`strokes_at(side)` scales on demand (and keeps the one result the canvas asks for again and again).

The history records changes, not snapshots (a step names the items it removed, with their
places, and the items it added), so a step costs memory in proportion to what it changed. An
opened image (`Picture`) is an item like a stroke: opening one is one step that takes the place of
everything drawn before, strokes drawn afterwards go on top of it, and undo brings back, in order,
the image and then the drawing that was there before it.

A change outside the canvas can be a step too (`add_outside`, e.g. storing a labelled sample, so
that the Undo right after labelling takes the sample back); it runs before the canvas changes of
its step, in both directions, and a step whose outside change fails stays where it was.

The eraser's hit test (`erase_along`) compares the eraser's path, one segment per mouse move, with
the segments of each stroke: its cost grows with the number of stroke points and never with the
length of the move (napari likewise keeps brush painting in plain numpy, apart from its views).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from PIL import Image

from .preprocess import (
    WORKING_SIZE,
    Drawing,
    PreparedInput,
    ink_levels,
    prepare_drawing,
    prepare_image,
    render_drawing,
)

Point = tuple[float, float]

# Undo steps kept; the oldest are forgotten beyond this (each step holds only references).
MAX_UNDO_STEPS = 1000
# An opened image is kept (to show) at most this many pixels on its longer side, and its ink (to
# compose with strokes drawn over it; classification works at WORKING_SIZE) at most this many.
PICTURE_SIDE = 2048
PICTURE_INK_SIDE = 4 * WORKING_SIZE


class Stroke:
    """One pen-down stroke: `points` in pixels of a canvas whose shorter side was `side`.

    Raises ValueError for no points, a side that is not positive, or a non-finite coordinate.
    """

    __slots__ = ("_box", "_unit", "points", "side")

    def __init__(self, points: Sequence[Sequence[float]], side: float) -> None:
        self.points: tuple[Point, ...] = tuple((float(p[0]), float(p[1])) for p in points)
        self.side = float(side)
        if not self.points:
            raise ValueError("a stroke needs at least one point")
        if not (np.isfinite(self.side) and self.side > 0):
            raise ValueError(f"a stroke's canvas side must be positive, not {side!r}")
        unit = np.asarray(self.points, dtype=np.float64) / self.side  # (n, 2) in canvas sides
        if not np.isfinite(unit).all():
            raise ValueError("a stroke's points must be finite numbers")
        self._unit = unit
        self._box = (*unit.min(axis=0), *unit.max(axis=0))  # x0, y0, x1, y1 in canvas sides

    def at(self, side: float) -> tuple[Point, ...]:
        """The points in pixels of a canvas of this side (the stored tuple when it is the same)."""
        if side == self.side:
            return self.points
        factor = side / self.side
        return tuple((x * factor, y * factor) for x, y in self.points)

    def unit_points(self) -> np.ndarray:
        """(n, 2) float64: the points in canvas sides (0..1 inside a square canvas)."""
        return self._unit

    def distance_to_segment(self, a: Point, b: Point) -> float:
        """Shortest distance, in canvas sides, from this polyline to the segment a-b (also in
        canvas sides). O(points), whatever the length of a-b."""
        unit = self._unit
        starts, ends = (unit[:-1], unit[1:]) if len(unit) > 1 else (unit, unit)
        return float(_segments_distance(starts, ends, np.asarray(a), np.asarray(b)).min())

    def near_box(self, a: Point, b: Point, reach: float) -> bool:
        """Whether the segment a-b's bounding box, grown by `reach`, meets this stroke's."""
        x0, y0, x1, y1 = self._box
        return not (
            max(a[0], b[0]) < x0 - reach
            or min(a[0], b[0]) > x1 + reach
            or max(a[1], b[1]) < y0 - reach
            or min(a[1], b[1]) > y1 + reach
        )


def _point_to_segments(p: np.ndarray, s0: np.ndarray, s1: np.ndarray) -> np.ndarray:
    """(n,) distances from points p to segments s0-s1; each of p, s0, s1 is (n, 2) or (2,),
    broadcast. A zero-length segment is a point."""
    d = s1 - s0
    length2 = (d * d).sum(axis=-1)
    safe = np.where(length2 > 0, length2, 1.0)
    t = np.clip(((p - s0) * d).sum(axis=-1) / safe, 0.0, 1.0)
    offset = p - (s0 + t[..., None] * d)
    return np.hypot(offset[..., 0], offset[..., 1])


def _cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0]


def _segments_distance(s0: np.ndarray, s1: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n,) shortest distances between segments s0-s1 ((n, 2) each) and one segment a-b.

    Two segments that do not cross are closest at an end of one of them; crossing ones are at 0.
    """
    ends = np.minimum.reduce(
        [
            _point_to_segments(a, s0, s1),
            _point_to_segments(b, s0, s1),
            _point_to_segments(s0, a, b),
            _point_to_segments(s1, a, b),
        ]
    )
    d, e = s1 - s0, b - a
    crossing = (_cross(d, a - s0) * _cross(d, b - s0) < 0) & (
        _cross(e, s0 - a) * _cross(e, s1 - a) < 0
    )
    return np.where(crossing, 0.0, ends)


@dataclass(frozen=True, eq=False)
class Picture:
    """An opened image: a bounded copy to show, its ink, and what the network sees of it alone.

    `size` is the image's own (width, height) in pixels: with it, the picture is fitted into the
    canvas (aspect ratio kept, centred) the way the canvas shows it.
    """

    image: Image.Image  # RGBA, at most PICTURE_SIDE pixels on the longer side
    size: tuple[int, int]
    prepared: PreparedInput | None  # the whole image through `prepare_image`; None: no digit
    name: str = ""

    @classmethod
    def from_image(cls, image: Image.Image, name: str = "") -> Picture:
        """Prepare a Pillow image and keep a bounded copy; ValueError if it has no pixels."""
        prepared = prepare_image(image)
        shown = image.convert("RGBA")
        shown.thumbnail((PICTURE_SIDE, PICTURE_SIDE), Image.Resampling.BOX)
        return cls(shown, (image.width, image.height), prepared, name)

    @cached_property
    def ink(self) -> np.ndarray:
        """(h, w) float32 ink 0..1, at most PICTURE_INK_SIDE on the longer side."""
        small = self.image.copy()
        small.thumbnail((PICTURE_INK_SIDE, PICTURE_INK_SIDE), Image.Resampling.BOX)
        return ink_levels(small).astype(np.float32)

    def fitted_rect(self, width: float, height: float) -> tuple[float, float, float, float]:
        """(x, y, w, h) where the image sits in a width x height canvas: fitted, centred."""
        scale = min(width / self.size[0], height / self.size[1])
        w, h = self.size[0] * scale, self.size[1] * scale
        return (width - w) / 2, (height - h) / 2, w, h


def prepare_canvas(drawing: Drawing, picture: Picture | None) -> PreparedInput | None:
    """The network input for what the canvas shows: the drawing, the opened image, or strokes
    drawn over the image (both painted into one ink image the way the canvas shows them)."""
    if picture is None:
        return prepare_drawing(drawing)
    if drawing.is_blank:
        return picture.prepared
    scale = min(1.0, 2 * WORKING_SIZE / max(drawing.width, drawing.height))
    ink = render_drawing(drawing, scale).astype(np.float32) / 255.0  # (H, W)
    x, y, w, h = (v * scale for v in picture.fitted_rect(drawing.width, drawing.height))
    size = (max(1, round(w)), max(1, round(h)))
    fitted = np.asarray(Image.fromarray(picture.ink, mode="F").resize(size, Image.BILINEAR))
    left, top = round(x), round(y)
    region = ink[top : top + size[1], left : left + size[0]]
    np.maximum(region, fitted[: region.shape[0], : region.shape[1]], out=region)
    return prepare_image(ink)


Item = Stroke | Picture


@dataclass(frozen=True)
class _Change:
    """Removed items with the index each had (ascending), then `added` appended at the end."""

    removed: tuple[tuple[int, Item], ...] = ()
    added: tuple[Item, ...] = ()


@dataclass(frozen=True)
class OutsideChange:
    """A change made outside the canvas that undo and redo take back and make again; `name`
    says what it was ("labelling as 7"). `undo` and `redo` return True when done, and False
    (having said why) when they could not, which leaves the history as it was."""

    name: str
    undo: Callable[[], bool]
    redo: Callable[[], bool]


@dataclass
class CanvasHistory:
    """The canvas's items (an optional Picture first, then strokes in drawing order) and the
    steps to undo and redo. A group (`begin_group`/`end_group`, e.g. one eraser drag) is one step.
    """

    max_steps: int = MAX_UNDO_STEPS
    _items: list[Item] = field(default_factory=list)
    _undo: list[list[_Change | OutsideChange]] = field(default_factory=list)
    _redo: list[list[_Change | OutsideChange]] = field(default_factory=list)
    _group: list[_Change | OutsideChange] | None = None
    _version: int = 0
    _cache: tuple = ()

    # -- reading -----------------------------------------------------------------------------

    def picture(self) -> Picture | None:
        return self._items[0] if self._items and isinstance(self._items[0], Picture) else None

    def strokes(self) -> tuple[Stroke, ...]:
        return tuple(item for item in self._items if isinstance(item, Stroke))

    def strokes_at(self, side: float) -> tuple[tuple[Point, ...], ...]:
        """Every stroke's points in pixels of a canvas of this side."""
        key = (self._version, side)
        if self._cache[:1] != (key,):
            self._cache = (key, tuple(s.at(side) for s in self.strokes()))
        return self._cache[1]

    def is_empty(self) -> bool:
        return not self._items

    def can_undo(self) -> bool:
        return bool(self._undo) or bool(self._group)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_name(self) -> str | None:
        """The name of the outside change that undo would take back, None if none."""
        return _outside_name(self._group or (self._undo[-1] if self._undo else []))

    def redo_name(self) -> str | None:
        return _outside_name(self._redo[-1] if self._redo else [])

    # -- editing -----------------------------------------------------------------------------

    def add_stroke(self, stroke: Stroke) -> None:
        self._record(_Change(added=(stroke,)))

    def open_picture(self, picture: Picture) -> None:
        """One step: the picture takes the place of everything on the canvas."""
        self._record(_Change(removed=tuple(enumerate(self._items)), added=(picture,)))

    def clear(self) -> bool:
        """Remove every item as one step; False when there was nothing."""
        if not self._items:
            return False
        self._record(_Change(removed=tuple(enumerate(self._items))))
        return True

    def erase_along(self, a: Point, b: Point, reach: float) -> bool:
        """Remove the strokes within `reach` of the segment a-b (all in canvas sides, a == b for
        a single position); True if any went. Pictures are not erased (Clear removes them)."""
        hit = tuple(
            (i, item)
            for i, item in enumerate(self._items)
            if isinstance(item, Stroke)
            and item.near_box(a, b, reach)
            and item.distance_to_segment(a, b) <= reach
        )
        if hit:
            self._record(_Change(removed=hit))
        return bool(hit)

    def add_outside(self, change: OutsideChange) -> None:
        """Record a change already made outside the canvas as a step (or part of the group)."""
        self._redo.clear()
        if self._group is not None:
            self._group.append(change)
        else:
            self._push_undo([change])

    def begin_group(self) -> None:
        """Changes until `end_group` are one undo step."""
        if self._group is None:
            self._group = []

    def end_group(self) -> None:
        group, self._group = self._group, None
        if group:
            self._push_undo(group)

    def undo(self) -> bool:
        self.end_group()
        if not self._undo or not _run_outside(self._undo[-1], "undo"):
            return False
        step = self._undo.pop()
        for change in reversed(step):
            if isinstance(change, _Change):
                self._revert(change)
        self._redo.append(step)
        return True

    def redo(self) -> bool:
        self.end_group()
        if not self._redo or not _run_outside(self._redo[-1], "redo"):
            return False
        step = self._redo.pop()
        for change in step:
            if isinstance(change, _Change):
                self._apply(change)
        self._undo.append(step)
        return True

    # -- internals ---------------------------------------------------------------------------

    def _record(self, change: _Change) -> None:
        self._apply(change)
        self._redo.clear()
        if self._group is not None:
            self._group.append(change)
        else:
            self._push_undo([change])

    def _push_undo(self, step: list[_Change | OutsideChange]) -> None:
        self._undo.append(step)
        if len(self._undo) > self.max_steps:
            del self._undo[: len(self._undo) - self.max_steps]

    def _apply(self, change: _Change) -> None:
        for index, _item in reversed(change.removed):
            del self._items[index]
        self._items.extend(change.added)
        self._version += 1

    def _revert(self, change: _Change) -> None:
        if change.added:
            del self._items[-len(change.added) :]
        for index, item in change.removed:
            self._items.insert(index, item)
        self._version += 1


def _outside_name(step: list) -> str | None:
    names = [change.name for change in step if isinstance(change, OutsideChange)]
    return names[-1] if names else None


def _run_outside(step: list, direction: str) -> bool:
    """Undo or redo the outside changes of a step (the last first when undoing); False as soon
    as one fails. A step holds at most one in practice (one labelling)."""
    outside = [change for change in step if isinstance(change, OutsideChange)]
    if direction == "undo":
        outside.reverse()
    return all(getattr(change, direction)() for change in outside)
