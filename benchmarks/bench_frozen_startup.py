"""How long does the frozen app take to start: process start to window shown, and to the model
being ready to classify a drawing (the first prediction)?

Runs dist/lenet-gui/lenet-gui (built by scripts/build_app.sh) under its own Xvfb server with
LENET_GUI_STARTUP_PROBE=exit, so the app writes a JSON line per start-up event to stderr
(`window_shown` at the canvas's first paint, `model_ready` once the model is loaded) and quits.
Times are wall-clock seconds from just before the process was started. Each run gets an empty
user data folder, as a first start after installing would.

    python benchmarks/bench_frozen_startup.py [--app dist/lenet-gui/lenet-gui] [--runs 5]

The first run reads the bundle from disk; later ones find it in the page cache (a warm start).
On a machine shared with other work the figures are noisy: look at the median and the spread.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROBE_ENV = "LENET_GUI_STARTUP_PROBE"
PROBE_PREFIX = "lenet-gui-startup "
READY_EVENTS = ("first_prediction", "model_ready")  # the first one the app reports is used


def start_xvfb() -> tuple[subprocess.Popen, str]:
    """A private X server (`-displayfd` picks a free display number)."""
    if shutil.which("Xvfb") is None:
        raise SystemExit("Xvfb is not installed (apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24",
                               "-nolisten", "tcp"], pass_fds=(write_fd,),
                              stderr=subprocess.DEVNULL)  # fmt: skip
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        raise SystemExit("Xvfb did not start")
    return server, f":{number}"


def one_run(app: Path, display: str, timeout: float) -> dict[str, float]:
    """Start the app once; seconds from process start to each start-up event."""
    with tempfile.TemporaryDirectory(prefix="lenet-startup-") as data:
        env = dict(os.environ, DISPLAY=display, LENET_GUI_DATA_DIR=data, **{PROBE_ENV: "exit"})
        env.pop("QT_QPA_PLATFORM", None)  # a real (X11) window, not offscreen
        started = time.time()
        proc = subprocess.Popen([str(app)], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            raise SystemExit(f"no start-up report within {timeout:.0f} s:\n{err}") from None
        ended = time.time()
    events = {}
    for line in err.splitlines():
        if line.startswith(PROBE_PREFIX):
            record = json.loads(line[len(PROBE_PREFIX) :])
            events.setdefault(record["event"], record["time"] - started)
    if "window_shown" not in events:
        raise SystemExit(f"no window_shown event (exit code {proc.returncode}):\n{err}")
    ready = next((events[name] for name in READY_EVENTS if name in events), None)
    if ready is None:
        raise SystemExit(f"no model-ready event (exit code {proc.returncode}):\n{err}")
    return {"window_shown": events["window_shown"], "first_prediction": ready,
            "process_exit": ended - started}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", type=Path, default=REPO / "dist" / "lenet-gui" / "lenet-gui")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    if not args.app.is_file():
        raise SystemExit(f"{args.app} not found: build it with scripts/build_app.sh")

    server, display = start_xvfb()
    try:
        runs = []
        for number in range(1, args.runs + 1):
            run = one_run(args.app, display, args.timeout)
            runs.append(run)
            print(f"run {number}: window shown {run['window_shown']:.2f} s, first prediction "
                  f"ready {run['first_prediction']:.2f} s", flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)

    print(f"\n{args.app} ({os.cpu_count()} CPUs, {len(runs)} runs; run 1 may be a cold start)")
    summary = {}
    labels = {"window_shown": "process start -> window shown",
              "first_prediction": "process start -> first prediction ready"}  # fmt: skip
    for key, label in labels.items():
        values = [run[key] for run in runs]
        summary[key] = {"median": statistics.median(values), "min": min(values),
                        "max": max(values)}  # fmt: skip
        print(f"{label:<42} median {summary[key]['median']:.2f} s "
              f"(min {min(values):.2f}, max {max(values):.2f})")  # fmt: skip
    if args.json:
        print(json.dumps({"runs": runs, "summary": summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
