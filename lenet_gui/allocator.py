"""Memory that large images free goes back to the system (glibc's malloc on Linux). No Qt.

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
"""

from __future__ import annotations

import ctypes
import sys

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
# Blocks of this size or more (a 512x512 image of 32-bit pixels) are mapped, and unmapped when
# freed; below it the heap serves them as usual.
LARGE_BLOCK_BYTES = 1 << 20


def return_large_blocks_to_the_system() -> bool:
    """Fix glibc's mmap threshold at LARGE_BLOCK_BYTES for this process. True when set; False
    where there is no glibc mallopt (Windows, macOS, musl answers 0)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the process already uses
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES) == 1
