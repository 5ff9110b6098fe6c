"""One number format everywhere in the GUI: a dot for decimals and a comma between thousands
("10,000 images", "0.00050"), the format of every text the app writes with Python's own
formatting, whatever the system locale (a German desktop made the spin boxes say "10.000" and
"0,00050" beside "10,001" in the same dialog). Where users type a decimal number, both
separators are accepted: "0.001" and "0,001" are the same learning rate.
"""

from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QWidget

NUMBER_LOCALE = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


def use_number_format(*widgets: QWidget) -> None:
    """Give these widgets (spin boxes) the app's number format."""
    for widget in widgets:
        widget.setLocale(NUMBER_LOCALE)
        if isinstance(widget, QAbstractSpinBox):
            widget.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)


class DecimalSpinBox(QDoubleSpinBox):
    """A QDoubleSpinBox in the app's format that also takes a comma as the decimal point."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        use_number_format(self)

    def validate(self, text: str, pos: int) -> object:
        return super().validate(text.replace(",", "."), pos)

    def valueFromText(self, text: str) -> float:
        return super().valueFromText(text.replace(",", "."))

    def fixup(self, text: str) -> str:
        return super().fixup(text.replace(",", "."))
