"""Print the newest glibc symbol version that any ELF file in a folder needs (the packaged
app's real requirement: PyInstaller bundles libraries from the build machine, so the oldest
Linux it runs on is set by the newest `GLIBC_2.x` they reference), and the files needing it.

    python scripts/glibc_needed.py dist/lenet-gui

Reads the dynamic symbol tables with `objdump -T` (binutils, which the build needs anyway).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

VERSION = re.compile(r"\bGLIBC_(\d+)\.(\d+)(?:\.(\d+))?\b")


def needed(path: Path) -> set[tuple[int, ...]]:
    done = subprocess.run(["objdump", "-T", str(path)], capture_output=True, text=True)
    if done.returncode != 0:  # not an ELF file
        return set()
    return {
        tuple(int(g) for g in m.groups() if g is not None)
        for line in done.stdout.splitlines()
        if " UND " in line or "*UND*" in line
        for m in VERSION.finditer(line)
    }


def main(folder: str) -> int:
    by_file = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as fh:
                if fh.read(4) != b"\x7fELF":
                    continue
            versions = needed(path)
            if versions:
                by_file[path] = max(versions)
    if not by_file:
        print(f"no ELF files in {folder}")
        return 1
    newest = max(by_file.values())
    print(f"newest glibc needed: {'.'.join(map(str, newest))} ({len(by_file)} ELF files)")
    for path, version in sorted(by_file.items()):
        if version == newest:
            print(f"  {path.relative_to(folder)}")
    rest = [v for v in by_file.values() if v != newest]
    if rest:
        below = max(rest)
        print(f"without those: {'.'.join(map(str, below))}, needed by:")
        for path, version in sorted(by_file.items()):
            if version == below:
                print(f"  {path.relative_to(folder)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "dist/lenet-gui"))
