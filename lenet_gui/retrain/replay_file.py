"""The training replay saved with a model: a retrain run's weight snapshots
(`retraining.Snapshot`) and its curves, as the optional "replay" entry of a checkpoint
(`checkpoint.save_checkpoint`), and read back checked (`read_replay`).

The entry holds plain tensors and numbers, so `torch.load(weights_only=True)` reads it, and
code that predates it loads the checkpoint and ignores the entry:

    "replay": {
        "format": "lenet-gui-replay/1",
        "total_steps": int,                      # steps of the whole run
        "steps": int64 (K,),                     # steps done at each snapshot, ascending
        "epochs": float64 (K,),                  # the same, in epochs
        "weights": {name: float32 (K, *shape)},  # one stacked tensor per parameter
        "curves": {"loss" | "val" | "user": float64 (N, 2)},  # (step, value) rows
    }

One stacked tensor per parameter keeps the archive at about 19 records whatever K is (the
checkpoint reader refuses archives of more than 256). A snapshot of LeNet-5 is 60,850 float32
numbers, 243 KB; at most `MAX_SNAPSHOTS` are written (a long run is thinned) and read, which
keeps a checkpoint with its replay under the reader's 16 MB. The curves are those the retrain
dialog draws: the mean training loss, and the accuracy (a fraction) on MNIST validation ("val")
and on the user's held-out samples ("user"), against the step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .retraining import FIRST_EPOCH_SNAPSHOTS, Snapshot

REPLAY_FORMAT = "lenet-gui-replay/1"
MAX_SNAPSHOTS = 32  # written and read: 32 x 243 KB = 7.8 MB
MAX_CURVE_POINTS = 5_000  # per curve, written and read
MAX_TOTAL_STEPS = 10**9
SMALL_BYTES = 5 * 2**20  # a replay up to this size is saved with the model by default
MAX_WEIGHT = 1e6  # as checkpoint.MAX_WEIGHT: beyond this LeNet-5's outputs overflow float32
CURVES = ("loss", "val", "user")
ACCURACY_CURVES = ("val", "user")


class ReplayError(ValueError):
    """A replay entry that cannot be used; the message says why, in a few words."""


@dataclass(frozen=True)
class TrainingReplay:
    """A run's snapshots, first to last (the last is the trained model), with its curves:
    `curves[key]` is (steps (N,), values (N,)) float64 arrays, accuracies as fractions."""

    snapshots: tuple[Snapshot, ...]
    total_steps: int
    curves: dict = field(default_factory=dict)

    def entry(self) -> dict:
        """This replay as a checkpoint's "replay" entry again (to save it with its model)."""
        return replay_entry(self.snapshots, self.curves, self.total_steps)

    def summary(self) -> str:
        """ "10 snapshots, steps 0-1,170 (5 epochs)": what `info` and Model details say."""
        first, last = self.snapshots[0], self.snapshots[-1]
        epochs = f"{last.epochs:g} epoch{'' if last.epochs == 1 else 's'}"
        count = f"{len(self.snapshots)} snapshot{'' if len(self.snapshots) == 1 else 's'}"
        return f"{count}, steps {first.step:,}-{last.step:,} ({epochs})"


def kept_snapshots(snapshots, limit: int = MAX_SNAPSHOTS) -> tuple[Snapshot, ...]:
    """The snapshots a checkpoint keeps: all of them up to `limit`; beyond, those of the first
    epoch (where the most happens, `retraining.FIRST_EPOCH_SNAPSHOTS`) and the last, and the
    rest evenly spaced between them."""
    snapshots = tuple(snapshots)
    if len(snapshots) <= limit:
        return snapshots
    early = len(FIRST_EPOCH_SNAPSHOTS) + 2  # before training, the first epoch's, its end
    head, tail = snapshots[: min(early, limit - 1)], snapshots[-1]
    middle = snapshots[len(head) : -1]
    room = limit - len(head) - 1
    chosen = np.unique(np.round(np.linspace(0, len(middle) - 1, room)).astype(int)) if room else []
    return (*head, *(middle[i] for i in chosen), tail)


