"""Colours that stay readable in light and dark system themes.

Text colours come from the widget's palette (WindowText on Window); the app's own accents (the
sure/unsure blue and orange, the error red, the muted grey of secondary text) are shifted in
lightness against the actual background until they reach a contrast of 4.5:1, the WCAG 2.x
level for normal text (https://www.w3.org/TR/WCAG21/#contrast-minimum), using its relative
luminance formula. Painted views ask `ink(widget, role)` for every text colour they draw.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

MIN_CONTRAST = 4.5  # WCAG 2.x AA, normal text

# The app's own hues (as designed on a white background).
ACCENTS = {
    "sure": QColor(35, 110, 190),
    "unsure": QColor(190, 110, 10),
    "error": QColor(176, 0, 32),
    "highlight": QColor(230, 120, 0),
}
ROLES = ("text", "muted", *ACCENTS)


def relative_luminance(colour: QColor) -> float:
    """WCAG 2.x relative luminance of an sRGB colour, 0 (black) .. 1 (white)."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in (colour.redF(), colour.greenF(), colour.blueF()))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: QColor, b: QColor) -> float:
    """(L1 + 0.05) / (L2 + 0.05) with L1 the lighter: 1 (same) .. 21 (black on white)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def readable(colour: QColor, background: QColor, minimum: float = MIN_CONTRAST) -> QColor:
    """`colour`, made lighter or darker (same hue) until it reaches `minimum` on `background`."""
    if contrast_ratio(colour, background) >= minimum:
        return QColor(colour)
    dark_background = relative_luminance(background) < 0.18
    hue, sat, light, _alpha = colour.getHslF()
    hue = max(hue, 0.0)  # -1 for greys
    for step in range(1, 41):
        t = step / 40
        shifted = light + (1 - light) * t if dark_background else light * (1 - t)
        candidate = QColor.fromHslF(hue, sat, shifted, 1.0)
        if contrast_ratio(candidate, background) >= minimum:
            return candidate
    return QColor(255, 255, 255) if dark_background else QColor(0, 0, 0)


def background(widget: QWidget) -> QColor:
    return widget.palette().color(widget.backgroundRole())


def ink(widget: QWidget, role: str) -> QColor:
    """The colour to draw text of `role` (one of ROLES) with on `widget`'s background."""
    palette = widget.palette()
    ground = background(widget)
    if role == "text":
        return readable(palette.color(widget.foregroundRole()), ground)
    if role == "muted":  # secondary text: halfway to the background, then made readable
        text = palette.color(widget.foregroundRole())
        mixed = QColor(
            (text.red() + ground.red()) // 2,
            (text.green() + ground.green()) // 2,
            (text.blue() + ground.blue()) // 2,
        )
        return readable(mixed, ground)
    return readable(ACCENTS[role], ground)


def quiet_fill(widget: QWidget, amount: float = 0.1) -> QColor:
    """A fill just off the background (bar tracks, empty tiles): a mix towards the text."""
    text, ground = widget.palette().color(widget.foregroundRole()), background(widget)
    return QColor(
        round(ground.red() + (text.red() - ground.red()) * amount),
        round(ground.green() + (text.green() - ground.green()) * amount),
        round(ground.blue() + (text.blue() - ground.blue()) * amount),
    )


def css(colour: QColor) -> str:
    """For the rare style sheet: `color: #rrggbb;`."""
    return f"color: {colour.name()};"


def dark_palette() -> QPalette:
    """A dark palette like GTK's Adwaita dark, for trying and testing the app in a dark theme
    where the platform provides none (offscreen, CI)."""
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colours = {
        role.Window: QColor(0x24, 0x24, 0x24),
        role.WindowText: QColor(0xFF, 0xFF, 0xFF),
        role.Base: QColor(0x1E, 0x1E, 0x1E),
        role.AlternateBase: QColor(0x2A, 0x2A, 0x2A),
        role.Text: QColor(0xFF, 0xFF, 0xFF),
        role.Button: QColor(0x30, 0x30, 0x30),
        role.ButtonText: QColor(0xFF, 0xFF, 0xFF),
        role.Highlight: QColor(0x35, 0x84, 0xE4),
        role.HighlightedText: QColor(0xFF, 0xFF, 0xFF),
        role.ToolTipBase: QColor(0x30, 0x30, 0x30),
        role.ToolTipText: QColor(0xFF, 0xFF, 0xFF),
        role.PlaceholderText: QColor(0xA0, 0xA0, 0xA0),
        role.Link: QColor(0x78, 0xAE, 0xED),
        role.Light: QColor(0x40, 0x40, 0x40),
        role.Midlight: QColor(0x38, 0x38, 0x38),
        role.Mid: QColor(0x2C, 0x2C, 0x2C),
        role.Dark: QColor(0x18, 0x18, 0x18),
        role.Shadow: QColor(0x00, 0x00, 0x00),
    }
    for r, c in colours.items():
        p.setColor(r, c)
    for r in (role.WindowText, role.Text, role.ButtonText):
        p.setColor(group.Disabled, r, QColor(0x90, 0x90, 0x90))
    return p
