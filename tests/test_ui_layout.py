"""Layout at small sizes, in process (the desktop probe checks whole windows on small and
scaled screens in a fresh process: tests/test_ui_desktops.py)."""

from __future__ import annotations

from lenet_gui.ui.views.input_view import STAGES


def test_long_status_messages_stop_before_the_timing_label(window, qtbot):
    window.resize(700, 500)
    window.timing_label.setText("1.2 ms")
    qtbot.wait(10)
    long = "Opened lenet5-finetuned-20261129-154500Z.pt — created: 2026-11-29, " * 2
    window.statusBar().showMessage(long, 5000)
    shown = window.statusBar().currentMessage()
    assert shown.endswith("…") and long.startswith(shown[:-1])
    metrics = window.statusBar().fontMetrics()
    timing_left = window.timing_label.mapTo(
        window.statusBar(), window.timing_label.rect().topLeft()
    )
    assert metrics.horizontalAdvance(shown) < timing_left.x()
    assert window.statusBar().toolTip() == long


def test_input_stage_captions_fit_their_tiles_at_800x600(window, qtbot, draw, settle):
    window.resize(788, 564)
    qtbot.wait(20)
    view = window.input_view
    side = view._tile_side()
    metrics = view.fontMetrics()
    for _, caption, _ in STAGES:  # each word within its tile and the gap: wraps, never runs on
        assert all(metrics.horizontalAdvance(word) <= side + 8 for word in caption.split())
    assert view.height() >= side + 2 * metrics.lineSpacing()


def test_the_input_stages_use_the_space_of_a_large_window(window, qtbot):
    window.resize(1600, 1000)
    qtbot.wait(20)
    assert window.input_view._tile_side() > 120  # it stayed 94 px with space beside it


def test_explain_takes_the_maps_place_in_a_narrow_window_and_gives_it_back(window, qtbot):
    """X opens Explain: at 800x600 in place of the maps panel, which comes back when the window
    widens or Explain closes; no scroll area of the window needs scrolling sideways."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QAbstractScrollArea

    def sideways():
        areas = window.findChildren(QAbstractScrollArea)
        return [a for a in areas if a.isVisible() and a.horizontalScrollBar().maximum() > 0]

    maps = window.splitter.widget(2)
    window.resize(784, 560)
    window.activateWindow()
    qtbot.wait(20)
    QTest.keyClick(window.canvas, Qt.Key.Key_X)
    qtbot.waitUntil(window.explain.dock.isVisible)
    qtbot.wait(50)
    assert maps.isHidden() and window.prediction_panel.isVisible()
    # said whole beside the model's name, not cut ("…")
    assert window.statusBar().currentMessage() == "Explain shown in place of the maps (X closes it)"
    assert sideways() == []
    window.resize(1264, 760)
    qtbot.wait(50)
    assert maps.isVisible() and window.explain.dock.isVisible() and sideways() == []
    window.resize(784, 560)
    qtbot.wait(50)
    assert maps.isHidden()
    QTest.keyClick(window.canvas, Qt.Key.Key_X)
    qtbot.waitUntil(lambda: not window.explain.dock.isVisible())
    assert maps.isVisible()


def test_the_scores_column_is_never_narrower_than_its_bars(window, qtbot):
    window.splitter.setSizes([10_000, 0, 0])  # the scores dragged to their narrowest
    qtbot.wait(10)
    panel, bars = window.prediction_panel, window.prediction_panel.bars
    assert panel.rect().contains(bars.geometry())  # the percentages are not cut off
