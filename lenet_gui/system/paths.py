"""Where files live: bundled resources (source tree or a PyInstaller bundle) and the user's data.

This is the one module that knows about `sys._MEIPASS`. User data (trained models, own samples,
downloaded MNIST, logs) always goes to the user's data folder, never into the installation.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import time
from pathlib import Path

import platformdirs

APP_NAME = "lenet-gui"
MNIST_ENV = "LENET_MNIST_DIR"


def bundle_root() -> Path:
    """The folder holding `models/` and `resources/`: the repository, or the frozen bundle."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parents[2]  # lenet_gui/system/paths.py -> the repository


def resource_path(*parts: str) -> Path:
    return bundle_root().joinpath("resources", *parts)


def bundled_checkpoint() -> Path:
    return bundle_root() / "models" / "lenet5.pt"


def bundled_rbf_checkpoint() -> Path:
    """The second bundled model: LeNet-5 with the paper's RBF output layer."""
    return bundle_root() / "models" / "lenet5-rbf.pt"


class DataFolderError(OSError):
    """The user data folder cannot be created (read-only home, a file in its place...)."""


def user_data_dir() -> Path:
    """Per-user data folder (created on demand); LENET_GUI_DATA_DIR overrides it (tests).

    Raises DataFolderError (an OSError) with a sentence naming the folder and the reason.
    """
    override = os.environ.get("LENET_GUI_DATA_DIR")
    path = (
        Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataFolderError(
            f"The data folder {path} cannot be created ({exc.strerror or exc}); "
            "set LENET_GUI_DATA_DIR to a folder you can write"
        ) from exc
    return path


def new_model_path(kind: str, folder: Path | None = None, now: _dt.datetime | None = None) -> Path:
    """A fresh file name for a trained model, `lenet5-<kind>-20261129-154500Z.pt`, in `folder`
    (default: `models/` in the user data folder).

    UTC (the Z), so names sort by time across daylight-saving changes and time zones; when
    that name is taken (two models within a second), `-2`, `-3`... is added: never the name of
    an existing file. Save with `atomic.write_atomically(..., replace=False)` so that a file
    appearing meanwhile is not replaced either.
    """
    folder = folder if folder is not None else user_data_dir() / "models"
    now = (now or _dt.datetime.now(_dt.timezone.utc)).astimezone(_dt.timezone.utc)
    stem = f"lenet5-{kind}-{now.strftime('%Y%m%d-%H%M%S')}Z"
    path = folder / f"{stem}.pt"
    count = 1
    while path.exists():
        count += 1
        path = folder / f"{stem}-{count}.pt"
    return path


def default_mnist_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The MNIST folder: an explicit choice, else $LENET_MNIST_DIR, else the user's data folder."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(MNIST_ENV)
    if env:
        return Path(env)
    return user_data_dir() / "mnist"


STALE_PART_S = 60.0  # a temporary file this old belongs to no save in progress


def remove_stale_parts(folder: str | os.PathLike, older_than_s: float = STALE_PART_S) -> int:
    """Delete the `.*.part` temporary files an interrupted save left in `folder` (not those of a
    save in progress: only files older than `older_than_s`). Returns how many went."""
    removed = 0
    cutoff = time.time() - older_than_s
    try:
        candidates = list(Path(folder).glob(".*.part"))
    except OSError:
        return 0
    for part in candidates:
        try:
            if part.is_file() and part.stat().st_mtime < cutoff:
                part.unlink()
                removed += 1
        except OSError:
            continue
    return removed


def remove_stale_user_files() -> int:
    """At start-up: the temporary files interrupted saves left in the user's samples and models
    folders (a crash mid-save leaves `.name.XXXX.part`). Never raises; returns how many went."""
    try:
        root = user_data_dir()
    except OSError:
        return 0
    return sum(remove_stale_parts(root / sub) for sub in ("samples", "models"))
