"""The app as users on other desktops run it: Turkish and German locales, a dark palette, small
and scaled screens. Each case starts the app in a fresh process (tests/desktop_probe.py), since
the locale, the scale factor and the screen are fixed when Qt starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT
from test_ui_startup import installed_locale

CASES = {
    # name: (environment, probe arguments)
    "turkish-800x600": ({"LANG": "tr_TR.UTF-8", "LC_ALL": "tr_TR.UTF-8"}, ["--screen", "800x600"]),
    "german-dark": ({"LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8"}, ["--dark"]),
    "scale-2": ({"QT_SCALE_FACTOR": "2"}, ["--screen", "1600x1000"]),
    "640x480": ({}, ["--screen", "640x480"]),
    # The Explain dock open (key X) on small screens: it takes the place of the maps panel
    # (and at 640x480 of the prediction panel too) rather than squeezing them into a scroll.
    "explain-800x600": ({}, ["--screen", "800x600", "--explain"]),
    "explain-640x480": ({}, ["--screen", "640x480", "--explain"]),
}


def probe(tmp_path, env_extra: dict, args: list[str]) -> dict:
    env = {
        **os.environ,
        "LENET_GUI_DATA_DIR": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PYTHONPATH": str(ROOT),
        **env_extra,
    }
    env.pop("QT_QPA_PLATFORM", None)  # the probe sets its own screen
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "desktop_probe.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[0][len("PROBE ") :])


@pytest.mark.parametrize("case", list(CASES))
def test_the_app_fits_reads_well_and_names_its_widgets(tmp_path, case):
    env_extra, args = CASES[case]
    lang = env_extra.get("LANG")
    if lang and not installed_locale(lang):
        pytest.skip(f"locale {lang} is not generated here (.ci/run generates it)")
    report = probe(tmp_path, env_extra, args)
    if "--explain" in args:
        assert report["explain"] and report["heatmap_on_canvas"]
    if case == "scale-2":
        assert report["screen"] == [800, 500]  # 1600x1000 at 200%
    if case == "640x480":  # the scores and maps give way to the canvas (it was 216 px wide)
        assert min(report["canvas"]) >= 250, report["canvas"]
    for name, window in report["windows"].items():
        assert window["fits"], f"{name} window {window['geometry']} is off the screen"
    assert report["clipped"] == []
    assert report["sideways"] == []  # nothing reached only by scrolling sideways
    assert report["low_contrast"] == []
    assert report["painted_low_contrast"] == []
    assert report["unnamed"] == []
    images, rate = report["numbers"]  # one format whatever the locale: "10,000", "0.00050"
    assert images.endswith(" images an epoch") and "." not in images, images
    assert rate.startswith("0.") and "," not in rate, rate
