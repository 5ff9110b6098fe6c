"""The import-linter contracts in pyproject.toml: complete, and able to fail."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11+")
LINT_IMPORTS = shutil.which("lint-imports")
needs_linter = pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is not installed")


def contracts() -> list[dict]:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["tool"]["importlinter"]["contracts"]


def test_every_core_module_is_a_source_of_the_no_qt_contract():
    (core,) = [c for c in contracts() if c["type"] == "forbidden"]
    package = ROOT / "lenet_gui"
    on_disk = {f"lenet_gui.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"} | {
        f"lenet_gui.{p.parent.name}" for p in package.glob("*/__init__.py") if p.parent.name != "ui"
    }
    assert set(core["source_modules"]) == on_disk
    assert {"PySide6", "pyqtgraph", "lenet_gui.ui"} <= set(core["forbidden_modules"])


def lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}  # this copy of lenet_gui, not another
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )


@needs_linter
def test_the_contracts_hold():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@needs_linter
@pytest.mark.parametrize(
    "module, line",
    [
        ("lenet_gui/network/model.py", "from PySide6 import QtCore"),  # the core imports Qt
        ("lenet_gui/retrain/retraining.py", "from ..ui.views import colormap"),  # the core: UI
        ("lenet_gui/network/model.py", "from ..reading import inference"),  # the core: upwards
        ("lenet_gui/system/paths.py", "from ..data import mnist"),  # the core: upwards
        ("lenet_gui/ui/views/scores.py", "from ..main_window import MainWindow"),  # upwards
        ("lenet_gui/ui/main_window.py", "from .app import run_app"),  # the old circle
    ],
)
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, line):
    copy = tmp_path / "repo"
    copy.mkdir()
    shutil.copy(ROOT / "pyproject.toml", copy)
    shutil.copytree(
        ROOT / "lenet_gui", copy / "lenet_gui", ignore=shutil.ignore_patterns("__pycache__")
    )
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    done = lint(copy)
    assert done.returncode != 0, done.stdout
    assert "BROKEN" in done.stdout
