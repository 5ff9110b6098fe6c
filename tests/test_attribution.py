import dataclasses
import json

import numpy as np
import pytest
import torch

from lenet_gui import cli
from lenet_gui.explain.attribution import (
    attribute,
    completeness_gap,
    integrated_gradients,
    occlusion,
)
from lenet_gui.preprocessing.preprocess import BACKGROUND_VALUE, Drawing, prepare_drawing

SEVEN = Drawing(280, 280, (((60, 60), (220, 60), (120, 240)),))


@pytest.fixture(scope="module")
def seven_input():
    return prepare_drawing(SEVEN).network_input


def objective(model, x, target, versus=None):
    with torch.no_grad():
        s = model(torch.as_tensor(x, dtype=torch.float32).reshape(1, 1, 32, 32))[0]
    return float(s[target] - (s[versus] if versus is not None else 0))


@pytest.mark.parametrize("versus", [None, 1])
def test_integrated_gradients_add_up_to_the_score_change(bundled_model, seven_input, versus):
    model = bundled_model.model
    a = integrated_gradients(model, seven_input, 7, versus, steps=128)
    blank = np.full_like(seven_input, BACKGROUND_VALUE)
    change = objective(model, seven_input, 7, versus) - objective(model, blank, 7, versus)
    assert a.map.shape == (32, 32)
    assert float(a.map.sum()) == pytest.approx(change, rel=0.02)
    assert a.explained_score == pytest.approx(objective(model, seven_input, 7, versus), abs=1e-4)
    assert (a.map[seven_input[0] <= BACKGROUND_VALUE + 1e-6] == 0).all()  # paper: no credit
    gap = abs(float(a.map.sum()) - change) / abs(change)
    assert completeness_gap(model, a) == pytest.approx(gap, abs=1e-5) and gap < 0.02
    halved = dataclasses.replace(a, map=a.map / 2)  # a map that adds up to half the change
    assert completeness_gap(model, halved) == pytest.approx(0.5, abs=0.02)


def test_occlusion_is_the_score_drop_where_a_patch_covers_the_ink(bundled_model, seven_input):
    model = bundled_model.model
    a = occlusion(model, seven_input, 7, patch=4, stride=4)
    # With stride = patch, each pixel is covered by exactly one patch: its drop, exactly.
    covered = seven_input.copy()
    covered[0, 8:12, 12:16] = BACKGROUND_VALUE
    drop = objective(model, seven_input, 7) - objective(model, covered, 7)
    assert a.map[8:12, 12:16] == pytest.approx(np.full((4, 4), drop), abs=1e-4)
    # Covering blank paper changes nothing.
    assert np.abs(a.map[:4, :4]).max() == pytest.approx(0.0, abs=1e-6)


def test_contrast_is_the_difference_of_the_two_classes_maps(bundled_model, seven_input):
    model = bundled_model.model
    for method in ("occlusion", "gradient"):
        seven = attribute(model, seven_input, 7, method=method).map
        one = attribute(model, seven_input, 1, method=method).map
        both = attribute(model, seven_input, 7, 1, method=method).map
        np.testing.assert_allclose(both, seven - one, atol=1e-4)


def test_bad_requests_are_refused(bundled_model, seven_input):
    with pytest.raises(ValueError, match="unknown method"):
        attribute(bundled_model.model, seven_input, 7, method="lime")
    with pytest.raises(ValueError, match="not with itself"):
        attribute(bundled_model.model, seven_input, 7, 7)
    with pytest.raises(ValueError, match=r"0\.\.9"):
        attribute(bundled_model.model, seven_input, 10)


def run(capsys, *args):
    code = cli.main(list(args))
    return code, capsys.readouterr().out


