"""Words for the layers: titles, shapes and tooltips, after LeCun et al. (1998), section II.B.

Each tooltip starts with the core's one-line description (`lenet_gui.network.architecture`,
which needs no torch, so the tooltips are complete before the model has loaded).
"""

from __future__ import annotations

from ...network.architecture import (
    C1_KERNELS_SHAPE,
    INPUT_SIZE,
    LAYER,
    SQUASHED_LAYERS,
    layer_for,
)

KERNELS = "C1 kernels"  # the two views that are not layers, named as the feature-map view does
TABLE = "C3 table"

_C1, _S2, _C3, _F6 = (LAYER[name] for name in ("C1", "S2", "C3", "F6"))
_K = C1_KERNELS_SHAPE[1]

_TITLES = {KERNELS: ("C1 kernels", f"{_C1.maps} @ {_K}×{_K}"), TABLE: ("S2 → C3", "connections")}


def layer_title(layer: str, output: str = "linear") -> tuple[str, str]:
    """(title, output shape) of a view of the feature-map view, for a model with an `output`
    ("linear" or "rbf") output layer: ("output", "10 logits") or ("output", "10 RBF units")."""
    if layer in _TITLES:
        return _TITLES[layer]
    return (layer, layer_for(layer, output).shape_text())


# What the tooltips add to the core's one-line descriptions: what a layer is for (its parameter
# count follows, from `architecture.LAYER`).
DETAILS = {
    KERNELS: f"The {_C1.maps} weight kernels ({_K}×{_K}) C1 slides over the "
    f"{INPUT_SIZE}×{INPUT_SIZE} input (blue negative, red positive, scaled to the largest "
    f"weight). {_C1.parameters:,} trainable parameters with the biases.",
    "C1": "A map lights up where its kernel's pattern (an edge, a stroke direction) appears.",
    "S2": "The same features at half the resolution, less sensitive to their exact position.",
    TABLE: f"Which S2 maps feed each C3 map (the paper's Table I): rows are S2 maps "
    f"0–{_S2.maps - 1}, columns C3 maps 0–{_C3.maps - 1}. Maps 0–5 see 3 neighbouring S2 maps, "
    "6–11 see 4, 12–14 see 4 non-neighbouring ones and 15 sees all 6. It keeps the connections "
    "in bounds and breaks the symmetry, so different C3 maps must learn different features.",
    "C3": "Combinations of C1's features, such as corners and stroke ends; hover a map to see "
    "which S2 maps feed it.",
    "S4": "",
    "C5": "Shown as a grid of units.",
}
_PROTOTYPE = f"a fixed {_F6.grid[1]}×{_F6.grid[0]} bitmap of its digit (a Euclidean RBF unit)"
# The details that depend on the model's output layer ("linear" or "rbf").
OUTPUT_DETAILS = {
    "linear": {
        "F6": f"Shown as a {_F6.grid[1]}×{_F6.grid[0]} image: in the paper each output unit "
        f"compared F6 with {_PROTOTYPE}. This model's output is a linear layer, so the image "
        "need not look like a digit.",
        "output": "Colours are scaled to the largest |logit| of the current drawing.",
    },
    "rbf": {
        "F6": f"Shown as a {_F6.grid[1]}×{_F6.grid[0]} image: as in the paper, each output "
        f"unit of this model compares F6 with {_PROTOTYPE}; the Explain dock's Output tab shows "
        "them side by side.",
        "output": "Colours are scaled to the largest |score| (minus the distance) of the "
        "current drawing.",
    },
}

SQUASH_NOTE = "Values are after the squashing function f(a) = 1.7159 tanh(2a/3), range ±1.716."


def layer_tooltip(layer: str, output: str = "linear") -> str:
    """The tooltip of a layer (or of the C1 kernels or the C3 table), for a model with an
    `output` ("linear" or "rbf") output layer."""
    title, shape = layer_title(layer, output) if layer in _TITLES or layer in LAYER else (layer, "")
    parts = [f"<b>{title}</b> — {shape}"]
    described = layer_for(layer, output) if layer in LAYER else None
    if described is not None:
        core = described.description
        parts.append(core[0].upper() + core[1:] + ".")
    detail = OUTPUT_DETAILS[output].get(layer) or DETAILS.get(layer, "")
    if described is not None:
        detail = f"{detail} {described.parameters:,} trainable parameters.".strip()
    parts.append(detail)
    if layer in SQUASHED_LAYERS:
        parts.append(SQUASH_NOTE)
    return "<p>" + "</p><p>".join(p for p in parts if p) + "</p>"


ABOUT_HTML = """
<h3>lenet-gui</h3>
<p>Draw a digit and watch LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998) read it.</p>
<p>The drawing is cropped to its ink, scaled to fit 20×20, placed by centre of mass in a 28×28
field as MNIST's digits were, and padded to LeNet-5's 32×32 input. C1 and C3 convolve, S2 and S4
subsample, C5 and F6 combine everything, and the output gives one score per digit.</p>
<table cellspacing="4">
<tr><td><b>Draw</b></td><td>left button; right button erases whole strokes</td></tr>
<tr><td><b>Undo / redo</b></td><td>Ctrl+Z / Ctrl+Shift+Z or Ctrl+Y</td></tr>
<tr><td><b>Clear</b></td><td>Esc or Delete</td></tr>
<tr><td><b>Pen / eraser</b></td><td>B / E</td></tr>
<tr><td><b>Brush width</b></td><td>[ and ]</td></tr>
<tr><td><b>Open image</b></td><td>Ctrl+O, or drop an image onto the canvas</td></tr>
<tr><td><b>Open model</b></td><td>Ctrl+Shift+O, or drop a .pt file onto the canvas</td></tr>
<tr><td><b>C1 kernels</b></td><td>K</td></tr>
<tr><td><b>Explain</b></td><td>X (why, and how)</td></tr>
<tr><td><b>Label it</b></td><td>0-9; a number: its digits, Enter</td></tr>
<tr><td><b>Copy / paste</b></td><td>Ctrl+C / Ctrl+V</td></tr>
</table>
<p>Hover over a feature map for its values; click it to enlarge (keyboard: Tab to the maps,
arrow keys, Enter).</p>
"""
