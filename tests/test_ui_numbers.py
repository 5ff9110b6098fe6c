"""Reading a number on the canvas: boxes and tags over the digits, clicking one to inspect it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from lenet_gui.preprocessing.preprocess import Drawing
from lenet_gui.reading.inference import classify_drawings


def wide_canvas(window, settle):
    """Widen the canvas's column (as a user drags the splitter) so that a number fits."""
    window.splitter.setSizes([1000, 200, 80])
    settle()
    canvas = window.canvas
    assert canvas.width() > 1.5 * canvas.height()
    return canvas


def one(x, h):
    return [(x, 0.2 * h), (x - 2, 0.5 * h), (x - 4, 0.8 * h)]


def zero(x, h):
    t = np.linspace(0, 2 * np.pi, 30)
    return [(x + 0.15 * h * np.sin(a), 0.5 * h - 0.3 * h * np.cos(a)) for a in t]


def test_two_digits_read_as_a_number_and_a_click_shows_the_second(window, draw, settle):
    canvas = wide_canvas(window, settle)
    h = canvas.height()
    draw(canvas, [one(0.5 * h, h), zero(1.3 * h, h)])
    settle()
    panel = window.prediction_panel
    assert panel.shown_number == "10"
    tags = [t for t in window.number_overlay.tags if t.isVisible()]
    assert [t.text() for t in tags] == ["1", "0"]
    assert tags[0].x() < 0.6 * h < tags[1].x()  # each tag over its own digit
    # the digit drawn last is the one shown
    assert window.current_inspection().prediction.digit == 0
    QTest.mouseClick(tags[0], Qt.MouseButton.LeftButton)
    settle()
    shown = window.current_inspection()
    assert shown.prediction.digit == 1 and panel.shown_digit == 1
    alone = classify_drawings(
        window.loaded_model.model, [Drawing(canvas.width(), h, (tuple(one(0.5 * h, h)),))]
    )[0]
    np.testing.assert_allclose(shown.prediction.probabilities, alone.probabilities, atol=1e-5)
    np.testing.assert_array_equal(window.input_view._arrays["field"], shown.prepared.field)
    np.testing.assert_array_equal(window.feature_view.activations()["C1"], shown.activations["C1"])
    assert "Digit 1 of 2" in panel.caption.text()
    # the click drew nothing: still two strokes
    assert len(canvas.drawing().strokes) == 2
    QTest.mouseClick(window.number_overlay.tags[1], Qt.MouseButton.LeftButton)
    settle()
    assert window.current_inspection().prediction.digit == 0
    assert "Digit 2 of 2" in panel.caption.text()


def test_a_single_digit_shows_no_boxes_and_reads_as_before(window, draw, settle):
    canvas = wide_canvas(window, settle)
    h = canvas.height()
    draw(canvas, [zero(0.8 * h, h)])
    settle()
    assert not any(t.isVisible() for t in window.number_overlay.tags)
    expected = classify_drawings(window.loaded_model.model, [canvas.drawing()])[0]
    shown = window.current_inspection().prediction
    assert shown.digit == expected.digit == 0
    np.testing.assert_allclose(shown.probabilities, expected.probabilities, atol=1e-6)
    assert window.prediction_panel.shown_number == "0"


def test_typing_a_number_then_enter_labels_each_digit(window, draw, settle):
    from PySide6.QtCore import Qt

    from lenet_gui.ui.retrain.integration import RetrainController

    window.activateWindow()
    canvas = wide_canvas(window, settle)
    h = canvas.height()
    draw(canvas, [one(0.5 * h, h), zero(1.3 * h, h)])
    settle()
    controller = window.findChild(RetrainController)
    store = controller.store
    QTest.keyClick(canvas, Qt.Key.Key_1)
    QTest.keyClick(canvas, Qt.Key.Key_0)
    assert store.counts_by_label().sum() == 0  # nothing stored before Enter
    assert "Typed 10" in controller.labelling_bar.message.text()
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    samples = store.samples()
    assert sorted(s.label for s in samples) == [0, 1]
    by_label = {s.label: s for s in samples}
    assert len(by_label[1].drawing.strokes) == 1 and len(by_label[0].drawing.strokes) == 1
    assert max(x for x, _ in by_label[1].drawing.strokes[0]) < 0.6 * h  # the 1's own stroke
    assert canvas.drawing().is_blank  # labelling cleared the canvas for the next one
    draw(canvas, [one(0.5 * h, h), zero(1.3 * h, h)])
    settle()
    # a wrong count of digits is refused, nothing stored
    for key in (Qt.Key.Key_4, Qt.Key.Key_2, Qt.Key.Key_7, Qt.Key.Key_Return):
        QTest.keyClick(canvas, key)
    assert "has 2 digits" in controller.labelling_bar.message.text()
    assert len(store.samples()) == 2


