"""The self-test's one way into the GUI: import its modules without opening a window.

`lenet_gui.self_test` (core, no Qt at module level) calls `import_gui` from inside a function;
the import-linter contract in pyproject.toml allows exactly that import and no other from the
core into `lenet_gui.ui`. The imports are written out (not `importlib` by name) so that the
contract and PyInstaller both see them.
"""

from __future__ import annotations


def _main_window() -> None:
    from . import main_window  # noqa: F401


def _retrain_dialog() -> None:
    from .retrain import dialog  # noqa: F401


def _sample_browser() -> None:
    from .samples import browser  # noqa: F401


def _sweep_dialog() -> None:
    from .lab import sweep_dialog  # noqa: F401


def _fooling_dialog() -> None:
    from .lab import fooling_dialog  # noqa: F401


def _explain_worker() -> None:
    from .explain import worker  # noqa: F401


def _compare_dialog() -> None:
    from .lab import compare_dialog  # noqa: F401


GUI_MODULES = (
    ("main_window", _main_window),
    ("retrain.dialog", _retrain_dialog),
    ("samples.browser", _sample_browser),
    ("lab.sweep_dialog", _sweep_dialog),
    ("lab.fooling_dialog", _fooling_dialog),
    ("explain.worker", _explain_worker),
    ("lab.compare_dialog", _compare_dialog),
)


def import_gui() -> str:
    """'ok', or which GUI module failed to import and why. Needs no display."""
    for name, load in GUI_MODULES:
        try:
            load()
        except Exception as exc:
            return f"{name} FAILED ({type(exc).__name__}: {exc})"
    return "ok"
