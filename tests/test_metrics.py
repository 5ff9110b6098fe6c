"""Metric keys are constants; display labels are only for display."""

from __future__ import annotations

import math

from lenet_gui.training import metrics
from lenet_gui.training.metrics import MNIST_TEST_ACCURACY, PEN_DEV_ACCURACY, metric, percent_text


def test_metric_reads_finite_numbers_only():
    meta = {"metrics": {MNIST_TEST_ACCURACY: 0.9941, PEN_DEV_ACCURACY: math.nan, "x": True}}
    assert metric(meta, MNIST_TEST_ACCURACY) == 0.9941
    assert metric(meta, PEN_DEV_ACCURACY) is None  # not finite
    assert metric(meta, "x") is None  # a bool is not a figure
    assert metric({}, MNIST_TEST_ACCURACY) is None
    assert percent_text(0.9941) == "99.41%"


def test_renaming_a_label_does_not_blank_the_models_accuracy(window, monkeypatch):
    monkeypatch.setitem(metrics.METRIC_LABELS, MNIST_TEST_ACCURACY, "Accuracy on MNIST's test set")
    window.set_model(window.loaded_model)
    stored = percent_text(metric(window.loaded_model.metadata, MNIST_TEST_ACCURACY))
    assert stored.startswith("99.")  # the bundled model's measured accuracy
    assert f"MNIST test {stored}" in window.model_label.text()
    assert f"<b>Accuracy on MNIST's test set</b>: {stored}" in window.model_label.toolTip()
