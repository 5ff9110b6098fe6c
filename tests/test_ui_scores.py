"""The prediction panel says why a reading is unsure: two close candidates, or no firm one."""

import numpy as np

from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing
from lenet_gui.reading import verdict as verdict_module
from lenet_gui.reading.inference import Prediction
from lenet_gui.reading.verdict import decide
from lenet_gui.ui.views.scores import PredictionPanel

SEVEN = Drawing(280, 280, (((60.0, 50.0), (180.0, 50.0), (110.0, 230.0)),))
REJECTOR = {"temperature": 1.0, "reject_below": 0.3}


def shown(qtbot, logits):
    panel = PredictionPanel()
    qtbot.addWidget(panel)
    verdict = decide(np.asarray(logits, float), prepare_drawing(SEVEN), REJECTOR)
    panel.show_prediction(Prediction(verdict.digit, verdict.probabilities, verdict))
    return verdict, panel


def test_two_close_candidates_name_the_runner_up(qtbot):
    verdict, panel = shown(qtbot, [0, 0, 0, 5, 0, 0, 0, 0, 4.6, 0])
    assert verdict.kind == "unsure"
    assert panel.digit_label.text() == "3?"
    assert panel.caption.text().startswith("Not sure: maybe 3 (")
    assert "\nor 8 (" in panel.caption.text()


def test_a_likely_but_not_firm_reading_says_what_a_firm_one_needs(qtbot):
    logits = np.zeros(10)
    logits[7] = 3.0  # 69%, runner-up 3%
    verdict, panel = shown(qtbot, logits)
    assert verdict.kind == "unsure"
    assert panel.digit_label.text() == "7?"
    assert panel.caption.text() == "Not sure: maybe 7 (69%)\n(a firm reading needs 90%)"


def test_a_reading_more_likely_wrong_than_right_may_be_no_digit_at_all(qtbot):
    logits = np.zeros(10)
    logits[4] = 1.8  # 40%, runner-up 7%: above the threshold (0.3), below even odds
    verdict, panel = shown(qtbot, logits)
    assert verdict.kind == "unsure" and verdict.doubt == "weak"
    assert panel.digit_label.text() == "4?"
    assert panel.caption.text() == "Not sure: maybe 4 (40%)\nor not a digit at all"


def test_a_firm_reading_is_stated(qtbot):
    verdict, panel = shown(qtbot, np.eye(10)[7] * 10)
    assert verdict.kind == "digit" and panel.digit_label.text() == "7"
    assert panel.caption.text().endswith("% sure")


def test_the_panel_explains_the_doubt_the_decision_gave(qtbot, monkeypatch):
    """The panel reads why from the verdict (`Verdict.doubt`), not from the rule's constants:
    with a stricter "close" rule the same 69% reading is unsure for its runner-up."""
    monkeypatch.setattr(verdict_module, "UNSURE_RATIO", 0.01)
    logits = np.zeros(10)
    logits[7] = 3.0  # 69%, runner-up 3%: 3/69 is above 0.01
    verdict, panel = shown(qtbot, logits)
    assert verdict.doubt == "close"
    assert panel.caption.text().startswith("Not sure: maybe 7 (69%)\nor ")


def test_a_number_marks_its_unsure_digits_in_the_unsure_colour(qtbot):
    """Only the unsure digit is marked: "1" firm, "4?" in the colour of unsure readings."""
    from lenet_gui.ui import theme

    verdict, panel = shown(qtbot, np.eye(10)[4] * 10)
    panel.show_number("14", 1, Prediction(4, verdict.probabilities, verdict), 2, [False, True])
    text = panel.digit_label.text()
    assert text.startswith("1<span") and text.endswith(">4?</span>")
    assert theme.ink(panel, "unsure").name() in text
    panel.show_number("14", 1, Prediction(4, verdict.probabilities, verdict), 2, [False, False])
    assert panel.digit_label.text() == "14"


def test_close_candidates_below_even_odds_may_be_no_digit_at_all(qtbot):
    """A drawn e: "maybe 8 (34%) or 2 (14%)" said nothing of the 52% left to the other
    digits; below even odds the panel says "or not a digit at all" whatever made it unsure."""
    logits = np.zeros(10)
    logits[8], logits[2] = 2.0, 1.25  # 39% and 18%: close (0.47 of the top), below 50%
    verdict, panel = shown(qtbot, logits)
    assert verdict.kind == "unsure" and verdict.doubt == "close"
    assert panel.caption.text() == "Not sure: maybe 8 (39%)\nor 2 (18%), or not a digit at all"
