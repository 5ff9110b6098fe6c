"""Seeded random events through the real main window, for the fuzz test and its benchmark.

Each `step()` sends one event the way a user (or a cat on the keyboard) would: presses, moves
and releases of either button, many of them far outside the canvas; undo and redo storms;
clears; the eraser tool; brush changes; window resizes up to 4000x3000, also in the middle of a
stroke. The same seed gives the same events. Used by tests/test_ui_fuzz.py and
benchmarks/bench_fuzz.py.
"""

from __future__ import annotations

import random

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent

LEFT, RIGHT, NONE = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton, Qt.MouseButton.NoButton
MAX_SIZE = (4000, 3000)
MIN_SIZE = (640, 480)

# (kind, weight): moves dominate, as they do when someone draws.
KINDS = (
    ("press", 8),
    ("move", 60),
    ("far move", 6),
    ("release", 8),
    ("undo storm", 3),
    ("redo", 2),
    ("clear", 2),
    ("eraser tool", 2),
    ("brush", 2),
    ("resize", 3),
    ("stray move", 4),  # a move with no button held
)


class GuiFuzzer:
    """Sends seeded random events to `window` (a MainWindow); `step()` returns the event kind."""

    def __init__(self, window, seed: int = 0) -> None:
        self.window = window
        self.canvas = window.canvas
        self.random = random.Random(seed)
        self.held = NONE  # the button held down, as the canvas was told
        self.point = (50.0, 50.0)
        self.kinds, self.weights = zip(*KINDS, strict=True)

    def step(self) -> str:
        kind = self.random.choices(self.kinds, self.weights)[0]
        getattr(self, "_" + kind.replace(" ", "_"))()
        return kind

    # -- events ------------------------------------------------------------------------------

    def _send(self, kind, point, button, buttons) -> None:
        local = QPointF(*point)
        event = QMouseEvent(
            kind,
            local,
            self.canvas.mapToGlobal(local),
            button,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        self.canvas.event(event)  # as Qt delivers it, including to a grab outside the widget

    def _inside(self) -> tuple[float, float]:
        w, h = self.canvas.width(), self.canvas.height()
        return self.random.uniform(-10, w + 10), self.random.uniform(-10, h + 10)

    def _press(self) -> None:
        if self.held != NONE:
            return self._release()
        self.held = LEFT if self.random.random() < 0.8 else RIGHT
        self.point = self._inside()
        self._send(QEvent.Type.MouseButtonPress, self.point, self.held, self.held)

    def _move(self) -> None:
        x, y = self.point
        step = self.canvas.width() / 20
        self.point = (x + self.random.uniform(-step, step), y + self.random.uniform(-step, step))
        self._send(QEvent.Type.MouseMove, self.point, NONE, self.held)

    def _far_move(self) -> None:
        reach = self.random.choice((1e3, 1e5, 1e7))
        self.point = (self.random.uniform(-reach, reach), self.random.uniform(-reach, reach))
        self._send(QEvent.Type.MouseMove, self.point, NONE, self.held)

    def _stray_move(self) -> None:
        self.point = self._inside()
        self._send(QEvent.Type.MouseMove, self.point, NONE, self.held)

    def _release(self) -> None:
        if self.held == NONE:
            return self._press()
        button, self.held = self.held, NONE
        self._send(QEvent.Type.MouseButtonRelease, self.point, button, NONE)

    def _undo_storm(self) -> None:
        for _ in range(self.random.randint(1, 30)):
            self.window.undo_action.trigger()

    def _redo(self) -> None:
        for _ in range(self.random.randint(1, 10)):
            self.window.redo_action.trigger()

    def _clear(self) -> None:
        self.window.clear_action.trigger()

    def _eraser_tool(self) -> None:
        action = self.window.eraser_action if self.random.random() < 0.5 else self.window.pen_action
        action.trigger()

    def _brush(self) -> None:
        slider = self.window.brush_slider
        slider.setValue(self.random.randint(slider.minimum(), slider.maximum()))

    def _resize(self) -> None:
        w = self.random.randint(MIN_SIZE[0], MAX_SIZE[0])
        h = self.random.randint(MIN_SIZE[1], MAX_SIZE[1])
        self.window.resize(w, h)
