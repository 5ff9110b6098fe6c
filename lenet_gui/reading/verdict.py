"""The verdict on one reading: "digit", "unsure", "not a digit" or "blank", and why.

A softmax always names a digit, even for a dot, a letter B or a smiley. The verdict adds what a
person would say:

- "blank": no ink (an empty canvas, blank paper, grain, a lone speck).
- "not a digit": the ink is a dot or blob (stroke as wide as the mark is long; a bold mark only
  if the network does not read it firmly, see `shape_reason`), or a dash (far wider than tall:
  no digit is), or the network's calibrated top probability is below the rejection threshold.
  The network was trained with outlier exposure (Hendrycks et al. 2019, see `rejection.py`): on
  non-digits its output is pushed to uniform, so a low top probability means "none of these
  ten". Why this statistic: `benchmarks/bench_reject.py` measures the
  candidates of `reject_statistics.py` (max logit, energy, Mahalanobis and kNN distances in
  feature space, a logistic combination) in its place on held-out writers; none lets fewer
  non-digits through without also reading fewer of their digits right.
- "unsure": a digit, but not one to state firmly: the runner-up has at least UNSURE_RATIO of
  the top probability (two close candidates), or the calibrated top probability is below
  FIRM_PROBABILITY (no candidate likely enough). This is Chow's reject option with two
  thresholds ("On optimum recognition error and reject tradeoff", IEEE Trans. IT, 1970): a
  low one for "none of these", a higher one below which the best guess is shown but not stated.
- "digit": otherwise: calibrated, a firm reading is right at least nine times in ten.

The probabilities are calibrated: the logits are divided by a temperature fitted on held-out
pen digits (Guo et al. 2017, "On Calibration of Modern Neural Networks"), so "90%" is right
about nine times in ten. Temperature and threshold are stored in the checkpoint as a plain dict
(`rejector`, see `checkpoint.py`); a checkpoint without them (older ones) uses FALLBACK:
temperature 1, not a digit below a top probability of 0.5. A model retrained in the app has its
temperature fitted on the run's validation images and FALLBACK's threshold
(`retraining.fit_validation_rejector`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..preprocessing.preprocess import PreparedInput

KINDS = ("digit", "unsure", "not a digit", "blank")
# Why a reading is "unsure" (`Verdict.doubt`): a runner-up close to the top probability, or a
# top probability too weak to state firmly.
DOUBTS = ("close", "weak")

# The runner-up has at least this share of the top probability: two close candidates.
UNSURE_RATIO = 0.35
# A firm digit needs at least this calibrated top probability: stated only when it is right at
# least nine times in ten. Not fitted: it is what "firm" means once the probabilities are
# calibrated. Below it (and above the rejection threshold) the reading is "unsure".
FIRM_PROBABILITY = 0.9
# Shape rules, on the ink before it is fitted (`PreparedInput.aspect`, `.stroke_fraction`,
# about 0.1-0.2 for a digit drawn at a third of the canvas or more, 0.4-0.55 for a click):
# a mark whose stroke is this wide relative to its size is a dot or a blob, unless the network
# reads it firmly: a digit written small with the default pen is as bold (dev pen digits drawn
# at 15% of a 280-pixel canvas: half of them at 0.3 or more; 1st-99th percentile 0.21-0.41) ...
BLOB_STROKE_FRACTION = 0.3
# ... and from this one on it is a dot whatever the network says (of clicks with pens of 2-12%
# of the canvas, 97.5% are at 0.4 or more; of those small digits, 1.7%).
DOT_STROKE_FRACTION = 0.4
# A mark less tall than this share of its width is a dash (the flattest digits, a wide 2 or 7,
# are about as tall as wide).
DASH_ASPECT = 0.3
# Without a fitted rejector (older checkpoints; a retrained model's threshold).
FALLBACK = {"temperature": 1.0, "reject_below": 0.5}


@dataclass(frozen=True)
class Verdict:
    """kind: one of KINDS; digit: the best digit for "digit" and "unsure", else None;
    probabilities: (10,) calibrated, None when blank; confidence: the top probability;
    reason: one short sentence that explains the decision; doubt: for "unsure", which rule made
    it so (one of DOUBTS: "close", the runner-up at UNSURE_RATIO of the top or more; "weak", the
    top below FIRM_PROBABILITY), else None.
    """

    kind: str
    digit: int | None
    probabilities: np.ndarray | None
    confidence: float
    reason: str
    doubt: str | None = None

    @property
    def is_firm(self) -> bool:
        return self.kind == "digit"


BLANK = Verdict("blank", None, None, 0.0, "no ink")


def rejector_settings(rejector: dict | None) -> dict:
    """The rejector's settings with FALLBACK for what is missing or malformed."""
    settings = dict(FALLBACK)
    for key in FALLBACK:
        value = (rejector or {}).get(key)
        if isinstance(value, (int, float)) and np.isfinite(value) and value > 0:
            settings[key] = float(value)
    return settings


