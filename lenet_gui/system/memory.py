"""Is there memory enough to load PyTorch? Asked before importing it, because when the address
space is too small the import does not fail politely: glibc aborts the whole process ("cannot
allocate memory for thread-local data") or the import raises a loader error about mapping
segments, neither of which tells a user what is missing.

Measured on Linux with `ulimit -v` (torch 2.13 CPU, PySide6 6.11, from source): the window and
the bundled model load with 1000 MiB of address space; with 900 MiB the process aborts, and with
768 MiB the import of torch fails with "failed to map segment from shared object".
"""

from __future__ import annotations

TORCH_ADDRESS_SPACE_MIB = 1000  # the smallest limit measured to work (see above)


def address_space_limit_mib() -> int | None:
    """The soft address-space limit of this process (`ulimit -v`) in MiB, None when unlimited
    or unknown (Windows, macOS without RLIMIT_AS)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    limit = getattr(resource, "RLIMIT_AS", None)
    if limit is None:
        return None
    soft, _hard = resource.getrlimit(limit)
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    return soft // (1024 * 1024)


def not_enough_memory_message(limit_mib: int | None = None) -> str:
    """A sentence for the user when the address space is too small for PyTorch, else ""."""
    if limit_mib is None:
        limit_mib = address_space_limit_mib()
    if limit_mib is None or limit_mib >= TORCH_ADDRESS_SPACE_MIB:
        return ""
    return (
        f"Not enough memory to load the network: this session allows {limit_mib} MiB of "
        f"address space (ulimit -v), and PyTorch needs about {TORCH_ADDRESS_SPACE_MIB} MiB. "
        "Raise the limit (or close other programs) and start lenet-gui again."
    )


def is_out_of_memory(exc: BaseException) -> bool:
    """True for the errors a too-small address space gives while loading torch or a model."""
    if isinstance(exc, MemoryError):
        return True
    text = str(exc)
    return isinstance(exc, (ImportError, OSError, RuntimeError)) and any(
        s in text for s in ("failed to map segment", "Cannot allocate memory", "std::bad_alloc")
    )
