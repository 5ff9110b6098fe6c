"""The Explain dock driven through the real window: heatmap, unit traces, RBF output, formulas."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from conftest import send_mouse
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip
from test_ui_main_window import digit_strokes

from lenet_gui.explain.attribution import attribute
from lenet_gui.network.model import LeNet5, LeNet5Config
from lenet_gui.retrain.checkpoint import save_checkpoint
from lenet_gui.system import paths
from lenet_gui.ui.views.map_detail import MapDetailDialog


def wait_until(condition, timeout=30.0):
    """Process events until `condition()` holds; the attribution thread needs the GIL free,
    so no QTest.qWait here (see COMMON notes): processEvents and sleep."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def explained(window, draw, settle):
    window.explain.toggle_action.trigger()
    canvas = window.canvas
    draw(canvas, digit_strokes(canvas.width(), "seven"))
    settle()
    assert window.current_inspection().prediction.digit == 7
    return window


def shown_attribution(window, method, target, versus):
    why = window.explain.panel.why

    def ready():
        a = why.attribution
        return a is not None and (a.method, a.target, a.versus) == (method, target, versus)

    assert wait_until(ready), why.legend.text()
    return why.attribution


def test_heatmap_of_the_drawing_is_the_cores_attribution(explained):
    window = explained
    a = shown_attribution(window, "occlusion", 7, None)
    network_input = window.current_inspection().prepared.network_input
    expected = attribute(window.loaded_model.model, network_input, 7, None, "occlusion")
    np.testing.assert_allclose(a.map, expected.map, atol=1e-5)
    assert window.explain.overlay.is_showing()  # over the drawing too
    why = window.explain.panel.why
    assert "score of 7" in why.legend.text()
    assert f"explained score {expected.explained_score:+.2f}" in why.view.caption()


def test_class_contrast_and_method_are_the_users_choice(explained):
    window = explained
    why = window.explain.panel.why
    shown_attribution(window, "occlusion", 7, None)
    why.versus.setCurrentIndex(why.versus.findData(1))
    why.methods.button(1).click()  # integrated gradients
    a = shown_attribution(window, "gradient", 7, 1)
    assert "score of 7 over 1" in why.legend.text()
    assert f"map sum {float(a.map.sum()):+.2f}" in why.view.caption()
    why.target.setCurrentIndex(why.target.findData(3))
    a = shown_attribution(window, "gradient", 3, 1)
    assert a.explained_score == pytest.approx(float(a.scores[3] - a.scores[1]))
    why.on_canvas.setChecked(False)
    assert not window.explain.overlay.is_showing()


def test_a_quick_gradient_heatmap_is_refined_to_the_full_one(explained):
    """While drawing, integrated gradients come quickly (fewer steps); once the drawing rests,
    the heatmap shown is the full one, as the command line computes it."""
    window = explained
    why = window.explain.panel.why
    why.methods.button(1).click()
    network_input = window.current_inspection().prepared.network_input
    full = attribute(window.loaded_model.model, network_input, 7, None, "gradient").map

    def refined():
        a = why.attribution
        return a is not None and a.method == "gradient" and np.allclose(a.map, full, atol=1e-5)

    assert wait_until(refined)
    assert window.explain.worker.is_idle()


def test_the_heatmap_follows_the_drawing(explained, draw, settle):
    window = explained
    first = shown_attribution(window, "occlusion", 7, None).map.copy()
    canvas = window.canvas
    draw(canvas, [[(0.2 * canvas.width(), 0.5 * canvas.width()),
                   (0.8 * canvas.width(), 0.5 * canvas.width())]])  # fmt: skip
    settle()
    digit = window.current_inspection().prediction.digit
    why = window.explain.panel.why
    assert wait_until(lambda: why.attribution.target == digit
                      and not np.allclose(why.attribution.map, first))  # fmt: skip