def test_explain_prints_one_json_object(tmp_path, capsys, bundled_model, seven_input):
    path = tmp_path / "seven.json"
    path.write_text(json.dumps(SEVEN.to_dict()))
    code, out = run(capsys, "explain", "--strokes", str(path), "--versus", "1",
                    "--method", "gradient", "--unit", "C3:13:2:7")  # fmt: skip
    assert code == 0 and len(out.strip().splitlines()) == 1
    result = json.loads(out)
    assert result["digit"] == 7 and result["class"] == 7 and result["versus"] == 1
    assert result["method"] == "gradient"
    expected = attribute(bundled_model.model, seven_input, 7, 1, "gradient").map
    np.testing.assert_allclose(np.array(result["attribution"]), expected, atol=1e-5)
    trace = result["trace"]
    assert trace["layer"] == "C3" and [g["map"] for g in trace["inputs"]] == [1, 2, 4, 5]
    assert trace["activation"] == pytest.approx(trace["model_activation"], abs=1e-5)
    assert trace["receptive_field"] == {"top": 4, "left": 14, "bottom": 18, "right": 28}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "C3:16:0:0"], "C3 has 16 maps"),
        (["--class", "3", "--versus", "3"], "not with itself"),
    ],
)
def test_explain_refuses_bad_requests_in_one_line(tmp_path, capsys, args, message):
    path = tmp_path / "seven.json"
    path.write_text(json.dumps(SEVEN.to_dict()))
    with pytest.raises(SystemExit) as exc:
        cli.main(["explain", "--strokes", str(path), *args])
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_explain_refuses_blank_and_unreadable_inputs(tmp_path):
    blank = tmp_path / "blank.json"
    blank.write_text(json.dumps({"width": 280, "height": 280, "strokes": []}))
    with pytest.raises(SystemExit, match="blank"):
        cli.main(["explain", "--strokes", str(blank)])
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    with pytest.raises(SystemExit, match="not a readable image"):
        cli.main(["explain", str(junk)])


def test_occlusion_computes_only_patches_over_ink_and_matches_every_patch(bundled_model):
    """Skipping the patches over blank paper changes nothing: the map equals the one made from
    every patch position, computed here one patch at a time."""
    from lenet_gui.explain.attribution import _patch_masks

    model = bundled_model.model
    x = prepare_drawing(Drawing(280, 280, (((150, 40), (150, 250)),))).network_input  # a 1
    a = occlusion(model, x, 1, 7)
    masks = _patch_masks(32, 4, 2).numpy()
    covered = np.where(masks, BACKGROUND_VALUE, x[0]).astype(np.float32)  # every patch
    with torch.no_grad():
        scores = model(torch.from_numpy(covered[:, None])).numpy()
    drops = objective(model, x, 1, 7) - (scores[:, 1] - scores[:, 7])
    expected = np.tensordot(drops, masks, axes=1) / masks.sum(0)
    np.testing.assert_allclose(a.map, expected, atol=1e-4)
    assert np.abs(a.map).max() > 0.01


def test_quick_integrated_gradients_take_fewer_steps_and_occlusion_is_the_same(
    bundled_model, seven_input
):
    from lenet_gui.explain.attribution import QUICK_GRADIENT_STEPS

    model = bundled_model.model
    quick = attribute(model, seven_input, 7, method="gradient", quick=True).map
    fewer = integrated_gradients(model, seven_input, 7, steps=QUICK_GRADIENT_STEPS).map
    full = attribute(model, seven_input, 7, method="gradient").map
    np.testing.assert_allclose(quick, fewer, atol=1e-6)
    assert not np.allclose(quick, full, atol=1e-4)
    assert np.abs(quick - full).max() < 0.25 * np.abs(full).max()  # the same picture, roughly
    np.testing.assert_array_equal(
        attribute(model, seven_input, 7, quick=True).map, attribute(model, seven_input, 7).map
    )


