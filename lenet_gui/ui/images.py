"""Qt images as files: the one place a QImage or QPixmap becomes PNG bytes, so every picture
the user saves goes through `atomic.write_bytes` (never QImage.save straight to the target,
which leaves a cut-off file on a full disk)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage, QPixmap


def png_bytes(image: QImage | QPixmap) -> bytes:
    """The image encoded as PNG. Raises ValueError if Qt cannot encode it (a null image)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = image.save(buffer, "PNG")
    buffer.close()
    if not ok:
        raise ValueError("the picture could not be encoded as PNG (it is empty)")
    return bytes(data.data())
