"""README's newcomer commands are the ones CI runs."""

from __future__ import annotations

from conftest import ROOT


def readme_command(after: str) -> str:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(after))
    return next(line.strip() for line in lines[start:] if line.startswith("    "))


def test_ci_runs_readmes_test_command_verbatim():
    command = readme_command("Run the tests")
    assert "lint-imports" in command and "python -m pytest" in command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    # `|| exit 1`: under `set -e` a failing step before the last `&&` (pip, ruff, lint-imports)
    # does not stop a script, so without it CI could pass with the lint failing.
    assert f"{command} || exit 1" in [line.strip() for line in ci]