def test_a_dash_drawn_alone_is_no_number(window, draw, settle):
    canvas = wide_canvas(window, settle)
    h = canvas.height()
    xs = np.linspace(0.1 * h, 1.6 * h, 30)
    dash = [(float(x), 0.5 * h + 3 * np.sin(x / 30)) for x in xs]  # across several digits' width
    draw(canvas, [dash])
    settle()
    panel = window.prediction_panel
    assert panel.shown_number is None and panel.shown_digit is None
    assert "Not a digit" in panel.caption.text()
    assert all(t.text() == "\u2715" for t in window.number_overlay.tags if t.isVisible())


def test_a_dot_beside_a_number_is_tagged_and_left_out(window, draw, settle):
    canvas = wide_canvas(window, settle)
    h = canvas.height()
    draw(canvas, [one(0.5 * h, h), [(1.2 * h, 0.5 * h)], zero(1.9 * h, h)])
    settle()
    tags = [t.text() for t in window.number_overlay.tags if t.isVisible()]
    assert tags == ["1", "\u2715", "0"]
    assert window.prediction_panel.shown_number == "10"
    QTest.mouseClick(window.number_overlay.tags[1], Qt.MouseButton.LeftButton)
    settle()
    assert "Part 2 of 3: not a digit" in window.prediction_panel.caption.text()


def test_labelling_a_number_pairs_the_typed_digits_with_the_tagged_digits(window, draw, settle):
    from lenet_gui.ui.retrain.integration import RetrainController

    window.activateWindow()
    canvas = wide_canvas(window, settle)
    h = canvas.height()
    strokes = [one(0.5 * h, h), [(1.2 * h, 0.5 * h)], zero(1.9 * h, h)]  # 1, a dot, 0
    draw(canvas, strokes)
    settle()
    bar = window.findChild(RetrainController).labelling_bar
    store = bar.store
    # three parts, two digits: typing three is refused, and the message says why
    for key in (Qt.Key.Key_1, Qt.Key.Key_5, Qt.Key.Key_0, Qt.Key.Key_Return):
        QTest.keyClick(canvas, key)
    assert "has 2 digits" in bar.message.text() and "\u2715" in bar.message.text()
    assert len(store.samples()) == 0
    for key in (Qt.Key.Key_1, Qt.Key.Key_0, Qt.Key.Key_Return):
        QTest.keyClick(canvas, key)
    samples = sorted(store.samples(), key=lambda s: s.label)
    assert [s.label for s in samples] == [0, 1]
    # the dot is in neither sample: each holds its digit's one stroke
    assert [len(s.drawing.strokes) for s in samples] == [1, 1]
    assert all(len(s.drawing.strokes[0]) > 1 for s in samples)
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert store.samples() == [] and len(canvas.drawing().strokes) == 3  # one step takes both
    assert "Took back 10 (2 samples)" in bar.message.text()


