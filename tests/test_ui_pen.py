"""The pen never stays down: a lost button release ends the stroke (tests drive real events)."""

from __future__ import annotations

from conftest import send_mouse
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
PRESS, MOVE = QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove


def press_and_move(canvas, points) -> None:
    send_mouse(canvas, PRESS, points[0], LEFT, LEFT)
    for point in points[1:]:
        send_mouse(canvas, MOVE, point, NONE, LEFT)


def test_a_move_without_the_button_ends_the_stroke_and_adds_nothing(window, settle):
    canvas = window.canvas
    press_and_move(canvas, [(100, 50), (105, 120), (110, 200)])
    # F1 or Ctrl+O opened a dialog here; it took the release. Back on the canvas, no button:
    for point in [(200, 60), (240, 230)]:
        send_mouse(canvas, MOVE, point, NONE, NONE)
    settle()
    strokes = canvas.drawing().strokes
    assert len(strokes) == 1
    assert max(x for x, _ in strokes[0]) < 0.5 * canvas.width()  # nothing from the hover
    assert window.undo_action.isEnabled()
    # The next click starts a second stroke; the first one stays.
    press_and_move(canvas, [(60, 60), (90, 90)])
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, (90, 90), LEFT, NONE)
    assert len(canvas.drawing().strokes) == 2


def test_a_press_after_a_lost_release_keeps_the_first_stroke(window):
    canvas = window.canvas
    press_and_move(canvas, [(100, 50), (110, 200)])
    press_and_move(canvas, [(60, 60), (90, 90)])  # no release, no move without button between
    send_mouse(canvas, QEvent.Type.MouseButtonRelease, (90, 90), LEFT, NONE)
    assert len(canvas.drawing().strokes) == 2


def test_a_dialog_taking_the_window_ends_the_stroke(window):
    canvas = window.canvas
    press_and_move(canvas, [(100, 50), (110, 200)])
    QApplication.sendEvent(canvas, QEvent(QEvent.Type.WindowDeactivate))
    assert len(canvas.drawing().strokes) == 1 and window.undo_action.isEnabled()
