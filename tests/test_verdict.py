"""The verdict: digit, unsure, not a digit or blank; calibration; the rejector in checkpoints."""

import json

import numpy as np
import pytest
import torch

from lenet_gui import cli
from lenet_gui.network.model import LeNet5
from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing
from lenet_gui.reading.calibration import expected_calibration_error, fit_temperature, softmax
from lenet_gui.reading.inference import Prediction, classify_drawings
from lenet_gui.reading.verdict import FALLBACK, FIRM_PROBABILITY, Verdict, decide, rejector_settings
from lenet_gui.retrain.checkpoint import load_checkpoint, save_checkpoint

SEVEN = Drawing(280, 280, (((60.0, 50.0), (180.0, 50.0), (110.0, 230.0)),))
CLICK = Drawing(280, 280, (((140.0, 140.0),),))
DASH = Drawing(280, 280, (((100.0, 140.0), (160.0, 142.0)),))


def test_kinds_from_logits_with_a_rejector():
    prepared = prepare_drawing(SEVEN)
    rejector = {"temperature": 1.0, "reject_below": 0.6}
    firm = decide(np.eye(10)[7] * 10, prepared, rejector)
    assert firm == Verdict("digit", 7, firm.probabilities, firm.confidence, firm.reason)
    assert firm.is_firm and firm.confidence > 0.99
    flat = decide(np.zeros(10), prepared, rejector)
    assert flat.kind == "not a digit" and flat.digit is None and "below 60%" in flat.reason
    close = decide(np.array([0, 0, 0, 5, 0, 0, 0, 0, 4.6, 0.0]), prepared, {"reject_below": 0.3})
    assert close.kind == "unsure" and close.digit == 3 and not close.is_firm
    assert close.doubt == "close" and firm.doubt is None and flat.doubt is None
    assert Prediction(close.digit, close.probabilities, close).to_json()["doubt"] == "close"
    assert decide(None, None, rejector).kind == "blank"


def test_a_likely_but_not_firm_reading_is_unsure_with_its_best_digit():
    """Between the rejection threshold and FIRM_PROBABILITY (Chow's two thresholds) the best
    guess is shown as unsure, even with no close runner-up."""
    prepared = prepare_drawing(SEVEN)
    rejector = {"temperature": 1.0, "reject_below": 0.3}
    logits = np.zeros(10)
    logits[7] = 3.0  # top 0.69, runner-up 0.03: no close candidate
    middling = decide(logits, prepared, rejector)
    assert middling.kind == "unsure" and middling.digit == 7 and not middling.is_firm
    assert f"{FIRM_PROBABILITY:.0%}" in middling.reason and middling.doubt == "weak"
    logits[7] = np.log(9 * FIRM_PROBABILITY / (1 - FIRM_PROBABILITY)) + 0.01  # just above it
    assert decide(logits, prepared, rejector).kind == "digit"


def test_temperature_changes_probabilities_not_the_digit():
    prepared = prepare_drawing(SEVEN)
    logits = np.array([0, 1, 0, 0, 0, 0, 0, 4.0, 0, 0])
    sharp = decide(logits, prepared, {"temperature": 0.5, "reject_below": 0.5})
    soft = decide(logits, prepared, {"temperature": 2.0, "reject_below": 0.5})
    assert sharp.digit == 7 and sharp.confidence > soft.confidence
    assert soft.probabilities.sum() == pytest.approx(1.0, abs=1e-5)


def test_malformed_or_missing_rejector_falls_back():
    assert rejector_settings(None) == FALLBACK
    odd = {"temperature": "hot", "reject_below": float("nan"), "unknown": 1}
    assert rejector_settings(odd) == FALLBACK
    assert rejector_settings({"temperature": 0.7})["temperature"] == 0.7


@pytest.mark.parametrize(("drawing", "why"), [(CLICK, "dot"), (DASH, "dash")])
def test_a_click_or_a_dash_is_not_a_digit_whatever_the_model(drawing, why, bundled_model):
    for model in (bundled_model.model, LeNet5().eval()):
        verdict = classify_drawings(model, [drawing])[0].verdict
        assert verdict.kind == "not a digit" and why in verdict.reason


