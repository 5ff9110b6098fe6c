"""Attribution maps of pen digits: their cost, their accuracy, and Captum's occlusion beside ours.

For each of the first N pen digits (their predicted class), prints medians and 90th percentiles of:
- the CPU time of one map (the thread's time, so a loaded machine inflates it little): our
  occlusion (patches over ink only), Captum's `Occlusion` (every patch position), and integrated
  gradients (Captum) with QUICK_GRADIENT_STEPS and GRADIENT_STEPS points and with --steps;
- integrated gradients' completeness gap (`attribution.completeness_gap`): |map sum - (score -
  blank's score)| / |score change|;
- the quick map's largest difference from a 512-point one, relative to that map's largest value.
One torch thread; the Captum import is timed separately.

    python benchmarks/bench_attribution.py [--digits 60] [--steps 48]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PEN_DIGITS = Path(
    os.environ.get("LENET_PEN_DIGITS", ROOT.parent / "shared/data/pen-digits/unipen_dev.json.gz")
)


def p90(values: list[float]) -> float:
    return sorted(values)[int(0.9 * (len(values) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=60, help="pen digits to explain")
    parser.add_argument("--steps", type=int, default=48, help="another number of IG points")
    args = parser.parse_args()
    if not PEN_DIGITS.is_file():
        sys.exit(f"no pen digits at {PEN_DIGITS}: set LENET_PEN_DIGITS")

    import numpy as np
    import torch

    from lenet_gui.data.drawn_digits import load_pen_digits, pen_drawings
    from lenet_gui.explain import attribution as attr
    from lenet_gui.preprocessing.preprocess import BACKGROUND_VALUE, prepare_drawing
    from lenet_gui.retrain.checkpoint import load_checkpoint
    from lenet_gui.system.paths import bundled_checkpoint

    torch.set_num_threads(1)
    started = time.perf_counter()
    captum = attr.load_captum()
    print(f"import captum.attr: {time.perf_counter() - started:.2f} s")
    model = load_checkpoint(bundled_checkpoint()).model.eval()
    inputs = [
        prepare_drawing(d).network_input
        for d in pen_drawings(load_pen_digits(PEN_DIGITS)[: args.digits])
    ]

    def captum_occlusion(x, target):
        occlusion = captum.Occlusion(lambda batch: model(batch)[:, target])
        with torch.no_grad():
            return occlusion.attribute(
                torch.from_numpy(x).reshape(1, 1, 32, 32),
                sliding_window_shapes=(1, attr.OCCLUSION_PATCH, attr.OCCLUSION_PATCH),
                strides=(1, attr.OCCLUSION_STRIDE, attr.OCCLUSION_STRIDE),
                baselines=BACKGROUND_VALUE,
                perturbations_per_eval=256,
            )[0, 0].numpy()

    targets = [int(np.argmax(attr.occlusion(model, x, 0).scores)) for x in inputs]
    methods = {
        "occlusion (ours, ink patches)": lambda x, t: attr.occlusion(model, x, t).map,
        "occlusion (Captum, every patch)": captum_occlusion,
    }
    for steps in sorted({attr.QUICK_GRADIENT_STEPS, attr.GRADIENT_STEPS, args.steps}):
        methods[f"integrated gradients, {steps} points"] = lambda x, t, s=steps: (
            attr.integrated_gradients(model, x, t, steps=s).map
        )
    maps: dict[str, list[np.ndarray]] = {}
    print(f"{len(inputs)} pen digits, torch threads {torch.get_num_threads()}")
    for name, method in methods.items():
        times, maps[name] = [], []
        for x, target in zip(inputs, targets, strict=True):
            method(x, target)  # warm
            began = time.thread_time()
            maps[name].append(method(x, target))
            times.append(1000 * (time.thread_time() - began))
        line = f"{name:<36} CPU median {statistics.median(times):5.1f} ms, p90 {p90(times):5.1f} ms"
        if name.startswith("integrated"):
            gaps = []
            for x, target, amap in zip(inputs, targets, maps[name], strict=True):
                scores = attr.occlusion(model, x, target).scores  # the same scores, any method
                done = attr.Attribution("gradient", target, None, scores, amap)
                gaps.append(attr.completeness_gap(model, done))
            line += (
                f"; completeness gap median {100 * statistics.median(gaps):.1f}%, "
                f"p90 {100 * p90(gaps):.1f}%"
            )
        print(line)
    ours, theirs = maps["occlusion (ours, ink patches)"], maps["occlusion (Captum, every patch)"]
    largest = max(float(np.abs(a - b).max()) for a, b in zip(ours, theirs, strict=True))
    print(f"occlusion, ours vs Captum's: largest difference {largest:.1e} (score units)")
    quick = maps[f"integrated gradients, {attr.QUICK_GRADIENT_STEPS} points"]
    differences = []
    for x, target, q in zip(inputs, targets, quick, strict=True):
        reference = attr.integrated_gradients(model, x, target, steps=512).map
        differences.append(float(np.abs(q - reference).max() / np.abs(reference).max()))
    print(
        f"quick map ({attr.QUICK_GRADIENT_STEPS} points) vs 512 points: largest difference "
        f"median {100 * statistics.median(differences):.1f}%, p90 {100 * p90(differences):.1f}% "
        "of the map's largest value"
    )
    print(f"load average (1 min): {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
