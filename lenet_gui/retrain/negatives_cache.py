"""The retrain dialog's outlier-exposure negatives, made once and kept in the user data folder.

Outlier exposure (Hendrycks, Mazeika and Dietterich, ICLR 2019; `rejection.negative_fields`,
`train.train(negative_images=...)`) needs no pen data here: synthetic marks (`negatives.py`) and
pairs of MNIST training digits side by side. Making 3,000 + 1,000 of them took 8.7-33 s on the
shared 2-core machine (bench_retrain_scratch.py at load 2-5: 17.2 and 33.2 s), so they are
made in parts (a run can be cancelled between two parts) and saved as an .npz named by the
parameters and `VERSION`; later runs load it in 0.1 s. A cache that cannot be read, or that
does not match, is ignored and made again. Writing one removes the caches of other VERSIONs
(3.4 MB each, never read again): only files named exactly as `cache_path` names them.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..preprocessing.preprocess import INPUT_SIZE
from ..system.atomic import write_atomically

# Bump when `rejection.negative_fields` or `negatives.py` change what they make.
VERSION = 2  # 2: capital letters among the synthetic marks
# The dialog's negatives: with them the dialog's fine-tune gives a firm digit to 10.23% of the
# held-out writers' non-digits (39.8% without), reads 97.78% of their pen digits right and
# MNIST test at 99.39% (bench_reject.py).
SYNTHETIC = 3000
PAIRS = 1000
PARTS = 5  # made in this many parts; `should_stop` is asked between them
FOLDER = "cache"  # under paths.user_data_dir()


def cache_path(folder: str | os.PathLike, synthetic: int, pairs: int, seed: int) -> Path:
    """Where the negatives of these parameters are kept in `folder`."""
    return Path(folder) / f"oe-negatives-v{VERSION}-{synthetic}s-{pairs}p-seed{seed}.npz"


# The names `cache_path` gives, of any VERSION: what `remove_stale` may remove, and only that.
CACHE_NAME = re.compile(r"oe-negatives-v(\d+)-\d+s-\d+p-seed\d+\.npz")


def remove_stale(folder: str | os.PathLike) -> list[Path]:
    """Remove the caches of other VERSIONs from `folder`; returns those removed. Only regular
    files whose whole name is one `cache_path` gives are touched; one that cannot be removed
    is left (it is retried on the next write)."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = CACHE_NAME.fullmatch(entry.name)
        if match is None or int(match.group(1)) == VERSION:
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def load_cached(path: Path, mnist_count: int) -> np.ndarray | None:
    """The fields (N, 32, 32) float32 in 0..1 stored at `path`, or None when it is missing,
    unreadable, or was made from a different number of MNIST images or another VERSION."""
    try:
        with np.load(path, allow_pickle=False) as data:
            fields = np.asarray(data["fields"])
            meta = np.asarray(data["meta"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    ok = (
        meta.shape == (2,)
        and meta.tolist() == [VERSION, mnist_count]
        and fields.dtype == np.float32
        and fields.ndim == 3
        and fields.shape[1:] == (INPUT_SIZE, INPUT_SIZE)
        and len(fields) > 0
        and bool(np.isfinite(fields).all())
        and float(fields.min()) >= 0.0
        and float(fields.max()) <= 1.0
    )
    return fields if ok else None


def outlier_negatives(
    mnist_images: np.ndarray,
    folder: str | os.PathLike | None,
    *,
    synthetic: int = SYNTHETIC,
    pairs: int = PAIRS,
    seed: int = 0,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[np.ndarray | None, bool]:
    """Negatives for outlier exposure: `synthetic` marks and `pairs` MNIST pairs as ink fields
    (N, 32, 32) float32 (blank marks dropped), with True when they came from the cache.

    `mnist_images` (M, 28, 28) uint8 are the digits the pairs are made of. Loaded from `folder`
    when a matching cache is there, else made with `rejection.negative_fields` in `PARTS` parts
    (each part its own seed) and saved there; a cache that cannot be written is only skipped.
    `folder` None: no cache. Returns (None, False) when `should_stop` said so between parts."""
    from .rejection import negative_fields

    path = None if folder is None else cache_path(folder, synthetic, pairs, seed)
    if path is not None:
        cached = load_cached(path, len(mnist_images))
        if cached is not None:
            return cached, True
    made = []
    for part in range(PARTS):
        if should_stop():
            return None, False
        count = synthetic * (part + 1) // PARTS - synthetic * part // PARTS
        pair_count = pairs * (part + 1) // PARTS - pairs * part // PARTS
        made.append(
            negative_fields(
                mnist_images,
                None,
                synthetic=count,
                pairs=pair_count,
                seed=seed * PARTS + part,
            )
        )
    fields = np.concatenate(made).astype(np.float32)
    if path is not None:
        save_cached(path, fields, len(mnist_images))
    return fields, False


def save_cached(path: Path, fields: np.ndarray, mnist_count: int) -> bool:
    """Write the cache (atomic.write_atomically) and remove stale ones (`remove_stale`);
    False when it could not be written."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, fields=fields, meta=np.array([VERSION, mnist_count], np.int64))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda fh: fh.write(buffer.getvalue()))
    except OSError:
        return False
    remove_stale(path.parent)
    return True
