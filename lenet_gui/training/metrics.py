"""The metrics a checkpoint records: their keys, their labels, how to read and write one.

A checkpoint's "metrics" dict is a public format (`info` prints it, README documents it); code
reads a metric by its key constant, never by its display label. Plain Python without torch, so
the GUI can read a model's figures before torch is loaded.
"""

from __future__ import annotations

import math

MNIST_TEST_ACCURACY = "mnist_test_accuracy"
PEN_DEV_ACCURACY = "pen_dev_accuracy"
# The pen digits of the held-out writers only (`rejection.writer_split`): never trained on.
PEN_HELD_OUT_ACCURACY = "pen_held_out_accuracy"
TRAIN_SECONDS = "train_seconds"
USER_HOLDOUT_BEFORE = "user_holdout_before"
USER_HOLDOUT_AFTER = "user_holdout_after"
USER_HOLDOUT_COUNT = "user_holdout_count"
# The metrics `describe` shows, with their labels.
METRIC_LABELS = {
    MNIST_TEST_ACCURACY: "MNIST test accuracy",
    PEN_DEV_ACCURACY: "pen-digits dev accuracy",
    PEN_HELD_OUT_ACCURACY: "pen digits, held-out writers",
}


def metric(metadata: dict, key: str) -> float | None:
    """One metric of a checkpoint's metadata (a fraction for accuracies), or None when it is
    missing or not a finite number."""
    value = metadata.get("metrics", {}).get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def percent_text(fraction: float) -> str:
    """0.9941 -> "99.41%": how every accuracy is written."""
    return f"{100 * fraction:.2f}%"
