"""ONNX export (lenet_gui.lab.onnx_export): written atomically, agreeing with torch to 1e-4 when run
by onnxruntime, and a clear message when the optional packages are missing."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from real_data import pen_digits_file
from test_ui_lab_sweep import wait_until

from lenet_gui import cli
from lenet_gui.lab.onnx_export import (
    TOLERANCE,
    OnnxUnavailable,
    export_onnx,
    onnx_probabilities,
    reference_inputs,
    verify,
)
from lenet_gui.network.model import LeNet5, LeNet5Config

pytest.importorskip("onnx", reason="the optional extra lenet-gui[onnx] is not installed")
pytest.importorskip("onnxruntime", reason="the optional extra lenet-gui[onnx] is not installed")


def test_the_exported_model_agrees_with_torch_on_the_bundled_digits(bundled_model, tmp_path):
    path = export_onnx(bundled_model.model, tmp_path / "lenet5.onnx")
    assert path.stat().st_size > 200_000  # 61,706 float32 parameters
    assert [p.name for p in tmp_path.iterdir()] == ["lenet5.onnx"]  # no temporary file left
    (bundled,) = verify(bundled_model.model, path)
    assert bundled.count == 10 and bundled.same_digit == 10
    assert bundled.max_difference <= TOLERANCE and bundled.ok
    # Any batch size: the batch axis is free.
    inputs = reference_inputs()[0][1]
    assert onnx_probabilities(path, inputs[:3]).shape == (3, 10)


def test_the_exported_model_agrees_with_torch_on_the_pen_digits(bundled_model, tmp_path):
    pen = pen_digits_file()
    path = export_onnx(bundled_model.model, tmp_path / "lenet5.onnx")
    _, pen_digits = verify(bundled_model.model, path, pen)
    assert pen_digits.count > 4000 and pen_digits.same_digit == pen_digits.count
    assert pen_digits.max_difference <= TOLERANCE


def test_an_rbf_output_model_exports_too(tmp_path):
    model = LeNet5(LeNet5Config(output="rbf")).eval()
    (bundled,) = verify(model, export_onnx(model, tmp_path / "rbf.onnx"))
    assert bundled.ok


def test_a_disagreeing_file_is_caught(bundled_model, tmp_path):
    other = LeNet5().eval()  # untrained weights, exported in place of the model
    (bundled,) = verify(bundled_model.model, export_onnx(other, tmp_path / "other.onnx"))
    assert not bundled.ok and bundled.max_difference > 0.1


def test_without_the_optional_packages_the_message_says_how_to_install(
    bundled_model, tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(OnnxUnavailable, match=r"lenet-gui\[onnx\]"):
        export_onnx(bundled_model.model, tmp_path / "x.onnx")
    with pytest.raises(SystemExit, match=r"error: ONNX export needs onnx: pip install"):
        cli.main(["export", "--onnx", str(tmp_path / "x.onnx")])
    assert list(tmp_path.iterdir()) == []


def test_cli_export_writes_and_checks(tmp_path, capsys):
    target = tmp_path / "out.onnx"
    assert cli.main(["export", "--onnx", str(target)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert target.is_file() and out[0].startswith(f"wrote {target}")
    assert out[1].startswith("onnxruntime vs torch on 10 bundled digits")
    assert out[1].endswith("same digit 10/10")


def test_cli_export_to_a_missing_folder_is_one_line(tmp_path):
    with pytest.raises(SystemExit, match=r"error: .*No such file"):
        cli.main(["export", "--onnx", str(tmp_path / "nowhere" / "x.onnx")])


def test_model_menu_exports_off_the_gui_thread(window, tmp_path, monkeypatch):
    target = tmp_path / "menu"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *args: shown.append(args[2]))
    assert window.onnx_action in window.model_menu.actions()
    window.onnx_action.trigger()
    wait_until(lambda: shown, timeout=60)
    path = tmp_path / "menu.onnx"
    assert shown[0].startswith(f"Wrote {path}") and "same digit 10/10" in shown[0]
    x = reference_inputs()[0][1]
    from lenet_gui.reading.calibration import softmax
    from lenet_gui.reading.inference import logits_of

    raw = softmax(logits_of(window.loaded_model.model, x))  # the export holds uncalibrated scores
    np.testing.assert_allclose(onnx_probabilities(path, x), raw, atol=TOLERANCE)


def test_model_menu_says_how_to_install_when_onnx_is_missing(window, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    folder = tmp_path / "out"
    folder.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(folder / "m"), ""))
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warned.append(args[2]))
    window.onnx_action.trigger()
    wait_until(lambda: warned, timeout=60)
    assert "pip install 'lenet-gui[onnx]'" in warned[0]
    assert list(folder.iterdir()) == []
