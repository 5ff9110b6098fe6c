"""Opening photos and scans in the main window: shown upright, blank pages say so plainly."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QMessageBox
from test_photo import ink_of, jpeg, paste, to_image


def _image_box(window) -> tuple[int, int]:
    """Width and height of what the canvas shows that is not its white paper."""
    image = window.canvas.rendered_image().convertToFormat(
        window.canvas.rendered_image().Format.Format_Grayscale8
    )
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine()
    )
    rows, cols = np.nonzero(pixels[:, : image.width()] < 250)
    return cols.max() - cols.min() + 1, rows.max() - rows.min() + 1


def test_a_phone_photo_with_exif_orientation_is_shown_and_read_upright(window, tmp_path, settle):
    page = np.full((300, 200), 230.0)  # portrait: 200 wide, 300 tall
    paste(page, ink_of(7, 180), 50, 20, 20)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    to_image(page).convert("RGB").transpose(Image.Transpose.ROTATE_90).save(path, exif=exif)
    assert window.open_image_file(path)
    settle()
    width, height = _image_box(window)
    assert height > 1.3 * width  # portrait, as taken
    assert window.prediction_panel.shown_digit == 7


def test_a_blank_grainy_scan_says_no_digit_found(window, tmp_path, settle, monkeypatch):
    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: messages.append(args))
    monkeypatch.setattr(QMessageBox, "critical", lambda *args: messages.append(args))
    paper = 225 + np.random.default_rng(1).normal(0, 6, (600, 800))
    path = tmp_path / "blank.jpg"
    jpeg(to_image(paper)).save(path)
    assert window.open_image_file(path)
    settle()
    assert messages == []
    assert window.prediction_panel.shown_digit is None
    assert "No digit" in window.prediction_panel.caption.text()


def _page_with_digit_and_clutter(path):
    """A 1600x1200 photo: a 6 at the left, a large dark smudge at the right."""
    page = 215 + np.random.default_rng(2).normal(0, 3, (1200, 1600))
    paste(page, ink_of(6, 200), 500, 250, 25)
    page[300:900, 1000:1500] = 60  # a dark book cover in the shot
    to_image(page).save(path)


def test_dragging_a_region_reads_only_that_part(window, tmp_path, settle, monkeypatch):
    from conftest import drag

    from lenet_gui.ui.region_dialog import RegionDialog

    _page_with_digit_and_clutter(tmp_path / "page.png")
    assert not window.region_action.isEnabled()
    assert window.open_image_file(tmp_path / "page.png")
    settle()
    assert window.region_action.isEnabled()
    seen = {}

    def drag_then_accept(dialog):
        label = dialog.image_label
        scale = label.width() / 1600  # the dialog shows the whole page
        drag(label, [(150 * scale, 420 * scale), (400 * scale, 600 * scale),
                     (600 * scale, 820 * scale)])  # fmt: skip
        seen["box"] = dialog.box()
        return RegionDialog.DialogCode.Accepted

    monkeypatch.setattr(RegionDialog, "exec", drag_then_accept)
    window.region_action.trigger()
    settle()
    assert seen["box"] == pytest.approx((150, 420, 600, 820), abs=6)
    assert window.prediction_panel.shown_digit == 6
    assert window.canvas.picture().size == pytest.approx((450, 400), abs=6)  # the region only
    window.undo_action.trigger()  # the whole page again
    settle()
    assert window.canvas.picture().size == (1600, 1200)


def test_a_click_is_no_region(qtbot, tmp_path):
    from conftest import drag

    from lenet_gui.preprocessing.strokes import Picture
    from lenet_gui.ui.region_dialog import RegionDialog

    _page_with_digit_and_clutter(tmp_path / "page.png")
    dialog = RegionDialog(Picture.from_image(Image.open(tmp_path / "page.png")))
    qtbot.addWidget(dialog)
    drag(dialog.image_label, [(50, 50), (52, 51)])
    assert dialog.box() is None


def test_the_region_dialog_fits_a_640x480_screen(qtbot, monkeypatch):
    """A 640x480 photo is shown smaller there, so OK and Cancel stay on the screen (the
    dialog was 662x552)."""
    from PySide6.QtCore import QRect

    from lenet_gui.preprocessing.strokes import Picture
    from lenet_gui.ui import screen_fit
    from lenet_gui.ui.region_dialog import RegionDialog

    # the screen as the dialog's own `fitted_size` sees it (patched through its globals: a
    # test that re-imports the GUI modules leaves two copies of screen_fit behind)
    fitted_size = RegionDialog.__init__.__globals__["fitted_size"]
    small = lambda window: QRect(0, 0, 640, 480)  # noqa: E731
    monkeypatch.setitem(fitted_size.__globals__, "available_area", small)
    dialog = RegionDialog(Picture.from_image(Image.new("RGB", (640, 480), "white")))
    qtbot.addWidget(dialog)
    size, frame = dialog.sizeHint(), screen_fit.FRAME_GUESS
    assert size.width() + frame.width() <= 640 and size.height() + frame.height() <= 480
