"""A verdict in words, said the same way wherever a reading is shown: the prediction panel, a
number's caption, the canvas's text for a screen reader and the Lab's dialogs.

Percentages are the calibrated probabilities (`verdict.calibrated_probabilities`), rounded as
the panel rounds them; the rules that give the verdict are `verdict.decide`'s.
"""

from __future__ import annotations

import numpy as np

from .verdict import FIRM_PROBABILITY, Verdict


def doubt_words(verdict: Verdict) -> tuple[str, str]:
    """An "unsure" verdict: its best guess ("maybe 4 (52%)") and why it is not stated ("or 8
    (38%)": a close runner-up; "or not a digit at all": more likely wrong than right, the
    probabilities being calibrated, said after the runner-up too ("or 2 (14%), or not a digit
    at all"); else "(a firm reading needs 90%)")."""
    probs, digit = verdict.probabilities, verdict.digit
    runner_up = int(np.argsort(probs)[-2])
    weak = probs[digit] < 0.5
    if verdict.doubt == "close":
        second = f"or {runner_up} ({100 * probs[runner_up]:.0f}%)"
        if weak:
            second += ", or not a digit at all"
    elif weak:
        second = "or not a digit at all"
    else:
        second = f"(a firm reading needs {100 * FIRM_PROBABILITY:.0f}%)"
    return f"maybe {digit} ({100 * probs[digit]:.0f}%)", second


def reading_sentence(prediction) -> str:
    """A `Prediction` with ink in one line, as the panel says it: "Read as 7, 99.9% sure",
    "Not sure: maybe 4 (52%) or 1 (38%)", "Not a digit (a dash: far wider than tall)"."""
    verdict = prediction.verdict
    if verdict.kind == "not a digit":
        return f"Not a digit ({verdict.reason})"
    if verdict.kind == "unsure":
        first, second = doubt_words(verdict)
        return f"Not sure: {first} {second}"
    return f"Read as {prediction.digit}, {100 * prediction.confidence:.1f}% sure"


def short_reading(prediction) -> str:
    """A `Prediction` in a few words, after a model's name or a moment: "reads 7 (99%)", "not
    sure, maybe 4 (52%)", "not a digit (best guess 1, 11%)", "blank"."""
    verdict = prediction.verdict
    if verdict.kind == "blank" or prediction.probabilities is None:
        return "blank"
    if verdict.kind == "not a digit":
        best = int(np.argmax(prediction.probabilities))
        return f"not a digit (best guess {best}, {100 * prediction.confidence:.0f}%)"
    if verdict.kind == "unsure":
        return f"not sure, {doubt_words(verdict)[0]}"
    return f"reads {verdict.digit} ({100 * prediction.confidence:.0f}%)"


def guess_note(prediction) -> str:
    """What the best digit is to a reading that is not firm, after its class in a sentence (the
    Why tab's legend): " (a guess: the reading is unsure)", " (a guess: the reading is not a
    digit)"; "" for a firm digit."""
    kind = prediction.verdict.kind
    if kind in ("unsure", "not a digit"):
        return f" (a guess: the reading is {'unsure' if kind == 'unsure' else kind})"
    return ""
