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

from ...architecture import C1_KERNELS_SHAPE, LAYER
from .explanations import KERNELS, TABLE

LABEL_W = 70  # the column of layer names
GAP = 4  # between tiles
ROW_GAP = 8  # between layers
LEGEND_H = 42
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
    width: int = 0
    height: int = 0
    shown_area: float = 0.0  # pixels of maps and units, to compare arrangements

    def first(self, layer: str) -> Tile | None:
        return next((t for t in self.tiles if t.layer == layer), None)


def compute_layout(width: int, height: int, show_kernels: bool, table: bool) -> Layout:
    """The arrangement showing the most that fits in width x height (else the smallest one)."""
    best = None
    smallest = None
    for t1, t3, columns in itertools.product(C1_TILES, C3_TILES, C3_COLUMNS):
        layout = arrange(t1, t3, columns, show_kernels, table)
        if smallest is None or layout.width * layout.height < smallest.width * smallest.height:
            smallest = layout
        fits = layout.width <= width and layout.height <= height
        if fits and (best is None or layout.shown_area > best.shown_area):
            best = layout
    return best or smallest


@functools.cache  # 80 arrangements at most; each resize tried them all
def arrange(t1: int, t3: int, columns: int, show_kernels: bool, table: bool) -> Layout:
    """C1/S2 tiles of t1 pixels, C3/S4 tiles of t3 in rows of `columns`. The result is shared
    between callers (cached): read it, never change it."""
    layout = Layout()
    x0 = LABEL_W
    y = float(LEGEND_H)
    c3_block = columns * (t3 + GAP)

    def row(layer: str, count: int, size: tuple[float, float], shape, step: float, per_row: int):
        nonlocal y
        tile_w, tile_h = size
        lines = -(-count // per_row)
        h = max(lines * tile_h + (lines - 1) * GAP, 32)
        layout.labels.append((layer, QRectF(0, y, LABEL_W - 6, h)))
        for i in range(count):
            r, c = divmod(i, per_row)
            rect = QRectF(
                x0 + c * step + (step - GAP - tile_w) / 2, y + r * (tile_h + GAP), tile_w, tile_h
            )
            layout.tiles.append(Tile(layer, i, rect, shape))
            layout.shown_area += tile_w * tile_h
        y += h + ROW_GAP

    per_row = _C1.maps  # C1, S2 and the kernels: one row
    if show_kernels:
        kernel = C1_KERNELS_SHAPE[1]
        k = max(20, t1 // 2 - (t1 // 2) % kernel)
        row(KERNELS, per_row, (k, k), C1_KERNELS_SHAPE[1:], t1 + GAP, per_row)
    row("C1", _C1.maps, (t1, t1), _C1.map_shape, t1 + GAP, per_row)
    row("S2", _S2.maps, (t1, t1), _S2.map_shape, t1 + GAP, per_row)
    if table:  # rows: S2 maps, columns: C3 maps
        cell_w, cell_h = c3_block / _C3.maps, max(6.0, min(10.0, t3 / 4))
        table_h = _S2.maps * cell_h
        layout.labels.append((TABLE, QRectF(0, y, LABEL_W - 6, max(table_h, 30))))
        layout.table = QRectF(x0, y, _C3.maps * cell_w, table_h)
        layout.table_cell = (cell_w, cell_h)
        y += max(table_h, 30) + ROW_GAP
    row("C3", _C3.maps, (t3, t3), _C3.map_shape, t3 + GAP, columns)
    row("S4", _S4.maps, (t3, t3), _S4.map_shape, t3 + GAP, columns)
    c5_cols = 30 if columns == _C3.maps else 24  # divisors of C5's 120 units
    c5 = max(6, min(18, c3_block // c5_cols))
    layout.c5_shape = (_C5.units // c5_cols, c5_cols)
    row("C5", 1, (c5_cols * c5, layout.c5_shape[0] * c5), layout.c5_shape, c5_cols * c5 + GAP, 1)
    # F6 (a 7x12 image) and the output units share the last row.
    c6 = max(5, min(10, t3 // 5))
    f6_w, f6_h = F6_SHAPE[1] * c6, F6_SHAPE[0] * c6
    layout.labels.append(("F6", QRectF(0, y, LABEL_W - 6, 32)))
    layout.tiles.append(Tile("F6", 0, QRectF(x0, y, f6_w, f6_h), F6_SHAPE))
    out = max(22, min(44, t3 - 4 if columns == _C3.maps else t3 // 2 + 8))
    out_x = x0 + f6_w + 4 * GAP
    out_y = y + max(34.0, (f6_h - out - 16) / 2)  # below its label, level with F6's middle
    layout.labels.append(("output", QRectF(out_x, out_y - 34, _OUT.units * (out + GAP), 32)))
    for i in range(_OUT.units):
        rect = QRectF(out_x + i * (out + GAP), out_y, out, out)
        layout.tiles.append(Tile("output", i, rect, (1, 1)))
    y += max(f6_h, out_y - y + out + 18) + 4
    out_w = _OUT.units * (out + GAP)
    widest = max(per_row * (t1 + GAP), c3_block, c5_cols * c5, out_x - x0 + out_w)
    layout.width = int(x0 + widest + 4)
    layout.height = int(y)
    return layout
