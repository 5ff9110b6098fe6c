"""Inside the network: every layer's activations for the current drawing, in one painted view.

About 260 maps and units are coloured in numpy and composed into one frame over a cached
background (labels, legend, connection table, frames), which is then drawn with a single call:
far cheaper than a widget, or even a draw call, per map. C1 and S2 tiles share columns (S2 map
i subsamples C1 map i), as do C3 and S4; between S2 and C3 sits the paper's connection table.
Hovering names a map, a position and its value and highlights what is connected; clicking
enlarges.
"""

from __future__ import annotations

import re

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleEvent,
    QFont,
    QFontMetricsF,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QScrollArea, QSizePolicy, QToolTip, QWidget

from ...network.architecture import C1_KERNELS_SHAPE, LAYER, LAYER_NAMES, MAP_LAYERS, output_layer
from .. import theme
from .colormap import SQUASH_LIMIT, gradient, lut_pixels
from .explanations import layer_title, layer_tooltip
from .map_layout import (
    F6_SHAPE,
    GAP,
    KERNELS,
    LABEL_W,
    LEGEND_H_ABOVE,
    Layout,
    Tile,
    compute_layout,
)

EMPTY = np.uint32(0xFFECEDF0)  # a tile with nothing to show yet


KEYBOARD_HELP = (
    "The feature maps of every layer. Arrow keys move over a map's cells and on to the next "
    "map, Page Up and Page Down jump a map, Enter enlarges it."
)


KEYS = (
    Qt.Key.Key_Left,
    Qt.Key.Key_Right,
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown,
    Qt.Key.Key_Return,
    Qt.Key.Key_Enter,
    Qt.Key.Key_Space,
)


