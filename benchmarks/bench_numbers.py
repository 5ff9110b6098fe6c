"""Whole-number accuracy of `segmentation.read_drawing` (and `read_image`) on numbers composed
from the dev pen digits.

Numbers of 2-5 digits, half by one writer and half by several, written side by side at one
height with gaps from touching to wide and a little baseline jitter, on a wide canvas
(`drawn_digits.compose_number`, fixed seed). Prints, per length: numbers read whole and right,
the share split into the wrong count of digits (digits of the number: a part judged "not a
digit" is none), and the natural ceiling (per-digit accuracy of
the same digits read one by one, to the power of the length). A number is read right when its
`number` (the parts whose verdict in the number names a digit, `number_verdict.py`) is the
digits written. Also: how single pen digits fare (read as one digit, and the same digit as
`classify_drawings`).

--writers held-out composes numbers only from the writers `rejection.writer_split` holds out
(never trained or fitted on): the honest figure for a model trained on some pen writers.

--marks N adds N numbers of 2-4 digits with one non-digit mark between two digits, for each kind
of mark: a pen-drawn letter or symbol (the non-confusable ones of the writers that outlier
exposure never trained on), a dot on the baseline, a dash at mid-height. Prints, for each policy
of verdicts on the parts, the numbers read right and how many marks it keeps out of the number:
every part read as its best digit; each part's verdict alone (`verdict.decide`); the verdict in
the number (`number_verdicts`, shipped) with its DIGIT_ODDS and with the odds of --odds.

    python benchmarks/bench_numbers.py [--per-length 250] [--seed 1] [--images]
        [--writers all|held-out] [--marks 200] [--odds 1,9]
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
MARKS = ("letter", "dot", "dash")


def by_writer(glyphs) -> dict:
    groups = defaultdict(list)
    for g in glyphs:
        groups[g.writer].append(g)
    return groups


def choose(digits, length: int, one_writer: bool, rng) -> list:
    """`length` different pen digits, of one writer (with 5 digits or more) or of several."""
    writers = {w: ds for w, ds in by_writer(digits).items() if len(ds) >= 5}
    names = sorted(writers)
    pool = writers[names[rng.integers(len(names))]] if one_writer else digits
    return [pool[i] for i in rng.choice(len(pool), size=length, replace=False)]


def compose(digits, per_length: int, seed: int):
    """(label string, Drawing, the digits' own drawings) for each composed number."""
    from lenet_gui.data.drawn_digits import compose_number

    rng = np.random.default_rng(seed)
    numbers = []
    for length in range(2, 6):
        for k in range(per_length):
            chosen = choose(digits, length, k % 2 == 0, rng)
            label = "".join(str(d.label) for d in chosen)
            numbers.append((label, compose_number(chosen, rng), chosen))
    return numbers


def compose_marked(digits, letters, count: int, mark: str, seed: int):
    """(label of the digits, Drawing) for `count` numbers of 2-4 digits with one `mark` between
    two of them (`drawn_digits.compose_with_mark`; a letter is written like a digit)."""
    from lenet_gui.data.drawn_digits import compose_number, compose_with_mark

    rng = np.random.default_rng([seed, MARKS.index(mark)])
    numbers = []
    for k in range(count):
        chosen = choose(digits, int(rng.integers(2, 5)), k % 2 == 0, rng)
        at = int(rng.integers(1, len(chosen)))  # between two digits
        label = "".join(str(d.label) for d in chosen)
        if mark == "letter":
            glyphs = [*chosen[:at], letters[rng.integers(len(letters))], *chosen[at:]]
            numbers.append((label, compose_number(glyphs, rng)))
        else:
            numbers.append((label, compose_with_mark(chosen, mark, at, rng)))
    return numbers


def policy_numbers(reading, rejector, odds_list) -> dict[str, str | None]:
    """The number a reading gives under each policy of verdicts on its parts."""
    from lenet_gui.reading.number_verdict import DIGIT_ODDS, number_verdicts

    def joined(digits) -> str | None:
        return "".join(str(d) for d in digits if d is not None) or None

    parts = reading.digits
    alone = [d.alone for d in parts]
    prepared = [d.prepared for d in parts]
    numbers = {
        "every part": joined(d.digit for d in parts),
        "alone": joined(v.digit for v in alone),
        f"in the number (odds {DIGIT_ODDS:g})": reading.number,
    }
    for odds in odds_list:
        verdicts = number_verdicts(alone, prepared, rejector, odds=odds)
        numbers[f"in the number, odds {odds:g}"] = joined(v.digit for v in verdicts)
    return numbers


def print_policies(model, numbers, marked, odds_list) -> None:
    """Numbers read right, digit parts left out, marks kept out, per policy."""
    from lenet_gui.reading.segmentation import read_drawings

    readings = read_drawings(model, [drawing for _, drawing, _ in numbers])
    right, left_out, parts = defaultdict(int), defaultdict(int), 0
    for (label, _, _), reading in zip(numbers, readings, strict=True):
        counted = len(reading.digits) == len(label)
        parts += len(label) if counted else 0
        for name, number in policy_numbers(reading, model.rejector, odds_list).items():
            right[name] += number == label
            if counted:  # parts that are the digits written, one each: how many are left out
                left_out[name] += len(label) - len(number or "")
    kept_out = defaultdict(lambda: defaultdict(int))
    marked_right = defaultdict(lambda: defaultdict(int))
    for mark, cases in marked.items():
        marked_readings = read_drawings(model, [drawing for _, drawing in cases])
        for (label, _), reading in zip(cases, marked_readings, strict=True):
            for name, number in policy_numbers(reading, model.rejector, odds_list).items():
                kept_out[name][mark] += len(number or "") == len(label)
                marked_right[name][mark] += number == label
    header = "".join(f"{m + ' out/right':>17}" for m in marked)
    print(f"\npolicy ({len(numbers)} numbers){'read right':>20}{'digits out':>12}{header}")
    for name in right:
        marks = "".join(
            f"{100 * kept_out[name][m] / len(c):>9.1f}%/{100 * marked_right[name][m] / len(c):.1f}%"
            for m, c in marked.items()
        )
        print(
            f"{name:<34}{100 * right[name] / len(numbers):>7.1f}%"
            f"{100 * left_out[name] / max(parts, 1):>11.2f}%{marks}"
        )
    if marked:
        print(
            f"(marks: {', '.join(f'{len(c)} {m}s' for m, c in marked.items())}; out: the number "
            "has as many digits as were written; right: it is exactly the digits written)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-length", type=int, default=250, help="numbers of each length")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--images", action="store_true", help="also read them as images")
    parser.add_argument("--singles", type=int, default=5000, help="single pen digits to check")
    parser.add_argument("--checkpoint", help="default: the bundled model")
    parser.add_argument(
        "--writers",
        choices=("all", "held-out"),
        default="all",
        help="compose numbers from all writers' digits or only the held-out writers'",
    )
    parser.add_argument("--marks", type=int, default=0, help="numbers with each kind of mark")
    parser.add_argument(
        "--odds", default="", help="comma-separated DIGIT_ODDS of number_verdicts to compare"
    )
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    from lenet_gui.data.drawn_digits import load_pen_digits, pen_drawings
    from lenet_gui.preprocessing.preprocess import Drawing, render_drawing
    from lenet_gui.reading.inference import classify_drawings
    from lenet_gui.reading.segmentation import read_drawings, read_images
    from lenet_gui.retrain.checkpoint import load_checkpoint
    from lenet_gui.retrain.rejection import held_out_digits, load_pen_characters, writer_split
    from lenet_gui.system import paths

    model = load_checkpoint(args.checkpoint or paths.bundled_checkpoint()).model
    digits = load_pen_digits(PEN_DIGITS)
    if args.writers == "held-out":
        digits = held_out_digits(digits)
    writers = len({d.writer for d in digits})
    print(f"{len(digits)} pen digits of {writers} writers ({args.writers})")
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
            miscount[n] += len(reading.number or "") != n  # parts tagged "not a digit" aside
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
    if args.marks or args.odds:
        marked = {}
        if args.marks:
            split = {"all": ("dev", "held-out"), "held-out": ("held-out",)}[args.writers]
            characters = load_pen_characters(PEN_DIGITS.parent / "unipen_nondigits_dev.json.gz")
            letters = [
                c for c in characters if not c.confusable and writer_split(c.writer) in split
            ]
            marked = {m: compose_marked(digits, letters, args.marks, m, args.seed) for m in MARKS}
        odds_list = [float(f) for f in args.odds.split(",") if f.strip()]
        print_policies(model, numbers, marked, odds_list)
    if args.singles:
        sample = digits[: args.singles]
        drawings = pen_drawings(sample)
        alone = classify_drawings(model, drawings)
        one = same = 0
        for reading, prediction in zip(read_drawings(model, drawings), alone, strict=True):
            one += len(reading.digits) == 1
            digit = prediction.verdict.digit
            same += reading.number == (None if digit is None else str(digit))
        print(
            f"single pen digits ({len(sample)}): read as one digit {one} "
            f"({100 * one / len(sample):.2f}%), the same reading as a single drawing's verdict "
            f"{same}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