def test_the_boxes_of_an_opened_image_follow_it_when_the_canvas_is_resized(
    window, tmp_path, settle
):
    """An opened image is fitted to the canvas again on a resize (opening Explain narrows
    it): each digit's box and tag move with it, not stay where the image used to be."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (600, 200), 255)
    pen = ImageDraw.Draw(image)
    pen.line([(150, 40), (145, 160)], fill=0, width=14)  # a 1
    pen.ellipse([(380, 40), (460, 160)], outline=0, width=14)  # a 0
    image.save(tmp_path / "ten.png")
    canvas = wide_canvas(window, settle)
    assert window.open_image_file(tmp_path / "ten.png")
    settle()
    picture = canvas.picture()

    def tag_lefts_in_image():  # where each visible tag sits, in the image's own pixels
        x0, _, w, _ = picture.fitted_rect(canvas.width(), canvas.height())
        return [(t.x() - x0) * 600 / w for t in window.number_overlay.tags if t.isVisible()]

    before = tag_lefts_in_image()
    assert window.prediction_panel.shown_number == "10" and len(before) == 2
    window.splitter.setSizes([400, 800, 80])  # a narrower canvas
    settle()
    assert canvas.width() < 0.8 * 600 * canvas.height() / 200
    after = tag_lefts_in_image()
    np.testing.assert_allclose(after, before, atol=12)


def test_a_digit_of_a_number_is_as_sure_in_the_caption_as_on_its_bar(window, draw, settle):
    """ "Digit 2 of 2: 0 (99.9% sure)" beside a 99.9% bar, not "(100% sure)"."""
    canvas = wide_canvas(window, settle)
    h = canvas.height()
    draw(canvas, [one(0.5 * h, h), zero(1.3 * h, h)])
    settle()
    prediction = window.current_inspection().prediction
    shown = f"{100 * prediction.probabilities[prediction.digit]:.1f}%"
    assert f"{prediction.digit} ({shown} sure)" in window.prediction_panel.caption.text()


def test_an_unsure_digit_of_a_number_is_not_shown_as_a_firm_one(window, draw, settle, monkeypatch):
    """The large number shows each unsure part as its tag does ("1?0?"), and the caption
    says its doubt in percent as a single reading does; it stated "10" in the firm colour (an
    arrow, its head read "7?", was shown as a firm "7")."""
    from PySide6.QtGui import QTextDocument

    from lenet_gui.reading import verdict as verdict_module

    monkeypatch.setattr(verdict_module, "FIRM_PROBABILITY", 1.01)  # no reading is firm
    canvas = wide_canvas(window, settle)
    h = canvas.height()
    draw(canvas, [one(0.5 * h, h), zero(1.3 * h, h)])
    settle()
    panel = window.prediction_panel
    assert panel.shown_number == "10"
    assert [t.text() for t in window.number_overlay.tags if t.isVisible()] == ["1?", "0?"]
    shown = QTextDocument()
    shown.setHtml(panel.digit_label.text())
    assert shown.toPlainText() == "1?0?"
    prediction = window.current_inspection().prediction
    guess = f"{100 * prediction.probabilities[0]:.0f}%"
    assert f"Digit 2 of 2: not sure, maybe 0 ({guess})" in panel.caption.text()


def test_tags_of_parts_whose_boxes_start_together_do_not_hide_each_other(qtbot):
    """An H read as "1" and "4?": both boxes start at its left bar, and the second tag hid the
    first (it could not be seen nor clicked). Each tag now moves right of those it would cover."""
    from PySide6.QtWidgets import QWidget

    from lenet_gui.ui.views.number_overlay import NumberOverlay

    canvas = QWidget()
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    overlay = NumberOverlay(canvas)
    boxes = [(100, 80, 130, 220), (100, 80, 240, 220), (102, 80, 200, 220)]
    overlay.show_digits(boxes, ["1", "4?", "7"], [False, True, False], 1)
    tags = overlay.tags
    for i, a in enumerate(tags):
        for b in tags[i + 1 :]:
            assert not a.geometry().intersects(b.geometry()), (a.text(), b.text())
    assert tags[0].x() == 100 - 4  # the first stays at its box's left (less the margin)
    assert tags[1].toolTip() == "Digit 2 of 3: click to look inside the network at it"
    seen = []
    overlay.digit_chosen.connect(seen.append)
    QTest.mouseClick(tags[0], Qt.MouseButton.LeftButton)
    assert seen == [0]


def test_a_tag_counts_parts_as_the_caption_does(qtbot):
    """With a part tagged ✕ the caption says "Part 3 of 3"; the tag's tooltip said "Digit 3"."""
    from PySide6.QtWidgets import QWidget

    from lenet_gui.ui.views.number_overlay import NOT_A_DIGIT, NumberOverlay

    canvas = QWidget()
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    overlay = NumberOverlay(canvas)
    boxes = [(20, 80, 90, 220), (120, 80, 190, 220), (220, 80, 290, 220)]
    overlay.show_digits(boxes, ["7", NOT_A_DIGIT, "3"], [False, True, False], 2)
    assert overlay.tags[2].toolTip() == "Part 3 of 3: click to look inside the network at it"
    overlay.show_digits(boxes, ["7", "1", "3"], [False, False, False], 2)
    assert overlay.tags[2].toolTip() == "Digit 3 of 3: click to look inside the network at it"
