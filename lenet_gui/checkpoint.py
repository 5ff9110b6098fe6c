"""Checkpoints: a plain dict saved by `torch.save`, loaded with `weights_only=True`.

Loading never executes anything from the file (no pickled code), and every way a file can be
wrong (missing, truncated, not a checkpoint, wrong shapes, NaN weights) becomes one
`CheckpointError` with a message a user can act on.
"""

from __future__ import annotations

import datetime as _dt
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from .metrics import METRIC_LABELS, metric, percent_text
from .model import LeNet5, LeNet5Config
from .preprocess import BACKGROUND_VALUE, FIELD, FIT_BOX, INK_VALUE, INPUT_SIZE

FORMAT = "lenet-gui/1"
NORMALISATION = {
    "background": BACKGROUND_VALUE,
    "ink": INK_VALUE,
    "fit_box": FIT_BOX,
    "field": FIELD,
    "input_size": INPUT_SIZE,
}


class CheckpointError(Exception):
    """A checkpoint that cannot be used; the message says why, naming the file."""


@dataclass(frozen=True)
class LoadedModel:
    model: LeNet5  # in eval mode
    path: Path
    metadata: dict = field(default_factory=dict)  # everything but the weights

    @property
    def name(self) -> str:
        return self.path.name


def save_checkpoint(
    path: str | os.PathLike,
    model: LeNet5,
    *,
    train_config: dict | None = None,
    metrics: dict | None = None,
    notes: str = "",
) -> Path:
    """Write atomically: a temporary file in the same folder, then a rename over the target."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = {
        "format": FORMAT,
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "model_args": model.model_args(),
        "normalisation": dict(NORMALISATION),
        "train_config": dict(train_config or {}),
        "metrics": dict(metrics or {}),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "notes": notes,
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(checkpoint, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | os.PathLike) -> LoadedModel:
    """Load and validate a checkpoint; raise CheckpointError with a clear message otherwise."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated zip, pickled code, random bytes...
        message = str(exc)
        if "Unsupported global" in message:
            reason = "it contains Python objects other than weights, which are never loaded"
        elif isinstance(exc, pickle.UnpicklingError) or "WeightsUnpickler" in message:
            reason = "its contents are not a PyTorch checkpoint (corrupt or another kind of file)"
        else:
            reason = message.splitlines()[0][:200] if message else type(exc).__name__
        raise CheckpointError(f"{path.name} is not a usable checkpoint: {reason}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or "model" not in data:
        raise CheckpointError(f"{path.name} is not a lenet-gui checkpoint (format {FORMAT!r}).")
    if data.get("normalisation", NORMALISATION) != NORMALISATION:
        raise CheckpointError(
            f"{path.name} was trained with another input normalisation: {data['normalisation']}"
        )
    try:
        model = LeNet5(LeNet5Config(**data.get("model_args", {})))
        model.load_state_dict(data["model"], strict=True)
    except (TypeError, RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()
        detail = " ".join(line.strip() for line in first[:3])[:300]
        raise CheckpointError(f"{path.name} does not fit LeNet-5: {detail}") from None
    for name, tensor in model.state_dict().items():
        if not torch.isfinite(tensor).all():
            raise CheckpointError(f"{path.name} has non-finite values in {name}.")
    model.eval()
    metadata = {k: v for k, v in data.items() if k != "model"}
    return LoadedModel(model, path, metadata)


def describe(metadata: dict) -> list[tuple[str, str]]:
    """Human-readable (label, value) rows of a checkpoint's metadata, for `info` and the GUI."""
    rows = [("created", str(metadata.get("created", "unknown")))]
    for key, label in METRIC_LABELS.items():
        value = metric(metadata, key)
        if value is not None:
            rows.append((label, percent_text(value)))
    config = metadata.get("train_config", {})
    if config:
        rows.append(("training", ", ".join(f"{k}={v}" for k, v in config.items())))
    if metadata.get("notes"):
        rows.append(("notes", str(metadata["notes"])))
    return rows
