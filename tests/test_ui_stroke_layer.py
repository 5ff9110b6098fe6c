"""The canvas's stroke layer (ui/stroke_layer.py): undo and redo start from a checkpoint, a
resize or a brush change renders in slices, and every path gives the image a full render gives,
pixel for pixel. Strokes are drawn with real mouse events."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from lenet_gui.preprocessing.strokes import Picture
from lenet_gui.ui import stroke_layer
from lenet_gui.ui.canvas import PAPER, DrawingCanvas
from lenet_gui.ui.stroke_layer import render_items

EVERY = 6  # checkpoint spacing in these tests (the app's is larger), so few strokes suffice


@pytest.fixture
def canvas(qtbot, monkeypatch):
    monkeypatch.setattr(stroke_layer, "CHECKPOINT_EVERY", EVERY)
    widget = DrawingCanvas()
    qtbot.addWidget(widget)
    widget.resize(320, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def strokes(count: int, seed: int = 0) -> list[list[tuple[float, float]]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        x, y = rng.uniform(20, 260, size=2)
        out.append([(x, y), (x + 25, y + rng.uniform(-20, 20)), (x + 30, y + 40)])
    return out


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    h, line = image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=line * h).reshape(h, line)
    return data[:, : 4 * image.width()].copy()


def reference(canvas: DrawingCanvas) -> np.ndarray:
    """A full render of the canvas's items, in one go, composed as the canvas composes it."""
    return pixels(
        render_items(canvas._layer_key(), canvas._layer_items(), canvas._paint_item, PAPER)
    )


def shown(canvas: DrawingCanvas, wait: bool = True) -> np.ndarray:
    """The layer's image after a paint (and, when `wait`, after any progressive render)."""
    canvas.repaint()
    if wait:
        wait_rendered(canvas)
    return pixels(canvas._layer.image())


def count_painted(canvas: DrawingCanvas, monkeypatch) -> list:
    painted = []
    original = canvas._layer._paint_item
    monkeypatch.setattr(
        canvas._layer, "_paint_item", lambda *a: (painted.append(a[1]), original(*a))[1]
    )
    return painted


def wait_rendered(canvas: DrawingCanvas) -> int:
    """Turns of the event loop until the layer is complete (no QTest.qWait: see COMMON)."""
    turns = 0
    while canvas._layer.is_rendering():
        QApplication.processEvents()
        time.sleep(0.002)
        turns += 1
        assert turns < 5000
    canvas.repaint()
    return turns


def test_undo_and_redo_start_from_a_checkpoint_and_match_a_full_render(canvas, draw, monkeypatch):
    draw(canvas, strokes(27))
    assert np.array_equal(shown(canvas), reference(canvas))
    assert canvas._layer.checkpoint_counts() == [6, 12, 18, 24]
    painted = count_painted(canvas, monkeypatch)
    for expected_strokes in (26, 25, 24, 23, 22, 17):
        while len(canvas.drawing().strokes) > expected_strokes:
            canvas.undo()
        before = len(painted)
        image = shown(canvas, wait=False)
        assert not canvas._layer.is_rendering()  # done in the paint itself
        assert len(painted) - before <= EVERY  # never every stroke again
        assert np.array_equal(image, reference(canvas)), expected_strokes
    for _ in range(6):
        canvas.redo()
        before = len(painted)
        image = shown(canvas, wait=False)
        assert not canvas._layer.is_rendering()
        assert len(painted) - before <= EVERY
        assert np.array_equal(image, reference(canvas))
    assert len(canvas.drawing().strokes) == 23


def test_an_erased_stroke_in_the_middle_is_not_taken_from_a_stale_checkpoint(canvas, draw):
    lines = strokes(20)
    draw(canvas, lines)
    x, y = lines[2][1]  # the eraser (right button) on the third stroke
    draw(canvas, [[(x, y), (x + 1, y)]], button=Qt.MouseButton.RightButton)
    assert len(canvas.drawing().strokes) < 20
    assert np.array_equal(shown(canvas), reference(canvas))
    canvas.undo()  # the stroke comes back at its place
    assert len(canvas.drawing().strokes) == 20
    assert np.array_equal(shown(canvas), reference(canvas))


