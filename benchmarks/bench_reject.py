"""Readings people can trust: "not a digit", calibration, and the photo/scan cases of issue 8.

Prints, for a checkpoint (default: the bundled model):
- the share of non-confusable pen non-digits given a firm digit (verdict "digit"), by writer
  split: train writers were used as negatives, dev writers fitted the temperature and threshold,
  held-out writers were never used (the figure that counts);
- pen digits read right (verdict digit = label, firm or unsure), read right firmly, and the
  network's plain accuracy (argmax), by writer split and on all dev pen digits (the held-out
  writers' figure is the one that counts: a model trained with `--train-pen` saw the train
  writers' digits);
- MNIST test accuracy;
- expected calibration error (ECE) on the pen digits, before (T = 1) and after calibration;
- three reject statistics compared (top probability, top score, energy) at the same share of
  dev digits kept;
- the verdict on each drawn shape and photo/scan case of issue 8 (made by the tests).

    python benchmarks/bench_reject.py [--checkpoint FILE] [--threads 1]

Needs LENET_MNIST_DIR, and the pen data (LENET_PEN_DIGITS; the non-digits file beside it).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the cases are made by the tests, once

from lenet_gui import paths  # noqa: E402
from lenet_gui.calibration import expected_calibration_error, softmax  # noqa: E402
from lenet_gui.checkpoint import load_checkpoint  # noqa: E402
from lenet_gui.drawn_digits import load_pen_digits  # noqa: E402
from lenet_gui.inference import classify_drawings, classify_images  # noqa: E402
from lenet_gui.mnist import load_mnist  # noqa: E402
from lenet_gui.rejection import (  # noqa: E402
    SPLITS,
    load_pen_characters,
    read_pen_characters,
    read_pen_digits,
)
from lenet_gui.train import evaluate  # noqa: E402
from lenet_gui.verdict import rejector_settings  # noqa: E402

# Scores whose low values say "not a digit" (logits (N, 10), temperature) -> (N,).
STATISTICS = {
    "top calibrated probability (the verdict's)": lambda z, t: softmax(z, t).max(1),
    "top score (RBF: minus the nearest distance)": lambda z, t: z.max(1),
    "energy (log-sum-exp of the scores)": lambda z, t: np.logaddexp.reduce(
        z.astype(np.float64), axis=1
    ),
}


def percent(x: float) -> str:
    return f"{100 * x:6.2f}%"


def cases():
    """(name, expected, kind of input, input) for each case of the issue."""
    import test_photo as photo
    import test_verdict as drawn

    rng = np.random.default_rng(0)
    out = [("click (a dot)", "not a digit / blank", "drawing", drawn.CLICK)]
    out.append(("dash", "not a digit / blank", "drawing", drawn.DASH))
    for name in sorted(drawn.SHAPES):
        out.append((name, "not a digit / unsure", "drawing", drawn.shape_drawing(name)))
    paper = 235 + rng.integers(-2, 3, (200, 200))
    out.append(("blank paper 235+-2", "blank", "image", photo.to_image(paper)))
    grain = 225 + rng.normal(0, 6, (600, 800))
    out.append(("800x600 grainy JPEG", "blank", "image", photo.jpeg(photo.to_image(grain))))
    out.append(("5 under a light gradient", "5", "image", photo.gradient_five()))
    for digit in (4, 5, 6, 7):
        for speck in (False, True):
            name = f"2000x1500 photo, {digit}" + (" + 5x5 speck" if speck else "")
            out.append((name, str(digit), "image", photo.large_photo(digit, speck)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default=str(paths.bundled_checkpoint()))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    default_pen = REPO.parent / "shared" / "data" / "pen-digits" / "unipen_dev.json.gz"
    pen_file = Path(os.environ.get("LENET_PEN_DIGITS", default_pen))
    loaded = load_checkpoint(args.checkpoint)
    model = loaded.model
    print(f"checkpoint: {loaded.path}")
    print(f"rejector: {model.rejector or 'none (fallback ' + str(rejector_settings(None)) + ')'}")

    characters = load_pen_characters(pen_file.with_name("unipen_nondigits_dev.json.gz"))
    chars = read_pen_characters(model, characters)
    scored = np.array([not c.confusable for c in characters])
    print("\nnon-confusable pen non-digits given a firm digit (target <= 10%):")
    for split in SPLITS:
        chosen = scored & (chars.splits == split)
        firm = (chars.kinds[chosen] == "digit").mean()
        print(f"  {split:<9} writers: {percent(firm)} of {chosen.sum()}")
    confusable = ~scored
    print(f"  (confusable, not scored: {percent((chars.kinds[confusable] == 'digit').mean())})")
    held = scored & (chars.splits == SPLITS[2]) & (chars.kinds == "digit")
    firm = Counter(f"{characters[i].label}->{chars.digits[i]}" for i in np.flatnonzero(held))
    print(f"  held-out, most often: {', '.join(f'{k} ({n})' for k, n in firm.most_common(8))}")

    digits = load_pen_digits(pen_file)
    pen = read_pen_digits(model, digits)
    labels = np.array([d.label for d in digits])
    print("\npen digits by writer split (target: read right >= 98%, on the held-out writers;")
    print("a model trained with `train --train-pen` has seen the train writers' digits):")
    groups = [(split, pen.splits == split) for split in SPLITS]
    groups.append(("all dev", np.ones(len(labels), bool)))
    for name, chosen in groups:
        right = (pen.digits[chosen] == labels[chosen]).mean()
        firm = ((pen.kinds[chosen] == "digit") & (pen.digits[chosen] == labels[chosen])).mean()
        argmax = (pen.logits[chosen].argmax(1) == labels[chosen]).mean()
        rejected = (pen.kinds[chosen] == "not a digit").mean()
        print(
            f"  {name:<9}: read right {percent(right)}, firmly {percent(firm)}, "
            f"network argmax {percent(argmax)}, called not a digit {percent(rejected)} "
            f"({chosen.sum()} digits)"
        )
    temperature = rejector_settings(model.rejector)["temperature"]
    for name, chosen in groups:
        raw = expected_calibration_error(softmax(pen.logits[chosen]), labels[chosen])
        cal = expected_calibration_error(softmax(pen.logits[chosen], temperature), labels[chosen])
        if name == "train":
            continue
        print(f"  ECE {name:<9}: {100 * raw:.2f} points at T=1, {100 * cal:.2f} at T={temperature}")

    print("\nreject statistics compared: held-out non-confusable non-digits above a threshold")
    print("that keeps 99% of the dev writers' pen digits (before the shape and unsure rules):")
    dev = (pen.splits == SPLITS[1]) & (pen.kinds != "blank")
    others = scored & (chars.splits == SPLITS[2]) & (chars.kinds != "blank")
    held_digits = (pen.splits == SPLITS[2]) & (pen.kinds != "blank")
    for name, score in STATISTICS.items():
        threshold = np.quantile(score(pen.logits[dev], temperature), 0.01)
        passed = (score(chars.logits[others], temperature) >= threshold).mean()
        kept = (score(pen.logits[held_digits], temperature) >= threshold).mean()
        print(f"  {name:<46} non-digits {percent(passed)}, held-out digits kept {percent(kept)}")

    images, mnist_labels = load_mnist(paths.default_mnist_dir(None), "test")
    accuracy = evaluate(model, images, mnist_labels).accuracy
    print(f"\nMNIST test accuracy (target >= 99.3%): {100 * accuracy:.2f}%")

    print("\nthe cases of issue 8 (expected -> verdict):")
    for name, expected, kind, item in cases():
        classify = classify_drawings if kind == "drawing" else classify_images
        verdict = classify(model, [item])[0].verdict
        said = verdict.kind if verdict.digit is None else f"{verdict.kind} {verdict.digit}"
        print(f"  {name:<32} {expected:<22} -> {said} ({100 * verdict.confidence:.0f}%)")


if __name__ == "__main__":
    main()
