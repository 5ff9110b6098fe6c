"""Classifying prepared inputs: batched for the command line, one at a time for the canvas."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..network.architecture import LAYER_NAMES
from ..network.model import LeNet5, model_device
from ..preprocessing.preprocess import Drawing, PreparedInput, prepare_drawing, prepare_image
from .verdict import BLANK, Verdict, calibrated_probabilities, decide


@dataclass(frozen=True)
class Prediction:
    """`digit`: the network's best digit (None for a blank input), whatever the verdict;
    `probabilities`: calibrated (verdict.calibrated_probabilities); `verdict`: what to say."""

    digit: int | None
    probabilities: np.ndarray | None  # (10,)
    verdict: Verdict = BLANK

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max()) if self.probabilities is not None else 0.0

    @property
    def unsure(self) -> bool:
        return self.verdict.kind == "unsure"

    def to_json(self) -> dict:
        """The `predict` command's JSON line: "digit" is null unless the verdict is "digit" or
        "unsure"; "verdict" is one of verdict.KINDS; "doubt" why an "unsure" one is (one of
        verdict.DOUBTS), else null."""
        probs = (
            None if self.probabilities is None else [round(float(p), 6) for p in self.probabilities]
        )
        return {
            "digit": self.verdict.digit,
            "probabilities": probs,
            "verdict": self.verdict.kind,
            "doubt": self.verdict.doubt,
        }


NO_DIGIT = Prediction(None, None)


def predict_from_logits(
    logits: np.ndarray, prepared: PreparedInput | None, rejector: dict | None
) -> Prediction:
    """The prediction and verdict for one input's logits (10,)."""
    verdict = decide(logits, prepared, rejector)
    return Prediction(int(np.argmax(logits)), verdict.probabilities, verdict)


@torch.no_grad()
def logits_of(model: LeNet5, inputs: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The network's output scores (N, 10) for network inputs (N, 1, 32, 32)."""
    model.eval()
    device = model_device(model)
    out = []
    for i in range(0, len(inputs), batch_size):
        batch = torch.from_numpy(np.ascontiguousarray(inputs[i : i + batch_size])).to(device)
        out.append(model(batch).cpu())
    return torch.cat(out).numpy() if out else np.zeros((0, 10), dtype=np.float32)


def probabilities(model: LeNet5, inputs: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Calibrated probabilities (N, 10) for network inputs (N, 1, 32, 32)."""
    return calibrated_probabilities(logits_of(model, inputs, batch_size), model.rejector)


def classify_prepared(model: LeNet5, prepared: Sequence[PreparedInput | None]) -> list[Prediction]:
    """One prediction per prepared input, in order; None inputs give NO_DIGIT."""
    present = [p.network_input for p in prepared if p is not None]
    logits = iter(logits_of(model, np.stack(present)) if present else [])
    results = []
    for p in prepared:
        if p is None:
            results.append(NO_DIGIT)
        else:
            results.append(predict_from_logits(next(logits), p, model.rejector))
    return results


def classify_drawings(model: LeNet5, drawings: Iterable[Drawing]) -> list[Prediction]:
    """The path of `predict --strokes`, the canvas and the tests: render, prepare, classify."""
    return classify_prepared(model, [prepare_drawing(d) for d in drawings])


def classify_images(model: LeNet5, images: Iterable) -> list[Prediction]:
    return classify_prepared(model, [prepare_image(im) for im in images])


@dataclass(frozen=True)
class Inspection:
    """Everything the main window shows for one drawing: the stages and every activation."""

    prepared: PreparedInput
    prediction: Prediction
    activations: dict[str, np.ndarray]  # layer name -> activation of this one input


@torch.no_grad()
def inspect(model: LeNet5, prepared: PreparedInput) -> Inspection:
    """Classify one input and keep every layer's activations (batch of one)."""
    model.eval()
    x = torch.from_numpy(prepared.network_input[None]).to(model_device(model))
    logits, acts = model(x, return_activations=True)
    activations = {name: a[0].cpu().numpy() for name, a in acts.items()}
    prediction = predict_from_logits(logits[0].cpu().numpy(), prepared, model.rejector)
    return Inspection(prepared, prediction, activations)


@torch.no_grad()
def inspect_batch(model: LeNet5, inputs: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Probabilities (N, 10) and every layer's activations (N, ...) of inputs (N, 1, 32, 32) in
    one forward: the GUI reads all the digits of a number at once and shows one of them."""
    model.eval()
    logits, acts = model(torch.from_numpy(np.ascontiguousarray(inputs)), return_activations=True)
    probs = torch.softmax(logits, 1).numpy()
    return probs, {name: a.numpy() for name, a in acts.items()}


def inspection_at(
    prepared: PreparedInput,
    probs: np.ndarray,
    activations: dict[str, np.ndarray],
    row: int,
    rejector: dict | None = None,
) -> Inspection:
    """The `Inspection` of one row of `inspect_batch`'s results, with its verdict (from the
    output layer's scores and the model's `rejector`, as `inspect` gives it)."""
    acts = {n: a[row] for n, a in activations.items()}
    prediction = predict_from_logits(acts[LAYER_NAMES[-1]], prepared, rejector)
    return Inspection(prepared, prediction, acts)