def test_a_brush_change_renders_in_slices_and_shows_the_last_image_meanwhile(
    canvas, draw, monkeypatch
):
    monkeypatch.setattr(stroke_layer, "SLICE_SECONDS", 0.0)  # one stroke per turn
    draw(canvas, strokes(20))
    before = shown(canvas)
    canvas.set_pen_fraction(canvas.pen_fraction() * 1.6)
    assert np.array_equal(shown(canvas, wait=False), before)  # still the last complete image
    assert canvas._layer.is_rendering()
    assert wait_rendered(canvas) >= 10
    after = shown(canvas)
    assert not np.array_equal(after, before)
    assert np.array_equal(after, reference(canvas))


def test_a_resize_scales_the_last_image_then_renders_the_new_size_exactly(canvas, draw):
    draw(canvas, strokes(30))
    canvas.resize(520, 330)
    canvas.repaint()
    assert canvas._layer.is_rendering()
    assert canvas._layer.image().width() == 320  # the old one, drawn scaled
    meanwhile = pixels(canvas.grab().toImage())[:, 0::4] < 128  # ink on screen meanwhile
    wait_rendered(canvas)
    assert canvas._layer.image().width() == 520
    assert np.array_equal(shown(canvas), reference(canvas))
    final = pixels(canvas.grab().toImage())[:, 0::4] < 128
    # the old image scaled as the strokes scale (with the side, from the top left): nearly the
    # new one (a stretch to the new width would put strokes up to 60 px off)
    assert meanwhile.sum() > 0
    assert (meanwhile != final).sum() < 0.1 * final.sum()


def test_saving_during_a_progressive_render_gives_the_exact_image(canvas, draw, monkeypatch):
    monkeypatch.setattr(stroke_layer, "SLICE_SECONDS", 0.0)
    draw(canvas, strokes(20))
    canvas.set_pen_fraction(canvas.pen_fraction() * 0.7)
    canvas.repaint()
    assert canvas._layer.is_rendering()
    saved = pixels(canvas.rendered_image())
    assert not canvas._layer.is_rendering()
    assert np.array_equal(saved, reference(canvas))


def test_strokes_over_an_opened_image_undo_exactly(canvas, draw):
    photo = Image.new("RGB", (90, 60), "white")
    photo.paste((30, 30, 30), (30, 10, 50, 50))
    canvas.open_picture(Picture.from_image(photo, "bar"))
    draw(canvas, strokes(14))
    assert np.array_equal(shown(canvas), reference(canvas))
    for _ in range(3):
        canvas.undo()
    assert np.array_equal(shown(canvas), reference(canvas))


def test_at_most_max_checkpoints_are_kept_however_small_the_canvas(canvas, draw):
    draw(canvas, strokes(45))
    assert canvas._layer.checkpoint_counts() == [24, 30, 36, 42]  # the nearest the end
    assert stroke_layer.MAX_CHECKPOINTS == 4


def test_checkpoints_stay_within_their_memory_budget(canvas, draw, monkeypatch):
    one = canvas._layer_key().size
    monkeypatch.setattr(stroke_layer, "CHECKPOINT_BYTES", 2 * one.width() * one.height() * 4)
    draw(canvas, strokes(40))
    assert canvas._layer.checkpoint_counts() == [30, 36]  # the two nearest the end
    assert canvas._layer.checkpoint_bytes() <= stroke_layer.CHECKPOINT_BYTES
    for _ in range(15):  # back past both: rendered again, right, and still in budget
        canvas.undo()
    canvas.repaint()
    wait_rendered(canvas)
    assert np.array_equal(shown(canvas), reference(canvas))
    assert canvas._layer.checkpoint_bytes() <= stroke_layer.CHECKPOINT_BYTES
