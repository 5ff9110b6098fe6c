"""Words for the layers: titles, shapes and tooltips, after LeCun et al. (1998), section II.B.

Each tooltip starts with the core's one-line description (`lenet_gui.architecture`, which needs
no torch, so the tooltips are complete before the model has loaded).
"""

from __future__ import annotations

from ...architecture import LAYER_DESCRIPTIONS

# Layer name -> (title, output shape) for the labels of the feature-map view.
LAYER_TITLES = {
    "C1 kernels": ("C1 kernels", "6 @ 5×5"),
    "C1": ("C1", "6 @ 28×28"),
    "S2": ("S2", "6 @ 14×14"),
    "C3 table": ("S2 → C3", "connections"),
    "C3": ("C3", "16 @ 10×10"),
    "S4": ("S4", "16 @ 5×5"),
    "C5": ("C5", "120 units"),
    "F6": ("F6", "84 as 7×12"),
    "output": ("output", "10 logits"),
}

# What the tooltips add to the core's one-line descriptions: what a layer is for, and its size.
DETAILS = {
    "C1 kernels": "The six 5×5 weight kernels C1 slides over the 32×32 input (blue negative, "
    "red positive, scaled to the largest weight). 156 trainable parameters with the biases.",
    "C1": "A map lights up where its kernel's pattern (an edge, a stroke direction) appears. "
    "156 trainable parameters.",
    "S2": "The same features at half the resolution, less sensitive to their exact position. "
    "12 trainable parameters.",
    "C3 table": "Which S2 maps feed each C3 map (the paper's Table I): rows are S2 maps 0–5, "
    "columns C3 maps 0–15. Maps 0–5 see 3 neighbouring S2 maps, 6–11 see 4, 12–14 see 4 "
    "non-neighbouring ones and 15 sees all 6. It keeps the connections in bounds and breaks "
    "the symmetry, so different C3 maps must learn different features.",
    "C3": "Combinations of C1's features, such as corners and stroke ends; hover a map to see "
    "which S2 maps feed it. 1,516 trainable parameters.",
    "S4": "32 trainable parameters.",
    "C5": "Shown as a grid of units. 48,120 trainable parameters.",
    "F6": "Shown as a 7×12 image: in the paper each output unit compared F6 with a fixed 7×12 "
    "bitmap of its digit (a Euclidean RBF unit). This model's output is a linear layer, so the "
    "image need not look like a digit. 10,164 trainable parameters.",
    "output": "Colours are scaled to the largest |logit| of the current drawing. "
    "850 trainable parameters.",
}

SQUASH_NOTE = "Values are after the squashing function f(a) = 1.7159 tanh(2a/3), range ±1.716."


def layer_tooltip(layer: str) -> str:
    title, shape = LAYER_TITLES.get(layer, (layer, ""))
    parts = [f"<b>{title}</b> — {shape}"]
    core = LAYER_DESCRIPTIONS.get(layer)
    if core:
        parts.append(core[0].upper() + core[1:] + ".")
    parts.append(DETAILS.get(layer, ""))
    if layer in ("C1", "S2", "C3", "S4", "C5", "F6"):
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
</table>
<p>Hover over a feature map for its values; click it to enlarge.</p>
"""
