"""Readings people can trust: "not a digit", calibration, and the photo/scan cases of issue 8.

Prints, for a checkpoint (default: the bundled model):
- the share of non-confusable pen non-digits given a firm digit (verdict "digit"), by writer
  split: train writers were used as negatives, dev writers fitted the temperature and threshold,
  held-out writers were never used (the figure that counts); and what the verdict says of the
  held-out writers' ("not a digit", "unsure" with a guess, a firm digit);
- pen digits read right (verdict digit = label, firm or unsure), read right firmly, and the
  network's plain accuracy (argmax), by writer split and on all dev pen digits (the held-out
  writers' figure is the one that counts: a model trained with `--train-pen` saw the train
  writers' digits);
- MNIST test accuracy;
- expected calibration error (ECE) on the pen digits, before (T = 1) and after calibration;
- candidate reject statistics from the literature (`lenet_gui/retrain/reject_statistics.py`: max
  logit, energy, Mahalanobis distance on C5 and F6, kNN distance on F6, a logistic combination),
  each in place of the verdict's top probability with the same shape and unsure rules, its
  threshold keeping the same share of the dev writers' digits: held-out writers' non-digits given a
  firm digit and pen digits read right, over `--placements` canvas placements of each drawing, with
  a writer-level bootstrap interval of the difference from the verdict's statistic (and of the
  verdict's own figures); feature-space
  statistics are fitted on MNIST train and the train writers' pen digits only;
- the verdict on each drawn shape and photo/scan case of issue 8 (made by the tests).

    python benchmarks/bench_reject.py [--checkpoint FILE] [--threads 1] [--placements 5]

Needs LENET_MNIST_DIR, and the pen data (LENET_PEN_DIGITS; the non-digits file beside it).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the cases are made by the tests, once

from lenet_gui.data.drawn_digits import load_pen_digits  # noqa: E402
from lenet_gui.data.mnist import load_mnist  # noqa: E402
from lenet_gui.reading.calibration import expected_calibration_error, softmax  # noqa: E402
from lenet_gui.reading.inference import classify_drawings, classify_images  # noqa: E402
from lenet_gui.reading.verdict import FIRM_PROBABILITY, UNSURE_RATIO, rejector_settings  # noqa: E402
from lenet_gui.retrain.checkpoint import load_checkpoint  # noqa: E402
from lenet_gui.retrain.reject_statistics import (  # noqa: E402
    FEATURE_LAYERS,
    energy,
    fit_class_gaussians,
    fit_logistic,
    knn_score,
    layer_features,
    max_logit,
    top_probability,
)
from lenet_gui.retrain.rejection import (  # noqa: E402
    KEEP_DIGITS,
    SPLITS,
    load_pen_characters,
    read_pen_characters,
    read_pen_digits,
)
from lenet_gui.system import paths  # noqa: E402
from lenet_gui.training.train import evaluate, ink_fields, to_network_input  # noqa: E402

# The dev writers' share of pen digits each statistic's threshold keeps, in the comparison.
KEEP_SHARES = (0.995, 0.99, 0.985)
# MNIST training images in the kNN statistic's bank (with the train writers' pen digits).
KNN_BANK = 10000
KNN_K = 10
BOOTSTRAP = 1000


@dataclass
class Pooled:
    """Readings of every placement, concatenated: logits (N, 10), features, labels, writers,
    splits, blank and shape flags, calibrated probabilities."""

    logits: np.ndarray
    features: dict
    labels: np.ndarray
    writers: np.ndarray
    splits: np.ndarray
    blank: np.ndarray
    shaped: np.ndarray
    kinds: np.ndarray
    probs: np.ndarray


def pooled(readings, labels, writers, temperature) -> Pooled:
    """One Pooled from the Readings of several placements of the same items."""
    n = len(readings)
    logits = np.concatenate([r.logits for r in readings])
    return Pooled(
        logits,
        {k: np.concatenate([r.features[k] for r in readings]) for k in readings[0].features},
        np.concatenate([labels] * n),
        np.concatenate([writers] * n),
        np.concatenate([r.splits for r in readings]),
        np.concatenate([r.kinds == "blank" for r in readings]),
        np.concatenate([r.shaped for r in readings]),
        np.concatenate([r.kinds for r in readings]),
        softmax(logits, temperature),
    )


def outcomes(data: Pooled, score: np.ndarray, threshold: float):
    """What the verdict's rules give with `score` in place of its statistic (verdict.decide:
    blank, then the shape rules, then the threshold, then the unsure band: a close runner-up or
    a top probability below FIRM_PROBABILITY): (firm, read) where firm (N,) is a firm digit and
    read (N,) is the verdict's digit (-1 for none)."""
    rejected = data.blank | data.shaped | (score < threshold)
    top = np.sort(data.probs, axis=1)
    unsure = (top[:, -2] >= UNSURE_RATIO * top[:, -1]) | (top[:, -1] < FIRM_PROBABILITY)
    read = np.where(rejected, -1, data.probs.argmax(1))
    return ~rejected & ~unsure, read


