"""Every file the user saves (drawings, strokes, checkpoints, samples) is written here, the one
way: to a temporary file in the same folder, flushed to disk, then renamed over the target.

Readers (and a crash, a full disk, a read-only disk) see either the old file or the whole new
one, never a cut-off file. The temporary name is short (`.lg-XXXXXXXX.part`, 17 bytes) and does
not contain the target's name, so any name the file system allows (255 bytes) can be saved; one
a crash leaves behind is cleared by `paths.remove_stale_parts` at start-up. A new file gets the
permissions `open()` would give (0o666 less the umask); a replaced file keeps its own. This is
what `os.replace` documents as atomic on POSIX and Windows (same file system).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


class SaveError(OSError):
    """A save that did not happen. The message names the file, the reason, and says that any
    previous file is unchanged; `errno` and `filename` are those of the failure."""

    def __init__(self, path: Path, cause: OSError, existed: bool) -> None:
        super().__init__(cause.errno, cause.strerror or str(cause), str(path))
        reason = cause.strerror or str(cause) or type(cause).__name__
        if cause.errno == errno.ENAMETOOLONG:
            reason = "the name is too long for this file system"
        elif cause.errno == errno.EEXIST and existed:
            reason = "a file of that name exists already"
        kept = "The previous file is unchanged." if existed else "Nothing was written."
        self.message = f"Could not save {path}: {reason}. {kept}"

    def __str__(self) -> str:
        return self.message


def write_atomically(
    path: str | os.PathLike, write: Callable[[BinaryIO], object], *, replace: bool = True
) -> Path:
    """Call `write(fh)` on a temporary binary file beside `path`, then rename it to `path`.

    With `replace=False` an existing `path` is never replaced: the save fails with errno
    EEXIST instead (the new file is hard-linked into place, which is atomic and exclusive).
    Raises SaveError (an OSError) if anything fails, including `write` itself raising OSError;
    the temporary file is removed and an existing `path` is left as it was. Other exceptions
    from `write` propagate unchanged (after the same clean-up).
    """
    path = Path(path)
    existed = _exists(path)
    tmp = path.with_name(f".lg-{secrets.token_hex(4)}.part")
    try:
        mode = stat.S_IMODE(path.stat().st_mode) if existed else 0o666  # umask applies to 0o666
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    except OSError as exc:
        raise SaveError(path, exc, existed) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if existed:
            os.chmod(tmp, mode)  # an existing file's mode, even if the umask would narrow it
        if replace:
            os.replace(tmp, path)
        else:
            _link_exclusively(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise SaveError(path, exc, existed) from exc
        raise
    _sync_folder(path.parent)
    return path


def _link_exclusively(tmp: Path, path: Path) -> None:
    """Give `tmp` the name `path` unless that exists (FileExistsError); `tmp` goes away."""
    try:
        os.link(tmp, path)
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            raise
        # No hard links here (FAT, some network shares): check, then rename; a race between
        # the check and the rename is left to the file system.
        if path.exists():
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
        os.replace(tmp, path)
        return
    tmp.unlink(missing_ok=True)


def check_writable(path: str | os.PathLike) -> None:
    """Raise SaveError now if a file could not be saved at `path` (folder missing and not
    creatable, read-only, no permission, name too long): checked before hours of work.

    Creates the folder if needed, and a small temporary file beside `path` that it removes. A
    full disk can still fail the real save later; `write_atomically` keeps the old file then.
    """
    path = Path(path)
    existed = _exists(path)
    try:
        if existed and path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = path.with_name(f".lg-{secrets.token_hex(4)}.part")
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
        if len(os.fsencode(path.name)) > 255:
            raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG), str(path))
    except OSError as exc:
        raise SaveError(path, exc, existed) from exc


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Atomically replace `path` with `data` (see `write_atomically`)."""
    return write_atomically(path, lambda fh: fh.write(data))


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Atomically replace `path` with `text` (see `write_atomically`)."""
    return write_bytes(path, text.encode(encoding))


def _exists(path: Path) -> bool:
    """Path.exists() that says False, not raises, for a name too long to look up."""
    try:
        return path.exists()
    except OSError:
        return False


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); folders cannot be opened on Windows."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