@pytest.mark.parametrize(("target", "versus", "patch", "stride"), [(7, None, 4, 2), (7, 1, 6, 2)])
def test_occlusion_equals_captums(bundled_model, seven_input, target, versus, patch, stride):
    """Our occlusion (patches over ink only) is Captum's `Occlusion` (every patch position)."""
    from lenet_gui.explain.attribution import load_captum

    model = bundled_model.model
    ours = occlusion(model, seven_input, target, versus, patch=patch, stride=stride)
    x = torch.from_numpy(seven_input).reshape(1, 1, 32, 32)

    def explained(batch):
        scores = model(batch)
        return scores[:, target] - (0 if versus is None else scores[:, versus])

    with torch.no_grad():
        captum = load_captum().Occlusion(explained).attribute(
            x, sliding_window_shapes=(1, patch, patch), strides=(1, stride, stride),
            baselines=BACKGROUND_VALUE, perturbations_per_eval=256,
        )  # fmt: skip
    np.testing.assert_allclose(ours.map, captum[0, 0].numpy(), atol=1e-5)
    assert np.abs(ours.map).max() > 0.1


def test_missing_captum_is_one_clear_message(monkeypatch, bundled_model, seven_input):
    import sys

    from lenet_gui.explain.attribution import load_captum

    monkeypatch.setitem(sys.modules, "captum.attr", None)  # import captum.attr now fails
    with pytest.raises(ImportError, match="pip install captum"):
        load_captum()
    with pytest.raises(ImportError, match="needs Captum"):
        attribute(bundled_model.model, seven_input, 7, method="gradient")
    assert attribute(bundled_model.model, seven_input, 7, method="occlusion").map.any()


def test_frozen_app_keeps_matplotlibs_font_list_in_the_data_folder(tmp_path):
    """PyInstaller's hook gives matplotlib a new temporary folder each run; load_captum moves it
    to the user data folder, so the font list is built once, not in every session."""
    import os
    import subprocess
    import sys

    code = (
        "import sys; sys.frozen = True\n"
        "from lenet_gui.explain.attribution import load_captum\nload_captum()\n"
        "import matplotlib; print(matplotlib.get_configdir())\n"
    )
    env = {**os.environ, "LENET_GUI_DATA_DIR": str(tmp_path), "MPLCONFIGDIR": str(tmp_path / "x")}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=root, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "matplotlib")
    assert list((tmp_path / "matplotlib").glob("fontlist-*.json"))


def test_self_test_explains_a_sample_and_fails_without_captum(monkeypatch, capsys, tmp_path):
    import sys

    from lenet_gui.self_test import EXIT_BROKEN, run_self_test

    monkeypatch.setenv("LENET_GUI_DATA_DIR", str(tmp_path))
    assert run_self_test() == 0
    assert "attribution: integrated gradients (Captum), completeness gap" in capsys.readouterr().out
    monkeypatch.setitem(sys.modules, "captum.attr", None)
    assert run_self_test() == EXIT_BROKEN
    out = capsys.readouterr().out
    assert "self-test could not run: ImportError: attribution needs Captum" in out


def test_explain_reports_the_reading_as_predict_does(tmp_path, capsys):
    """README: explain's `digit` and `probabilities` are predict's. They were the uncalibrated
    softmax's best digit: a drawn A was "digit": 4 at 32.7% in explain, 57.8% and "unsure" in
    predict; a dot was "digit": 0 in explain and null ("not a digit") in predict."""
    dot = {"width": 280, "height": 280, "strokes": [[[140, 140], [141, 140]]]}
    for drawing in (SEVEN.to_dict(), dot):
        path = tmp_path / "drawing.json"
        path.write_text(json.dumps(drawing))
        _, out = run(capsys, "predict", "--strokes", str(path))
        predicted = json.loads(out)
        _, out = run(capsys, "explain", "--strokes", str(path))
        explained = json.loads(out)
        for key in ("digit", "verdict", "doubt"):
            assert explained[key] == predicted[key], key
        np.testing.assert_allclose(explained["probabilities"], predicted["probabilities"])
        best = int(np.argmax(predicted["probabilities"]))
        assert explained["class"] == best  # the best digit is explained, whatever the verdict
    assert predicted["verdict"] == "not a digit" and explained["digit"] is None