def statistics(model, pen: Pooled, chars: Pooled, scored, temperature, seed) -> dict:
    """Each statistic's scores on the pen digits and the characters: {name: (pen (N,), chars (M,))},
    the feature-space ones fitted on MNIST train and the TRAIN writers' pen digits only."""
    images, labels = load_mnist(paths.default_mnist_dir(None), "train")
    mnist = layer_features(model, to_network_input(ink_fields(images)).numpy())
    train_pen = (pen.splits == SPLITS[0]) & ~pen.blank
    out = {
        "top calibrated probability (the verdict's)": tuple(
            top_probability(d.logits, temperature) for d in (pen, chars)
        ),
        "max logit (RBF model: minus nearest distance)": tuple(
            max_logit(d.logits) for d in (pen, chars)
        ),
        "energy T*logsumexp(z/T) (Liu 2020)": tuple(
            energy(d.logits, temperature) for d in (pen, chars)
        ),
    }
    for layer in FEATURE_LAYERS:
        gaussians = fit_class_gaussians(
            np.concatenate([mnist[layer], pen.features[layer][train_pen]]),
            np.concatenate([labels, pen.labels[train_pen]]),
        )
        out[f"Mahalanobis on {layer} (Lee 2018)"] = tuple(
            gaussians.score(d.features[layer]) for d in (pen, chars)
        )
    rng = np.random.default_rng(seed)
    bank = np.concatenate(
        [
            mnist["F6"][rng.choice(len(images), KNN_BANK, replace=False)],
            pen.features["F6"][train_pen],
        ]
    )
    out[f"kNN on F6, k={KNN_K} (Sun 2022)"] = tuple(
        knn_score(d.features["F6"], bank, KNN_K) for d in (pen, chars)
    )
    # A logistic regression on three of them, fitted on the TRAIN writers' non-confusable
    # characters against their pen digits.
    parts = (
        "top calibrated probability (the verdict's)",
        "energy T*logsumexp(z/T) (Liu 2020)",
        "Mahalanobis on C5 (Lee 2018)",
    )
    columns = [np.stack([out[k][i] for k in parts], axis=1) for i in (0, 1)]
    columns = [np.c_[np.log(np.clip(c[:, :1], 1e-12, 1 - 1e-12)), c[:, 1:]] for c in columns]
    train_chars = scored & (chars.splits == SPLITS[0]) & ~chars.blank
    combination = fit_logistic(columns[0][train_pen], columns[1][train_chars])
    out["logistic: log top prob, energy, Mahal. C5"] = tuple(combination.score(c) for c in columns)
    return out


