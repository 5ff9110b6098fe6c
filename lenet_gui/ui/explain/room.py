"""Room for the Explain dock beside the main window's three columns (canvas, prediction, maps).

When the dock (at its minimum width) and the columns do not all fit side by side without a
scroll bar, columns give way to the dock, the maps panel first, then the prediction panel; the
canvas, with the heatmap over it, always stays. They come back as soon as the window is wide
enough again, or the dock is closed, floated or docked at the top or bottom. The dock itself
may widen only as far as the columns shown leave room, so none of them scrolls sideways.

At 1280x800 all three columns stay beside the dock; at 800x600 the dock is shown in place of
the maps panel, and at 640x480 in place of the maps and the prediction panels.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QStyle

UNLIMITED = 16_777_215  # QWIDGETSIZE_MAX: no maximum width
SIDES = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)


class DockRoom(QObject):
    """Keeps `dock` and the columns of `window.splitter` side by side without sideways
    scrolling (see the module's docstring). The columns are the splitter's widgets: the
    canvas's, `window.prediction_panel` and the maps panel (holding `window.feature_view`)."""

    def __init__(self, window, dock) -> None:
        super().__init__(window)
        self.window = window
        self.dock = dock
        splitter = window.splitter
        self.canvas_column = splitter.widget(0)
        self.maps_column = splitter.widget(2)
        # The columns that give way to the dock, the first first.
        self.yielding = (self.maps_column, window.prediction_panel)
        window.installEventFilter(self)
        dock.visibilityChanged.connect(self._on_dock_changed)
        dock.topLevelChanged.connect(self._on_dock_changed)
        dock.dockLocationChanged.connect(self._on_dock_changed)

    def hidden_columns(self) -> list:
        """The columns the dock is shown in place of now."""
        return [column for column in self.yielding if column.isHidden()]

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Resize:
            self.fit()
        elif watched is self.window and event.type() == QEvent.Type.Close:
            self._show_columns(self.yielding)  # the splitter's saved state keeps their sizes
        return False

    def _on_dock_changed(self, *_args) -> None:
        before = self.hidden_columns()
        self.fit()
        hidden = self.hidden_columns()
        if hidden and hidden != before and self.dock.isVisible():
            names = " and the ".join(
                "maps" if column is self.maps_column else "prediction" for column in hidden
            )
            # Short enough to fit beside the model's name at 800x600 (the longer "...: the
            # window is too narrow for both" was cut to "... too narrow f…" there).
            self.window.statusBar().showMessage(
                f"Explain shown in place of the {names} (X closes it)", 8000
            )

    def fit(self) -> None:
        """Hide the columns that leave the dock no room, show the others, and limit the dock's
        width to what the columns shown leave."""
        self._keep_maps_unscrolled()
        beside = (
            self.dock.isVisible()
            and not self.dock.isFloating()
            and self.window.dockWidgetArea(self.dock) in SIDES
        )
        if not beside:
            self._show_columns(self.yielding)
            self.dock.setMaximumWidth(UNLIMITED)
            return
        style = self.window.style()
        separator = style.pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent)
        # The central area may scroll down (a short screen): its scroll bar takes room too.
        room = self.window.width() - separator - _scroll_bar(style)
        shown = [self.canvas_column, *self.yielding[::-1]]  # canvas, prediction, maps
        dock_minimum = self.dock.minimumSizeHint().width()
        while len(shown) > 1 and self._needed(shown) + dock_minimum > room:
            shown.pop()  # the last of the yielding columns still shown
        self._show_columns([c for c in self.yielding if c in shown])
        for column in self.yielding:
            if column not in shown:
                column.hide()
        self.dock.setMaximumWidth(max(dock_minimum, room - self._needed(shown)))

    def _needed(self, columns) -> int:
        """The width the columns need side by side, none of them scrolling sideways (px)."""
        total = self.window.splitter.handleWidth() * (len(columns) - 1)
        return total + sum(
            max(column.minimumWidth(), column.minimumSizeHint().width()) for column in columns
        )

    def _keep_maps_unscrolled(self) -> None:
        """The maps panel's minimum: its maps' narrowest arrangement beside a scroll bar (the
        splitter would squeeze it below that, into a sideways scroll, to keep the others)."""
        column = self.maps_column
        margins = column.layout().contentsMargins()
        width = self.window.feature_view.minimumSizeHint().width() + _scroll_bar(column.style())
        width += margins.left() + margins.right()
        if column.minimumWidth() != width:
            column.setMinimumWidth(width)

    def _show_columns(self, columns) -> None:
        for column in columns:
            if column.isHidden():
                column.show()


def _scroll_bar(style) -> int:
    return style.pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
