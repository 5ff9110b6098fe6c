"""Start-up time of the GUI: process start to window shown, and to the first prediction ready.

Starts `python -m lenet_gui` a few times with LENET_GUI_STARTUP_PROBE=exit, which makes the app
write a time stamp when the canvas is first painted and when the model has been loaded, warmed
up and used (then it quits). Times are measured from just before the process is started.
Offscreen by default; --display uses $DISPLAY (e.g. an Xvfb server) for a real window.

    python benchmarks/bench_startup.py [--runs 5] [--display]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = "lenet-gui-startup "


def one_run(display: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="lenet-gui-startup-") as tmp:
        env = {
            **os.environ,
            "LENET_GUI_STARTUP_PROBE": "exit",
            "LENET_GUI_DATA_DIR": str(Path(tmp) / "data"),  # never the user's files
            "XDG_CONFIG_HOME": str(Path(tmp) / "config"),
            "PYTHONPATH": str(ROOT),
        }
        if not display:
            env["QT_QPA_PLATFORM"] = "offscreen"
        started = time.time()
        done = subprocess.run(
            [sys.executable, "-m", "lenet_gui"],
            env=env,
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=300,
        )
        ended = time.time()
    if done.returncode != 0:
        raise SystemExit(f"lenet_gui failed ({done.returncode}):\n{done.stderr}")
    times = {"process exited": ended - started}
    for line in done.stderr.splitlines():
        if line.startswith(PROBE):
            event = json.loads(line[len(PROBE) :])
            times[event["event"]] = event["time"] - started
            if event["event"] == "window_shown" and event.get("torch_imported"):
                print("warning: torch was imported before the window was shown")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--display", action="store_true", help="use $DISPLAY, not offscreen")
    args = parser.parse_args()
    runs = [one_run(args.display) for _ in range(args.runs)]
    where = f"DISPLAY={os.environ.get('DISPLAY')}" if args.display else "offscreen"
    print(f"{args.runs} runs, {where}, seconds from process start:")
    for event, label in (
        ("window_shown", "window shown (first paint)"),
        ("model_ready", "first prediction ready"),
        ("process exited", "process exited"),
    ):
        values = [r[event] for r in runs if event in r]
        print(
            f"  {label:<28} median {statistics.median(values):5.2f}   "
            f"min {min(values):5.2f}   max {max(values):5.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