def test_a_bold_mark_is_a_blob_unless_read_firmly_and_a_dot_always():
    """Between BLOB_STROKE_FRACTION and DOT_STROKE_FRACTION the network decides; from the
    latter on the mark is a dot whatever it says."""
    from dataclasses import replace

    from lenet_gui.reading.verdict import BLOB_STROKE_FRACTION, DOT_STROKE_FRACTION

    rejector = {"temperature": 1.0, "reject_below": 0.2}
    firm, weak = np.eye(10)[4] * 10, np.eye(10)[4] * 3  # 4 at 99.9% / 69%
    bold = replace(prepare_drawing(SEVEN), stroke_fraction=BLOB_STROKE_FRACTION + 0.05)
    assert decide(firm, bold, rejector).kind == "digit"
    assert "blob" in decide(weak, bold, rejector).reason
    dot = replace(bold, stroke_fraction=DOT_STROKE_FRACTION)
    assert "blob" in decide(firm, dot, rejector).reason


def test_a_digit_written_small_with_the_default_pen_is_read(bundled_model):
    """A 7 30 pixels tall and a 4 40 pixels tall on a 280-pixel canvas (pen 16.8 pixels) are as
    bold as a blob, and the network reads them firmly (both were "a dot or blob")."""

    def small(strokes, size):
        k = size / 180  # the strokes below span 180 pixels, around (120, 140)
        return tuple(
            tuple((140 + (x - 120) * k, 140 + (y - 140) * k) for x, y in s) for s in strokes
        )

    seven = small(SEVEN.strokes, 30)
    four = small((((60, 50), (30, 155), (180, 155)), ((150, 50), (150, 230))), 40)
    for digit, strokes in ((7, seven), (4, four)):
        drawing = Drawing(280, 280, strokes)
        assert prepare_drawing(drawing).stroke_fraction >= 0.3
        verdict = classify_drawings(bundled_model.model, [drawing])[0].verdict
        assert (verdict.kind, verdict.digit) == ("digit", digit), verdict.reason