class FeatureMapsView(QWidget):
    """The activations of C1, S2, C3, S4, C5, F6 and the output, with a legend."""

    map_clicked = Signal(str, int)  # layer name (or "C1 kernels"), map index

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._activations: dict[str, np.ndarray] | None = None
        self._kernels: np.ndarray | None = None  # C1_KERNELS_SHAPE, (6, 5, 5)
        self._table: tuple[tuple[int, ...], ...] | None = None
        self._output = "linear"  # the model's output layer: "linear" or "rbf"
        self._pixels: dict[str, np.ndarray] = {}  # layer -> (n, rows, cols) coloured uint32
        self._show_kernels = True
        self._message = "Loading the model…"
        self._hover: Tile | None = None
        self._layout = Layout()
        self._static: np.ndarray | None = None  # the background, device pixels, uint32
        self._frame: QImage | None = None  # background and maps, what paintEvent draws
        self._frame_pixels: np.ndarray | None = None  # the memory `_frame` shows
        self._cursor: tuple[int, int, int] | None = None  # keyboard: tile index, row, column
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Feature maps")
        self.setAccessibleDescription(KEYBOARD_HELP)
        self._relayout()

    # -- data --------------------------------------------------------------------------------

    def set_network(self, kernels: np.ndarray, c3_table, output: str = "linear") -> None:
        """What belongs to the model rather than to a drawing: C1's kernels, C3's table, the
        kind of its output layer ("linear" or "rbf", `LeNet5Config.output`)."""
        self._output = output
        self._kernels = np.asarray(kernels, dtype=np.float32).reshape(C1_KERNELS_SHAPE)
        self._table = tuple(tuple(t) for t in c3_table)
        self._pixels[KERNELS] = lut_pixels(self._kernels, float(np.abs(self._kernels).max()) or 1)
        self._relayout()

    def output_kind(self) -> str:
        """The output layer of the model shown: "linear" or "rbf"."""
        return self._output

    def set_activations(self, activations: dict[str, np.ndarray] | None, message: str = "") -> None:
        """Show one drawing's activations (layer name -> array), or none with a message."""
        self._activations = activations
        self._message = message
        for layer in LAYER_NAMES:
            self._pixels.pop(layer, None)
        if activations is not None:
            for layer in MAP_LAYERS:
                self._pixels[layer] = lut_pixels(activations[layer], SQUASH_LIMIT)
            self._colour_units()
        self._frame = None
        self._announce()
        self.update()

    def _colour_units(self) -> None:
        """C5 and F6 as grids of units (C5's grid depends on the layout), output as cells."""
        acts = self._activations
        self._pixels["C5"] = lut_pixels(acts["C5"].reshape(1, *self._layout.c5_shape), SQUASH_LIMIT)
        self._pixels["F6"] = lut_pixels(acts["F6"].reshape(1, *F6_SHAPE), SQUASH_LIMIT)
        logits = acts["output"]
        self._pixels["output"] = lut_pixels(logits.reshape(-1, 1, 1), float(np.abs(logits).max()))

    def activations(self) -> dict[str, np.ndarray] | None:
        return self._activations

    def set_show_kernels(self, show: bool) -> None:
        self._show_kernels = bool(show)
        self._relayout()

    def tiles(self) -> list[Tile]:
        return list(self._layout.tiles)

    def labels(self) -> list[tuple[str, QRectF]]:
        """(layer name, area) of each layer's title, where hovering shows its tooltip."""
        return list(self._layout.labels)

    # -- geometry ----------------------------------------------------------------------------

    def _relayout(self) -> None:
        shape = self._layout.c5_shape
        self._layout = compute_layout(
            self.width(), self.height(), self._show_kernels, self._table is not None
        )
        if self._layout.c5_shape != shape and self._activations is not None:
            self._colour_units()
        self.updateGeometry()
        self._invalidate()

    def minimumSizeHint(self) -> QSize:
        """The narrowest arrangement's width; the height follows from the width given
        (`heightForWidth`), so a scroll area scrolls down, not sideways."""
        narrowest = compute_layout(0, 0, self._show_kernels, self._table is not None)
        return QSize(narrowest.width, self.heightForWidth(max(self.width(), narrowest.width)))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        """The height of the lowest arrangement that fits `width` (see `compute_layout`)."""
        return compute_layout(width, 0, self._show_kernels, self._table is not None).height

    def sizeHint(self) -> QSize:
        return QSize(620, 640)

    def resizeEvent(self, event) -> None:
        self._relayout()
        super().resizeEvent(event)

    # -- painting ----------------------------------------------------------------------------

    def _value(self, tile: Tile, row: int, col: int) -> float | None:
        if tile.layer == KERNELS:
            return None if self._kernels is None else float(self._kernels[tile.index, row, col])
        if self._activations is None:
            return None
        act = self._activations[tile.layer]
        if tile.layer in MAP_LAYERS:
            return float(act[tile.index, row, col])
        if tile.layer == "output":
            return float(act[tile.index])
        return float(act[row * tile.shape[1] + col])

    def _related(self) -> set[tuple[str, int]]:
        """Tiles connected to the hovered one: C1 i <-> S2 i, S2 maps <-> the C3 maps they feed."""
        hover, table = self._hover, self._table
        if hover is None:
            return set()
        i = hover.index
        pairs = {
            KERNELS: [("C1", i), ("S2", i)],
            "C1": [(KERNELS, i), ("S2", i)],
            "S2": [("C1", i)] + [("C3", j) for j, t in enumerate(table or ()) if i in t],
            "C3": [("S4", i)] + [("S2", s) for s in (table[i] if table else ())],
            "S4": [("C3", i)],
        }
        return set(pairs.get(hover.layer, []))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawImage(0, 0, self._composed())
        if self.hasFocus():  # a visible focus: the widget's edge, and the keyboard's cell
            painter.setPen(QPen(theme.ink(self, "highlight"), 2))
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
            tiles = self._layout.tiles
            if self._cursor is not None and self._cursor[0] < len(tiles):
                index, row, col = self._cursor
                tile = tiles[index]
                rows, cols = tile.shape
                w, h = tile.rect.width() / cols, tile.rect.height() / rows
                cell = QRectF(tile.rect.left() + col * w, tile.rect.top() + row * h, w, h)
                painter.drawRect(cell.adjusted(-1, -1, 1, 1))
        if self._message:
            first = self._layout.first("C3")
            if first is not None:
                top, height = first.rect.top() - 2, first.rect.height() + 4
                x0 = self._layout.x0
                band = QRectF(x0, top, self.width() - x0, height)
                painter.fillRect(band, theme.background(self))
                painter.setPen(theme.ink(self, "muted"))
                painter.drawText(band, Qt.AlignmentFlag.AlignCenter, self._message)

    def _composed(self) -> QImage:
        """The background with every tile's pixels pasted in, nearest-neighbour, in numpy.

        Tiles of a layer share one size, so each layer is scaled in a single indexing step.
        """
        ratio = self.devicePixelRatioF()
        if self._frame is not None and self._frame.devicePixelRatio() == ratio:
            return self._frame
        frame = self._background(ratio).copy()
        height, width = frame.shape
        by_layer: dict[str, list[Tile]] = {}
        for tile in self._layout.tiles:
            by_layer.setdefault(tile.layer, []).append(tile)
        for layer, tiles in by_layer.items():
            r = tiles[0].rect
            w, h = round(r.width() * ratio), round(r.height() * ratio)
            pixels = self._pixels.get(layer)
            if pixels is not None:
                rows, cols = tiles[0].shape
                ys, xs = (np.arange(h) * rows) // h, (np.arange(w) * cols) // w
                pixels = pixels[:, ys][:, :, xs]  # (n, h, w) at display size
            for tile in tiles:
                x0, y0 = round(tile.rect.left() * ratio), round(tile.rect.top() * ratio)
                if x0 < 0 or y0 < 0 or x0 + w > width or y0 + h > height:
                    continue
                frame[y0 : y0 + h, x0 : x0 + w] = EMPTY if pixels is None else pixels[tile.index]
        image = QImage(frame.data, width, height, 4 * width, QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(ratio)
        self._frame, self._frame_pixels = image, frame  # the image uses the array's memory
        return image

    def _background(self, ratio: float) -> np.ndarray:
        """Everything that does not change while drawing, painted once per layout or hover."""
        size = QSize(max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio)))
        if self._static is None or self._static.shape != (size.height(), size.width()):
            image = QImage(size, QImage.Format.Format_RGB32)
            image.setDevicePixelRatio(ratio)
            image.fill(self.palette().window().color())
            painter = QPainter(image)
            painter.setFont(self.font())
            self._paint_static(painter)
            painter.end()
            bits = np.frombuffer(image.constBits(), np.uint32, count=size.width() * size.height())
            self._static = bits.reshape(size.height(), size.width()).copy()
        return self._static

    def _invalidate(self) -> None:
        self._static = None
        self._frame = None
        self.update()

    def _paint_static(self, painter: QPainter) -> None:
        self._paint_legend(painter)
        related = self._related()
        label_font = QFont(painter.font())
        label_font.setBold(True)
        small_font = QFont(painter.font())
        small_font.setPointSizeF(max(7.5, small_font.pointSizeF() * 0.85))
        top_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        for layer, rect in self._layout.labels:
            title, shape = layer_title(layer, self._output)
            painter.setFont(label_font)
            painter.setPen(theme.ink(self, "text"))
            painter.drawText(rect, top_left, title)
            painter.setFont(small_font)
            painter.setPen(theme.ink(self, "muted"))
            if self._layout.labels_above:  # one line: "C1  6 @ 28×28", the shape if it fits
                beside = QFontMetricsF(label_font).horizontalAdvance(title) + 8
                room = self.width() - rect.left() - beside
                if QFontMetricsF(small_font).horizontalAdvance(shape) <= room:
                    line = QRectF(rect.left() + beside, rect.top() + 1, room, rect.height())
                    painter.drawText(line, top_left, shape)
            else:
                painter.drawText(rect.adjusted(0, 15, 0, 0), top_left, shape)
        grid = QPen(theme.quiet_fill(self, 0.3), 1)
        painter.setFont(small_font)
        for tile in self._layout.tiles:  # frames just outside the tiles, so maps paint over none
            if tile is self._hover or (tile.layer, tile.index) in related:
                colour = theme.ink(self, "text" if tile is self._hover else "highlight")
                painter.setPen(QPen(colour, 2))
                painter.drawRect(tile.rect.adjusted(-1, -1, 1, 1))
            else:
                painter.setPen(grid)
                painter.drawRect(tile.rect.adjusted(-0.5, -0.5, 0.5, 0.5))
            if tile.layer == "output":
                painter.setPen(theme.ink(self, "text"))
                below = QRectF(tile.rect.left(), tile.rect.bottom() + 1, tile.rect.width(), 16)
                painter.drawText(below, Qt.AlignmentFlag.AlignHCenter, str(tile.index))
        if self._layout.table is not None:
            self._paint_table(painter)

    def _paint_legend(self, painter: QPainter) -> None:
        above = self._layout.labels_above  # narrow: the note below the bar, not beside it
        x0 = self._layout.x0
        top = 20.0 if above else 6.0
        room = self.width() - x0 - (14 if above else 200)
        bar = QRectF(x0, top, max(80.0 if above else 120.0, min(240.0, room)), 12)
        painter.fillRect(bar, gradient(bar.left(), bar.right()))
        painter.setPen(theme.quiet_fill(self, 0.4))
        painter.drawRect(bar)
        font = QFont(painter.font())
        font.setPointSizeF(max(7.5, font.pointSizeF() * 0.85))
        painter.setFont(font)
        painter.setPen(theme.ink(self, "text"))
        below = bar.bottom() + 2
        for x, text, align in (
            (bar.left(), f"−{SQUASH_LIMIT:.2f}", Qt.AlignmentFlag.AlignLeft),
            (bar.center().x() - 30, "0", Qt.AlignmentFlag.AlignHCenter),
            (bar.right() - 60, f"+{SQUASH_LIMIT:.2f}", Qt.AlignmentFlag.AlignRight),
        ):
            painter.drawText(QRectF(x, below, 60, 14), align, text)
        label = QRectF(0, 4, LABEL_W - 6, 34)
        painter.drawText(label, Qt.AlignmentFlag.AlignLeft, "Activation")
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        if above:  # below the bar, wrapped to the width
            note = QRectF(0, below + 16, self.width() - 4, LEGEND_H_ABOVE - below - 16)
            flags |= Qt.TextFlag.TextWordWrap
        else:
            note = QRectF(bar.right() + 12, 2, self.width() - bar.right() - 14, 34)
        value = output_layer(self._output).value_name
        text = f"C1–F6: the squashing range\noutput: ± the largest\u00a0|\u2060{value}|"
        painter.drawText(note, flags, text)

    def _paint_table(self, painter: QPainter) -> None:
        """A dot where S2 map i (row) feeds C3 map j (column), orange for the hovered map."""
        area, (cell_w, cell_h) = self._layout.table, self._layout.table_cell
        hover = self._hover
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        for j, sources in enumerate(self._table or ()):
            cx = area.left() + (j + 0.5) * cell_w - GAP / 2
            for i in range(6):
                on = i in sources
                lit = hover is not None and (
                    (hover.layer == "C3" and hover.index == j)
                    or (hover.layer == "S2" and hover.index == i)
                )
                colour = theme.ink(self, "highlight" if lit else "text")
                painter.setBrush(colour if on else theme.quiet_fill(self, 0.2))
                r = min(cell_h, cell_w) * (0.36 if on else 0.14)
                painter.drawEllipse(QPointF(cx, area.top() + (i + 0.5) * cell_h), r, r)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    # -- interaction -------------------------------------------------------------------------

    def tile_at(self, pos: QPointF) -> Tile | None:
        for tile in self._layout.tiles:
            if tile.rect.contains(pos):
                return tile
        return None

    def _table_cell_at(self, pos: QPointF) -> tuple[int, int] | None:
        area = self._layout.table
        if area is None or not area.contains(pos):
            return None
        cell_w, cell_h = self._layout.table_cell
        return int((pos.y() - area.top()) // cell_h), int((pos.x() - area.left()) // cell_w)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        tile = self.tile_at(pos)
        if tile is not self._hover:
            self._hover = tile
            self._invalidate()
        text = self._tooltip_at(pos, tile)
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()

    def _tooltip_at(self, pos: QPointF, tile: Tile | None) -> str:
        if tile is not None:
            rows, cols = tile.shape
            row = min(rows - 1, int((pos.y() - tile.rect.top()) / tile.rect.height() * rows))
            col = min(cols - 1, int((pos.x() - tile.rect.left()) / tile.rect.width() * cols))
            return self._describe(tile, row, col)
        cell = self._table_cell_at(pos)
        if cell is not None and self._table is not None:
            s2, c3 = cell
            if 0 <= s2 < 6 and 0 <= c3 < 16:
                feeds = "feeds" if s2 in self._table[c3] else "does not feed"
                inputs = ", ".join(map(str, self._table[c3]))
                return f"S2 map {s2} {feeds} C3 map {c3}<br>C3 map {c3} sees S2 maps {inputs}"
        for layer, rect in self._layout.labels:
            if rect.contains(pos):
                return layer_tooltip(layer, self._output)
        return ""

    def _describe(self, tile: Tile, row: int, col: int) -> str:
        value = self._value(tile, row, col)
        shown = "" if value is None else f": <b>{value:+.3f}</b>"
        if tile.layer == KERNELS:
            return f"C1 kernel {tile.index}, row {row}, column {col}{shown}<br>click to enlarge"
        if tile.layer in MAP_LAYERS:
            extra = ""
            if tile.layer == "C3" and self._table is not None:
                extra = "<br>fed by S2 maps " + ", ".join(map(str, self._table[tile.index]))
            return (
                f"{tile.layer} map {tile.index}, row {row}, column {col}{shown}{extra}"
                "<br>click to enlarge"
            )
        if tile.layer == "output":
            value = output_layer(self._output).value_name
            return f"output unit {tile.index} (digit {tile.index}), {value}{shown}"
        unit = row * tile.shape[1] + col
        grid = LAYER[tile.layer].grid
        where = f" (row {row}, column {col} of the {grid[1]}×{grid[0]} image)" if grid else ""
        return f"{tile.layer} unit {unit}{where}{shown}<br>click to enlarge"

    def mousePressEvent(self, event: QMouseEvent) -> None:
        tile = self.tile_at(event.position())
        if tile is not None and event.button() == Qt.MouseButton.LeftButton:
            index = tile.index if tile.layer != "output" else 0
            self.map_clicked.emit(tile.layer, index)

    def leaveEvent(self, event) -> None:
        if self._cursor is None:
            self._hover = None
            self._invalidate()
        super().leaveEvent(event)

    # -- keyboard ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrows move over the cells of a map and on to the next map; Page Up/Down jump a
        map; Enter or Space enlarges it. The value under the cursor is the accessible
        description (what a screen reader reads) and a tooltip."""
        tiles = self._layout.tiles
        key = event.key()
        moves = {Qt.Key.Key_Left: (0, -1), Qt.Key.Key_Right: (0, 1),
                 Qt.Key.Key_Up: (-1, 0), Qt.Key.Key_Down: (1, 0)}  # fmt: skip
        pages = (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)
        enlarge = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
        if not tiles or key not in (*moves, *pages, *enlarge):
            super().keyPressEvent(event)
            return
        index, row, col = self._cursor if self._cursor is not None else (0, 0, 0)
        index = min(index, len(tiles) - 1)
        rows, cols = tiles[index].shape
        if key in enlarge:
            tile = tiles[index]
            self.map_clicked.emit(tile.layer, tile.index if tile.layer != "output" else 0)
            return
        if key in pages:
            index = (index + (1 if key == Qt.Key.Key_PageDown else -1)) % len(tiles)
            row = col = 0
        elif self._cursor is not None:
            d_row, d_col = moves[key]
            row, col = row + d_row, col + d_col
            if not (0 <= row < rows and 0 <= col < cols):  # off the edge: the next map
                index = (index + (1 if d_row + d_col > 0 else -1)) % len(tiles)
                rows, cols = tiles[index].shape
                row = min(max(row, 0), rows - 1) if d_row == 0 else (0 if d_row > 0 else rows - 1)
                col = min(max(col, 0), cols - 1) if d_col == 0 else (0 if d_col > 0 else cols - 1)
        self._cursor = (index, row, col)
        self._hover = tiles[index]
        self._invalidate()
        self._announce()
        rect = tiles[index].rect
        self.ensure_visible(rect)
        where = self.mapToGlobal(rect.bottomLeft().toPoint())
        QToolTip.showText(where, self._describe(tiles[index], row, col), self)

    def ensure_visible(self, rect: QRectF) -> None:
        """Scroll an enclosing scroll area so the keyboard's map is in view."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if parent is not None:
            centre = rect.center().toPoint()
            parent.ensureVisible(centre.x(), centre.y(), int(rect.width()), int(rect.height()))

    def event(self, event) -> bool:
        """The keys of the map cursor are this view's while it has the focus, even where the
        window has a shortcut for them (Enter labels a typed number there)."""
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in KEYS:
            event.accept()
            return True
        return super().event(event)

    def focusInEvent(self, event) -> None:
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:
        self._cursor = None
        self._hover = None
        self._invalidate()
        super().focusOutEvent(event)

    def _announce(self) -> None:
        """The cell under the keyboard cursor as plain text, for screen readers."""
        tiles = self._layout.tiles
        if self._cursor is None or self._cursor[0] >= len(tiles):
            text = KEYBOARD_HELP
        else:
            index, row, col = self._cursor
            text = re.sub(r"<br>", "; ", self._describe(tiles[index], row, col))
            text = re.sub(r"<[^>]+>", "", text)
        if text != self.accessibleDescription():
            self.setAccessibleDescription(text)
            QAccessible.updateAccessibility(
                QAccessibleEvent(self, QAccessible.Event.DescriptionChanged)
            )

    def cursor_text(self) -> str:
        """What the keyboard cursor reads now (the accessible description)."""
        return self.accessibleDescription()
