"""Image files: one-line refusals, and large images read small with bounded memory."""

from __future__ import annotations

import struct
import zlib

import pytest
from memory_cap import run_capped
from PIL import Image

from lenet_gui import cli
from lenet_gui.preprocessing.photo import MAX_SIDE, ImageReadError, open_image


def _png_header_only(path, width: int, height: int) -> None:
    """A PNG that declares width x height pixels and holds (almost) none: what a decompression
    bomb looks like from its header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    path.write_bytes(data)


@pytest.mark.parametrize("side", [12_000, 20_000])  # above the limit, above twice the limit
def test_a_decompression_bomb_is_refused_in_one_line(tmp_path, side):
    bomb = tmp_path / "bomb.png"
    _png_header_only(bomb, side, side)
    with pytest.raises(ImageReadError, match=r"too large|decompression bomb") as info:
        open_image(bomb)
    assert "\n" not in str(info.value)
    with pytest.raises(SystemExit, match=r"^error: .*bomb\.png: ") as info:
        cli.main(["predict", str(bomb)])
    assert "\n" not in str(info.value.code)


def test_damaged_and_unknown_files_are_refused_in_one_line(tmp_path):
    good = tmp_path / "good.png"
    Image.new("L", (64, 64), 255).save(good)
    cut = tmp_path / "cut.png"
    cut.write_bytes(good.read_bytes()[:60])
    text = tmp_path / "text.png"
    text.write_text("hello")
    for path, words in (
        (cut, "not a readable"),
        (text, "not a readable"),
        (tmp_path, "not a readable"),
    ):
        with pytest.raises(ImageReadError, match=words) as info:
            open_image(path)
        assert "\n" not in str(info.value)


@pytest.mark.parametrize("mode", ["L", "RGB", "P", "1"])
def test_large_images_are_read_small(tmp_path, mode):
    path = tmp_path / "large.png"
    Image.new(mode, (5000, 1200)).save(path)
    image = open_image(path)
    assert image.size == (5000 // (5000 // MAX_SIDE), 1200 // (5000 // MAX_SIDE))


def test_a_large_jpeg_is_decoded_at_a_reduced_scale():
    """Decoding 8000x8000 at full scale takes 64 MB; draft mode decodes it at 1/4."""
    script = """
        import tempfile, numpy as np
        from PIL import Image
        from lenet_gui.preprocessing.photo import open_image
        path = tempfile.mktemp(suffix=".jpg")
        Image.new("L", (8000, 8000), 200).save(path, quality=50)
        cap(40)
        image = open_image(path)
        print(image.size, int(np.asarray(image).mean()))
        """
    done = run_capped(script, extra_mb=40)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["(2000,", "2000)", "200"]


def test_the_window_says_why_it_cannot_open_a_bomb(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    messages = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: messages.append(args))
    bomb = tmp_path / "bomb.png"
    _png_header_only(bomb, 20_000, 20_000)
    assert not window.open_image_file(bomb)
    assert len(messages) == 1 and "bomb.png" in messages[0][2]
    assert not window.canvas.has_backdrop()
