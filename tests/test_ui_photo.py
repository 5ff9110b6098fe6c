"""Opening photos and scans in the main window: shown upright, blank pages say so plainly."""

from __future__ import annotations

import numpy as np
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
