"""Checkpoints: a plain dict saved by `torch.save`, loaded with `weights_only=True`.

Loading never executes anything from the file (no pickled code), and every way a file can be
wrong (missing, truncated, not a checkpoint, wrong shapes, NaN weights) becomes one
`CheckpointError` with a message a user can act on.
"""

from __future__ import annotations

import datetime as _dt
import os
import pickle
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..network.model import LeNet5, LeNet5Config
from ..preprocessing.preprocess import BACKGROUND_VALUE, FIELD, FIT_BOX, INK_VALUE, INPUT_SIZE
from ..system.atomic import SaveError, write_atomically
from ..training.metrics import METRIC_LABELS, metric, percent_text
from .replay_file import ReplayError, TrainingReplay, describe_replay, read_replay

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
    warnings: tuple[str, ...] = ()  # what was accepted with a change (e.g. float16 converted)
    replay: TrainingReplay | None = None  # the training replay saved with it, if any
    replay_problem: str | None = None  # why a replay in the file was left out

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
    replace: bool = True,
    replay: dict | None = None,
) -> Path:
    """Write atomically (`atomic.write_atomically`): a failure raises atomic.SaveError, an
    OSError naming the file and the reason, and leaves any previous file as it was. With
    `replace=False` an existing file is never replaced (the save fails instead). `replay`: a
    training replay entry (`replay_file.replay_entry`) saved with the model."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SaveError(path, exc, existed=False) from exc
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
    if isinstance(getattr(model, "rejector", None), dict):
        checkpoint["rejector"] = dict(model.rejector)  # plain numbers: weights_only loads it
    if replay is not None:
        checkpoint["replay"] = replay  # older readers ignore it
    return write_atomically(path, lambda fh: torch.save(checkpoint, fh), replace=replace)


# Bounds checked before anything is read or built. LeNet-5's weights take 250 KB; a checkpoint
# also holds a few small tables of metadata.
MAX_FILE_BYTES = 16 * 2**20
MAX_ENTRIES = 256  # records in the zip archive (one per tensor, plus a few)
MAX_PICKLE_BYTES = 2**20
MAX_WEIGHT = 1e6  # trained weights are below 10; beyond this outputs overflow float32
SHOWN_CLASSES = 10  # the app shows ten digits
METADATA_TYPES = {
    "model_args": dict,
    "normalisation": dict,
    "train_config": dict,
    "metrics": dict,
    "created": str,
    "notes": str,
}
CONVERTED_DTYPES = (torch.float16, torch.bfloat16, torch.float64)


def _check_container(path: Path) -> None:
    """Refuse before reading the payload: too large a file, not a zip, or an archive whose
    declared sizes exceed what a LeNet-5 checkpoint needs (a zip bomb declares gigabytes)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise CheckpointError(
            f"{path.name} is {size / 2**20:.1f} MB; a LeNet-5 checkpoint is well under "
            f"{MAX_FILE_BYTES // 2**20} MB, so this is not one."
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        if size and path.read_bytes()[:2] == b"PK":
            raise CheckpointError(
                f"{path.name} is not a usable checkpoint: the file is cut short or damaged."
            ) from exc
        raise CheckpointError(
            f"{path.name} is not a usable checkpoint: its contents are not a PyTorch checkpoint "
            "(another kind of file)."
        ) from exc
    declared = sum(info.file_size for info in infos)
    pickles = [info for info in infos if info.filename.endswith(".pkl")]
    if len(infos) > MAX_ENTRIES or declared > MAX_FILE_BYTES:
        raise CheckpointError(
            f"{path.name} is not a usable checkpoint: it declares {len(infos)} records and "
            f"{declared / 2**20:,.0f} MB of contents, far more than LeNet-5's weights."
        )
    if any(info.file_size > MAX_PICKLE_BYTES for info in pickles):
        raise CheckpointError(
            f"{path.name} is not a usable checkpoint: its table of contents is too large."
        )


def _check_contents(data, name: str) -> list[str]:
    """Refuse what the app cannot show; return notes on what was accepted with a change."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or "model" not in data:
        raise CheckpointError(f"{name} is not a lenet-gui checkpoint (format {FORMAT!r}).")
    for key, kind in METADATA_TYPES.items():
        if key in data and not isinstance(data[key], kind):
            raise CheckpointError(
                f"{name} is damaged: its {key!r} is a {type(data[key]).__name__}, "
                f"not a {kind.__name__}."
            )
    if data.get("normalisation", NORMALISATION) != NORMALISATION:
        raise CheckpointError(
            f"{name} was trained with another input normalisation: {data['normalisation']}"
        )
    args = data.get("model_args", {})
    fields = LeNet5Config.__dataclass_fields__
    unknown = sorted(str(k) for k in args if k not in fields)
    if unknown:
        raise CheckpointError(f"{name} is for another network: unknown settings {unknown}.")
    classes = args.get("num_classes", SHOWN_CLASSES)
    if type(classes) is not int or classes != SHOWN_CLASSES:
        raise CheckpointError(
            f"{name} has {classes!r} output classes; lenet-gui shows the ten digits 0-9."
        )
    if not isinstance(args.get("output", "linear"), str):
        raise CheckpointError(f"{name} is damaged: its output kind is not a name.")
    weights = data["model"]
    if not isinstance(weights, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in weights.items()
    ):
        raise CheckpointError(f"{name} is damaged: its weights are not a table of tensors.")
    notes = []
    for key, tensor in weights.items():
        if tensor.dtype in CONVERTED_DTYPES:
            notes.append(f"{key} was stored as {str(tensor.dtype).removeprefix('torch.')}")
        elif tensor.dtype != torch.float32:
            raise CheckpointError(
                f"{name} has {str(tensor.dtype).removeprefix('torch.')} values in {key}; "
                "LeNet-5's weights are floating-point numbers."
            )
    if notes:
        notes = [f"converted to float32 ({'; '.join(notes[:3])}{'...' if len(notes) > 3 else ''})"]
    return notes


def _check_outputs(model: LeNet5, name: str) -> None:
    """Finite, bounded weights and finite outputs on a blank and a random input."""
    for key, tensor in model.state_dict().items():
        if not torch.isfinite(tensor).all():
            raise CheckpointError(f"{name} has non-finite values in {key}.")
        if tensor.numel() and tensor.abs().max() > MAX_WEIGHT:
            raise CheckpointError(
                f"{name} has weights up to {tensor.abs().max():.3g} in {key}; a LeNet-5 with "
                "such weights computes only overflows."
            )
    blank = torch.full((1, 1, INPUT_SIZE, INPUT_SIZE), BACKGROUND_VALUE)
    noise = BACKGROUND_VALUE + (INK_VALUE - BACKGROUND_VALUE) * torch.rand(
        (1, 1, INPUT_SIZE, INPUT_SIZE), generator=torch.Generator().manual_seed(0)
    )
    with torch.no_grad():
        out = model(torch.cat([blank, noise]))
    if out.shape != (2, SHOWN_CLASSES) or not torch.isfinite(out).all():
        raise CheckpointError(f"{name} computes non-finite scores (overflowing weights).")


def _load_error(exc: Exception, name: str) -> CheckpointError:
    """The refusal of torch.load in words."""
    message = str(exc)
    if "unsupported global" in message.lower():
        reason = "it contains Python objects other than weights, which are never loaded"
    elif isinstance(exc, (EOFError, IndexError, zipfile.BadZipFile)) or "failed finding" in message:
        reason = "the file is cut short or damaged"
    elif isinstance(exc, pickle.UnpicklingError) or "WeightsUnpickler" in message:
        reason = "its contents are not a PyTorch checkpoint (corrupt or another kind of file)"
    else:
        reason = (
            "its contents are damaged ("
            + (message.splitlines()[0][:160] or type(exc).__name__)
            + ")"
        )
    return CheckpointError(f"{name} is not a usable checkpoint: {reason}")


def load_checkpoint(path: str | os.PathLike) -> LoadedModel:
    """Load and validate a checkpoint; raise CheckpointError with a clear message otherwise.

    Checked before the payload is read: file size, the archive's declared sizes. Then, before
    a model is built: the format, metadata types, the architecture (ten classes) and the
    weights' types. Then finite, bounded weights and finite outputs. float16/float64 weights are
    converted, and `LoadedModel.warnings` says so. A training replay saved with the model
    (`replay_file`) becomes `LoadedModel.replay`; a damaged one is left out, the model loads
    without it, and `replay_problem` and a warning say why.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    try:
        _check_container(path)
        data = torch.load(path, map_location="cpu", weights_only=True)
    except CheckpointError:
        raise
    except OSError as exc:
        raise CheckpointError(f"{path.name} cannot be read: {exc.strerror or exc}") from None
    except Exception as exc:  # truncated zip, pickled code, random bytes...
        raise _load_error(exc, path.name) from None
    warnings = _check_contents(data, path.name)
    try:
        model = LeNet5(LeNet5Config(**data.get("model_args", {})))
        model.load_state_dict(
            {k: v.to(torch.float32) for k, v in data["model"].items()}, strict=True
        )
    except (TypeError, RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()
        detail = " ".join(line.strip() for line in first[:3])[:300]
        raise CheckpointError(f"{path.name} does not fit LeNet-5: {detail}") from None
    model.eval()
    _check_outputs(model, path.name)
    rejector = data.get("rejector")
    model.rejector = dict(rejector) if isinstance(rejector, dict) else None  # None: fallback
    replay, problem = None, None
    if "replay" in data:
        try:
            replay = read_replay(data["replay"], model.state_dict())
        except ReplayError as exc:
            problem = str(exc)
            warnings.append(f"its training replay was left out: {problem}")
    metadata = {k: v for k, v in data.items() if k not in ("model", "replay")}
    return LoadedModel(model, path, metadata, tuple(warnings), replay, problem)


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


def describe_loaded(loaded: LoadedModel) -> list[tuple[str, str]]:
    """`describe` of a loaded model's metadata, and whether a training replay came with it."""
    return [
        *describe(loaded.metadata),
        ("training replay", describe_replay(loaded.replay, loaded.replay_problem)),
    ]
