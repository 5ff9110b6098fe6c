"""Saving the lab's results: a widget as PNG, rows as CSV, each written atomically (a temporary
file in the same folder, renamed over the target), so a failed save never leaves half a file."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtWidgets import QWidget


def write_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` through a temporary file and a rename; OSError if impossible."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_widget_png(widget: QWidget, path: str | os.PathLike) -> Path:
    """What `widget` shows, as a PNG file."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not widget.grab().save(buffer, "PNG"):
        raise OSError("the image could not be encoded as PNG")
    return write_atomically(path, bytes(buffer.data()))


def save_csv(rows: list[list[str]], path: str | os.PathLike) -> Path:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return write_atomically(path, text.getvalue().encode("utf-8"))
