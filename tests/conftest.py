"""Shared test set-up: Qt offscreen, per-test settings and data folders, one loaded model.

QT_QPA_PLATFORM must be set before anything imports Qt, hence at the top of this file.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

# An offscreen screen of the size the window is designed for (the plugin's default is 800x600).
_SCREEN = Path(tempfile.gettempdir()) / "lenet-gui-tests-screen-1280x800.json"
_SCREEN.write_text(
    json.dumps(
        {
            "screens": [
                {
                    "name": "offscreen",
                    "x": 0,
                    "y": 0,
                    "width": 1280,
                    "height": 800,
                    "logicalDpi": 96,
                    "logicalBaseDpi": 96,
                    "dpr": 1,
                }
            ]
        }
    )
)
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path, monkeypatch):
    """Every test gets its own data folder and, once Qt is in use, its own QSettings file."""
    monkeypatch.setenv("LENET_GUI_DATA_DIR", str(tmp_path / "user-data"))
    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QSettings

        QSettings.setPath(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings")
        )
    return tmp_path


@pytest.fixture(autouse=True)
def no_unanswered_message_boxes(monkeypatch):
    """Offscreen, nobody answers a modal message box and the run would hang for ever: a box the
    test did not patch fails the test instead (pytest-qt reports exceptions raised in Qt
    handlers such as closeEvent). A test that expects a box patches that function itself."""
    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtWidgets import QMessageBox

    def unanswered(*args, **kwargs):
        texts = [a for a in args if isinstance(a, str)]
        raise AssertionError(f"a modal message box nobody answers: {texts}")

    for name in ("question", "warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, unanswered)


@pytest.fixture(scope="session")
def bundled_model():
    """The bundled checkpoint, loaded once for the whole run (it is never modified)."""
    from lenet_gui.retrain.checkpoint import load_checkpoint
    from lenet_gui.system.paths import bundled_checkpoint

    return load_checkpoint(bundled_checkpoint())


@pytest.fixture
def startup_side_effects():
    """Undo what the start-up model loading does to the whole process (one torch thread, a
    frozen garbage collector), so that tests running later are not affected."""
    import gc

    import torch

    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)
    gc.unfreeze()


@pytest.fixture
def window(qtbot, bundled_model):
    """A shown main window with the bundled model active, at the size the app is designed for."""
    from lenet_gui.ui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.set_model(bundled_model)
    return win


def send_mouse(widget, kind, point, button, buttons) -> None:
    """Deliver one real QMouseEvent (at a float position) to a widget, synchronously."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    local = QPointF(*point)
    event = QMouseEvent(
        kind, local, widget.mapToGlobal(local), button, buttons, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(widget, event)


def drag(widget, points, button=None) -> None:
    """Press at the first point, move through the rest, release at the last."""
    from PySide6.QtCore import QEvent, Qt

    button = button or Qt.MouseButton.LeftButton
    none = Qt.MouseButton.NoButton
    send_mouse(widget, QEvent.Type.MouseButtonPress, points[0], button, button)
    for point in points[1:]:
        send_mouse(widget, QEvent.Type.MouseMove, point, none, button)
    send_mouse(widget, QEvent.Type.MouseButtonRelease, points[-1], button, none)


@pytest.fixture
def draw():
    """`draw(widget, strokes, button=None)`: each stroke a list of (x, y), as real mouse drags."""

    def draw_strokes(widget, strokes, button=None) -> None:
        for stroke in strokes:
            drag(widget, list(stroke), button)

    return draw_strokes


@pytest.fixture
def settle(qtbot):
    """`settle()`: one short turn of the event loop, which runs a pending classification."""

    def run() -> None:
        qtbot.wait(1)

    return run


def bar(digit: int, shift: float):
    """A distinct drawing per digit: a vertical bar at a digit-dependent slant."""
    from lenet_gui.preprocessing.preprocess import Drawing

    x = 80 + 12 * digit + shift
    return Drawing(280, 280, (((x, 50.0), (x + 8 * digit - 30, 230.0)),))


@pytest.fixture
def samples(tmp_path):
    """Forty own samples (four bars per digit) as the sample store gives them back."""
    from lenet_gui.data.samples import SampleStore

    store = SampleStore(tmp_path)
    for digit in range(10):
        for i in range(4):
            store.add(bar(digit, 3 * i), digit, sample_id=f"d{digit}-{i}")
    return store.samples()


def closed_port() -> int:
    """A local TCP port where nothing listens (a download from it fails at once)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answering(asked: list, choice):
    """A stand-in for QMessageBox.question that records each question's text in `asked` and
    answers `choice` (patch it in to replace the autouse guard above)."""

    def question(*args, **kwargs):
        asked.append(args[2])
        return choice

    return question
