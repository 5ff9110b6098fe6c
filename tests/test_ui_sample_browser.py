"""The sample browser with a class's worth of samples: every thumbnail in view without
scrolling sideways, at the size it opens and narrower, and a selection kept through that."""

from __future__ import annotations

from conftest import bar

from lenet_gui.data.samples import SampleStore


def test_many_samples_of_a_digit_wrap_instead_of_scrolling_sideways(qtbot, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from lenet_gui.ui.samples.browser import SampleBrowser

    store = SampleStore(tmp_path)
    for i in range(30):  # thirty 3s, as an imported class gives
        store.add(bar(3, i % 7), 3, sample_id=f"s{i:02d}")
    browser = SampleBrowser(store)
    qtbot.addWidget(browser)
    browser.show()
    qtbot.waitExposed(browser)
    qtbot.wait(10)
    assert browser.scroll.horizontalScrollBar().maximum() == 0
    last = browser.buttons["s29"]
    QTest.mouseClick(last, Qt.MouseButton.LeftButton)
    assert browser.selected_ids() == ["s29"]
    browser.resize(420, browser.height())  # narrower: fewer thumbnails a row
    qtbot.wait(10)
    assert browser.scroll.horizontalScrollBar().maximum() == 0
    assert browser.selected_ids() == ["s29"]
    viewport = browser.scroll.viewport()
    right = last.mapTo(viewport, last.rect().topRight()).x()
    assert right < viewport.width()
