"""Invariance sweeps (lenet_gui.lab.sweep): transforms, the reading along them, the CLI."""

import json

import numpy as np
import pytest
import torch.nn.functional as F

from lenet_gui import cli
from lenet_gui.lab.sweep import TRANSFORMS, SweepResult, run_sweep, sweep_values, transform_fields
from lenet_gui.preprocessing.preprocess import Drawing, normalise, prepare_drawing
from lenet_gui.reading.inference import classify_drawings

THREE = {
    "width": 280,
    "height": 280,
    "strokes": [[[90, 60], [150, 45], [190, 80], [150, 135], [195, 180], [150, 230], [85, 215]]],
}


@pytest.fixture
def prepared():
    return prepare_drawing(Drawing.from_dict(THREE))


def asymmetric_field():
    field = np.zeros((32, 32), np.float32)
    field[8:12, 10:20] = 1.0  # a bar in the upper left
    field[8:24, 10:12] = 0.5  # and a fainter upright
    return field


def test_a_sweep_through_the_identity_equals_the_plain_reading(bundled_model, prepared):
    plain = classify_drawings(bundled_model.model, [Drawing.from_dict(THREE)])[0]
    for name, t in TRANSFORMS.items():
        if t.limits[0] < t.identity:  # the identity is the middle one of 3 steps
            low, high, steps = t.identity - 0.5, t.identity + 0.5, 3
        else:  # noise: the identity is the first of 2 steps
            low, high, steps = t.identity, t.identity + 0.5, 2
        result = run_sweep(bundled_model.model, prepared, name, low, high, steps)
        i = int(np.flatnonzero(result.values == t.identity)[0])
        assert result.reading == plain.digit, name
        np.testing.assert_allclose(result.inputs[i], prepared.network_input[0], atol=1e-6)
        np.testing.assert_allclose(result.probabilities[i], plain.probabilities, atol=1e-6)


def test_zero_degrees_of_a_rotation_sweep_is_the_plain_reading(bundled_model, prepared):
    plain = classify_drawings(bundled_model.model, [Drawing.from_dict(THREE)])[0]
    result = run_sweep(bundled_model.model, prepared, "rotate", -45, 45, 31)
    middle = 15
    assert result.values[middle] == 0.0
    np.testing.assert_allclose(result.probabilities[middle], plain.probabilities, atol=1e-6)
    assert result.digits[middle] == plain.digit == 3


def test_rotation_by_90_degrees_is_a_quarter_turn_anticlockwise():
    field = asymmetric_field()
    out = transform_fields(field, "rotate", np.array([90.0]))[0, 0].numpy()
    np.testing.assert_allclose(out, np.rot90(field), atol=1e-5)


def test_whole_pixel_shifts_move_the_ink_exactly():
    field = asymmetric_field()
    right = transform_fields(field, "shift_x", np.array([3.0]))[0, 0].numpy()
    down = transform_fields(field, "shift_y", np.array([-2.0]))[0, 0].numpy()
    np.testing.assert_allclose(right, np.roll(field, 3, axis=1), atol=1e-5)
    np.testing.assert_allclose(down, np.roll(field, -2, axis=0), atol=1e-5)


def test_scale_and_squeeze_change_the_extent_of_the_ink():
    field = asymmetric_field()
    out = transform_fields(field, "scale", np.array([0.5, 2.0]))[:, 0].numpy()
    squeezed = transform_fields(field, "squeeze", np.array([0.5]))[0, 0].numpy()
    assert out[0].sum() == pytest.approx(field.sum() / 4, rel=0.05)
    assert out[1].sum() == pytest.approx(field.sum() * 4, rel=0.05)
    cols = lambda im: np.flatnonzero((im > 0.25).any(axis=0))  # noqa: E731
    rows = lambda im: np.flatnonzero((im > 0.25).any(axis=1))  # noqa: E731
    assert len(cols(squeezed)) < 0.6 * len(cols(field))
    assert rows(squeezed).tolist() == rows(field).tolist()


def test_stroke_width_grows_by_dilation_and_shrinks_by_erosion():
    field = asymmetric_field()
    out = transform_fields(field, "stroke_width", np.array([-2.0, 0.0, 1.0, 2.0]))[:, 0]
    dilated = F.max_pool2d(out[1:2], 3, 1, 1)[0]
    np.testing.assert_allclose(out[3].numpy(), dilated.numpy(), atol=1e-6)
    np.testing.assert_allclose(out[1].numpy(), field)
    assert out[0].sum() < out[1].sum() < out[2].sum() < out[3].sum()


def test_noise_is_seeded_and_grows_with_its_value():
    field = asymmetric_field()
    a = transform_fields(field, "noise", np.array([0.0, 0.2, 0.6]), seed=1)[:, 0].numpy()
    b = transform_fields(field, "noise", np.array([0.2]), seed=1)[0, 0].numpy()
    c = transform_fields(field, "noise", np.array([0.2]), seed=2)[0, 0].numpy()
    np.testing.assert_array_equal(a[1], b)
    assert not np.array_equal(b, c)
    np.testing.assert_array_equal(a[0], field)
    change = [np.abs(x - field).mean() for x in a]
    assert change[0] == 0 < change[1] < change[2]
    assert a.min() >= 0.0 and a.max() <= 1.0


