"""Small canvas and labelling behaviour: the canvas clears after labelling (a setting, on by
default) and Undo right after labelling takes the sample back, the invitation disappears as a
whole when the first stroke begins, and the input stages of a blank canvas are empty slots, not
black squares."""

from __future__ import annotations

import errno
import os

from conftest import send_mouse
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from lenet_gui.preprocessing.preprocess import Drawing
from lenet_gui.ui.retrain.integration import RetrainController, install_retrain
from lenet_gui.ui.settings import Settings
from lenet_gui.ui.views.input_view import EMPTY_FILL, InputStagesView


def labelling_bar(window):
    found = [c for c in window.children() if isinstance(c, RetrainController)]
    return (found[0] if found else install_retrain(window)).labelling_bar


def one(canvas) -> list[list[tuple[float, float]]]:
    w, h = canvas.width(), canvas.height()
    return [[(0.5 * w, 0.2 * h), (0.52 * w, 0.5 * h), (0.5 * w, 0.8 * h)]]


def test_labelling_clears_the_canvas_by_default_and_undo_brings_it_back(window, draw, settle):
    bar = labelling_bar(window)
    assert bar.clears_after_labelling() and Settings().clear_after_labelling
    draw(window.canvas, one(window.canvas))
    settle()
    bar.digit_actions[1].trigger()  # what key 1 does
    assert window.canvas.drawing().is_blank
    assert len(bar.store.samples()) == 1 and "Saved as a 1" in bar.message.text()
    window.canvas.undo()
    assert not window.canvas.drawing().is_blank


def test_with_the_setting_off_the_drawing_stays(window, draw, settle):
    bar = labelling_bar(window)
    bar.clear_after_action.trigger()  # off
    assert not bar.clears_after_labelling() and not Settings().clear_after_labelling
    draw(window.canvas, one(window.canvas))
    settle()
    bar.digit_actions[1].trigger()
    assert not window.canvas.drawing().is_blank and len(bar.store.samples()) == 1


class PaintSpy(QObject):
    def __init__(self, widget):
        super().__init__(widget)
        self.rects = []
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.rects.append(event.rect())
        return False


def test_the_invitation_goes_as_a_whole_when_the_first_stroke_begins(window, qtbot):
    canvas = window.canvas
    qtbot.wait(20)
    spy = PaintSpy(canvas)
    left = Qt.MouseButton.LeftButton
    send_mouse(canvas, QEvent.Type.MouseButtonPress, (20.0, 20.0), left, left)
    qtbot.waitUntil(lambda: bool(spy.rects), timeout=2000)
    assert spy.rects[0].contains(canvas.rect())  # not only the stroke's neighbourhood
    send_mouse(canvas, QEvent.Type.MouseMove, (30.0, 40.0), Qt.MouseButton.NoButton, left)
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, (30.0, 40.0), left, Qt.MouseButton.NoButton)


def test_blank_input_stages_are_empty_slots_not_black(window):
    view = window.findChild(InputStagesView)
    view.set_prepared(None)  # what a blank canvas shows
    image = view.grab().toImage()
    tile = view._tile_rect(0)
    centre = image.pixelColor(tile.center())
    assert centre == EMPTY_FILL and centre != QColor(0, 0, 0)


def test_undo_right_after_labelling_takes_the_sample_back_and_redo_saves_it_again(
    qtbot, window, draw, settle
):
    bar = labelling_bar(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=2_000)
    bar.store.add(Drawing(100, 100, (((10.0, 10.0), (50.0, 90.0)),)), 4)  # labelled earlier
    before = bar.store.path.read_bytes()
    draw(window.canvas, one(window.canvas))
    settle()
    ctrl = Qt.KeyboardModifier.ControlModifier
    QTest.keyClick(window.canvas, Qt.Key.Key_7)  # a wrong key
    assert [s.label for s in bar.store.samples()] == [4, 7] and window.canvas.drawing().is_blank
    assert "Ctrl+Z" in bar.message.text()
    assert window.undo_action.text() == "&Undo labelling as 7"
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, ctrl)
    assert bar.store.path.read_bytes() == before  # the 7 is gone, the 4 kept byte for byte
    assert not window.canvas.drawing().is_blank and "Took back the 7" in bar.message.text()
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, ctrl | Qt.KeyboardModifier.ShiftModifier)
    assert [s.label for s in bar.store.samples()] == [4, 7] and window.canvas.drawing().is_blank
    assert "Saved the 7 again (2 samples in all)" in bar.message.text()
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, ctrl)
    QTest.keyClick(window.canvas, Qt.Key.Key_1)  # the right key
    assert [s.label for s in bar.store.samples()] == [4, 1]
    assert not list(bar.store.folder.glob("*.part"))  # every rewrite went through atomic.py


def test_a_labelling_that_cannot_be_taken_back_stays_with_its_drawing(
    window, draw, settle, monkeypatch
):
    bar = labelling_bar(window)
    draw(window.canvas, one(window.canvas))
    settle()
    bar.digit_actions[7].trigger()

    def read_only(ids):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    with monkeypatch.context() as patched:
        patched.setattr(bar.store, "delete", read_only)
        window.undo_action.trigger()
    assert "Could not take back the 7: Read-only file system" in bar.message.text()
    assert [s.label for s in bar.store.samples()] == [7] and window.canvas.drawing().is_blank
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()  # once the disk can be written again
    assert bar.store.samples() == [] and not window.canvas.drawing().is_blank
