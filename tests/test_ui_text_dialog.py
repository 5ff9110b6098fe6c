"""About and Model details: rich text in a window that fits the screen and scrolls, not a
message box taller than a small screen (at 640x480 their OK buttons were below its edge)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QLabel, QMessageBox, QScrollArea

from lenet_gui.ui.screen_fit import available_area, text_dialog


def test_a_long_text_fits_the_screen_and_scrolls_down_not_sideways(qtbot):
    rows = "".join(
        f"<tr><td><b>row {i}</b></td><td>a value of some length</td></tr>" for i in range(200)
    )
    dialog = text_dialog(None, "Long", f"<p>Many rows:</p><table>{rows}</table>")
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    area = available_area(dialog)
    assert dialog.frameGeometry().height() <= area.height()
    assert dialog.frameGeometry().width() <= area.width()
    scroll = dialog.findChild(QScrollArea)
    assert scroll.verticalScrollBar().maximum() > 0
    assert scroll.horizontalScrollBar().maximum() == 0
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


@pytest.mark.parametrize(
    "action, words", [("about_action", "Label it"), ("details_action", "created")]
)
def test_about_and_model_details_open_as_text_windows(window, monkeypatch, action, words):
    def modal(*args, **kwargs):
        raise AssertionError("a modal message box, as tall as its text")

    monkeypatch.setattr(QMessageBox, "about", modal)
    getattr(window, action).trigger()
    dialogs = [d for d in window.findChildren(QDialog) if d.isVisible()]
    assert len(dialogs) == 1
    assert any(words in label.text() for label in dialogs[0].findChildren(QLabel))
    dialogs[0].close()