def test_over_a_number_the_heatmap_sits_on_the_digit_shown(window, draw, settle):
    """A number on the canvas: the heatmap over the drawing covers the digit whose input is
    shown (the one drawn last, then the one whose tag is clicked), at that digit's scale."""
    from test_ui_numbers import one, wide_canvas, zero

    window.resize(1700, 800)  # room for the dock beside a canvas wide enough for a number
    window.explain.toggle_action.trigger()
    canvas = wide_canvas(window, settle)
    h = canvas.height()
    draw(canvas, [one(0.5 * h, h), zero(1.3 * h, h)])
    settle()
    reading = window._reading
    assert window.prediction_panel.shown_number == "10"
    overlay = window.explain.overlay
    why = window.explain.panel.why
    for shown, tag in ((1, None), (0, window.number_overlay.tags[0])):
        if tag is not None:
            QTest.mouseClick(tag, Qt.MouseButton.LeftButton)
            settle()
        x0, y0, x1, y1 = reading.digits[shown].box
        assert window.current_digit_box() == (x0, y0, x1, y1)
        prepared = window.current_inspection().prepared
        assert window.current_inspection().prediction.digit == reading.digits[shown].digit

        def arrived(digit=reading.digits[shown].digit):
            return overlay.heat_rect() is not None and why.attribution.target == digit

        assert wait_until(arrived)
        rect = overlay.heat_rect()
        assert rect.contains(QRectF(x0, y0, x1 - x0, y1 - y0))
        other = reading.digits[1 - shown].box
        assert not rect.contains(QPointF((other[0] + other[2]) / 2, (other[1] + other[3]) / 2))
        # the digit's ink box is the fitted digit's box in the input: the same scale
        fitted = max(prepared.fitted.shape)
        assert rect.width() == pytest.approx(32 * max(x1 - x0, y1 - y0) / fitted, rel=1e-6)


def click(widget, point):
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    send_mouse(widget, QEvent.Type.MouseButtonPress, point, left, left)
    send_mouse(widget, QEvent.Type.MouseButtonRelease, point, left, none)


@pytest.mark.parametrize(("layer", "index"), [("C3", 13), ("S2", 1), ("F6", 0), ("output", 0)])
def test_clicking_a_unit_of_an_enlarged_map_traces_it(explained, qtbot, layer, index):
    window = explained
    tile = next(t for t in window.feature_view.tiles() if t.layer == layer and t.index == index)
    click(window.feature_view, (tile.rect.center().x(), tile.rect.center().y()))
    dialog = window.findChildren(MapDetailDialog)[-1]
    qtbot.waitExposed(dialog)
    view = dialog.view
    rows, cols = view._array.shape
    target = view._target()
    row, col = rows - 1, cols // 2
    point = QPointF(target.left() + (col + 0.5) * target.width() / cols,
                    target.top() + (row + 0.5) * target.height() / rows)  # fmt: skip
    click(view, (point.x(), point.y()))
    how = window.explain.panel.how
    trace = how.trace
    assert trace is not None
    assert (trace.layer, trace.map, trace.row, trace.col) == dialog.unit_at(row, col)
    act = window.current_inspection().activations[layer]
    shown = act[trace.map, trace.row, trace.col] if act.ndim == 3 else act[trace.map]
    assert trace.value == pytest.approx(float(shown), abs=1e-5)
    assert f"{trace.value:+.4f}" in how.header.text()
    assert how.computation.text().splitlines()[-1].endswith(f"{trace.value:.4f}")
    if layer == "C3":  # only the S2 maps of its column of the table, each beside its weights
        assert [g.map for g in trace.inputs] == [1, 2, 4, 5]
        assert window.explain.overlay._field == trace.receptive_field
    dialog.close()


