"""The self-test from source and with no stdout; marked slow, the frozen PyInstaller build."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from lenet_gui import cli
from lenet_gui.self_test import DIGITS_FILE, EXIT_BROKEN, EXIT_WRONG, LOG_NAME, run_self_test
from lenet_gui.system import paths

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = paths.resource_path(DIGITS_FILE)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "user-data"
    monkeypatch.setenv("LENET_GUI_DATA_DIR", str(folder))
    return folder


def test_samples_are_one_drawing_per_digit_on_a_280_canvas():
    items = json.loads(SAMPLES.read_text(encoding="utf-8"))
    assert sorted(item["label"] for item in items) == list(range(10))
    assert all((item["width"], item["height"]) == (280, 280) for item in items)


def test_self_test_passes_with_the_bundled_model(capsys, data_dir):
    assert run_self_test() == 0
    out = capsys.readouterr().out
    assert "self-test passed: 10/10 digits read correctly" in out
    assert (
        sum(line.startswith("digit ") and line.endswith("  ok") for line in out.splitlines()) == 10
    )
    assert "training: one epoch on the samples" in out
    assert not (data_dir / LOG_NAME).exists()  # there was a stdout: no log


def test_self_test_fails_when_a_digit_is_misread(tmp_path, capsys, data_dir):
    items = json.loads(SAMPLES.read_text(encoding="utf-8"))
    items[3]["label"] = 8  # the drawing of a 3 now claims to be an 8
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(items), encoding="utf-8")
    assert run_self_test(digits=wrong) == EXIT_WRONG
    out = capsys.readouterr().out
    assert "digit 8: read 3" in out and "WRONG" in out
    assert "self-test FAILED: 9/10" in out


def test_self_test_fails_with_an_untrained_model(tmp_path, capsys, data_dir):
    import torch

    from lenet_gui.network.model import LeNet5
    from lenet_gui.retrain.checkpoint import save_checkpoint

    torch.manual_seed(0)
    untrained = save_checkpoint(tmp_path / "untrained.pt", LeNet5())
    assert run_self_test(checkpoint=untrained) == EXIT_WRONG
    assert "self-test FAILED" in capsys.readouterr().out


def test_self_test_reports_a_broken_installation(tmp_path, capsys, data_dir):
    garbage = tmp_path / "lenet5.pt"
    garbage.write_bytes(b"not a checkpoint")
    assert run_self_test(checkpoint=garbage) == EXIT_BROKEN
    assert "self-test could not run: CheckpointError" in capsys.readouterr().out
    assert run_self_test(digits=tmp_path / "missing.json") == EXIT_BROKEN


def test_self_test_without_stdout_writes_a_log(monkeypatch, data_dir):
    """A frozen windowed app has sys.stdout None: the report goes to the user's data folder."""
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    assert cli.main(["--self-test"]) == 0
    log = (data_dir / LOG_NAME).read_text(encoding="utf-8")
    assert "self-test passed: 10/10" in log


def test_self_test_imports_the_gui_but_opens_no_window(data_dir):
    """Headless: the GUI's modules are imported (a bundle missing a Qt module fails), but no
    QApplication is ever created, so no display is needed."""
    code = (
        "import sys\nfrom lenet_gui.cli import main\nrc = main(['--self-test'])\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "assert 'lenet_gui.ui.retrain.dialog' in sys.modules\n"
        "assert QCoreApplication.instance() is None, 'a Qt application was created'\n"
        "sys.exit(rc)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, env=env)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gui modules: ok" in result.stdout and "self-test passed" in result.stdout


def test_self_test_fails_when_a_gui_module_is_missing(monkeypatch, capsys, data_dir):
    import builtins

    real_import = builtins.__import__

    def no_opengl(name, *args, **kwargs):
        if name.startswith("pyqtgraph"):
            raise ModuleNotFoundError("No module named 'PySide6.QtOpenGL'")
        return real_import(name, *args, **kwargs)

    prefixes = ("lenet_gui.ui.", "pyqtgraph")
    before = {name: m for name, m in sys.modules.items() if name.startswith(prefixes)}
    for name in before:
        monkeypatch.delitem(sys.modules, name)
        # the parent package's attribute too: else later tests reach the copy imported here
        parent, _, child = name.rpartition(".")
        if parent in sys.modules and hasattr(sys.modules[parent], child):
            monkeypatch.setattr(sys.modules[parent], child, before[name])
    monkeypatch.setattr(builtins, "__import__", no_opengl)
    try:
        assert run_self_test() == EXIT_WRONG
    finally:  # what was imported anew here goes; monkeypatch then puts the old modules back
        for name in [m for m in sys.modules if m.startswith(prefixes) and m not in before]:
            del sys.modules[name]
    out = capsys.readouterr().out
    assert "gui modules: retrain.dialog FAILED (ModuleNotFoundError" in out
    assert "self-test FAILED" in out


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("PyInstaller") is None, reason="PyInstaller is not installed "
    "(pip install '.[build]')"
)  # fmt: skip
def test_frozen_build_passes_its_self_test(tmp_path):
    """Build with scripts/build_app.sh into a temporary folder, then run the frozen self-test."""
    if shutil.which("bash") is None:
        pytest.skip("scripts/build_app.sh needs bash")
    env = dict(os.environ, LENET_BUILD_DIR=str(tmp_path), LENET_GUI_DATA_DIR=str(tmp_path / "d"))
    build = subprocess.run(["bash", str(ROOT / "scripts" / "build_app.sh")], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=1500)  # fmt: skip
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]

    app = tmp_path / "dist" / "lenet-gui" / "lenet-gui"
    assert app.is_file()
    frozen = subprocess.run([str(app), "--self-test"], env=env, capture_output=True, text=True,
                            timeout=300)  # fmt: skip
    assert frozen.returncode == 0, frozen.stdout + frozen.stderr
    assert "(frozen," in frozen.stdout
    assert "gui modules: ok" in frozen.stdout
    assert "self-test passed: 10/10 digits read correctly" in frozen.stdout

    # The bundle carries the model and resources, and never the user's data.
    internal = app.parent / "_internal"
    assert (internal / "models" / "lenet5.pt").is_file()
    assert (internal / "models" / "lenet5-rbf.pt").is_file()
    assert (internal / "resources" / DIGITS_FILE).is_file()
    assert not (internal / "torch" / "include").exists()
    archives = list((tmp_path / "dist").glob("lenet-gui-*-linux-x86_64.tar.gz"))
    assert len(archives) == 1
    with tarfile.open(archives[0]) as tar:
        assert "lenet-gui/lenet-gui" in tar.getnames()
