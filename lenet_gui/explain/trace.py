"""How one unit's value was computed: its receptive field, inputs, weights, sum and squashing.

For any unit of any layer (C1, S2, C3 and S4 maps: map, row, column; C5, F6 and output: unit),
`trace_unit` recomputes the value from the model's weights and the activations of the layer
below, step by step as the paper describes it (LeCun et al. 1998, section II.B):

- C1, C3, C5, F6: a = sum of weight x input over the unit's inputs + bias; value = f(a), with
  the squashing function f(a) = 1.7159 tanh(2a/3). C3 sees only the S2 maps its column of the
  connection table names.
- S2, S4: a = coefficient x (sum of the 2x2 block) + bias; value = f(a).
- output, linear: a = sum of weight x F6 + bias, the value itself (the logit, no squashing).
- output, RBF: y = sum of (F6 - prototype)^2, the squared distance; the model's score is -y.

The recomputation is in float64 and checked against the activation the model returned (the
tests hold it to 1e-5 in every layer). Plain numpy and torch; no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..network.architecture import LAYER_NAMES
from ..network.layer_arithmetic import partial_conv_table
from ..network.model import LeNet5

A, S = 1.7159, 2.0 / 3.0  # the squashing function's constants
INPUT_SIZE = 32

# How each layer's units see the layer below: (kernel, stride). C5 is a 5x5 convolution too.
_GEOMETRY = {"C1": (5, 1), "S2": (2, 2), "C3": (5, 1), "S4": (2, 2), "C5": (5, 1)}
SPATIAL = ("C1", "S2", "C3", "S4")  # layers whose units have a map, a row and a column


class TraceError(ValueError):
    """A unit that does not exist (unknown layer, map or position out of range)."""


@dataclass(frozen=True)
class TraceInput:
    """One group of inputs of a unit: a patch of one map of the layer below, or a vector."""

    source: str  # "input", "C1", ..., "F6"
    map: int | None  # which map of `source` (None for the input image and for F6/C5 vectors)
    values: np.ndarray  # (h, w) patch or (n,) vector, float64
    weights: np.ndarray | None  # same shape; None for S2/S4 (one coefficient for all four)
    top: int = 0  # where the patch sits in its map
    left: int = 0

    @property
    def partial_sum(self) -> float:
        """Sum of weight x input (or the plain sum for subsampling) over this group."""
        if self.weights is None:
            return float(self.values.sum())
        return float((self.values * self.weights).sum())

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "map": self.map,
            "top": self.top,
            "left": self.left,
            "values": np.round(self.values, 6).tolist(),
            "weights": None if self.weights is None else np.round(self.weights, 6).tolist(),
            "partial_sum": round(self.partial_sum, 6),
        }


@dataclass(frozen=True)
class Trace:
    layer: str
    map: int
    row: int
    col: int
    kind: str  # "convolution", "subsampling", "full", "linear" or "rbf"
    receptive_field: tuple[int, int, int, int]  # top, left, bottom, right (exclusive), 32x32 input
    inputs: tuple[TraceInput, ...]
    bias: float  # 0 for RBF
    coefficient: float | None  # S2/S4's trainable coefficient
    weighted_sum: float  # a: weighted sum plus bias (RBF: the squared distance y)
    value: float  # f(a) for C1..F6, a for a linear output, -y for an RBF output
    model_value: float  # what the model itself returned for this unit
    squashed: bool = field(default=True)

    def computation(self) -> list[str]:
        """The computation with the real numbers, one step a line, ending in the value."""
        lines = []
        if self.kind == "rbf":
            lines.append(
                f"y = sum over the 84 F6 units of (F6 - prototype)^2 = {self.weighted_sum:.4f}"
            )
            lines.append("the smallest distance is the class; the model's score is -y:")
            lines.append(f"score = -y = {self.value:.4f}")
            return lines
        if self.kind == "subsampling":
            block = " ".join(f"{v:+.4f}" for v in self.inputs[0].values.ravel())
            lines.append(f"sum of the 2x2 block of {self.inputs[0].source} map {self.map}:")
            lines.append(f"  {block} = {self.inputs[0].partial_sum:.4f}")
            lines.append(
                f"a = coefficient x sum + bias = {self.coefficient:.4f} x "
                f"{self.inputs[0].partial_sum:.4f} + {self.bias:.4f} = {self.weighted_sum:.4f}"
            )
        else:
            count = sum(g.values.size for g in self.inputs)
            total = self.weighted_sum - self.bias
            if len(self.inputs) == 1:
                lines.append(f"sum of weight x input over {count} inputs = {total:.4f}")
            else:
                lines.append(f"sum of weight x input over {count} inputs, map by map:")
                terms = " ".join(
                    f"{g.partial_sum:+.4f} ({g.source} map {g.map})" for g in self.inputs
                )
                lines.append(f"  {terms} = {total:.4f}")
            lines.append(f"a = {total:.4f} + bias {self.bias:.4f} = {self.weighted_sum:.4f}")
        if self.squashed:
            lines.append(f"f(a) = 1.7159 tanh(2/3 x {self.weighted_sum:.4f}) = {self.value:.4f}")
        else:
            lines.append(f"the logit is a itself: {self.value:.4f}")
        return lines

    def to_json(self) -> dict:
        top, left, bottom, right = self.receptive_field
        return {
            "layer": self.layer,
            "map": self.map,
            "row": self.row,
            "col": self.col,
            "kind": self.kind,
            "receptive_field": {"top": top, "left": left, "bottom": bottom, "right": right},
            "inputs": [g.to_json() for g in self.inputs],
            "bias": round(self.bias, 6),
            "coefficient": None if self.coefficient is None else round(self.coefficient, 6),
            "weighted_sum": round(self.weighted_sum, 6),
            "activation": round(self.value, 6),
            "model_activation": round(self.model_value, 6),
            "computation": self.computation(),
        }


def receptive_field(layer: str, row: int = 0, col: int = 0) -> tuple[int, int, int, int]:
    """(top, left, bottom, right), bottom/right exclusive: the input pixels a unit depends on.

    Walks down the layers: a k x k stride-s unit at (r, c) covers rows s*r .. s*r + k - 1 of the
    layer below. C5, F6 and the output see the whole 32x32 input.
    """
    if layer not in LAYER_NAMES:
        raise TraceError(f"unknown layer {layer!r}: one of {', '.join(LAYER_NAMES)}")
    if layer not in SPATIAL:
        return (0, 0, INPUT_SIZE, INPUT_SIZE)
    top, left, bottom, right = row, col, row + 1, col + 1
    for name in reversed(LAYER_NAMES[: LAYER_NAMES.index(layer) + 1]):
        kernel, stride = _GEOMETRY[name]
        top, left = top * stride, left * stride
        bottom, right = (bottom - 1) * stride + kernel, (right - 1) * stride + kernel
    return (top, left, bottom, right)


def _squash(a: float) -> float:
    return float(A * np.tanh(S * a))


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().double().cpu().numpy()


@torch.no_grad()
def trace_unit(
    model: LeNet5, network_input: np.ndarray, layer: str, map_: int, row: int = 0, col: int = 0
) -> Trace:
    """Recompute unit (layer, map, row, col) for one input (1, 32, 32) as the network does.

    For C5, F6 and the output, `map_` is the unit's index and row and col must be 0.
    Raises TraceError for a unit that does not exist.
    """
    model.eval()
    x = torch.as_tensor(np.asarray(network_input, dtype=np.float32)).reshape(1, 1, 32, 32)
    _, acts = model(x, return_activations=True)
    acts = {name: a[0] for name, a in acts.items()}
    if layer not in acts:
        raise TraceError(f"unknown layer {layer!r}: one of {', '.join(LAYER_NAMES)}")
    shape = tuple(acts[layer].shape)
    maps = shape[0]
    rows, cols = (shape[1], shape[2]) if len(shape) == 3 else (1, 1)
    if not (0 <= map_ < maps and 0 <= row < rows and 0 <= col < cols):
        raise TraceError(
            f"{layer} has {maps} {'maps' if len(shape) == 3 else 'units'}"
            + (f" of {rows}x{cols}" if len(shape) == 3 else "")
            + f"; there is no unit {map_}:{row}:{col}"
        )
    below = LAYER_NAMES.index(layer) - 1
    source = "input" if below < 0 else LAYER_NAMES[below]
    prev = _np(x[0]) if below < 0 else _np(acts[source])
    model_value = float(acts[layer][map_, row, col] if len(shape) == 3 else acts[layer][map_])
    field_ = receptive_field(layer, row, col)
    coefficient = None
    squashed = True

    if layer in ("C1", "C3", "C5"):
        kind = "convolution" if layer != "C5" else "full"
        if layer == "C1":
            weight, bias, maps_in = _np(model.c1.weight[map_]), model.c1.bias[map_], [0]
        elif layer == "C3":
            dense = model.c3.dense_weight()
            maps_in = list(partial_conv_table(model.c3)[map_])
            weight, bias = _np(dense[map_]), model.c3.bias[map_]
        else:
            weight, bias, maps_in = _np(model.c5.weight[map_]), model.c5.bias[map_], range(16)
        k = weight.shape[-1]
        inputs = tuple(
            TraceInput(
                source,
                None if layer == "C1" else m,
                prev[m, row : row + k, col : col + k],
                weight[m],
                row,
                col,
            )
            for m in maps_in
        )
        bias = float(bias)
        a = sum(g.partial_sum for g in inputs) + bias
    elif layer in ("S2", "S4"):
        kind = "subsampling"
        sub = model.s2 if layer == "S2" else model.s4
        coefficient, bias = float(sub.weight[map_]), float(sub.bias[map_])
        block = prev[map_, 2 * row : 2 * row + 2, 2 * col : 2 * col + 2]
        inputs = (TraceInput(source, map_, block, None, 2 * row, 2 * col),)
        a = coefficient * inputs[0].partial_sum + bias
    elif layer == "F6" or model.config.output == "linear":
        kind = "full" if layer == "F6" else "linear"
        module = model.f6 if layer == "F6" else model.output
        bias = float(module.bias[map_])
        inputs = (TraceInput(source, None, prev, _np(module.weight[map_])),)
        a = inputs[0].partial_sum + bias
        squashed = layer == "F6"
    else:
        kind, bias, squashed = "rbf", 0.0, False
        prototype = _np(model.output.prototypes[map_])
        inputs = (TraceInput(source, None, prev, prototype),)
        a = float(((prev - prototype) ** 2).sum())
        value = -a
    if kind != "rbf":
        value = _squash(a) if squashed else a
    return Trace(
        layer, map_, row, col, kind, field_, inputs, bias, coefficient, float(a), value,
        model_value, squashed,
    )  # fmt: skip


def parse_unit(text: str) -> tuple[str, int, int, int]:
    """'C3:4:2:7' -> ("C3", 4, 2, 7); 'F6:10' -> ("F6", 10, 0, 0). Raises TraceError."""
    parts = text.split(":")
    layer = parts[0]
    names = {n.lower(): n for n in LAYER_NAMES}
    if layer.lower() not in names or len(parts) not in (2, 4):
        raise TraceError(f"a unit is LAYER:MAP:ROW:COL or LAYER:UNIT (e.g. C3:4:2:7), got {text!r}")
    try:
        numbers = [int(p) for p in parts[1:]] + [0, 0]
    except ValueError:
        raise TraceError(f"a unit's map, row and column are integers, got {text!r}") from None
    return (names[layer.lower()], numbers[0], numbers[1], numbers[2])