def thinned_curve(xs, ys, limit: int = MAX_CURVE_POINTS) -> np.ndarray:
    """(N, 2) float64 rows (step, value), finite ones only, at most `limit` evenly chosen."""
    rows = np.column_stack([np.asarray(xs, np.float64), np.asarray(ys, np.float64)])
    rows = rows[np.isfinite(rows).all(axis=1)]
    if len(rows) > limit:
        rows = rows[np.round(np.linspace(0, len(rows) - 1, limit)).astype(int)]
    return rows.reshape(-1, 2)


def replay_entry(snapshots, curves: dict, total_steps: int) -> dict:
    """The checkpoint's "replay" entry for a run's `snapshots` (thinned to `MAX_SNAPSHOTS`) and
    `curves` ({"loss": (xs, ys), ...}, as `TrainingOutcome.curves`). Raises ValueError for no
    snapshots."""
    kept = kept_snapshots(snapshots)
    if not kept:
        raise ValueError("a replay needs at least one snapshot")
    names = list(kept[-1].state)
    return {
        "format": REPLAY_FORMAT,
        "total_steps": int(total_steps),
        "steps": torch.tensor([s.step for s in kept], dtype=torch.int64),
        "epochs": torch.tensor([s.epochs for s in kept], dtype=torch.float64),
        "weights": {
            k: torch.from_numpy(np.stack([np.asarray(s.state[k], np.float32) for s in kept]))
            for k in names
        },
        "curves": {k: torch.from_numpy(thinned_curve(*curves[k])) for k in CURVES if k in curves},
    }


def added_bytes(snapshots, curves: dict) -> int:
    """What the replay of these snapshots and curves adds to a checkpoint, in bytes (the
    tensors' data; the archive adds about 1 KB more)."""
    kept = kept_snapshots(snapshots)
    weights = sum(4 * np.asarray(v).size for s in kept for v in s.state.values())
    rows = sum(min(len(curves[k][0]), MAX_CURVE_POINTS) for k in CURVES if k in curves)
    return weights + 16 * len(kept) + 16 * rows


def size_text(size: int) -> str:
    """ "2.4 MB" (MB of 2**20 bytes, as the checkpoint reader's limits are given)."""
    return f"{size / 2**20:.1f} MB"


def read_replay(entry, model_state: dict) -> TrainingReplay:
    """The replay of a checkpoint's "replay" `entry`, checked against the model's weights
    (`model_state`, name -> tensor): raises ReplayError (one line) when it is not usable.

    Checked before any value is touched: the format, the number of snapshots (at most
    `MAX_SNAPSHOTS`) and every tensor's type and shape, so memory stays bounded whatever the
    file declares; then finite, bounded weights, ascending steps, and a last snapshot equal to
    the model's weights. The curves are checked the same way."""
    if not isinstance(entry, dict):
        raise ReplayError(f"it is a {type(entry).__name__}, not a table")
    if entry.get("format") != REPLAY_FORMAT:
        raise ReplayError(f"unknown format {str(entry.get('format'))[:40]!r}")
    total = entry.get("total_steps")
    if type(total) is not int or not 0 < total <= MAX_TOTAL_STEPS:
        raise ReplayError(f"bad number of training steps {str(total)[:20]!r}")
    steps, epochs = entry.get("steps"), entry.get("epochs")
    count = _vector_length(steps, "steps", integer=True)
    if not 1 <= count <= MAX_SNAPSHOTS:
        raise ReplayError(f"{count:,} snapshots; at most {MAX_SNAPSHOTS} are read")
    if _vector_length(epochs, "epochs", integer=False) != count:
        raise ReplayError(f"{len(epochs)} epoch counts for {count} snapshots")
    weights = _checked_weights(entry.get("weights"), model_state, count)
    steps, epochs = steps.to(torch.int64).numpy(), epochs.to(torch.float64).numpy()
    if (steps < 0).any() or (steps > total).any() or (np.diff(steps) < 0).any():
        raise ReplayError("its steps are not in order within the run")
    if not np.isfinite(epochs).all() or (epochs < 0).any() or (np.diff(epochs) < 0).any():
        raise ReplayError("its epoch counts are not in order")
    curves = _checked_curves(entry.get("curves", {}), total)
    snapshots = tuple(
        Snapshot(int(steps[i]), float(epochs[i]), {k: w[i] for k, w in weights.items()})
        for i in range(count)
    )
    return TrainingReplay(snapshots, total, curves)


