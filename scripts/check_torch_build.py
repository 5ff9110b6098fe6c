"""Refuse to bundle a CUDA build of torch by accident (run by scripts/build_app.sh).

On Linux an unpinned `pip install torch` from PyPI is the CUDA build: the frozen app would then
carry its nvidia-* libraries and triton, several GB, for a network that runs on the CPU. Exit
status 1 with what it would cost, unless LENET_ALLOW_CUDA=1 says it is wanted.
"""

from __future__ import annotations

import contextlib
import os
import sys
from importlib import metadata

ALLOW_ENV = "LENET_ALLOW_CUDA"


def gpu_packages_bytes() -> dict[str, int]:
    """Installed size of each nvidia-* / triton distribution (what a CUDA torch pulls in)."""
    sizes = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower()
        if name.startswith("nvidia-") or name == "triton":
            total = 0
            for file in dist.files or ():
                with contextlib.suppress(OSError):  # a file listed but gone
                    total += os.path.getsize(dist.locate_file(file))
            sizes[name] = total
    return sizes


def check(cuda: str | None, version: str, allowed: bool, sizes: dict[str, int]) -> tuple[int, str]:
    """(exit status, message) for a torch of `version` built for `cuda` (None: CPU)."""
    if not cuda:
        return 0, f"torch {version}: CPU build, good to bundle"
    extra = sum(sizes.values()) / 2**30
    cost = (
        f"its GPU libraries ({len(sizes)} nvidia-*/triton packages) take {extra:.1f} GiB more"
        if sizes
        else "its CUDA libraries make the bundle several GB larger"
    )
    if allowed:
        return 0, f"warning: torch {version} is a CUDA {cuda} build: {cost} ({ALLOW_ENV}=1)"
    return 1, (
        f"error: torch {version} is a CUDA {cuda} build: {cost}. Install the CPU build first "
        f"(pip install torch==2.13.0 --extra-index-url https://download.pytorch.org/whl/cpu), "
        f"or set {ALLOW_ENV}=1 to bundle it anyway."
    )


def main() -> int:
    import torch

    allowed = os.environ.get(ALLOW_ENV) == "1"
    status, message = check(torch.version.cuda, torch.__version__, allowed, gpu_packages_bytes())
    print(message, file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