def calibrated_probabilities(logits: np.ndarray, rejector: dict | None) -> np.ndarray:
    """Softmax of logits / temperature, (..., 10) float32."""
    z = np.asarray(logits, dtype=np.float64) / rejector_settings(rejector)["temperature"]
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)


def doubt_of(probabilities: np.ndarray) -> str | None:
    """Why calibrated probabilities (10,) name no digit firmly, one of DOUBTS: "close" (the
    runner-up has UNSURE_RATIO of the top or more), "weak" (the top is below FIRM_PROBABILITY);
    None when they name one firmly."""
    runner_up, top = np.sort(probabilities)[-2:]
    if runner_up >= UNSURE_RATIO * top:
        return "close"
    if top < FIRM_PROBABILITY:
        return "weak"
    return None


def is_firm_reading(probabilities: np.ndarray | None) -> bool:
    """Whether calibrated probabilities (10,) name a digit firmly (`doubt_of`: the rules of a
    "digit" verdict, the rejection threshold and the shape rules aside)."""
    return probabilities is not None and doubt_of(probabilities) is None


def shape_reason(prepared: PreparedInput, probabilities: np.ndarray | None = None) -> str | None:
    """'a dot' or 'a dash' when the ink's shape rules out a digit, else None. A bold mark
    (BLOB_STROKE_FRACTION to DOT_STROKE_FRACTION) is a blob only if the network's calibrated
    `probabilities` (10,) do not read it firmly (None: they do not)."""
    bold = prepared.stroke_fraction >= BLOB_STROKE_FRACTION
    if prepared.stroke_fraction >= DOT_STROKE_FRACTION or (
        bold and not is_firm_reading(probabilities)
    ):
        return "a dot or blob, not a digit's strokes"
    if prepared.aspect < DASH_ASPECT:
        return "a dash: far wider than tall"
    return None


def decide(
    logits: np.ndarray | None, prepared: PreparedInput | None, rejector: dict | None = None
) -> Verdict:
    """The verdict for one input: `logits` (10,) from the network (None with `prepared` None
    for a blank input), the prepared input (for its shape), the checkpoint's rejector."""
    if prepared is None or logits is None:
        return BLANK
    settings = rejector_settings(rejector)
    probs = calibrated_probabilities(logits, rejector)
    order = np.argsort(probs)
    best, runner_up = int(order[-1]), int(order[-2])
    top = float(probs[best])
    shape = shape_reason(prepared, probs)
    if shape is not None:
        return Verdict("not a digit", None, probs, top, shape)
    if top < settings["reject_below"]:
        reason = f"top probability {top:.0%} is below {settings['reject_below']:.0%}"
        return Verdict("not a digit", None, probs, top, reason)
    doubt = doubt_of(probs)
    if doubt == "close":
        reason = f"{best} ({top:.0%}) or {runner_up} ({float(probs[runner_up]):.0%})"
        return Verdict("unsure", best, probs, top, reason, doubt=doubt)
    if doubt == "weak":
        reason = f"{best} at {top:.0%}, below the {FIRM_PROBABILITY:.0%} a firm reading needs"
        return Verdict("unsure", best, probs, top, reason, doubt=doubt)
    return Verdict("digit", best, probs, top, f"top probability {top:.0%}")
