import subprocess
import sys

CORE = [
    "lenet_gui.architecture",
    "lenet_gui.model",
    "lenet_gui.preprocess",
    "lenet_gui.photo",
    "lenet_gui.components",
    "lenet_gui.mnist",
    "lenet_gui.train",
    "lenet_gui.retraining",
    "lenet_gui.checkpoint",
    "lenet_gui.logs",
    "lenet_gui.metrics",
    "lenet_gui.inference",
    "lenet_gui.drawn_digits",
    "lenet_gui.paths",
    "lenet_gui.samples",
    "lenet_gui.sweep",
    "lenet_gui.adversarial",
    "lenet_gui.self_test",
    "lenet_gui.cli",
]


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
