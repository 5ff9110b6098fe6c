"""What persists between runs, with its defaults in one place (QSettings, INI format).

INI on every platform keeps the file readable and lets the tests redirect it to a temporary
folder with `QSettings.setPath`.
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QByteArray, QLockFile, QSettings

from ..preprocessing.preprocess import DEFAULT_PEN_FRACTION
from ..system.paths import APP_NAME

# The brush is stored as a fraction of the canvas side, so that it keeps its look when the
# canvas is resized; the default is the core's default pen width.
PEN_FRACTION_RANGE = (0.02, 0.15)


def open_qsettings() -> QSettings:
    """The app's INI settings file (tests redirect it with `QSettings.setPath`)."""
    settings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_NAME, APP_NAME)
    remove_unreadable_lock(settings.fileName() + ".lock")
    return settings


def remove_unreadable_lock(path: str, min_age_s: float = 2.0) -> bool:
    """Remove a lock file that names no process (empty or cut short by a crash); True if so.

    QSettings guards its file with a QLockFile. A lock whose process is gone is stale at once,
    but one whose content cannot be read counts as stale only when it is 30 s old, so every
    save waited that long (31.9 s at start-up). A lock younger than `min_age_s` may be one
    being written by another instance right now, and is left alone.
    """
    lock = QLockFile(path)
    if lock.tryLock(0):
        lock.unlock()
        return False
    pid = lock.getLockInfo()[0]
    try:
        age = time.time() - os.path.getmtime(path)
    except OSError:
        return False
    if pid or age < min_age_s:
        return False
    return lock.removeStaleLockFile()


class Settings:
    """Typed accessors over QSettings; every getter falls back to a sane default."""

    def __init__(self) -> None:
        self._qs = open_qsettings()

    def sync(self) -> None:
        self._qs.sync()

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._qs.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    @property
    def geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._qs.setValue("window/geometry", value)

    @property
    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    @window_state.setter
    def window_state(self, value: QByteArray) -> None:
        self._qs.setValue("window/state", value)

    @property
    def splitter_state(self) -> QByteArray | None:
        return self._bytes("window/splitter")

    @splitter_state.setter
    def splitter_state(self, value: QByteArray) -> None:
        self._qs.setValue("window/splitter", value)

    @property
    def pen_fraction(self) -> float:
        try:
            value = float(self._qs.value("brush/fraction", DEFAULT_PEN_FRACTION))
        except (TypeError, ValueError):
            return DEFAULT_PEN_FRACTION
        low, high = PEN_FRACTION_RANGE
        return min(high, max(low, value)) if value == value else DEFAULT_PEN_FRACTION

    @pen_fraction.setter
    def pen_fraction(self, value: float) -> None:
        self._qs.setValue("brush/fraction", float(value))

    @property
    def last_model(self) -> str | None:
        """The checkpoint the user last opened, or None for the bundled one."""
        value = self._qs.value("model/last", "")
        return str(value) if value else None

    @last_model.setter
    def last_model(self, value: str | None) -> None:
        if value:
            self._qs.setValue("model/last", str(value))
        else:
            self._qs.remove("model/last")

    @property
    def show_kernels(self) -> bool:
        return str(self._qs.value("view/kernels", "true")).lower() in ("true", "1")

    @show_kernels.setter
    def show_kernels(self, value: bool) -> None:
        self._qs.setValue("view/kernels", bool(value))

    @property
    def clear_after_labelling(self) -> bool:
        """Clear the canvas once a drawing is stored as a sample (keys 0-9): on by default."""
        return str(self._qs.value("labelling/clear_after", "true")).lower() in ("true", "1")

    @clear_after_labelling.setter
    def clear_after_labelling(self, value: bool) -> None:
        self._qs.setValue("labelling/clear_after", bool(value))

    @property
    def last_folder(self) -> str:
        return str(self._qs.value("files/folder", ""))

    @last_folder.setter
    def last_folder(self, value: str) -> None:
        self._qs.setValue("files/folder", str(value))
