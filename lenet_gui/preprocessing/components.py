"""Connected components of an ink mask, and which of them make up the digit.

A digit is the ink that belongs together: its strokes touch, or sit close to each other (a 5's
flag, a 7's bar). Dust, a speck or a stray mark far away is not part of it. Components are found
by run-length labelling (each row's runs of ink, joined to the touching runs of the row above
with a union-find; 8-connectivity), which costs a few hundred Python steps for a digit, not one
per pixel. `ink_components` is the general tool (several digits side by side are several
components); `digit_components` picks one digit's ink.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Component:
    """One connected piece of ink: its pixel count and bounding box (rows top..bottom-1,
    columns left..right-1), and its runs as (row, start, stop) for building a mask."""

    area: int
    top: int
    left: int
    bottom: int
    right: int
    runs: tuple[tuple[int, int, int], ...]

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def width(self) -> int:
        return self.right - self.left

    def gap_to(self, top: int, left: int, bottom: int, right: int) -> int:
        """Chebyshev distance in pixels from this box to another box (0 when they overlap)."""
        dy = max(top - self.bottom, self.top - bottom, 0)
        dx = max(left - self.right, self.left - right, 0)
        return max(dy, dx)


def _row_runs(mask: np.ndarray) -> list[tuple[int, int, int]]:
    """(row, start, stop) of every horizontal run of True, row by row."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    edges = np.diff(padded, axis=1)
    rows_s, starts = np.nonzero(edges == 1)
    stops = np.nonzero(edges == -1)[1]
    return list(zip(rows_s.tolist(), starts.tolist(), stops.tolist(), strict=True))


def ink_components(mask: np.ndarray) -> list[Component]:
    """The 8-connected components of a 2-D boolean mask, largest first."""
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"expected a 2-D mask, got shape {mask.shape}")
    runs = _row_runs(mask)
    parent = list(range(len(runs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    previous: list[int] = []  # run indices of the row above
    current: list[int] = []
    row = -1
    for i, (r, start, stop) in enumerate(runs):
        if r != row:
            previous = current if r == row + 1 else []
            current, row = [], r
        for j in previous:
            _, s, e = runs[j]
            if s <= stop and e >= start:  # touching, diagonals included (8-connectivity)
                a, b = find(i), find(j)
                if a != b:
                    parent[a] = b
        current.append(i)
    groups: dict[int, list[tuple[int, int, int]]] = {}
    for i, run in enumerate(runs):
        groups.setdefault(find(i), []).append(run)
    components = []
    for members in groups.values():
        rows = [r for r, _, _ in members]
        components.append(
            Component(
                area=sum(e - s for _, s, e in members),
                top=min(rows),
                left=min(s for _, s, _ in members),
                bottom=max(rows) + 1,
                right=max(e for _, _, e in members),
                runs=tuple(members),
            )
        )
    components.sort(key=lambda c: c.area, reverse=True)
    return components


# A piece of ink belongs to the digit when it is at least this share of the largest piece's
# area (a 7's bar, a 5's flag), or lies within this share of the digit's size from it.
KEEP_AREA_SHARE = 0.2
KEEP_GAP_SHARE = 0.3


def digit_components(components: list[Component]) -> list[Component]:
    """The components that make up one digit: the largest, and every other one that is large
    or close to it (growing the box as pieces join); far small marks (dust) are left out."""
    if not components:
        return []
    main = components[0]
    kept = [main]
    box = [main.top, main.left, main.bottom, main.right]
    rest = list(components[1:])
    changed = True
    while changed:
        changed = False
        size = max(box[2] - box[0], box[3] - box[1])
        for c in list(rest):
            near = c.gap_to(*box) <= KEEP_GAP_SHARE * size
            if (c.area >= KEEP_AREA_SHARE * main.area and c.gap_to(*box) <= size) or near:
                kept.append(c)
                rest.remove(c)
                box = [
                    min(box[0], c.top),
                    min(box[1], c.left),
                    max(box[2], c.bottom),
                    max(box[3], c.right),
                ]
                changed = True
    return kept


def components_mask(shape: tuple[int, int], components: list[Component]) -> np.ndarray:
    """A boolean mask of `shape` with the pixels of `components` set."""
    mask = np.zeros(shape, dtype=bool)
    for c in components:
        for r, s, e in c.runs:
            mask[r, s:e] = True
    return mask
