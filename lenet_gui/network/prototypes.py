"""The paper's output-layer prototypes: a 7x12 bitmap of each digit in a stylised font.

LeCun et al. (1998), section II.B and Fig. 3: each output unit of LeNet-5 is a Euclidean RBF
unit that compares F6's 84 values with a FIXED vector of +1 and -1, "designed to represent a
stylized image of the corresponding character class drawn on a 7x12 bitmap". The paper prints
its bitmaps but not their values, so these are drawn here in the same spirit: one-pixel
strokes on 7 columns and 12 rows, blank top and bottom rows, +1 for ink and -1 for paper.
Digits that look alike still differ in at least 6 of the 84 pixels (3 and 8; a squared
distance of 24 between their prototypes).

Plain numpy, so the GUI can paint them before torch is imported.
"""

from __future__ import annotations

import numpy as np

ROWS, COLUMNS = 12, 7  # F6's 84 units, row by row, as the GUI shows them

_BITMAPS = (
    """
    .......
    ..###..
    .#...#.
    #.....#
    #.....#
    #.....#
    #.....#
    #.....#
    #.....#
    .#...#.
    ..###..
    .......
    """,
    """
    .......
    ...#...
    ..##...
    .#.#...
    ...#...
    ...#...
    ...#...
    ...#...
    ...#...
    ...#...
    .#####.
    .......
    """,
    """
    .......
    .#####.
    #.....#
    ......#
    ......#
    .....#.
    ...##..
    ..#....
    .#.....
    #......
    #######
    .......
    """,
    """
    .......
    .#####.
    #.....#
    ......#
    ......#
    ..####.
    ......#
    ......#
    ......#
    #.....#
    .#####.
    .......
    """,
    """
    .......
    ....##.
    ...#.#.
    ..#..#.
    .#...#.
    #....#.
    #######
    .....#.
    .....#.
    .....#.
    .....#.
    .......
    """,
    """
    .......
    #######
    #......
    #......
    ######.
    ......#
    ......#
    ......#
    ......#
    #.....#
    .#####.
    .......
    """,
    """
    .......
    ..####.
    .#.....
    #......
    #......
    ######.
    #.....#
    #.....#
    #.....#
    #.....#
    .#####.
    .......
    """,
    """
    .......
    #######
    ......#
    .....#.
    .....#.
    ....#..
    ....#..
    ...#...
    ...#...
    ..#....
    ..#....
    .......
    """,
    """
    .......
    .#####.
    #.....#
    #.....#
    #.....#
    .#####.
    #.....#
    #.....#
    #.....#
    #.....#
    .#####.
    .......
    """,
    """
    .......
    .#####.
    #.....#
    #.....#
    #.....#
    #.....#
    .######
    ......#
    ......#
    .....#.
    .####..
    .......
    """,
)


def _parse(bitmap: str) -> np.ndarray:
    rows = [line.strip() for line in bitmap.strip().splitlines()]
    if len(rows) != ROWS or any(len(r) != COLUMNS for r in rows):
        raise ValueError(f"a prototype must be {ROWS} rows of {COLUMNS} characters")
    return np.array([[1.0 if c == "#" else -1.0 for c in r] for r in rows], dtype=np.float32)


# (10, 12, 7): prototype of digit d, +1 ink, -1 paper; reshape to (10, 84) for the RBF units.
PROTOTYPES: np.ndarray = np.stack([_parse(b) for b in _BITMAPS])
PROTOTYPES.setflags(write=False)
