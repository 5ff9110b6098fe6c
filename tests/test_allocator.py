"""Memory freed by large images goes back to the system (lenet_gui.allocator, glibc only)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT

# Frees a large mapped block (glibc then serves blocks up to its size from the heap), then
# allocates and frees 128 MB in 8 MB blocks with small ones pinned between them; prints how much
# of it stays resident.
PROBE = textwrap.dedent(
    """
    import sys
    from lenet_gui.allocator import return_large_blocks_to_the_system

    def resident_mb():
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * 4096 / 2**20

    if sys.argv[1] == "fixed" and not return_large_blocks_to_the_system():
        sys.exit("not set")
    freed = bytearray(24 << 20)
    del freed
    before = resident_mb()
    blocks, pins = [], []
    for _ in range(16):
        blocks.append(bytearray(8 << 20))
        pins.append(bytearray(2000))
    del blocks
    print(resident_mb() - before)
    """
)


def _kept_mb(mode: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return float(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_large_freed_blocks_do_not_stay_resident():
    default = _kept_mb("default")
    if default < 16:
        pytest.skip(f"this C library keeps no freed large blocks anyway ({default:.0f} MB)")
    assert _kept_mb("fixed") < 4
