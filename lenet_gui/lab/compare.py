"""Two models on the same drawing: each one's reading and activations, and the difference of
every layer's maps (second minus first), e.g. before and after fine-tuning on your handwriting.

Both models read the same prepared input (`preprocess`), through `inference.inspect`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..network.architecture import LAYER_NAMES
from ..network.model import LeNet5
from ..preprocessing.preprocess import PreparedInput
from ..reading.inference import Inspection, inspect
from ..reading.verdict_words import short_reading


@dataclass(frozen=True)
class Comparison:
    """`first` and `second` as the main window inspects a drawing; `difference[layer]` is
    second - first, shaped as that layer's activation of one input."""

    first: Inspection
    second: Inspection

    @property
    def difference(self) -> dict[str, np.ndarray]:
        a, b = self.first.activations, self.second.activations
        return {name: b[name] - a[name] for name in LAYER_NAMES}

    def mean_absolute_difference(self) -> dict[str, float]:
        """Per layer, the mean |second - first| over its units (same units as the maps)."""
        return {name: float(np.abs(d).mean()) for name, d in self.difference.items()}

    def summary(self) -> str:
        """One sentence on the two readings, their verdicts said as everywhere else
        (`verdict_words.short_reading`): "Both read 7 (99% and 97%).", "Both unsure: maybe 4
        (52% and 60%).", "Neither reads a digit (...)", "They differ: not a digit (best guess
        1, 11%) and reads 0 (100%)."."""
        a, b = self.first.prediction, self.second.prediction
        pa, pb = f"{100 * a.confidence:.0f}%", f"{100 * b.confidence:.0f}%"
        kind = a.verdict.kind if a.verdict.kind == b.verdict.kind else None
        if kind == "not a digit":
            return f"Neither reads a digit (best guesses {a.digit}, {pa} and {b.digit}, {pb})."
        if kind == "digit" and a.digit == b.digit:
            return f"Both read {a.digit} ({pa} and {pb})."
        if kind == "unsure" and a.digit == b.digit:
            return f"Both unsure: maybe {a.digit} ({pa} and {pb})."
        return f"They differ: {short_reading(a)} and {short_reading(b)}."


def compare(first: LeNet5, second: LeNet5, prepared: PreparedInput) -> Comparison:
    """Both models on one input."""
    return Comparison(inspect(first, prepared), inspect(second, prepared))