def _vector_length(value, name: str, integer: bool) -> int:
    if not isinstance(value, torch.Tensor) or value.dim() != 1:
        raise ReplayError(f"its {name} are not a list of numbers")
    integers = (torch.int64, torch.int32, torch.int16, torch.uint8)
    if not (value.dtype in integers if integer else value.dtype.is_floating_point):
        raise ReplayError(f"its {name} are {str(value.dtype).removeprefix('torch.')} numbers")
    return value.shape[0]


def _checked_weights(weights, model_state: dict, count: int) -> dict:
    """name -> float32 numpy (count, *shape), every check passed."""
    if not isinstance(weights, dict) or set(weights) != set(model_state):
        raise ReplayError("its weights are not those of this network")
    checked = {}
    for name, reference in model_state.items():
        stacked = weights[name]
        expected = (count, *reference.shape)
        if not isinstance(stacked, torch.Tensor) or tuple(stacked.shape) != expected:
            shape = tuple(stacked.shape) if isinstance(stacked, torch.Tensor) else "no tensor"
            raise ReplayError(f"{name} has shape {shape}, not {expected}")
        if not stacked.dtype.is_floating_point:
            raise ReplayError(f"{name} holds {str(stacked.dtype).removeprefix('torch.')} values")
        stacked = stacked.to(torch.float32).contiguous()
        if not torch.isfinite(stacked).all():
            raise ReplayError(f"{name} has non-finite values")
        if stacked.numel() and stacked.abs().max() > MAX_WEIGHT:
            raise ReplayError(f"{name} has weights up to {stacked.abs().max():.3g}")
        if not torch.equal(stacked[-1], reference.detach().cpu().to(torch.float32)):
            raise ReplayError("its last snapshot is not this model's weights")
        checked[name] = stacked.numpy()
    return checked


def _checked_curves(curves, total_steps: int) -> dict:
    if not isinstance(curves, dict) or not set(curves) <= set(CURVES):
        raise ReplayError("its curves are not loss and accuracy curves")
    checked = {}
    for key, rows in curves.items():
        if not isinstance(rows, torch.Tensor) or rows.dim() != 2 or rows.shape[1] != 2:
            raise ReplayError(f"its {key} curve is not (step, value) rows")
        if rows.shape[0] > MAX_CURVE_POINTS or not rows.dtype.is_floating_point:
            raise ReplayError(f"its {key} curve has {rows.shape[0]:,} points of "
                              f"{str(rows.dtype).removeprefix('torch.')}")  # fmt: skip
        rows = rows.to(torch.float64).numpy()
        xs, ys = rows[:, 0], rows[:, 1]
        if not np.isfinite(rows).all() or (xs < 0).any() or (xs > total_steps).any():
            raise ReplayError(f"its {key} curve has values outside the run")
        if key in ACCURACY_CURVES and ((ys < 0).any() or (ys > 1).any()):
            raise ReplayError(f"its {key} curve has accuracies outside 0-1")
        checked[key] = (xs.copy(), ys.copy())
    return checked


def describe_replay(replay: TrainingReplay | None, problem: str | None = None) -> str:
    """One line on a model's replay: its summary, "none", or why it was left out."""
    if replay is not None:
        return replay.summary()
    if problem:
        return f"left out ({problem})"
    return "none"
