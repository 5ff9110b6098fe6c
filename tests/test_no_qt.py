"""The core (every module of lenet_gui/ outside lenet_gui/ui) never imports Qt.

Two checks of one rule: at run time, importing every core module pulls in no Qt module; and
statically, the import-linter contract in pyproject.toml names every top-level module and every
core subpackage, so a new module cannot slip past `lint-imports` by being left off its list.
"""

import pathlib
import subprocess
import sys

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "lenet_gui"
TOP = sorted(f"lenet_gui.{path.stem}" for path in PACKAGE.glob("*.py") if path.stem != "__init__")
GROUPS = sorted(f"lenet_gui.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py"))
GROUPS.remove("lenet_gui.ui")
# every module of the core: the top-level ones and each module of each core subpackage
CORE = TOP + sorted(
    "lenet_gui." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    for group in GROUPS
    for path in (PACKAGE / group.split(".")[1]).glob("*.py")
)


def test_core_modules_never_import_qt():
    code = (
        "import importlib, sys\n"
        f"for name in {CORE!r}: importlib.import_module(name)\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'shiboken6'))\n"
        "print(qt)\n"
        "sys.exit(1 if qt else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"core imported Qt: {result.stdout}{result.stderr}"


def test_the_import_contract_names_every_core_module():
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")
    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (no_qt,) = [c for c in contracts if "lenet_gui.ui" in c.get("forbidden_modules", [])]
    assert sorted(no_qt["source_modules"]) == sorted(TOP + GROUPS)