def compare_statistics(model, digits, characters, pen, chars, placements, seed) -> None:
    """Every statistic as the verdict would use it, on the held-out writers; see the module's
    docstring."""
    temperature = rejector_settings(model.rejector)["temperature"]
    digit_labels = np.array([d.label for d in digits])
    pens = [pen] + [read_pen_digits(model, digits, seed=k) for k in range(1, placements)]
    readers = [chars] + [
        read_pen_characters(model, characters, seed=k) for k in range(1, placements)
    ]
    pen = pooled(pens, digit_labels, np.array([d.writer for d in digits]), temperature)
    chars = pooled(
        readers,
        np.zeros(len(characters), int),
        np.array([c.writer for c in characters]),
        temperature,
    )
    scored = np.concatenate([[not c.confusable for c in characters]] * placements)
    scores = statistics(model, pen, chars, scored, temperature, seed)
    dev = (pen.splits == SPLITS[1]) & ~pen.blank
    held = pen.splits == SPLITS[2]
    held_chars = scored & (chars.splits == SPLITS[2])

    def figures(name, keep):
        pen_score, char_score = scores[name]
        threshold = np.quantile(pen_score[dev], 1.0 - keep)
        firm = outcomes(chars, char_score, threshold)[0]
        right = outcomes(pen, pen_score, threshold)[1] == pen.labels
        return firm, right

    # the recomputed rules give the verdict's own kinds with its own statistic and threshold
    verdicts = next(iter(scores))
    threshold = rejector_settings(model.rejector)["reject_below"]
    firm, _ = outcomes(chars, scores[verdicts][1], threshold)
    assert (firm == (chars.kinds == "digit")).all(), "outcomes() no longer follows decide()"

    print(f"\nreject statistics compared on the held-out writers ({placements} canvas placements")
    print("of each drawing), each in place of the verdict's top probability (the shape and unsure")
    print("rules stay), its threshold keeping a share of the dev writers' pen digits:")
    print("non-confusable non-digits given a firm digit / pen digits read right (digit = label)")
    print(f"  {'keeps of the dev digits:':<46}" + "".join(f"{k:>17.1%}" for k in KEEP_SHARES))
    for name in scores:
        row = ""
        for keep in KEEP_SHARES:
            firm, right = figures(name, keep)
            row += f"  {percent(firm[held_chars].mean())} /{percent(right[held].mean())}"
        print(f"  {name:<46}{row}")

    keep = KEEP_DIGITS
    print(f"\nkeeping {keep:.1%} of the dev digits (the verdict's share): the difference from the")
    print(f"verdict's statistic in points, with a 95% interval ({BOOTSTRAP} resamples of the")
    print("held-out writers, paired); 'best': the fewest non-digits given a firm digit at any")
    print("threshold whose held-out read right is at least the verdict's (chosen ON the held-out")
    print("writers: the most it could gain)")
    base_firm, base_right = figures(verdicts, keep)
    rng = np.random.default_rng(seed)
    writers = np.unique(np.concatenate([pen.writers[held], chars.writers[held_chars]]))
    pen_rows = {w: np.flatnonzero(held & (pen.writers == w)) for w in writers}
    char_rows = {w: np.flatnonzero(held_chars & (chars.writers == w)) for w in writers}
    samples = [rng.choice(writers, len(writers)) for _ in range(BOOTSTRAP)]
    samples = [
        (np.concatenate([pen_rows[w] for w in s]), np.concatenate([char_rows[w] for w in s]))
        for s in samples
    ]
    goal = base_right[held].mean()
    print(
        f"  the verdict's statistic itself: non-digits given a firm digit "
        f"{interval([base_firm[c].mean() for _, c in samples], sign='')}, read right "
        f"{interval([base_right[p].mean() for p, _ in samples], sign='')}"
    )
    for name in scores:
        firm, right = figures(name, keep)
        d_firm = [(firm[c].mean() - base_firm[c].mean()) for _, c in samples]
        d_right = [(right[p].mean() - base_right[p].mean()) for p, _ in samples]
        best = min(
            (
                f[held_chars].mean()
                for f, r in (figures(name, k) for k in np.arange(0.950, 1.0, 0.001))
                if r[held].mean() >= goal
            ),
            default=float("nan"),
        )
        print(
            f"  {name:<46} non-digits {interval(d_firm)}  read right {interval(d_right)}"
            f"  best {percent(best)}"
        )


def interval(values, sign: str = "+") -> str:
    """Mean and 95% interval of bootstrap values, in percent (points with sign "+")."""
    low, high = np.quantile(values, [0.025, 0.975])
    f = f"{sign}5.2f"
    return f"{100 * np.mean(values):{f}} [{100 * low:{f}}, {100 * high:{f}}]"


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
    parser.add_argument("--placements", type=int, default=5,
                        help="canvas placements of each drawing, comparing statistics")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="the kNN bank's and bootstrap's")
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
    held_out = scored & (chars.splits == SPLITS[2])
    shares = ", ".join(
        f"{kind} {percent((chars.kinds[held_out] == kind).mean())}"
        for kind in ("not a digit", "unsure", "digit")
    )
    print(f"  held-out, what the verdict says: {shares}")
    held = held_out & (chars.kinds == "digit")
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

    compare_statistics(model, digits, characters, pen, chars, args.placements, args.seed)

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
