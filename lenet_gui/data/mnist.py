"""MNIST on disk: read the IDX files, find them in a folder, and download them safely.

Plain Python (numpy + stdlib), so the command line, the GUI and the tests share it. Every problem
a user can cause (a missing, truncated or corrupt file, no internet) becomes an `MnistError` whose
message names the file, because the GUI shows that message as it is.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import socket
import struct
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np


class MnistError(Exception):
    """Clear, user-facing message naming the file."""


class MnistDownloadCancelled(MnistError):
    """The user stopped a download; nothing half-written is left behind."""


# key -> (file name, MD5 of the .gz as served by the public mirrors, the ones torchvision checks)
FILES: dict[str, tuple[str, str]] = {
    "train-images": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "train-labels": ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
    "test-images": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
    "test-labels": ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
}

# key -> SHA-256 of the decompressed IDX file: a folder whose files decode to these holds MNIST,
# whatever their compression (a recompressed .gz has other bytes and another MD5). Computed
# from the published files (they match /work/shared/data/mnist/README.md).
DECODED_SHA256: dict[str, str] = {
    "train-images": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "test-images": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "test-labels": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

# Tried in order; yann.lecun.com is last because it often refuses or asks for a login.
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

IMAGE_SIZE = 28
_GZIP_MAGIC = b"\x1f\x8b"
_IDX_UBYTE = 0x08
_IDX_NDIM = {1: "labels", 3: "images"}  # magic 0x00000801 and 0x00000803
_CHUNK = 64 * 1024

ProgressFn = Callable[[str, int, "int | None"], None]
StopFn = Callable[[], bool]


# --- reading ---------------------------------------------------------------------------------


# An IDX file read here holds at most this many items (MNIST: 60,000; EMNIST digits: 240,000):
# its header is checked against it, and against 28x28 images, before any data is read.
MAX_ITEMS = 300_000
_READ_CHUNK = 1 << 20


def _parse_header(path: Path, data: bytes) -> tuple[int, ...]:
    """The dimensions from an IDX header, after checking it is an unsigned-byte IDX file."""
    if len(data) < 4 or data[0:2] != b"\0\0" or data[3] not in _IDX_NDIM:
        raise MnistError(
            f"{path} is not an MNIST IDX file (magic {data[:4].hex() or 'missing'}, "
            "expected 00000801 for labels or 00000803 for images)."
        )
    if data[2] != _IDX_UBYTE:
        raise MnistError(
            f"{path} holds IDX data of type 0x{data[2]:02x}, not unsigned bytes (0x08)."
        )
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise MnistError(f"{path} is truncated: its IDX header is incomplete.")
    dims = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    if dims[0] > MAX_ITEMS or (ndim == 3 and dims[1:] != (IMAGE_SIZE, IMAGE_SIZE)):
        raise MnistError(
            f"{path} declares {'x'.join(map(str, dims))} bytes of data; MNIST holds at most "
            f"{MAX_ITEMS:,} items of 28x28 images or labels. It is not an MNIST file."
        )
    return dims


def _read_up_to(stream, size: int) -> bytearray:
    """At most `size` bytes (fewer at the end of the stream), read in chunks into one buffer."""
    data = bytearray()
    while len(data) < size:
        part = stream.read(min(size - len(data), _READ_CHUNK))
        if not part:
            break
        data += part
    return data


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """An IDX file (plain or gzip) as a uint8 array: labels (n,) or images (n, rows, cols).

    gzip is recognised by its magic bytes, whatever the name says. The file is decompressed
    as it is read: the header comes first and is checked (`MAX_ITEMS`, 28x28), then exactly
    the data it declares and one byte more, so a gzip bomb costs no more than a real file.
    The data length must match the header exactly, so a truncated download or a wrong file
    is reported instead of silently giving fewer or garbled samples.
    """
    path = Path(path)
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed below, with the gzip stream around it
    except OSError as exc:
        raise MnistError(f"Cannot read MNIST file {path}: {exc.strerror or exc}") from exc
    with raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw) if compressed else raw
        try:
            head = _read_up_to(stream, 4)
            if len(head) == 4 and head[3] in _IDX_NDIM:
                head += _read_up_to(stream, 4 * head[3])
            dims = _parse_header(path, head)
            expected = int(np.prod(dims, dtype=np.int64))
            data = _read_up_to(stream, expected + 1)
            found = len(data)
            if found > expected:  # count what follows, up to a bound
                found += len(_read_up_to(stream, 16 * _READ_CHUNK))
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise MnistError(
                f"MNIST file {path} is a damaged gzip file ({exc}); delete it and download "
                "it again."
            ) from exc
        except OSError as exc:
            raise MnistError(f"Cannot read MNIST file {path}: {exc.strerror or exc}") from exc
    if found != expected:
        problem = "truncated" if found < expected else "longer than its header says"
        shown = f"more than {found - 1}" if found > expected + 16 * _READ_CHUNK else f"{found}"
        raise MnistError(
            f"MNIST file {path} is {problem}: its header {tuple(dims)} needs {expected} bytes "
            f"of data, found {shown}. Delete it and download it again."
        )
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)  # owns the buffer, writable


# --- finding and loading ---------------------------------------------------------------------


def _candidates(key: str) -> list[str]:
    """File names accepted for `key`: the .gz, unpacked, and the 'name.idx3-ubyte' spelling."""
    if key not in FILES:
        raise ValueError(f"unknown MNIST file key {key!r}; expected one of {sorted(FILES)}")
    gz_name = FILES[key][0]
    plain = gz_name.removesuffix(".gz")
    dotted = plain.replace("-idx", ".idx", 1)
    return [gz_name, plain, dotted]


def find_file(folder: str | os.PathLike, key: str) -> Path:
    """The path of one MNIST file in `folder`, compressed or not."""
    folder = Path(folder)
    names = _candidates(key)
    for name in names:
        if (folder / name).is_file():
            return folder / name
    where = f"{folder}" if folder.is_dir() else f"{folder} (the folder does not exist)"
    raise MnistError(f"MNIST {key} file not found in {where}; looked for {', '.join(names)}.")


def has_mnist(folder: str | os.PathLike) -> bool:
    """Whether all four files are there (cheap: they are not read)."""
    try:
        for key in FILES:
            find_file(folder, key)
    except MnistError:
        return False
    return True


def load_mnist(folder: str | os.PathLike, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) and labels (N,), both uint8, for split "train" or "test"."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    image_path = find_file(folder, f"{split}-images")
    label_path = find_file(folder, f"{split}-labels")
    images, labels = read_idx(image_path), read_idx(label_path)
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise MnistError(f"{image_path} does not hold 28x28 images (shape {images.shape}).")
    if labels.ndim != 1:
        raise MnistError(f"{label_path} does not hold labels (shape {labels.shape}).")
    if len(images) != len(labels):
        raise MnistError(
            f"{image_path} has {len(images)} images but {label_path} has {len(labels)} labels."
        )
    if len(images) == 0:
        raise MnistError(f"{image_path} holds no images.")
    if labels.size and labels.max() > 9:
        raise MnistError(f"{label_path} has a label {labels.max()}; digits go from 0 to 9.")
    return images, labels


# --- downloading -----------------------------------------------------------------------------


def _md5(path: str | os.PathLike) -> str:
    """MD5 of a file, read in blocks: the mirrors publish MD5s (as torchvision checks)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_valid(path: Path, md5: str) -> bool:
    try:
        return path.is_file() and _md5(path) == md5
    except OSError:
        return False


def decoded_sha256(path: str | os.PathLike) -> str | None:
    """SHA-256 of a file's contents after gunzip (of the file itself if it is not gzip), read in
    blocks; None when it cannot be read or decoded."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as raw:
            packed = raw.read(2) == _GZIP_MAGIC
        with (gzip.open if packed else open)(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except (OSError, EOFError, zlib.error):
        return None
    return digest.hexdigest()


def _already_there(dest: Path, key: str, name: str, md5: str) -> Path | None:
    """The file in `dest` that already holds MNIST's `key`: the .gz with the mirrors' MD5, or
    any accepted spelling (recompressed or unpacked) whose decoded contents are MNIST's."""
    if _is_valid(dest / name, md5):
        return dest / name
    expected = DECODED_SHA256.get(key)
    if expected is None:
        return None
    for candidate in _candidates(key) if key in FILES else [name]:
        path = dest / candidate
        if path.is_file() and decoded_sha256(path) == expected:
            return path
    return None


def _stream(url, part, name, progress, should_stop, timeout) -> str:
    """Copy `url` into `part` chunk by chunk and return the MD5 of what arrived."""
    digest = hashlib.md5(usedforsecurity=False)
    with urllib.request.urlopen(url, timeout=timeout) as response, open(part, "wb") as out:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        done = 0
        if progress:
            progress(name, done, total)
        while chunk := response.read(_CHUNK):
            if should_stop and should_stop():
                raise MnistDownloadCancelled(f"Download of {name} was cancelled.")
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(name, done, total)
    return digest.hexdigest()


