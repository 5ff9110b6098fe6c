"""The verdict on each part of a number, in the context of the other parts.

Each part of a segmented drawing or image first gets the verdict a single drawing gets
(`verdict.decide`: shape rules, then the rejection threshold on the calibrated top probability).
Beside firm digits a part deserves a second look: what stands in a row of digits is far more
likely a digit than a drawing alone on an empty canvas, and one digit left out makes the whole
number wrong. On the dev pen digits composed into numbers, the general threshold (0.5) left out
2.6% of the real digit parts (the bundled model before it was trained on pen writers), while it
kept out only about a third of the letters drawn among them.

So, in a reading of two parts or more that holds at least one firm digit, "digit" is taken to be
DIGIT_ODDS times more likely a priori than for a drawing alone. By Bayes' rule the posterior odds
grow by the same factor; taking them to be even at the general threshold (verdict.FALLBACK's 0.5,
what a model retrained in the app uses) and to follow the log-odds of the calibrated top
probability, the threshold's log-odds go down by log(DIGIT_ODDS): 0.5 becomes 0.25. A model
whose own threshold is lower already keeps its own: the bundled model's, fitted to keep 99.5% of
the dev writers' digits (`rejection.KEEP_DIGITS`), is at 0.20, and lowering it further let
nearly every letter drawn among digits into the number (bench_numbers). A part is then

- "not a digit" (left out of the number) when the shape rules say so (a dot or blob, a dash), or
  when its top probability is below that threshold in a number;
- "unsure" (kept in the number with its best digit, tagged "?") when it is below the threshold
  alone but not below the one in a number;
- otherwise what it is alone.

A reading of one part, or one without any firm digit, keeps the verdicts the parts get alone, so
a single digit reads exactly as before and a row of letters is no number. Measured with
`benchmarks/bench_numbers.py --marks` (README, "Reading a number").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from ..preprocessing.preprocess import PreparedInput
from .verdict import FALLBACK, Verdict, rejector_settings, shape_reason

# Beside firm digits, a mark is taken to be a digit three times in four. Measured with the
# previous bundled model (threshold 0.50, in a number 0.25) on the held-out writers' numbers
# (bench_numbers --writers held-out --marks 200 --odds 1,9): odds 3 kept 67.5% of the letters
# drawn among digits out for 0.5 points of numbers right (95.8%); odds 9 kept 1.5%.
DIGIT_ODDS = 3.0


def lowered(threshold: float, odds: float) -> float:
    """`threshold` (a probability) with its log-odds lowered by log(odds)."""
    t = min(max(threshold, 1e-6), 1 - 1e-6)
    return 1 / (1 + math.exp(-(math.log(t / (1 - t)) - math.log(odds))))


def threshold_in_number(reject_below: float, odds: float = DIGIT_ODDS) -> float:
    """The rejection threshold for a part beside firm digits: the general threshold
    (verdict.FALLBACK) lowered by log(odds), or the model's own `reject_below` if lower."""
    return min(reject_below, lowered(FALLBACK["reject_below"], odds))


def number_verdicts(
    alone: Sequence[Verdict],
    prepared: Sequence[PreparedInput],
    rejector: dict | None = None,
    odds: float = DIGIT_ODDS,
) -> list[Verdict]:
    """The verdict of each part of a number (left to right) from the verdicts the parts get
    alone (`verdict.decide`), their prepared inputs (for the shape rules) and the model's
    rejector; `odds` as DIGIT_ODDS. Same length and order as `alone`."""
    if len(alone) < 2 or not any(v.is_firm for v in alone):
        return list(alone)
    threshold = rejector_settings(rejector)["reject_below"]
    floor = threshold_in_number(threshold, odds)
    verdicts = []
    for verdict, ready in zip(alone, prepared, strict=True):
        rejected = verdict.kind == "not a digit" and verdict.probabilities is not None
        shaped = shape_reason(ready, verdict.probabilities) is not None
        if rejected and not shaped and verdict.confidence >= floor:
            best = int(verdict.probabilities.argmax())
            reason = f"{verdict.confidence:.0%} is below {threshold:.0%}, kept in the number"
            verdict = replace(verdict, kind="unsure", digit=best, reason=reason)
        verdicts.append(verdict)
    return verdicts
