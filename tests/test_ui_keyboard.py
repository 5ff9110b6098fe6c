"""Keyboard and screen readers: every view reachable and readable without the mouse."""

from __future__ import annotations

import re

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu

STROKE = [[(150, 40), (140, 240)]]


def test_arrow_keys_read_the_feature_maps_and_enter_enlarges_one(window, draw, settle):
    draw(window.canvas, STROKE)
    settle()
    view = window.feature_view
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_PageDown)  # the second map (C1 kernel 1, kernels shown)
    first = view.tiles()[1]
    assert view.cursor_text().startswith(f"{first_name(first)}, row 0, column 0")
    QTest.keyClick(view, Qt.Key.Key_Right)
    assert ", row 0, column 1" in view.cursor_text()
    for _ in range(first.shape[1]):  # past the right edge: on to the next map
        QTest.keyClick(view, Qt.Key.Key_Right)
    assert view.cursor_text().startswith(first_name(view.tiles()[2]))
    assert re.search(r": [+-]\d\.\d{3}", view.cursor_text())  # the value, as text
    QTest.keyClick(view, Qt.Key.Key_Return)
    assert len(window._details) == 1
    detail = window._details[0].view
    detail.setFocus()
    QTest.keyClick(detail, Qt.Key.Key_Down)
    QTest.keyClick(detail, Qt.Key.Key_Right)
    assert re.fullmatch(r"row 1, column 1: [+-]\d\.\d{3}", detail.accessibleDescription())


def first_name(tile) -> str:
    kind = "C1 kernel" if tile.layer == "C1 kernels" else f"{tile.layer} map"
    return f"{kind} {tile.index}"


def test_the_scores_are_readable_as_text(window, draw, settle):
    bars = window.prediction_panel.bars
    assert bars.accessibleName() == "Digit probabilities"
    assert bars.accessibleDescription() == "No digit read yet."
    draw(window.canvas, STROKE)
    settle()
    values = window.current_inspection().prediction.probabilities
    described = bars.accessibleDescription()
    assert described.startswith(f"0: {100 * values[0]:.1f}%, 1: {100 * values[1]:.1f}%")
    assert described.count("%") == 10
    assert window.canvas.accessibleDescription().startswith("Read as 1, ")


def test_menu_mnemonics_are_unique_in_each_menu(window):
    def letters(actions) -> list[str]:
        found = []
        for action in actions:
            match = re.search(r"&(\w)", action.text().replace("&&", ""))
            if match:
                found.append(match.group(1).lower())
        return found

    bar = letters(window.menuBar().actions())
    assert len(bar) == len(set(bar)), bar
    for top in window.menuBar().actions():
        menu: QMenu = top.menu()
        keys = letters(a for a in menu.actions() if not a.isSeparator())
        assert len(keys) == len(set(keys)), (top.text(), keys)


def test_the_correct_column_shows_100_percent_in_full(qtbot):
    from lenet_gui.ui.retrain.results import RetrainResults

    results = RetrainResults()
    qtbot.addWidget(results)
    results._fill_confusion(np.diag(np.full(10, 50)), np.ones(10))
    table = results.confusion
    text = table.item(0, 10).text()
    assert text.startswith("100")
    needed = table.fontMetrics().horizontalAdvance(text)
    assert table.columnWidth(10) >= needed + 4


def test_the_learning_rate_takes_a_dot_or_a_comma_under_a_german_locale(qtbot):
    from PySide6.QtCore import QLocale
    from PySide6.QtWidgets import QDoubleSpinBox

    from lenet_gui.ui.numbers import DecimalSpinBox

    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    try:
        plain, box = QDoubleSpinBox(), DecimalSpinBox()
        for spin in (plain, box):
            qtbot.addWidget(spin)
            spin.setDecimals(5)
            spin.setRange(1e-5, 0.1)
            spin.setValue(0.0005)
        assert plain.text() == "0,00050"  # what a German desktop showed beside "10,001"
        assert box.text() == "0.00050"
        box.show()
        for typed, value in (("0.001", 0.001), ("0,002", 0.002)):
            box.lineEdit().selectAll()
            QTest.keyClicks(box, typed)
            QTest.keyClick(box, Qt.Key.Key_Return)
            assert box.value() == value, typed
    finally:
        QLocale.setDefault(before)


def test_about_lists_every_single_key_shortcut(window):
    """F1's table is where a user finds the keys no menu shows while drawing: every one-key
    shortcut of the window (a letter, a bracket, the digits that label) is in it."""
    import re

    from PySide6.QtGui import QAction

    from lenet_gui.ui.views.explanations import ABOUT_HTML

    table = re.sub(r"<[^>]+>", " ", ABOUT_HTML)
    keys = set()
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            text = key.toString()
            if len(text) == 1:  # no modifier: B, E, [, ], K, X, 0-9
                keys.add("0-9" if text.isdigit() else text)
    assert {"B", "E", "K", "X", "0-9"} <= keys
    missing = [k for k in sorted(keys) if not re.search(rf"(?<!\w){re.escape(k)}(?!\w)", table)]
    assert not missing


def test_a_clicked_cell_of_an_enlarged_map_is_the_keyboards_cell(window, draw, settle):
    """The outlined cell is the one clicked (and traced), not the top-left one; the arrow
    keys go on from there."""
    from conftest import send_mouse
    from PySide6.QtCore import QEvent

    draw(window.canvas, STROKE)
    settle()
    window._on_feature_view_map_clicked("C3", 0)
    detail = window._details[-1].view
    detail.setFocus()
    target = detail._target()
    cell = target.width() / 10
    point = (target.left() + 2.5 * cell, target.top() + 3.5 * cell)  # row 3, column 2
    left = Qt.MouseButton.LeftButton
    send_mouse(detail, QEvent.Type.MouseButtonPress, point, left, left)
    send_mouse(detail, QEvent.Type.MouseButtonRelease, point, left, Qt.MouseButton.NoButton)
    QTest.keyClick(detail, Qt.Key.Key_Right)
    assert re.fullmatch(r"row 3, column 3: [+-]\d\.\d{3}", detail.accessibleDescription())


def test_tab_visits_only_widgets_that_show_the_focus_and_no_scroll_area(window):
    from PySide6.QtWidgets import QAbstractScrollArea, QApplication

    window.activateWindow()
    window.prediction_panel.bars.setFocus()
    stops = []
    for _ in range(8):  # more than one full round
        focused = QApplication.focusWidget()
        stops.append(focused)
        QTest.keyClick(focused, Qt.Key.Key_Tab)
    assert not [w for w in stops if isinstance(w, QAbstractScrollArea)]
    names = {w.accessibleName() for w in stops}
    assert {"Digit probabilities", "Feature maps", "Brush width"} <= names