def test_an_rbf_model_shows_prototypes_and_distances(explained, tmp_path):
    window = explained
    torch.manual_seed(0)
    path = save_checkpoint(tmp_path / "rbf.pt", LeNet5(LeNet5Config(output="rbf")))
    assert window.open_model_file(path)
    controller = window.explain
    controller.panel.setCurrentIndex(2)
    scores = window.current_inspection().activations["output"]
    texts = controller.panel.output.distances_text()
    best = int(np.argmax(scores))
    for digit, text in enumerate(texts):
        assert f"d = {-scores[digit]:.1f}" in text
        assert ("◀" in text) == (digit == best)
    assert controller.panel.output.prototypes.isVisibleTo(controller.panel.output)
    assert "(84 + 1) x 10" not in controller.panel.network.text.text()  # its own formulas
    window.open_model_file(paths.bundled_checkpoint())
    assert not controller.panel.output.prototypes.isVisibleTo(controller.panel.output)


def test_the_model_menu_switches_between_the_two_bundled_models(explained):
    window = explained
    controller = window.explain
    rbf_action, path = controller.bundled_actions["rbf"]
    assert path == paths.bundled_rbf_checkpoint() and rbf_action.isEnabled()
    assert controller.bundled_actions["linear"][0].isChecked()
    rbf_action.trigger()
    assert window.loaded_model.model.config.output == "rbf" and rbf_action.isChecked()
    assert window.current_inspection().prediction.digit == 7
    controller.bundled_actions["linear"][0].trigger()
    assert window.loaded_model.model.config.output == "linear" and not rbf_action.isChecked()


def hover_text(widget, point) -> str:
    """The tooltip a real mouse move over `point` shows."""
    QToolTip.hideText()
    none = Qt.MouseButton.NoButton
    send_mouse(widget, QEvent.Type.MouseMove, (point.x(), point.y()), none, none)
    return QToolTip.text()


@pytest.mark.parametrize("kind", ["rbf", "linear"])
def test_layer_texts_follow_the_loaded_models_output_layer(explained, kind):
    window = explained
    window.explain.bundled_actions[kind][0].trigger()
    view = window.feature_view
    assert view.output_kind() == kind
    label = dict(view.labels())["output"]
    tip = hover_text(view, label.center())
    unit = next(t for t in view.tiles() if t.layer == "output")
    value = hover_text(view, unit.rect.center())
    f6_tip = hover_text(view, dict(view.labels())["F6"].center())
    window.explain.panel.setCurrentIndex(3)
    network = window.explain.panel.network.text.text()
    if kind == "rbf":
        assert "10 RBF units" in tip and "distance" in tip
        assert "score" in value and "logit" not in value
        for text in (tip, f6_tip, network):
            assert "linear layer" not in text and "logit" not in text
    else:
        assert "10 logits" in tip and "a linear layer" in tip and "logit" in value
        assert "This model's output is a linear layer" in f6_tip and "a linear layer" in network


def test_network_tab_shows_the_formulas_of_the_active_model(explained):
    text = explained.explain.panel.network.text.text()
    assert "(25 x 3 + 1) x 6 + (25 x 4 + 1) x 6 + (25 x 4 + 1) x 3 + (25 x 6 + 1) x 1" in text
    assert "= 60,000" in text and "(84 + 1) x 10 = 850" in text


