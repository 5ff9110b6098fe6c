"""LeNet-5's layout as data, without torch: the model builds on it, and the GUI labels and
explains its views with it before torch has even been imported."""

# Which S2 maps feed each C3 map (paper, Table I).
C3_TABLE: tuple[tuple[int, ...], ...] = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 0), (5, 0, 1),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 0), (4, 5, 0, 1), (5, 0, 1, 2),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5),
    (0, 1, 2, 3, 4, 5),
)  # fmt: skip

LAYER_NAMES = ("C1", "S2", "C3", "S4", "C5", "F6", "output")

# What each layer does, for `info` and for the GUI's tooltips.
LAYER_DESCRIPTIONS = {
    "C1": "6 convolutions 5x5 over the 32x32 input, then the squashing function",
    "S2": "each 2x2 block summed, times one trainable weight per map, plus a bias, then squashed",
    "C3": "16 convolutions 5x5, each over the S2 maps that the connection table names",
    "S4": "as S2: trainable 2x2 subsampling of each C3 map",
    "C5": "120 convolutions 5x5 over all 16 S4 maps; its output is 1x1, a full layer in effect",
    "F6": "84 fully connected units (the paper compares them to 7x12 digit prototypes)",
    "output": "10 class scores (a linear layer; softmax gives the probabilities)",
}