def fake_result(digits, values, reading=3, transform="rotate"):
    probs = np.full((len(digits), 10), 0.01, np.float32)
    probs[np.arange(len(digits)), digits] = 0.91
    return SweepResult(
        TRANSFORMS[transform],
        np.asarray(values, float),
        probs,
        np.zeros((len(digits), 32, 32), np.float32),
        reading,
        probs[0],
        0,
    )


def test_holding_range_and_flips_are_found_around_the_identity():
    r = fake_result([2, 3, 3, 3, 3, 5, 3], [-30, -20, -10, 0, 10, 20, 30])
    assert r.holds == (-20.0, 10.0)
    assert r.flips_below == -30.0 and r.flips_above == 20.0 and r.first_flip == 20.0
    assert r.summary() == "Reads 3 from -20 to 10 degrees; first flips at 20 degrees (reads 5)."
    held = fake_result([3, 3, 3], [-1, 0, 1])
    assert held.holds == (-1.0, 1.0) and held.first_flip is None
    assert held.flips_below is None and held.flips_above is None
    lost = fake_result([3, 8, 3], [-1, 0, 1])  # a flip right at the identity value
    assert lost.holds is None and lost.first_flip == 0.0


def test_holding_range_starts_at_the_end_nearest_the_identity():
    r = fake_result([3, 3, 7, 7], [1.2, 1.4, 1.6, 1.8], transform="scale")
    assert r.holds == (1.2, 1.4) and r.first_flip == 1.6 and r.flips_below is None


def test_csv_has_a_header_and_a_row_per_step():
    rows = fake_result([3, 5], [0, 10]).csv_rows()
    assert rows[0][:3] == ["rotate (degrees)", "digit", "p0"] and len(rows[0]) == 12
    assert rows[2][:2] == ["10", "5"] and float(rows[2][7]) == pytest.approx(0.91)


@pytest.mark.parametrize(
    "args, message",
    [
        (("spin", 0, 1, 5), "unknown transform"),
        (("rotate", 0, 10, 1), "steps"),
        (("rotate", 0, 10, 100000), "steps"),
        (("rotate", 5, 5, 3), "two different"),
        (("scale", 0, 2, 3), "scale must lie"),
        (("noise", -1, 1, 3), "noise must lie"),
        (("shift_x", 0, float("nan"), 3), "finite"),
    ],
)
def test_bad_requests_are_refused_with_a_message(args, message):
    with pytest.raises(ValueError, match=message):
        sweep_values(*args)


def test_cli_sweep_prints_the_numbers_as_json(tmp_path, capsys, bundled_model):
    path = tmp_path / "three.json"
    path.write_text(json.dumps([THREE, {"width": 50, "height": 50, "strokes": []}]))
    code = cli.main(
        ["sweep", "--strokes", str(path), "--transform", "rotate", "--range", "-45", "45"]
    )
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert code == 0 and len(lines) == 2
    out = lines[0]
    assert out["transform"] == "rotate" and out["unit"] == "degrees" and out["reading"] == 3
    assert out["verdict"] == "digit"  # the untransformed drawing's, as predict says it
    assert len(out["values"]) == len(out["digits"]) == len(out["probabilities"]) == 31
    expected = run_sweep(bundled_model.model, prepare_drawing(Drawing.from_dict(THREE)),
                         "rotate", -45, 45, 31)  # fmt: skip
    np.testing.assert_allclose(out["probabilities"], expected.probabilities, atol=1e-5)
    assert out["holds"] == (list(expected.holds) if expected.holds else None)
    assert out["first_flip"] == expected.first_flip
    assert lines[1] == {"transform": "rotate", "reading": None}
    assert "no digit" in captured.err


def test_cli_sweep_refuses_a_bad_range_with_one_line(tmp_path):
    path = tmp_path / "three.json"
    path.write_text(json.dumps(THREE))
    with pytest.raises(SystemExit, match="scale must lie"):
        cli.main(["sweep", "--strokes", str(path), "--transform", "scale", "--range", "0", "2"])


def test_normalise_and_sweep_inputs_share_the_paper_scale(bundled_model, prepared):
    result = run_sweep(bundled_model.model, prepared, "noise", 0, 1, 3)
    assert result.inputs.min() >= normalise(np.zeros(1))[0] - 1e-6
    assert result.inputs.max() <= normalise(np.ones(1))[0] + 1e-6


def test_cli_sweep_says_when_the_drawing_is_not_a_digit(tmp_path, capsys):
    """ "reading" is the best digit (0 for a dot); "verdict" says what predict says of it."""
    dot = {"width": 280, "height": 280, "strokes": [[[140, 140], [141, 140]]]}
    path = tmp_path / "dot.json"
    path.write_text(json.dumps(dot))
    cli.main(["sweep", "--strokes", str(path), "--transform", "rotate", "--range", "-9", "9"])
    out = json.loads(capsys.readouterr().out)
    assert out["reading"] is not None and out["verdict"] == "not a digit"
