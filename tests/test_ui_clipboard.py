"""Copy, paste, drops of several files and file://localhost URLs (lenet_gui/ui/clipboard.py)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw
from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog

from lenet_gui.ui.clipboard import local_files

STROKE = [[(150, 40), (140, 240)]]


def one_png(path: Path) -> Path:
    """A white 1 on black, 56x56, as a digit photo would be after thresholding."""
    image = Image.new("L", (56, 56), 0)
    ImageDraw.Draw(image).line([(30, 8), (27, 48)], fill=255, width=5)
    image.save(path)
    return path


def test_pasting_a_copied_image_file_classifies_it_like_file_open(window, tmp_path, settle):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(one_png(tmp_path / "one.png")))])
    QGuiApplication.clipboard().setMimeData(mime)
    window.clipboard.paste_action.trigger()
    settle()
    assert window.canvas.has_backdrop()
    assert window.current_inspection().prediction.digit == 1


def test_pasting_an_image_classifies_it(window, tmp_path, settle):
    QGuiApplication.clipboard().setImage(QImage(str(one_png(tmp_path / "one.png"))))
    window.clipboard.paste_action.trigger()
    settle()
    assert window.canvas.has_backdrop()
    assert window.current_inspection().prediction.digit == 1
    assert window.statusBar().currentMessage() == "Reading the pasted image"  # said once


def test_pasting_text_says_there_is_no_image(window):
    QGuiApplication.clipboard().setText("not a picture")
    window.clipboard.paste_action.trigger()
    assert window.statusBar().currentMessage() == "The clipboard holds no image to classify"


def test_copy_puts_the_drawing_the_input_and_the_maps_on_the_clipboard(window, draw, settle):
    draw(window.canvas, STROKE)
    settle()
    clipboard = QGuiApplication.clipboard()
    window.clipboard.copy_action.trigger()
    assert clipboard.image().size() == window.canvas.rendered_image().size()
    window.clipboard.copy_input_action.trigger()
    assert (clipboard.image().width(), clipboard.image().height()) == (256, 256)
    window.clipboard.copy_maps_action.trigger()
    assert clipboard.image().width() == window.feature_view.width()


def test_save_the_input_and_one_enlarged_map_as_png(window, draw, settle, tmp_path, monkeypatch):
    draw(window.canvas, STROKE)
    settle()
    targets = iter([tmp_path / "input.png", tmp_path / "c3-map"])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(next(targets)), ""))
    window.clipboard.save_input_action.trigger()
    with Image.open(tmp_path / "input.png") as im:
        assert im.size == (256, 256)
    window._on_feature_view_map_clicked("C3", 2)
    dialog = window._details[-1]
    from PySide6.QtWidgets import QPushButton

    save = next(b for b in dialog.findChildren(QPushButton) if "Save" in b.text())
    save.click()
    with Image.open(tmp_path / "c3-map.png") as im:
        assert im.size == (dialog.view.width(), dialog.view.height())


def test_dropping_several_files_opens_the_first_image_and_says_how_many_were_ignored(
    window, tmp_path, settle
):
    first = one_png(tmp_path / "one.png")
    files = [tmp_path / "notes.txt", first, tmp_path / "c.png"]
    urls = [QUrl.fromLocalFile(str(p)) for p in files]
    window._on_canvas_files_dropped(urls)
    settle()
    assert window.canvas.has_backdrop()
    assert window.statusBar().currentMessage() == (
        "Opened one.png; 2 other files were ignored (one at a time)"
    )


def test_file_localhost_urls_are_local_paths():
    urls = [QUrl("file://localhost/tmp/a%20b.png"), QUrl("file:///tmp/c.png"),
            QUrl("file://otherhost/d.png"), QUrl("https://example.org/e.png")]  # fmt: skip
    assert local_files(urls) == [Path("/tmp/a b.png"), Path("/tmp/c.png")]
