"""Whole-number accuracy of `segmentation.read_drawing` (and `read_image`) on numbers composed
from the dev pen digits.

Numbers of 2-5 digits, half by one writer and half by several, written side by side at one
height with gaps from touching to wide and a little baseline jitter, on a wide canvas
(`drawn_digits.compose_number`, fixed seed). Prints, per length: numbers read whole and right,
the share split into the wrong count of digits, and the natural ceiling (per-digit accuracy of
the same digits read one by one, to the power of the length). Also: how single pen digits fare
(read as one digit, and the same digit as `classify_drawings`).

    python benchmarks/bench_numbers.py [--per-length 250] [--seed 1] [--images]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PEN_DIGITS = Path(
    os.environ.get("LENET_PEN_DIGITS", ROOT.parent / "shared/data/pen-digits/unipen_dev.json.gz")
)


def compose(digits, per_length: int, seed: int):
    """(label string, Drawing, the digits' own drawings) for each composed number."""
    from lenet_gui.drawn_digits import compose_number

    rng = np.random.default_rng(seed)
    by_writer = defaultdict(list)
    for d in digits:
        by_writer[d.writer].append(d)
    writers = [w for w, ds in by_writer.items() if len(ds) >= 5]
    numbers = []
    for length in range(2, 6):
        for k in range(per_length):
            one_writer = k % 2 == 0
            pool = by_writer[writers[rng.integers(len(writers))]] if one_writer else digits
            chosen = [pool[i] for i in rng.choice(len(pool), size=length, replace=False)]
            label = "".join(str(d.label) for d in chosen)
            numbers.append((label, compose_number(chosen, rng), chosen))
    return numbers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-length", type=int, default=250, help="numbers of each length")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--images", action="store_true", help="also read them as images")
    parser.add_argument("--singles", type=int, default=5000, help="single pen digits to check")
    parser.add_argument("--checkpoint", help="default: the bundled model")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    from lenet_gui import paths
    from lenet_gui.checkpoint import load_checkpoint
    from lenet_gui.drawn_digits import load_pen_digits, pen_drawings
    from lenet_gui.inference import classify_drawings
    from lenet_gui.preprocess import Drawing, render_drawing
    from lenet_gui.segmentation import read_drawings, read_images

    model = load_checkpoint(args.checkpoint or paths.bundled_checkpoint()).model
    digits = load_pen_digits(PEN_DIGITS)
    numbers = compose(digits, args.per_length, args.seed)

    readers = [("strokes", lambda ds: read_drawings(model, ds))]
    if args.images:
        readers.append(
            ("image", lambda ds: read_images(model, [255 - render_drawing(d) for d in ds]))
        )
    # The ceiling: each digit of each number read alone, its strokes where they are in the number.
    singles_of = {}
    for _, drawing, chosen in numbers:
        alone, first = [], 0
        for d in chosen:
            strokes = drawing.strokes[first : first + len(d.strokes)]
            first += len(d.strokes)
            alone.append(Drawing(drawing.width, drawing.height, strokes, drawing.pen_width))
        preds = classify_drawings(model, alone)
        singles_of[id(chosen)] = [p.digit == d.label for p, d in zip(preds, chosen, strict=True)]
    per_digit = np.mean([ok for v in singles_of.values() for ok in v])
    for name, read in readers:
        started = time.perf_counter()
        right, miscount, total = defaultdict(int), defaultdict(int), defaultdict(int)
        readings = read([drawing for _, drawing, _ in numbers])
        for (label, _, _), reading in zip(numbers, readings, strict=True):
            n = len(label)
            total[n] += 1
            right[n] += reading.number == label
            miscount[n] += len(reading.digits) != n
        elapsed = time.perf_counter() - started
        each = 1000 * elapsed / len(numbers)
        print(f"{name}: {len(numbers)} numbers, seed {args.seed}, {each:.1f} ms each")
        print(f"{'length':>8}{'read right':>12}{'wrong count':>13}{'ceiling':>10}")
        for n in sorted(total):
            ceiling = np.mean(
                [
                    all(v)
                    for (lab, _, c), v in ((x, singles_of[id(x[2])]) for x in numbers)
                    if len(lab) == n
                ]
            )
            print(
                f"{n:>8}{100 * right[n] / total[n]:>11.1f}%{100 * miscount[n] / total[n]:>12.1f}%"
                f"{100 * ceiling:>9.1f}%"
            )
        all_right = sum(right.values()) / len(numbers)
        all_miscount = sum(miscount.values()) / len(numbers)
        print(
            f"{'2-5':>8}{100 * all_right:>11.1f}%{100 * all_miscount:>12.1f}%"
            f"{100 * np.mean([all(v) for v in singles_of.values()]):>9.1f}%"
            f"   (per-digit accuracy alone {100 * per_digit:.2f}%)"
        )
    if args.singles:
        sample = digits[: args.singles]
        drawings = pen_drawings(sample)
        alone = classify_drawings(model, drawings)
        one = same = 0
        for reading, prediction in zip(read_drawings(model, drawings), alone, strict=True):
            one += len(reading.digits) == 1
            same += reading.number == str(prediction.digit)
        print(
            f"single pen digits ({len(sample)}): read as one digit {one} "
            f"({100 * one / len(sample):.2f}%), the same digit as a single-digit reading {same}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
