"""Run a piece of Python in a fresh process with a cap on how much more memory it may take.

The faults these tests guard against cost gigabytes: under the cap they fail at once with a
MemoryError (or are killed) instead of swapping the machine. The script calls `cap()` once its
set-up (imports, a window) is done; from then on its address space may grow by `extra_mb` only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from conftest import ROOT

PRELUDE = textwrap.dedent(
    """
    import resource, sys
    sys.path.insert(0, {root!r})

    def cap(extra_mb={extra_mb}):
        with open("/proc/self/status") as fh:
            size_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmSize:"))
        limit = (size_kb + extra_mb * 1024) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    """
)


def run_capped(script: str, extra_mb: int, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `script` (which calls `cap()`) offscreen; returns the finished process (not checked)."""
    code = PRELUDE.format(root=str(ROOT), extra_mb=extra_mb) + textwrap.dedent(script)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout
    )
