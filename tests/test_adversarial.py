"""Fooling the network (lenet_gui.lab.adversarial): FGSM and PGD, the search for the smallest
budget, the valid input range, the CLI."""

import json

import numpy as np
import pytest
import torch
from test_sweep import THREE

from lenet_gui import cli
from lenet_gui.lab.adversarial import HIGH, LOW, attack, readings, smallest_fooling
from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing
from lenet_gui.reading.inference import probabilities


@pytest.fixture
def three():
    return prepare_drawing(Drawing.from_dict(THREE)).network_input


def read(model, inputs: np.ndarray) -> np.ndarray:
    return probabilities(model, np.asarray(inputs, np.float32).reshape(-1, 1, 32, 32))


@pytest.mark.parametrize("method", ["pgd", "fgsm"])
def test_the_perturbation_really_flips_the_reading_and_stays_in_range(bundled_model, three, method):
    model = bundled_model.model
    result = smallest_fooling(model, three, method)
    assert result.reading == 3 and result.flipped
    probs = read(model, result.fooled)[0]  # read again, through the ordinary inference path
    assert probs.argmax() == result.new_digit != 3
    np.testing.assert_allclose(probs, result.fooled_probabilities, atol=1e-5)
    assert result.fooled.min() >= LOW - 1e-6 and result.fooled.max() <= HIGH + 1e-6
    assert result.linf <= result.epsilon + 1e-6
    assert result.l2 == pytest.approx(np.linalg.norm(result.fooled - three[0]), rel=1e-5)
    assert result.epsilon_below < result.epsilon <= HIGH - LOW
    np.testing.assert_array_equal(result.original, three[0])


def test_just_below_the_budget_found_the_attack_fails(bundled_model, three):
    model = bundled_model.model
    result = smallest_fooling(model, three, "pgd")
    x0 = torch.from_numpy(three).view(1, 1, 32, 32)
    eps = torch.tensor([result.epsilon_below, result.epsilon])
    fooled = attack(model, x0, eps, "pgd", reading=3)
    digits = read(model, fooled.numpy()).argmax(1)
    assert digits[0] == 3 and digits[1] != 3
    assert ((fooled - x0).abs().amax(dim=(1, 2, 3)) <= eps + 1e-6).all()


def test_a_chosen_digit_is_reached(bundled_model, three):
    result = smallest_fooling(bundled_model.model, three, "pgd", target=8)
    assert result.flipped and result.new_digit == 8 and result.target == 8
    assert read(bundled_model.model, result.fooled)[0].argmax() == 8


def test_the_gradient_step_leaves_the_weights_untouched(bundled_model, three):
    model = bundled_model.model
    before = [p.detach().clone() for p in model.parameters()]
    smallest_fooling(model, three, "fgsm")
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_bad_requests_are_refused(bundled_model, three):
    with pytest.raises(ValueError, match="already reads 3"):
        smallest_fooling(bundled_model.model, three, "pgd", target=3)
    with pytest.raises(ValueError, match="0-9"):
        smallest_fooling(bundled_model.model, three, "pgd", target=12)
    with pytest.raises(ValueError, match="unknown method"):
        smallest_fooling(bundled_model.model, three, "cw")


def test_an_impossible_target_is_reported_not_faked(bundled_model, three):
    # One FGSM step towards a chosen digit fails here even with the whole range as budget.
    result = smallest_fooling(bundled_model.model, three, "fgsm", target=4)
    if result.flipped:  # if it did work, it must be real
        assert read(bundled_model.model, result.fooled)[0].argmax() == 4
    else:
        assert result.epsilon is None and "could not" in result.summary()
        assert result.to_json()["flipped"] is False


def test_cli_fool_prints_json(tmp_path, capsys, bundled_model, three):
    path = tmp_path / "three.json"
    path.write_text(json.dumps([THREE, {"width": 9, "height": 9, "strokes": []}]))
    assert cli.main(["fool", "--strokes", str(path), "--method", "fgsm"]) == 0
    captured = capsys.readouterr()
    first, blank = (json.loads(line) for line in captured.out.splitlines())
    expected = smallest_fooling(bundled_model.model, three, "fgsm")
    assert first["reading"] == 3 and first["flipped"] is True
    assert first["new_digit"] == expected.new_digit
    assert first["epsilon"] == pytest.approx(expected.epsilon, abs=1e-6)
    assert first["linf"] == pytest.approx(expected.linf, abs=1e-6)
    assert blank == {"method": "fgsm", "reading": None} and "no digit" in captured.err


def test_cli_fool_says_the_verdicts_of_the_input_and_the_change(
    tmp_path, capsys, bundled_model, three
):
    """`verdict` and `new_verdict`: what predict (and the window) says of the drawing and of the
    changed input. A dot is "not a digit" and stays one: only its best guess moved; "reading"
    alone (its best digit, 0) read as if a digit had been fooled."""
    dot = {"width": 280, "height": 280, "strokes": [[[140, 140], [141, 140]]]}
    path = tmp_path / "drawings.json"
    path.write_text(json.dumps([THREE, dot]))
    assert cli.main(["fool", "--strokes", str(path), "--method", "fgsm"]) == 0
    digit, mark = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    # FGSM's smallest flip of this 3 lands where no digit fits ("not a digit"): said as is.
    changed = readings(bundled_model.model, prepare_drawing(Drawing.from_dict(THREE)),
                       smallest_fooling(bundled_model.model, three, "fgsm"))[1]  # fmt: skip
    assert digit["verdict"] == "digit" and digit["new_verdict"] == changed.verdict.kind
    assert mark["verdict"] == mark["new_verdict"] == "not a digit" and mark["flipped"]
    assert cli.main(["predict", "--strokes", str(path)]) == 0
    predicted = [json.loads(line)["verdict"] for line in capsys.readouterr().out.splitlines()]
    assert predicted == [digit["verdict"], mark["verdict"]]
