"""Training replay: one drawing read by the network at each snapshot of a retrain run (the
weights kept during training, `retraining.Snapshot`), to watch its features form.

Each frame holds that snapshot's reading and activations of the drawing (`inference.inspect`)
and its C1 kernels; the last frame is the trained model itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..network.model import LeNet5, LeNet5Config
from ..preprocessing.preprocess import PreparedInput
from ..reading.inference import Inspection, inspect


@dataclass(frozen=True)
class ReplayFrame:
    step: int  # steps done when the snapshot was kept
    epochs: float  # the same, in epochs
    kernels: np.ndarray  # (6, 5, 5) C1's kernels then
    inspection: Inspection | None  # the drawing read then; None without a drawing


def model_at(snapshot, model_args: dict, model: LeNet5 | None = None) -> LeNet5:
    """A LeNet5 with a snapshot's weights, in eval mode: `model` (of `model_args`) reloaded,
    else a new one (building one takes longer than loading weights into it)."""
    model = model if model is not None else LeNet5(LeNet5Config(**model_args))
    model.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in snapshot.state.items()})
    return model.eval()


def replay(snapshots, model_args: dict, prepared: PreparedInput | None) -> list[ReplayFrame]:
    """One frame per snapshot, in order (a forward pass of one input each: milliseconds)."""
    frames, model = [], None
    for snapshot in snapshots:
        model = model_at(snapshot, model_args, model)
        kernels = model.c1.weight.detach().numpy()[:, 0].copy()
        seen = inspect(model, prepared) if prepared is not None else None
        frames.append(ReplayFrame(snapshot.step, snapshot.epochs, kernels, seen))
    return frames
