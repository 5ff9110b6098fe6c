"""LeNet-5's layout as data, without torch: the one source of each layer's name, output shape,
parameter count and description. The model is built from it (`lenet_gui.network.model`, and
`tests/test_model.py` checks the built model against it), and the GUI labels, arranges and
explains its views with it before torch has even been imported.

Source: LeCun, Bottou, Bengio and Haffner (1998), "Gradient-based learning applied to document
recognition", section II.B and Table I.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

INPUT_SIZE = 32  # the network's input is 32x32
KERNEL_SIZE = 5  # C1, C3 and C5 convolve with 5x5 kernels
POOL = 2  # S2 and S4 subsample 2x2 blocks

# Which S2 maps feed each C3 map (paper, Table I).
C3_TABLE: tuple[tuple[int, ...], ...] = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)  # fmt: skip


@dataclass(frozen=True)
class Layer:
    """One layer: `shape` is its output for one input, (maps, rows, columns) or (units,)."""

    name: str
    shape: tuple[int, ...]
    parameters: int  # trainable, as the paper counts them
    description: str  # one line, for `info` and the GUI's tooltips
    grid: tuple[int, int] | None = None  # (rows, columns) a layer of units is drawn as
    unit_word: str = "units"
    value_name: str = "value"  # what one unit's number is called ("logit")

    @property
    def has_maps(self) -> bool:
        return len(self.shape) == 3

    @property
    def maps(self) -> int:
        """Feature maps (1 for a layer of units)."""
        return self.shape[0] if self.has_maps else 1

    @property
    def map_shape(self) -> tuple[int, int]:
        """(rows, columns) of one map; (1, units) for a layer of units."""
        return (self.shape[1], self.shape[2]) if self.has_maps else (1, self.shape[0])

    @property
    def units(self) -> int:
        return math.prod(self.shape)

    def shape_text(self) -> str:
        """ "6 @ 28×28", "120 units", "84 as 7×12" (columns × rows, as the paper writes it)."""
        if self.has_maps:
            return f"{self.maps} @ {self.shape[1]}×{self.shape[2]}"
        if self.grid is not None:
            return f"{self.units} as {self.grid[1]}×{self.grid[0]}"
        return f"{self.units} {self.unit_word}"


LAYERS: tuple[Layer, ...] = (
    Layer(
        "C1",
        (6, 28, 28),
        156,
        "6 convolutions 5x5 over the 32x32 input, then the squashing function",
    ),
    Layer(
        "S2",
        (6, 14, 14),
        12,
        "each 2x2 block summed, times one trainable weight per map, plus a bias, then squashed",
    ),
    Layer(
        "C3",
        (16, 10, 10),
        1_516,
        "16 convolutions 5x5, each over the S2 maps that the connection table names",
    ),
    Layer("S4", (16, 5, 5), 32, "as S2: trainable 2x2 subsampling of each C3 map"),
    Layer(
        "C5",
        (120,),
        48_120,
        "120 convolutions 5x5 over all 16 S4 maps; its output is 1x1, a full layer in effect",
    ),
    Layer(
        "F6",
        (84,),
        10_164,
        "84 fully connected units (the paper compares them to 7x12 digit prototypes)",
        grid=(12, 7),  # the paper's 7x12 prototype bitmaps: 12 rows, 7 columns
    ),
    Layer(
        "output",
        (10,),
        850,
        "10 class scores (a linear layer; softmax gives the probabilities)",
        unit_word="logits",
        value_name="logit",
    ),
)

# The two output layers a model can have (`LeNet5Config.output`): LAYERS holds the linear one.
OUTPUT_KINDS = ("linear", "rbf")
_RBF_OUTPUT = Layer(
    "output",
    (10,),
    0,  # the prototypes are fixed, not trained (paper, section II.B)
    "10 Euclidean RBF units: each the squared distance from F6 to its digit's fixed 7x12 "
    "prototype; the score is minus the distance, softmax gives the probabilities",
    unit_word="RBF units",
    value_name="score",
)

LAYER = {layer.name: layer for layer in LAYERS}
LAYER_NAMES = tuple(layer.name for layer in LAYERS)
MAP_LAYERS = tuple(layer.name for layer in LAYERS if layer.has_maps)  # C1, S2, C3, S4
SQUASHED_LAYERS = LAYER_NAMES[:-1]  # every layer but the output goes through the squashing


def output_layer(kind: str = "linear") -> Layer:
    """The output layer of a model whose `LeNet5Config.output` is `kind`: the one source of its
    words (description, units, what a value is called) for the GUI and the command line.
    Raises ValueError for an unknown kind."""
    if kind not in OUTPUT_KINDS:
        raise ValueError(f"output must be one of {OUTPUT_KINDS}, got {kind!r}")
    return _RBF_OUTPUT if kind == "rbf" else LAYER["output"]


def layer_for(name: str, output: str = "linear") -> Layer:
    """`LAYER[name]`, with the output layer of the `output` kind. Raises KeyError, ValueError."""
    return output_layer(output) if name == "output" else LAYER[name]


C1_KERNELS_SHAPE = (LAYER["C1"].maps, KERNEL_SIZE, KERNEL_SIZE)  # (6, 5, 5)
NUM_CLASSES = LAYER["output"].units