def test_the_dock_is_built_only_when_first_shown(window):
    """Start-up pays for no explain widget: the panel's modules load on the first show."""
    import subprocess
    import sys

    code = (
        "import sys, lenet_gui.ui.main_window\n"
        "sys.exit(1 if 'lenet_gui.ui.explain.panel' in sys.modules else 0)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0
    assert window.explain.panel is None
    window.explain.toggle_action.trigger()
    assert window.explain.panel is not None and window.explain.overlay is not None
    assert "= 60,000" in window.explain.panel.network.text.text()  # filled in when built


def test_a_result_after_the_window_is_gone_ends_the_thread_quietly(qapp, monkeypatch):
    """The worker's QObject can be deleted while its thread computes (the window closed
    without `stop()`, or stop's bounded wait ran out): the late result must not raise in the
    thread ("Signal source has been deleted")."""
    import threading

    import shiboken6
    from PySide6.QtCore import QObject

    import lenet_gui.explain.attribution
    from lenet_gui.ui.explain.worker import AttributionWorker

    release, started, raised = threading.Event(), threading.Event(), []

    def slow_attribute(*args):
        started.set()
        release.wait(10)
        return "an attribution"

    monkeypatch.setattr(lenet_gui.explain.attribution, "attribute", slow_attribute)
    monkeypatch.setattr(threading, "excepthook", lambda hook_args: raised.append(hook_args))
    parent = QObject()
    worker = AttributionWorker(parent)
    worker.request("key", None, None, 7, None, "occlusion")
    assert started.wait(10)
    thread = worker._thread
    shiboken6.delete(parent)  # deletes the worker with it, mid-computation
    release.set()
    thread.join(10)
    assert not thread.is_alive()
    assert raised == []


def test_every_tab_fits_the_dock_as_it_opened(explained, settle):
    """Choosing a tab never widens the dock: a long line (the logits) wraps instead of
    squeezing the main window's views into a sideways scroll."""
    window = explained
    dock = window.explain.dock
    width = dock.width()
    for index in range(window.explain.panel.count()):
        window.explain.panel.setCurrentIndex(index)
        settle()
        assert dock.width() <= width + 2, window.explain.panel.tabText(index)


@pytest.mark.parametrize("dark", [False, True])
def test_the_heatmap_legend_colours_are_readable_in_light_and_dark_themes(window, draw, dark):
    """The coloured words "red" and "blue" reach a contrast of 4.5:1 on the dock's background
    (on a dark theme the fixed dark red and blue were 2.3:1 and 2.6:1)."""
    import re

    from PySide6.QtGui import QColor

    from lenet_gui.ui import theme

    if dark:
        window.setPalette(theme.dark_palette())
    window.explain.toggle_action.trigger()
    draw(window.canvas, digit_strokes(window.canvas.width(), "seven"))
    shown_attribution(window, "occlusion", 7, None)
    legend = window.explain.panel.why.legend
    colours = re.findall(r"color:\s*(#[0-9a-fA-F]{6})", legend.text())
    assert len(colours) == 2
    for colour in colours:
        assert theme.contrast_ratio(QColor(colour), theme.background(legend)) >= 4.5


def test_integrated_gradients_over_an_empty_canvas_load_captum_before_the_drawing(
    window, monkeypatch
):
    """Choosing integrated gradients with nothing drawn loads Captum on the attribution thread
    then, not in the first drawing (where the import would slow every move); occlusion does not
    need it."""
    from lenet_gui.explain import attribution

    loads = []
    monkeypatch.setattr(attribution, "load_captum", lambda: loads.append(time.monotonic()))
    window.explain.toggle_action.trigger()
    why = window.explain.panel.why
    assert wait_until(lambda: window.explain.worker is not None and window.explain.worker.is_idle())
    assert loads == []  # occlusion, the default
    why.methods.button(1).click()  # integrated gradients, the canvas still empty
    assert wait_until(lambda: len(loads) == 1)
    assert wait_until(window.explain.worker.is_idle)
    assert window.current_inspection() is None and why.attribution is None


def test_the_legend_says_when_the_explained_class_is_only_a_guess(window, settle):
    """A dot is "Not a digit" in the panel; Why explained "the score of 0" as if 0 were the
    reading. The top class of a reading that is not firm is now called a guess."""
    from conftest import drag

    window.explain.toggle_action.trigger()
    side = window.canvas.width()
    drag(window.canvas, [(side / 2, side / 2)])  # a dot: not a digit by its shape
    settle()
    prediction = window.current_inspection().prediction
    assert prediction.verdict.kind == "not a digit"
    why = window.explain.panel.why
    shown_attribution(window, "occlusion", prediction.digit, None)
    assert f"score of {prediction.digit} (a guess: the reading is not a digit)" in why.legend.text()
    why.target.setCurrentIndex(why.target.findData(3))  # a class the user picked: no note
    shown_attribution(window, "occlusion", 3, None)
    assert "score of 3;" in why.legend.text() and "guess" not in why.legend.text()
