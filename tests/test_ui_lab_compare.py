"""The compare dialog, opened from the Lab menu and driven with real events."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from test_ui_lab_sweep import wait_until
from test_ui_main_window import digit_strokes

from lenet_gui.lab.compare import compare
from lenet_gui.reading.verdict_words import short_reading
from lenet_gui.system import paths
from lenet_gui.ui.lab import compare_dialog


def test_compare_dialog_reads_the_drawing_with_both_models(
    window, draw, settle, monkeypatch, tmp_path
):
    chosen = [str(paths.bundled_rbf_checkpoint())]
    monkeypatch.setattr(
        compare_dialog.QFileDialog, "getOpenFileName", lambda *a, **k: (chosen[0], "")
    )
    draw(window.canvas, digit_strokes(window.canvas.width(), "seven"))
    settle()
    window.lab_menu.compare_action.trigger()  # asks which model (answered above), loads it
    dialog = window.lab_menu.dialogs["compare"]
    wait_until(lambda: dialog.comparison is not None)
    model, prepared = window.loaded_model.model, window.current_inspection().prepared
    expected = compare(model, dialog.other.model, prepared)
    assert dialog.summary_label.text() == expected.summary()
    assert (
        dialog.second_label.text()
        == f"{dialog.other.name}: {short_reading(expected.second.prediction)}"
    )
    assert dialog.other.model.config.output == "rbf"

    # Blank canvas: the dialog follows the window and says why there is nothing to compare.
    window.canvas.clear()
    settle()
    assert dialog.comparison is None and "blank" in dialog.summary_label.text()

    # A file that is no checkpoint: one line in the summary, the other model kept.
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    chosen[0] = str(junk)
    QTest.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    wait_until(lambda: not dialog.task.busy)
    message = dialog.summary_label.text()
    assert "junk.pt" in message and "\n" not in message
    assert dialog.other.model.config.output == "rbf"
    dialog.close()


def test_choosing_the_other_model_starts_where_models_are(window, monkeypatch):
    """The file chooser opens on the models saved by "Use this model" when there are any,
    else on the bundled ones (lenet5.pt, lenet5-rbf.pt), not on an empty home folder."""
    asked = []

    def answer(parent, title, folder, filters):
        asked.append(folder)
        return "", ""

    monkeypatch.setattr(compare_dialog.QFileDialog, "getOpenFileName", answer)
    window.lab_menu.compare_action.trigger()
    dialog = window.lab_menu.dialogs["compare"]
    assert asked[-1] == str(paths.bundled_checkpoint().parent)
    mine = paths.user_data_dir() / "models"
    mine.mkdir(parents=True, exist_ok=True)
    (mine / "lenet5-finetuned-20261129-210825Z.pt").write_bytes(b"")
    QTest.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert asked[-1] == str(mine)
    dialog.close()


def test_the_compare_dialog_fits_a_640x480_screen(window, monkeypatch, settle):
    """Its readings and maps scroll; the summary and Close stay in view (its minimum was
    536 px tall, more than a 640x480 screen gives a window)."""
    chosen = str(paths.bundled_rbf_checkpoint())
    monkeypatch.setattr(compare_dialog.QFileDialog, "getOpenFileName", lambda *a, **k: (chosen, ""))
    window.lab_menu.compare_action.trigger()
    dialog = window.lab_menu.dialogs["compare"]
    wait_until(lambda: dialog.other is not None)
    for index in range(dialog.layer_box.count()):
        dialog.layer_box.setCurrentIndex(index)
        settle()
        minimum = dialog.minimumSizeHint()
        assert minimum.height() <= 440 and minimum.width() <= 624, dialog.layer_box.currentText()
    dialog.close()
