"""Saving the lab's results: a widget as PNG, rows as CSV, each written atomically through
`atomic.write_bytes` (a temporary file in the same folder, renamed over the target), so a failed
save never leaves half a file; a failure raises atomic.SaveError (an OSError) saying why."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from PySide6.QtWidgets import QWidget

from ...system.atomic import write_bytes
from ..images import png_bytes


def save_widget_png(widget: QWidget, path: str | os.PathLike) -> Path:
    """What `widget` shows, as a PNG file."""
    try:
        data = png_bytes(widget.grab())
    except ValueError as exc:
        raise OSError(str(exc)) from None
    return write_bytes(path, data)


def save_csv(rows: list[list[str]], path: str | os.PathLike) -> Path:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return write_bytes(path, text.getvalue().encode("utf-8"))
