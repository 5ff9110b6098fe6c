"""Memory freed by large images goes back to the system (lenet_gui.system.allocator, glibc only)."""

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
    from lenet_gui.system.allocator import return_large_blocks_to_the_system

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


def _run_probe(probe: str, mode: str) -> str:
    """What a probe script prints, run in a fresh Python process (its malloc untouched)."""
    done = subprocess.run(
        [sys.executable, "-c", probe, mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def _kept_mb(mode: str) -> float:
    return float(_run_probe(PROBE, mode))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_large_freed_blocks_do_not_stay_resident():
    default = _kept_mb("default")
    if default < 16:
        pytest.skip(f"this C library keeps no freed large blocks anyway ({default:.0f} MB)")
    assert _kept_mb("fixed") < 4


# Touches a fresh 8 MB block five times, freeing it in between, and prints the page faults of
# the last four (each block's pages, when glibc maps it anew or trimmed it from the heap).
REUSE_PROBE = textwrap.dedent(
    """
    import resource, sys
    from lenet_gui.system.allocator import keep_freed_memory, return_large_blocks_to_the_system

    if sys.argv[1] == "keep" and not keep_freed_memory():
        sys.exit("not set")
    if sys.argv[1] == "return" and not return_large_blocks_to_the_system():
        sys.exit("not set")
    faults = []
    for _ in range(5):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        block = bytearray(8 << 20)  # zero-filled: every page touched
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
        del block
    print(sum(faults[1:]))
    """
)


def _reuse_faults(mode: str) -> int:
    return int(_run_probe(REUSE_PROBE, mode))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_a_training_process_reuses_freed_blocks_without_page_faults():
    """8 MB blocks freed and allocated again: mapped anew each time (over 2,000 faults each) when
    large blocks go back to the system, reused from the heap when freed memory is kept."""
    assert _reuse_faults("return") > 4 * 1000
    assert _reuse_faults("keep") < 100
