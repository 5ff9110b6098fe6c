"""The canvas's committed content as an image, kept up to date without painting every stroke
again on each change.

Painting a stroke costs about 0.5-0.8 ms at 4000x3000 (a wide antialiased path), so painting 300
of them again on every undo held the window for a few hundred ms (issue 13). Two answers:

- Checkpoints: on the way, the image of the first k items is kept for k a multiple of
  `CHECKPOINT_EVERY`. Undo and redo start from the nearest checkpoint (or from the image shown,
  when it holds a prefix of the new items) and paint at most `CHECKPOINT_EVERY` items.
  A checkpoint is a copy of the whole image (width x height x 4 bytes: 22 MB for the 2130x2607
  canvas of a 4000x3000 window); at most `MAX_CHECKPOINTS` of them are kept, and at most
  `CHECKPOINT_BYTES` together, the ones farthest from the current number of items going first.
- Progressive rendering: when no checkpoint is near (a resize, a brush change: every stroke looks
  different), the new image is painted in slices of about `SLICE_SECONDS` per turn of the event
  loop, and until it is complete the canvas shows the last complete image (scaled to the new
  size), so no single event holds the window.

Both paths paint the same items in the same order with the same painter settings onto a copy of
the image of a prefix, so the result is the image a full render gives, pixel for pixel
(`render_items`, used by the tests as the reference).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, QSize, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter

CHECKPOINT_EVERY = 24  # items between two checkpoints: an undo paints at most this many
CHECKPOINT_BYTES = 96 * 2**20  # what the checkpoints may take together (at least one is kept)
MAX_CHECKPOINTS = 4  # and at most this many, however small the canvas
SLICE_SECONDS = 0.03  # painting per turn of the event loop in a progressive render

Item = object  # a Stroke or a Picture of lenet_gui.preprocessing.strokes (compared by identity)


@dataclass(frozen=True)
class LayerKey:
    """What every pixel depends on besides the items: the canvas size in its own (logical)
    pixels, the device pixel ratio, and the pen width in canvas pixels. A render paints with
    its key's geometry, never the widget's, so a resize during a progressive render cannot mix
    two sizes in one image."""

    width: int
    height: int
    ratio: float
    pen_width: float

    @property
    def side(self) -> int:
        return min(self.width, self.height)

    @property
    def size(self) -> QSize:
        """The image size in device pixels."""
        return QSize(
            max(1, round(self.width * self.ratio)), max(1, round(self.height * self.ratio))
        )


PaintItem = Callable[[QPainter, Item, LayerKey], None]


@dataclass
class _Rendered:
    key: LayerKey
    items: tuple[Item, ...]  # the image holds exactly these, painted in this order
    image: QImage

    def prefix_of(self, key: LayerKey, items: Sequence[Item]) -> bool:
        mine = self.items
        return (
            self.key == key
            and len(mine) <= len(items)
            and all(a is b for a, b in zip(mine, items, strict=False))
        )


def blank_image(key: LayerKey, paper: QColor) -> QImage:
    image = QImage(key.size, QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(key.ratio)
    image.fill(paper)
    return image


def render_items(
    key: LayerKey, items: Sequence[Item], paint_item: PaintItem, paper: QColor
) -> QImage:
    """The reference: every item painted in order onto paper, in one go."""
    image = blank_image(key, paper)
    painter = QPainter(image)
    for item in items:
        paint_item(painter, item, key)
    painter.end()
    return image


class StrokeLayer(QObject):
    """The image of the canvas's items for a `LayerKey`, with checkpoints and progressive
    rendering. `paint_item(painter, item, key)` paints one item with the key's geometry (it sets
    every render hint it depends on: a slice starts a new painter).
    """

    progressed = Signal()  # a progressive render finished: the current image changed

    def __init__(self, paint_item: PaintItem, paper: QColor, parent: QObject | None = None):
        super().__init__(parent)
        self._paint_item = paint_item
        self._paper = paper
        self._shown: _Rendered | None = None  # the last complete image
        self._checkpoints: list[_Rendered] = []
        self._job: tuple[LayerKey, tuple[Item, ...], int, QImage] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(1)  # not 0: other events get their turn between two slices
        self._timer.timeout.connect(self._on_timer_timeout)

    # -- reading -----------------------------------------------------------------------------

    def image(self) -> QImage | None:
        """The last complete image (of the requested items, unless `is_rendering()`)."""
        return None if self._shown is None else self._shown.image

    def key(self) -> LayerKey | None:
        """The key of the image asked for last (being rendered, or shown)."""
        if self._job is not None:
            return self._job[0]
        return None if self._shown is None else self._shown.key

    def is_rendering(self) -> bool:
        return self._job is not None

    def checkpoint_bytes(self) -> int:
        return sum(c.image.sizeInBytes() for c in self._checkpoints)

    def checkpoint_counts(self) -> list[int]:
        """How many items each checkpoint holds (for tests and benchmarks)."""
        return sorted(len(c.items) for c in self._checkpoints)

    # -- changes -----------------------------------------------------------------------------

    def request(self, key: LayerKey, items: Sequence[Item], progressive: bool = True) -> None:
        """Bring the image to `items` under `key`: at once when a prefix already rendered
        leaves at most CHECKPOINT_EVERY items to paint (or when `progressive` is False), else
        in slices over the next turns of the event loop (`progressed` says when it is done)."""
        items = tuple(items)
        if self._shown is not None and self._shown.key == key and self._shown.items == items:
            self._cancel()
            return
        job = self._job
        if job is not None and job[0] == key and job[1] == items:
            if not progressive:
                self._finish_now()
            return
        self._cancel()
        if self._shown is not None and self._shown.key != key:
            self._checkpoints.clear()  # every pixel changes: none of them is of use
        start = self._best_start(key, items)
        done = 0 if start is None else len(start.items)
        image = blank_image(key, self._paper) if start is None else start.image.copy()
        self._job = (key, items, done, image)
        if not progressive or len(items) - done <= CHECKPOINT_EVERY:
            self._finish_now()
        else:
            self._timer.start()

    def add(self, key: LayerKey, items: Sequence[Item]) -> bool:
        """Paint the last of `items` on top of the shown image, when that holds exactly the
        others under `key` (a stroke just finished); False (nothing done) otherwise."""
        shown = self._shown
        items = tuple(items)
        if (
            self._job is not None
            or shown is None
            or shown.key != key
            or shown.items != items[:-1]
            or not items
        ):
            return False
        painter = QPainter(shown.image)
        self._paint_item(painter, items[-1], key)
        painter.end()
        shown.items = items
        self._maybe_checkpoint(key, items, shown.image)
        return True

    # -- internals ---------------------------------------------------------------------------

    def _best_start(self, key: LayerKey, items: tuple[Item, ...]) -> _Rendered | None:
        candidates = [*self._checkpoints]
        if self._shown is not None:
            candidates.append(self._shown)
        usable = [c for c in candidates if c.prefix_of(key, items)]
        return max(usable, key=lambda c: len(c.items), default=None)

    def _cancel(self) -> None:
        self._job = None
        self._timer.stop()

    def _paint_slice(self, deadline: float | None) -> bool:
        """Paint the job's next items until `deadline` (perf_counter; None: to the end);
        True when every item is painted."""
        key, items, done, image = self._job
        # only the checkpoints nearest the end would survive the budget: copy no others
        first_kept = len(items) - self._room(image) * CHECKPOINT_EVERY
        painter = QPainter(image)
        try:
            while done < len(items):
                self._paint_item(painter, items[done], key)
                done += 1
                if done % CHECKPOINT_EVERY == 0 and first_kept <= done < len(items):
                    painter.end()
                    self._maybe_checkpoint(key, items[:done], image)
                    painter.begin(image)
                if deadline is not None and time.perf_counter() >= deadline:
                    break
        finally:
            painter.end()
        self._job = (key, items, done, image)
        return done == len(items)

    def _finish_now(self) -> None:
        self._paint_slice(None)
        self._complete()

    def _complete(self) -> None:
        key, items, _, image = self._job
        self._cancel()
        self._shown = _Rendered(key, items, image)
        self._maybe_checkpoint(key, items, image)

    def _on_timer_timeout(self) -> None:
        if self._job is None:
            return
        if self._paint_slice(time.perf_counter() + SLICE_SECONDS):
            self._complete()
            self.progressed.emit()
        else:
            self._timer.start()

    @staticmethod
    def _room(image: QImage) -> int:
        """How many checkpoints of this image's size are kept: 1 to MAX_CHECKPOINTS, within
        CHECKPOINT_BYTES."""
        return max(1, min(MAX_CHECKPOINTS, CHECKPOINT_BYTES // max(1, image.sizeInBytes())))

    def _maybe_checkpoint(self, key: LayerKey, items: tuple[Item, ...], image: QImage) -> None:
        """Keep a copy of `image` when it holds a multiple of CHECKPOINT_EVERY items; then
        drop the checkpoints farthest from len(items) beyond CHECKPOINT_BYTES."""
        count = len(items)
        if count == 0 or count % CHECKPOINT_EVERY:
            return
        if any(c.key == key and c.items == items for c in self._checkpoints):
            return
        self._checkpoints = [c for c in self._checkpoints if len(c.items) != count]
        self._checkpoints.append(_Rendered(key, items, image.copy()))
        room = self._room(image)
        if len(self._checkpoints) > room:
            self._checkpoints.sort(key=lambda c: abs(len(c.items) - count))
            del self._checkpoints[room:]
