"""Verdicts on the parts of a number, in context (lenet_gui.reading.number_verdict)."""

import numpy as np
import pytest

from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing
from lenet_gui.reading.number_verdict import lowered, number_verdicts, threshold_in_number
from lenet_gui.reading.verdict import decide

REJECTOR = {"temperature": 1.0, "reject_below": 0.8}
SEVEN = prepare_drawing(Drawing(280, 280, (((60.0, 50.0), (180.0, 50.0), (110.0, 230.0)),)))
DOT = prepare_drawing(Drawing(280, 280, (((140.0, 140.0),),)))


def logits_with_top(digit: int, top: float) -> np.ndarray:
    """Logits whose softmax (temperature 1) gives `top` to `digit`, the rest spread evenly."""
    logits = np.zeros(10)
    logits[digit] = np.log(top * 9 / (1 - top))
    return logits


def verdicts(tops, prepared=None):
    prepared = prepared or [SEVEN] * len(tops)
    alone = [
        decide(logits_with_top(i, t), p, REJECTOR)
        for i, (t, p) in enumerate(zip(tops, prepared, strict=True))
    ]
    return alone, number_verdicts(alone, prepared, REJECTOR)


def test_a_doubtful_part_beside_firm_digits_stays_in_the_number_unsure():
    alone, judged = verdicts([0.99, 0.6, 0.95])
    assert [v.kind for v in alone] == ["digit", "not a digit", "digit"]
    assert [v.kind for v in judged] == ["digit", "unsure", "digit"]
    assert [v.digit for v in judged] == [0, 1, 2]
    assert "below 80%" in judged[1].reason and "kept in the number" in judged[1].reason
    assert judged[0] is alone[0] and judged[2] is alone[2]


def test_far_below_the_threshold_or_a_dot_is_left_out():
    low = threshold_in_number(REJECTOR["reject_below"]) - 0.02
    _, judged = verdicts([0.99, low, 0.95])
    assert [v.kind for v in judged] == ["digit", "not a digit", "digit"]
    _, judged = verdicts([0.99, 0.7, 0.95], [SEVEN, DOT, SEVEN])
    assert judged[1].kind == "not a digit" and "dot" in judged[1].reason


def test_alone_or_without_a_firm_digit_the_verdicts_are_those_alone():
    for tops in ([0.6], [0.6, 0.5], [0.6, 0.7, 0.5]):
        alone, judged = verdicts(tops)
        assert judged == alone and all(v.kind == "not a digit" for v in judged)
    assert number_verdicts([], [], REJECTOR) == []


def test_lowering_a_threshold_takes_the_log_odds_of_the_prior_odds_off_it():
    assert lowered(0.5, odds=9.0) == pytest.approx(0.1)
    assert lowered(0.9, odds=9.0) == pytest.approx(0.5)
    assert lowered(0.8493, odds=9.0) == pytest.approx(0.385, abs=1e-3)
    assert lowered(0.8, odds=1.0) == pytest.approx(0.8)


def test_in_a_number_the_general_threshold_is_lowered_and_a_lower_own_one_kept():
    assert threshold_in_number(0.5485, odds=3.0) == pytest.approx(0.25)  # 0.5 lowered by log 3
    assert threshold_in_number(0.5, odds=3.0) == pytest.approx(0.25)
    assert threshold_in_number(0.2, odds=3.0) == pytest.approx(0.2)  # never stricter than alone
    assert threshold_in_number(0.8, odds=1.0) == pytest.approx(0.5)


def test_a_model_with_a_lenient_threshold_reads_a_number_as_its_parts_alone():
    lenient = {"temperature": 1.0, "reject_below": 0.2}
    tops = [0.99, 0.19, 0.3, 0.95]
    alone = [decide(logits_with_top(i, t), SEVEN, lenient) for i, t in enumerate(tops)]
    judged = number_verdicts(alone, [SEVEN] * len(tops), lenient)
    assert [v.kind for v in alone] == ["digit", "not a digit", "unsure", "digit"]
    assert judged == alone
