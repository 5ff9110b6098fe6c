"""glibc's malloc thresholds (Linux): the GUI gives large freed images back to the system, a
training process keeps freed blocks for reuse. No Qt.

glibc serves a request above its mmap threshold with a mapping of its own, unmapped when freed;
smaller ones come from the heap, where freed memory mostly stays resident. The threshold starts
at 128 KiB, but each time a mapped block is freed glibc raises it to that block's size (up to
32 MiB, man mallopt(3)). A window resized to 4000x3000 frees images of 16-48 MB, so from then
on every window-sized image comes from the heap and its memory stays with the process after the
window shrinks. Measured with benchmarks/bench_fuzz.py (10,000 random events, resizes up to
4000x3000): the resident memory at the same 1280x800 window varied by up to 95 MB from one
checkpoint to the next while malloc_trim(0) gave it all back (a plateau of freed memory, not a
leak); with the threshold fixed here it varies by a few MB.

Fixing the threshold with mallopt(M_MMAP_THRESHOLD) also turns off glibc's raising of it.

A training process wants the opposite (`keep_freed_memory`): each step frees and allocates
the same few megabytes of maps and gradients, and every block that glibc maps anew, or gives
back when the top of the heap is trimmed, is paid again in page faults when it is touched.
Training on all of MNIST (its 47 MB uint8 copy is above the 32 MiB ceiling, so it never raises
the threshold) took 1,540 page faults and 13.4 ms of CPU a step here, against 0.2 faults and
9.3 ms on 12,000 images, whose copy happened to raise the threshold.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h
# Blocks of this size or more (a 512x512 image of 32-bit pixels) are mapped, and unmapped when
# freed; below it the heap serves them as usual.
LARGE_BLOCK_BYTES = 1 << 20


def return_large_blocks_to_the_system() -> bool:
    """Fix glibc's mmap threshold at LARGE_BLOCK_BYTES for this process. True when set; False
    where there is no glibc mallopt (Windows, macOS, musl answers 0)."""
    mallopt = _mallopt()
    return mallopt is not None and mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES) == 1


# A training process keeps freed blocks below 32 MiB (glibc's ceiling for the threshold; a
# validation batch of 1,000 maps C1 in 19 MB) in its heap, and trims the heap only when 256 MiB
# of it are free.
REUSED_BLOCK_BYTES = 32 << 20
TRIM_BYTES = 256 << 20


def keep_freed_memory() -> bool:
    """Fix glibc's thresholds for a process that trains: freed blocks stay for reuse instead of
    being mapped and faulted in again every step. True when set (see
    `return_large_blocks_to_the_system` for where it cannot be)."""
    mallopt = _mallopt()
    if mallopt is None:
        return False
    return (
        mallopt(M_MMAP_THRESHOLD, REUSED_BLOCK_BYTES) == 1
        and mallopt(M_TRIM_THRESHOLD, TRIM_BYTES) == 1
    )


def _mallopt():
    """glibc's mallopt(3) through ctypes, or None off Linux or without it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the process already uses
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt
