"""The current model as an ONNX file, checked by running it back with onnxruntime.

`onnx` (needed by torch's exporter) and `onnxruntime` (for the check) are an optional extra,
`pip install 'lenet-gui[onnx]'`; without them everything else works and these functions raise
`OnnxUnavailable` with that instruction. The export uses torch's TorchScript-based exporter
(`torch.onnx.export(..., dynamo=False)`), which needs no `onnxscript`; the graph takes
`input` (N, 1, 32, 32) on the paper's scale (as `preprocess.normalise`) and gives `logits`
(N, 10), with the batch size free.
"""

from __future__ import annotations

import io
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..network.model import LeNet5
from ..system.atomic import write_bytes

OPSET = 17
INSTALL_HINT = "pip install 'lenet-gui[onnx]' (the packages onnx and onnxruntime)"
TOLERANCE = 1e-4  # largest difference in probability allowed between onnxruntime and torch


class OnnxUnavailable(RuntimeError):
    """onnx or onnxruntime is not installed; the message says how to install it."""


def _require(module: str) -> None:
    import importlib

    try:
        importlib.import_module(module)
    except ImportError:
        raise OnnxUnavailable(f"ONNX export needs {module}: {INSTALL_HINT}") from None


def export_onnx(model: LeNet5, path: str | os.PathLike) -> Path:
    """Write `model` to `path` as ONNX, atomically (`atomic.write_bytes`).
    OnnxUnavailable without onnx; OSError if the file cannot be written."""
    _require("onnx")
    path = Path(path)
    buffer = io.BytesIO()
    was_training = model.training
    model.eval()
    try:
        with warnings.catch_warnings():  # the exporter's deprecation and tracer notes
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                (torch.zeros(1, 1, 32, 32),),
                buffer,
                dynamo=False,
                opset_version=OPSET,
                input_names=["input"],
                output_names=["logits"],
                dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            )
    finally:
        model.train(was_training)
    write_bytes(path, buffer.getvalue())  # atomic: a failure keeps any previous file
    return path


def onnx_probabilities(path: str | os.PathLike, inputs: np.ndarray) -> np.ndarray:
    """Softmax probabilities (N, 10) of network inputs (N, 1, 32, 32) run by onnxruntime."""
    _require("onnxruntime")
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    logits = session.run(["logits"], {"input": np.ascontiguousarray(inputs, np.float32)})[0]
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def reference_inputs(pen_file: str | os.PathLike | None = None) -> list[tuple[str, np.ndarray]]:
    """(name, network inputs (N, 1, 32, 32)) to check an export on: the ten drawn digits shipped
    in resources/, and the pen digits of `pen_file` (`unipen_dev.json.gz`) when given, each
    placed on a canvas and prepared through the canvas's path."""
    from ..data.drawn_digits import load_pen_digits, pen_drawings
    from ..preprocessing.preprocess import Drawing, prepare_drawing
    from ..system.paths import resource_path

    items = json.loads(resource_path("self_test_digits.json").read_text(encoding="utf-8"))
    sets = [("bundled digits", [Drawing.from_dict(item) for item in items])]
    if pen_file is not None:
        sets.append(
            (f"pen digits ({Path(pen_file).name})", pen_drawings(load_pen_digits(pen_file)))
        )
    named = []
    for name, drawings in sets:
        prepared = [p for p in map(prepare_drawing, drawings) if p is not None]
        named.append((name, np.stack([p.network_input for p in prepared])))
    return named


@dataclass(frozen=True)
class Agreement:
    """How an exported file agrees with torch on one set of inputs."""

    name: str
    count: int
    max_difference: float  # largest |p_onnx - p_torch| over every input and class
    same_digit: int  # inputs read as the same digit by both

    @property
    def ok(self) -> bool:
        return self.max_difference <= TOLERANCE and self.same_digit == self.count

    def describe(self) -> str:
        return (
            f"onnxruntime vs torch on {self.count} {self.name}: largest probability difference "
            f"{self.max_difference:.1e}, same digit {self.same_digit}/{self.count}"
        )


def verify(
    model: LeNet5, path: str | os.PathLike, pen_file: str | os.PathLike | None = None
) -> list[Agreement]:
    """Run the exported file with onnxruntime and torch on `reference_inputs(pen_file)`."""
    from ..reading.calibration import softmax
    from ..reading.inference import logits_of

    results = []
    for name, inputs in reference_inputs(pen_file):
        # The export holds the network's scores; both sides uncalibrated (temperature 1).
        p_onnx, p_torch = onnx_probabilities(path, inputs), softmax(logits_of(model, inputs))
        results.append(
            Agreement(
                name,
                len(inputs),
                float(np.abs(p_onnx - p_torch).max()),
                int((p_onnx.argmax(1) == p_torch.argmax(1)).sum()),
            )
        )
    return results
