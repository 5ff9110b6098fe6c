"""Where every map and unit of the feature-map view goes: pure geometry, no painting.

Many arrangements are tried (tile sizes, C3/S4 in one row of 16 or two of 8) and the one that
shows the most pixels while fitting the view is kept. Tile sizes are whole multiples of the map
sizes (28 for C1/S2, 10 for C3/S4), so every activation is a crisp square of whole pixels.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field

from PySide6.QtCore import QRectF

from ...network.architecture import C1_KERNELS_SHAPE, LAYER
from .explanations import KERNELS, TABLE

LABEL_W = 70  # the column of layer names
GAP = 4  # between tiles
ROW_GAP = 8  # between layers
LEGEND_H = 42
LEGEND_H_ABOVE = 104  # narrow: the legend's note goes below its colour bar, wrapped
NAME_LINE = 18  # narrow: the line above a row that names its layer
F6_SHAPE = LAYER["F6"].grid  # F6's 84 units as the paper's 7x12 prototype bitmaps

_C1, _S2, _C3, _S4, _C5, _OUT = (LAYER[n] for n in ("C1", "S2", "C3", "S4", "C5", "output"))
C1_TILES = tuple(k * _C1.map_shape[0] for k in (4, 3, 2, 1))  # 112, 84, 56, 28
C3_TILES = tuple(k * _C3.map_shape[0] for k in (6, 5, 4, 3, 2))  # 60, 50, 40, 30, 20
C3_COLUMNS = (_C3.maps, _C3.maps // 2)  # one row of 16, or two of 8


@dataclass
class Tile:
    """One painted array: a map, a kernel, or a grid of units (C5, F6, an output unit)."""

    layer: str
    index: int
    rect: QRectF
    shape: tuple[int, int]  # rows, columns shown


@dataclass
class Layout:
    tiles: list[Tile] = field(default_factory=list)
    labels: list[tuple[str, QRectF]] = field(default_factory=list)  # layer name, label area
    table: QRectF | None = None  # the C3 connection table's dots
    table_cell: tuple[float, float] = (0.0, 0.0)  # width, height of one table cell
    c5_shape: tuple[int, int] = (4, 30)  # C5's units as rows x columns (set by `arrange`)
    labels_above: bool = False  # a layer's name above its row (narrow), not in a column beside
    x0: float = LABEL_W  # where the tiles' column starts
    width: int = 0
    height: int = 0
    shown_area: float = 0.0  # pixels of maps and units, to compare arrangements

    def first(self, layer: str) -> Tile | None:
        return next((t for t in self.tiles if t.layer == layer), None)


# The forms tried, as (C3/S4 maps a row, C1/S2 maps a row, names above the rows): the usual
# ones, and for a narrow view (a small window) three C1/S2 maps a row, four C3/S4, names above.
USUAL_FORMS = tuple((c3, _C1.maps, False) for c3 in C3_COLUMNS)
NARROW_FORMS = tuple(
    (c3, c1, True) for c1 in (_C1.maps, _C1.maps // 2) for c3 in (*C3_COLUMNS, _C3.maps // 4)
)


@functools.cache
def _candidates(forms: tuple, show_kernels: bool, table: bool) -> tuple[Layout, ...]:
    """Every arrangement of these forms and tile sizes (shared: read them, never change them)."""
    return tuple(
        arrange(t1, t3, c3, c1, show_kernels, table, above)
        for c3, c1, above in forms
        for t1, t3 in itertools.product(C1_TILES, C3_TILES)
    )


def compute_layout(width: int, height: int, show_kernels: bool, table: bool) -> Layout:
    """The arrangement showing the most that fits in width x height.

    The usual forms (names in a column beside the rows) come first; the narrow ones only when
    none of those fits. When nothing fits both ways, the view scrolls vertically, never
    sideways if it can help it: the lowest arrangement that fits the width, else the narrowest.
    """
    usual = _candidates(USUAL_FORMS, show_kernels, table)
    everything = usual + _candidates(NARROW_FORMS, show_kernels, table)
    for candidates in (usual, everything):
        fitting = [x for x in candidates if x.width <= width and x.height <= height]
        if fitting:
            return max(fitting, key=lambda x: x.shown_area)
    in_width = [x for x in everything if x.width <= width]
    if in_width:
        return min(in_width, key=lambda x: (x.height, -x.shown_area))
    return min(everything, key=lambda x: (x.width, x.height))


@functools.cache  # 200 arrangements at most; each resize tried them all
def arrange(
    t1: int,
    t3: int,
    columns: int,
    c1_columns: int,
    show_kernels: bool,
    table: bool,
    labels_above: bool = False,
) -> Layout:
    """C1/S2 tiles of t1 pixels in rows of `c1_columns`, C3/S4 tiles of t3 in rows of
    `columns`; layer names beside the rows, or above them (`labels_above`, for narrow views).
    The result is shared between callers (cached): read it, never change it."""
    layout = Layout(labels_above=labels_above)
    x0 = 0.0 if labels_above else float(LABEL_W)
    layout.x0 = x0
    y = float(LEGEND_H_ABOVE if labels_above else LEGEND_H)
    c3_block = columns * (t3 + GAP)

    def label(layer: str, h: float, width: float) -> None:
        """The layer's name: beside a row `h` high, or on a line of its own above it."""
        nonlocal y
        if labels_above:
            layout.labels.append((layer, QRectF(0, y, max(width, LABEL_W), NAME_LINE)))
            y += NAME_LINE
        else:
            layout.labels.append((layer, QRectF(0, y, LABEL_W - 6, h)))

    def row(layer: str, count: int, size: tuple[float, float], shape, step: float, per_row: int):
        nonlocal y
        tile_w, tile_h = size
        lines = -(-count // per_row)
        h = lines * tile_h + (lines - 1) * GAP
        if not labels_above:
            h = max(h, 32)
        label(layer, h, per_row * step)
        for i in range(count):
            r, c = divmod(i, per_row)
            rect = QRectF(
                x0 + c * step + (step - GAP - tile_w) / 2, y + r * (tile_h + GAP), tile_w, tile_h
            )
            layout.tiles.append(Tile(layer, i, rect, shape))
            layout.shown_area += tile_w * tile_h
        y += h + ROW_GAP

    if show_kernels:
        kernel = C1_KERNELS_SHAPE[1]
        k = max(20, t1 // 2 - (t1 // 2) % kernel)
        row(KERNELS, _C1.maps, (k, k), C1_KERNELS_SHAPE[1:], t1 + GAP, c1_columns)
    row("C1", _C1.maps, (t1, t1), _C1.map_shape, t1 + GAP, c1_columns)
    row("S2", _S2.maps, (t1, t1), _S2.map_shape, t1 + GAP, c1_columns)
    if table:  # rows: S2 maps, columns: C3 maps
        cell_w, cell_h = c3_block / _C3.maps, max(6.0, min(10.0, t3 / 4))
        table_h = _S2.maps * cell_h
        if labels_above:
            label(TABLE, table_h, c3_block)
        else:
            layout.labels.append((TABLE, QRectF(0, y, LABEL_W - 6, max(table_h, 30))))
            table_h = max(table_h, 30)
        layout.table = QRectF(x0, y, _C3.maps * cell_w, _S2.maps * cell_h)
        layout.table_cell = (cell_w, cell_h)
        y += table_h + ROW_GAP
    row("C3", _C3.maps, (t3, t3), _C3.map_shape, t3 + GAP, columns)
    row("S4", _S4.maps, (t3, t3), _S4.map_shape, t3 + GAP, columns)
    c5_cols = {16: 30, 8: 24}.get(columns, 12)  # divisors of C5's 120 units
    c5 = max(6, min(18, c3_block // c5_cols))
    layout.c5_shape = (_C5.units // c5_cols, c5_cols)
    row("C5", 1, (c5_cols * c5, layout.c5_shape[0] * c5), layout.c5_shape, c5_cols * c5 + GAP, 1)
    c6 = max(5, min(10, t3 // 5))
    f6_w, f6_h = F6_SHAPE[1] * c6, F6_SHAPE[0] * c6
    out = max(22, min(44, t3 - 4 if columns == _C3.maps else t3 // 2 + 8))
    if labels_above:  # F6, then the output units below it in rows of five
        label("F6", f6_h, f6_w)
        layout.tiles.append(Tile("F6", 0, QRectF(x0, y, f6_w, f6_h), F6_SHAPE))
        y += f6_h + ROW_GAP
        per_row = _OUT.units // 2
        label("output", out, per_row * (out + GAP))
        for i in range(_OUT.units):
            r, c = divmod(i, per_row)
            rect = QRectF(x0 + c * (out + GAP), y + r * (out + 18), out, out)
            layout.tiles.append(Tile("output", i, rect, (1, 1)))
        y += 2 * (out + 18) + 4
        out_right = per_row * (out + GAP)
    else:  # F6 (a 7x12 image) and the output units share the last row.
        layout.labels.append(("F6", QRectF(0, y, LABEL_W - 6, 32)))
        layout.tiles.append(Tile("F6", 0, QRectF(x0, y, f6_w, f6_h), F6_SHAPE))
        out_x = x0 + f6_w + 4 * GAP
        out_y = y + max(34.0, (f6_h - out - 16) / 2)  # below its label, level with F6's middle
        layout.labels.append(("output", QRectF(out_x, out_y - 34, _OUT.units * (out + GAP), 32)))
        for i in range(_OUT.units):
            rect = QRectF(out_x + i * (out + GAP), out_y, out, out)
            layout.tiles.append(Tile("output", i, rect, (1, 1)))
        y += max(f6_h, out_y - y + out + 18) + 4
        out_right = out_x - x0 + _OUT.units * (out + GAP)
    widest = max(c1_columns * (t1 + GAP), c3_block, c5_cols * c5, f6_w, out_right)
    layout.width = int(x0 + widest + 4)
    layout.height = int(y)
    return layout
