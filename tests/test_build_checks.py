"""scripts/check_torch_build.py: a CUDA torch is not bundled by accident."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from conftest import ROOT

SCRIPT = ROOT / "scripts" / "check_torch_build.py"
spec = importlib.util.spec_from_file_location("check_torch_build", SCRIPT)
check_torch_build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_torch_build)


def test_a_cpu_torch_passes():
    assert check_torch_build.check(None, "2.13.0+cpu", False, {}) == (
        0,
        "torch 2.13.0+cpu: CPU build, good to bundle",
    )


def test_a_cuda_torch_is_refused_with_its_cost():
    sizes = {"nvidia-cublas-cu12": 3 * 2**29, "triton": 2**29}
    status, message = check_torch_build.check("12.4", "2.13.0", False, sizes)
    assert status == 1
    assert "CUDA 12.4 build" in message and "2.0 GiB more" in message
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in message
    assert "LENET_ALLOW_CUDA=1" in message


def test_a_cuda_torch_is_bundled_when_asked():
    status, message = check_torch_build.check("12.4", "2.13.0", True, {})
    assert status == 0 and message.startswith("warning:")


def test_this_machines_torch_passes_the_check():
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True)
    assert done.returncode == 0 and "CPU build" in done.stdout, done.stderr


def test_the_build_script_runs_the_check_before_pyinstaller():
    script = (ROOT / "scripts" / "build_app.sh").read_text(encoding="utf-8")
    assert script.index("check_torch_build.py") < script.index("-m PyInstaller --noconfirm")