def test_predict_json_gives_the_verdict(tmp_path, capsys):
    drawings = [SEVEN.to_dict(), CLICK.to_dict(), {"width": 280, "height": 280, "strokes": []}]
    path = tmp_path / "d.json"
    path.write_text(json.dumps(drawings))
    assert cli.main(["predict", "--strokes", str(path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(line["verdict"], line["digit"]) for line in lines] == [
        ("digit", 7),
        ("not a digit", None),
        ("blank", None),
    ]
    assert len(lines[1]["probabilities"]) == 10  # still there for the curious
    assert [line["doubt"] for line in lines] == [None, None, None]  # said for "unsure" only
    assert lines[2]["probabilities"] is None
    # a dot or a dash alone is no number: its part is "not a digit"
    assert lines[1]["number"] is None
    assert [d["verdict"] for d in lines[1]["digits"]] == ["not a digit"]


def test_checkpoint_keeps_the_rejector_and_older_ones_still_load(tmp_path):
    model = LeNet5()
    old = save_checkpoint(tmp_path / "old.pt", model)
    assert "rejector" not in torch.load(old, weights_only=True)
    assert load_checkpoint(old).model.rejector is None
    model.rejector = {"temperature": 0.62, "reject_below": 0.71, "method": "test"}
    new = save_checkpoint(tmp_path / "new.pt", model)
    loaded = load_checkpoint(new)
    assert loaded.model.rejector == model.rejector
    assert torch.load(new, weights_only=True)["rejector"]["temperature"] == 0.62


def test_training_forgets_a_rejector_fitted_to_other_weights():
    from lenet_gui.training.train import TrainConfig, train

    model = LeNet5()
    model.rejector = {"temperature": 0.5, "reject_below": 0.9}
    images = np.zeros((8, 28, 28), np.uint8)
    images[:, 8:20, 12:16] = 255
    negatives = np.zeros((4, 32, 32), np.float32)
    negatives[:, 14:18, 4:28] = 1.0  # dashes
    config = TrainConfig(epochs=1, batch_size=4, augment=True, ema_decay=0)
    train(model, images, np.arange(8) % 10, config, negative_images=negatives)
    assert model.rejector is None


def test_expected_calibration_error():
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.5, 1.0, 20000)
    labels = np.zeros(20000, int)
    correct = rng.uniform(size=20000) < confidence  # right exactly as often as it says
    probs = np.zeros((20000, 2))
    probs[:, 0] = np.where(correct, confidence, 1 - confidence)
    probs[:, 1] = 1 - probs[:, 0]
    assert expected_calibration_error(probs, labels) < 0.01
    always_sure = np.tile([0.999, 0.001], (20000, 1))
    labels_half = (rng.uniform(size=20000) < 0.5).astype(int)
    assert expected_calibration_error(always_sure, labels_half) == pytest.approx(0.5, abs=0.02)


def test_fit_temperature_recovers_the_scale_of_the_logits():
    rng = np.random.default_rng(1)
    true_logits = rng.normal(0, 2, (5000, 10))
    labels = np.array([rng.choice(10, p=p) for p in softmax(true_logits)])
    assert fit_temperature(true_logits * 3, labels) == pytest.approx(3.0, rel=0.1)


def _circle(cx, cy, r, n=40, start=0.0, end=2 * np.pi):
    return tuple((cx + r * np.cos(t), cy + r * np.sin(t)) for t in np.linspace(start, end, n))


# The drawn shapes of issue 8, on a 280x280 canvas, that got firm digits before.
SHAPES = {
    "letter B": (
        ((90, 50), (90, 230)),
        ((90, 50), (160, 55), (178, 95), (150, 135), (90, 140)),
        ((90, 140), (170, 145), (188, 190), (160, 228), (90, 230)),
    ),
    "square": (((70, 70), (210, 70), (210, 210), (70, 210), (70, 70)),),
    "letter A": (((70, 230), (140, 50), (210, 230)), ((100, 160), (180, 160))),
    "smiley": (
        _circle(140, 140, 90),
        ((110, 110),),
        ((170, 110),),
        _circle(140, 150, 45, 16, 0.3, np.pi - 0.3),
    ),
    "house": (
        ((70, 130), (70, 230), (210, 230), (210, 130), (70, 130), (140, 60), (210, 130)),
        ((125, 230), (125, 180), (155, 180), (155, 230)),
    ),
    "scribble": (
        tuple(
            (140 + 80 * np.sin(3.1 * t) * np.cos(t), 140 + 80 * np.sin(2.3 * t))
            for t in np.linspace(0, 6, 60)
        ),
    ),
}


def shape_drawing(name: str) -> Drawing:
    strokes = tuple(tuple((float(x), float(y)) for x, y in s) for s in SHAPES[name])
    return Drawing(280, 280, strokes)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_drawn_shapes_get_no_firm_digit_from_the_bundled_model(name, bundled_model):
    verdict = classify_drawings(bundled_model.model, [shape_drawing(name)])[0].verdict
    assert verdict.kind != "digit", f"{name}: {verdict.digit} ({verdict.confidence:.2f})"


def test_the_bundled_model_is_calibrated_on_pen_digits(bundled_model):
    from real_data import pen_digits_file

    from lenet_gui.data.drawn_digits import load_pen_digits
    from lenet_gui.retrain.rejection import read_pen_digits

    digits = load_pen_digits(pen_digits_file())
    readings = read_pen_digits(bundled_model.model, digits)
    labels = np.array([d.label for d in digits])
    temperature = bundled_model.model.rejector["temperature"]
    raw = expected_calibration_error(softmax(readings.logits), labels)
    calibrated = expected_calibration_error(softmax(readings.logits, temperature), labels)
    assert raw > 0.03 and calibrated < 0.02  # label smoothing's cap on confidence undone