def _describe(exc: BaseException) -> tuple[str, bool]:
    """A short reason for a failed attempt, and whether it looks like no connection at all."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP error {exc.code} {exc.reason}", False
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        if isinstance(reason, socket.gaierror):
            return f"cannot find the server ({reason})", True
        return f"cannot connect ({reason})", True
    if isinstance(exc, TimeoutError):
        return "timed out", True
    if isinstance(exc, ConnectionError):
        return f"connection lost ({exc})", True
    if isinstance(exc, http.client.HTTPException):
        return f"bad response ({exc!r})", False
    return f"{type(exc).__name__}: {exc}", False


def _attempt(url, md5, part, name, progress, should_stop, timeout) -> tuple[str, bool] | None:
    """Try one mirror; None when `part` now holds the right bytes, else (reason, looks offline)."""
    try:
        got = _stream(url, part, name, progress, should_stop, timeout)
    except MnistDownloadCancelled:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return _describe(exc)
    if got != md5:
        return f"checksum mismatch (MD5 {got}, expected {md5})", False
    return None


def _move_into_place(part: Path, final: Path) -> None:
    """Atomic rename: readers see either no file or the whole verified file."""
    try:
        os.replace(part, final)
    except OSError as exc:
        raise MnistError(f"Cannot save the MNIST file {final}: {exc.strerror or exc}") from exc


def _download_one(name, md5, dest, mirrors, progress, should_stop, timeout) -> None:
    """Fetch one file from the first mirror that delivers the right bytes, atomically."""
    final, part = dest / name, dest / (name + ".part")
    failures: list[str] = []
    offline = True
    try:
        for mirror in mirrors:
            if should_stop and should_stop():
                raise MnistDownloadCancelled(f"Download of {name} was cancelled.")
            failure = _attempt(mirror + name, md5, part, name, progress, should_stop, timeout)
            if failure is None:
                _move_into_place(part, final)
                return
            failures.append(f"{mirror + name}: {failure[0]}")
            offline = offline and failure[1]
    finally:
        part.unlink(missing_ok=True)
    _raise_all_failed(name, failures, offline)


def _raise_all_failed(name: str, failures: list[str], offline: bool) -> None:
    lines = [f"Could not download MNIST file {name}; every mirror failed:"]
    lines += [f"  - {failure}" for failure in failures] or ["  - no mirrors were given"]
    if failures and offline:
        lines.append("It looks like there is no internet connection (or a firewall blocks it).")
    lines.append("You can also download the four .gz files yourself and choose their folder.")
    raise MnistError("\n".join(lines))


def download_mnist(
    dest: str | os.PathLike,
    mirrors: tuple[str, ...] = MIRRORS,
    files: dict[str, tuple[str, str]] = FILES,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download the MNIST .gz files into `dest` and return it.

    Files already there are kept (progress reports them as complete): the .gz with the
    mirrors' MD5, or any spelling `find_file` accepts whose decoded contents are MNIST's
    (`DECODED_SHA256`: a recompressed or unpacked copy is as good). Each
    download goes to "<name>.part" and is renamed only once its MD5 matches, so a file under its
    final name is always complete (a crash may leave a .part, which the next run overwrites).
    """
    dest = Path(dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MnistError(f"Cannot create the MNIST folder {dest}: {exc.strerror or exc}") from exc
    for key, (name, md5) in files.items():
        found = _already_there(dest, key, name, md5)
        if found is not None:
            if progress:
                size = found.stat().st_size
                progress(name, size, size)
            continue
        _download_one(name, md5, dest, tuple(mirrors), progress, should_stop, timeout)
    return dest
