"""The parts of training and preprocessing that were only tested through whole runs: the
learning-rate schedule, weight averaging, label smoothing, the style strokes, `describe`,
placement by centre of mass and the even stroke width."""

from __future__ import annotations

import copy
import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lenet_gui.network.batch_last import to_batch_last
from lenet_gui.network.fused_trunk import training_scores
from lenet_gui.network.model import LeNet5, LeNet5Config
from lenet_gui.preprocessing.preprocess import (
    STROKE_WIDTH_FRACTION,
    even_stroke_width,
    place_by_centre_of_mass,
    stroke_width,
)
from lenet_gui.retrain.checkpoint import describe
from lenet_gui.training.metrics import MNIST_TEST_ACCURACY, PEN_DEV_ACCURACY
from lenet_gui.training.train import (
    WeightAverage,
    _elastic_basis,
    add_style_strokes,
    joined,
    network_batch,
    outlier_loss,
    training_loss,
    warmup_cosine,
    warp_grid,
)
from lenet_gui.training.train_config import TrainConfig


def test_the_learning_rate_warms_up_linearly_then_decays_as_a_cosine():
    total = 1000  # warm-up: the first 15%, 150 steps
    assert warmup_cosine(0, total) == pytest.approx(0.04)
    assert warmup_cosine(75, total) == pytest.approx(0.04 + 0.96 * 0.5)
    assert warmup_cosine(150, total) == pytest.approx(1.0)  # the peak
    middle = 150 + (total - 150) // 2
    assert warmup_cosine(middle, total) == pytest.approx(0.01 + 0.99 * 0.5, abs=1e-3)
    assert warmup_cosine(total, total) == pytest.approx(0.01)  # 1% of the peak at the end
    assert warmup_cosine(5 * total, total) == pytest.approx(0.01)  # and no further
    factors = [warmup_cosine(s, total) for s in range(150, total + 1)]
    assert all(a >= b for a, b in itertools.pairwise(factors))  # never rises


def test_weight_average_follows_the_model_with_a_warming_decay():
    torch.manual_seed(0)
    model = LeNet5()
    average = WeightAverage(model, decay=0.999)
    start = model.c1.weight.detach().clone()
    with torch.no_grad():
        model.c1.weight.add_(1.0)
    average.update(model)
    # First update: decay min(0.999, 2/11), so the average moves 9/11 of the way.
    expected = start + (1 - 2 / 11) * 1.0
    assert torch.allclose(average.model.c1.weight, expected, atol=1e-6)
    copy = LeNet5()
    average.copy_to(copy)
    assert torch.equal(copy.c1.weight, average.model.c1.weight)
    assert WeightAverage(model, decay=0.0).model is None  # 0: off
    untouched = LeNet5()
    before = untouched.c1.weight.detach().clone()
    WeightAverage(model, decay=0.9).copy_to(untouched)  # no update yet: nothing copied
    assert torch.equal(untouched.c1.weight, before)


def test_the_average_is_evaluated_from_a_channels_last_copy_of_it():
    model = LeNet5()
    average = WeightAverage(model, decay=0.999)
    with torch.no_grad():
        model.c3.weight.add_(0.5)
    average.update(model)
    scored = average.for_evaluation()
    assert scored is not average.model and not scored.training
    assert scored.c1.weight.is_contiguous(memory_format=torch.channels_last)
    for name, value in average.model.state_dict().items():
        assert torch.equal(scored.state_dict()[name], value), name
    assert WeightAverage(model, decay=0.0).for_evaluation() is None


def test_label_smoothing_is_the_cross_entropy_against_smoothed_targets():
    torch.manual_seed(0)
    scores, labels = torch.randn(8, 10), torch.randint(0, 10, (8,))
    model = LeNet5()
    config = TrainConfig(label_smoothing=0.1)
    smoothed = torch.full((8, 10), 0.1 / 10)
    smoothed[torch.arange(8), labels] += 0.9
    by_hand = -(smoothed * F.log_softmax(scores, 1)).sum(1).mean()
    assert training_loss(model, scores, labels, config) == pytest.approx(by_hand.item(), rel=1e-5)
    plain = training_loss(model, scores, labels, TrainConfig(label_smoothing=0.0))
    assert plain == pytest.approx(F.cross_entropy(scores, labels).item(), rel=1e-6)
    rbf = LeNet5(LeNet5Config(output="rbf"))  # the paper's loss ignores label smoothing
    assert training_loss(rbf, scores, labels, config) == training_loss(
        rbf, scores, labels, TrainConfig(label_smoothing=0.0)
    )


def always(value):
    """A `uniform` that returns the middle of each range, or `value` for the 0..1 picks."""

    def uniform(low, high, *shape):
        fill = value if (low, high) == (0, 1) else (low + high) / 2
        return torch.full(shape, float(fill))

    return uniform


def test_style_strokes_slash_zeros_and_cross_sevens_only():
    ink = torch.zeros(4, 1, 32, 32)
    labels = torch.tensor([0, 7, 1, 0])
    marked = add_style_strokes(ink, labels, always(0.1))  # 0.1 < 0.25: every 0 and 7 picked
    drawn = marked.flatten(1).sum(1)
    assert drawn[0] > 10 and drawn[1] > 5 and drawn[3] > 10
    assert drawn[2] == 0  # a 1 is never marked
    assert torch.equal(ink, torch.zeros_like(ink))  # the input is not changed in place
    rows, cols = np.nonzero(marked[0, 0].numpy() > 0.5)
    assert np.polyfit(cols, rows, 1)[0] < -1  # a 0's slash rises steeply (y grows down)
    rows, cols = np.nonzero(marked[1, 0].numpy() > 0.5)
    assert rows.max() - rows.min() <= 3 and cols.max() - cols.min() >= 6  # a 7's bar is flat
    none = add_style_strokes(ink, labels, always(0.9))  # 0.9 >= 0.25: nothing picked
    assert torch.equal(none, ink)


def test_describe_gives_readable_rows_and_skips_missing_figures():
    rows = dict(
        describe(
            {
                "created": "2026-11-29",
                "metrics": {MNIST_TEST_ACCURACY: 0.9941, PEN_DEV_ACCURACY: math.nan},
                "train_config": {"epochs": 3},
                "notes": "fine-tuned",
            }
        )
    )
    assert rows == {
        "created": "2026-11-29",
        "MNIST test accuracy": "99.41%",
        "training": "epochs=3",
        "notes": "fine-tuned",
    }
    assert describe({}) == [("created", "unknown")]


def test_place_by_centre_of_mass_centres_the_ink_sub_pixel():
    ink = np.zeros((10, 6), np.float32)
    ink[2:9, 1:3] = 1.0  # centre of mass off the middle of its box
    placed = place_by_centre_of_mass(ink, 28)
    assert placed.shape == (28, 28) and placed.max() <= 1.0
    ys, xs = np.mgrid[0:28, 0:28]
    total = placed.sum()
    assert total == pytest.approx(ink.sum(), rel=1e-3)  # nothing lost
    assert (ys * placed).sum() / total + 0.5 == pytest.approx(14.0, abs=0.05)
    assert (xs * placed).sum() / total + 0.5 == pytest.approx(14.0, abs=0.05)


def bar(width: int) -> np.ndarray:
    """A vertical stroke 80 px long in a 100 px field."""
    ink = np.zeros((100, 100), np.float32)
    ink[10:90, 50 - width // 2 : 50 - width // 2 + width] = 1.0
    return ink


def test_even_stroke_width_brings_thin_and_thick_strokes_to_mnists_width():
    target = STROKE_WIDTH_FRACTION * 100  # 12.7 px for a digit 100 px tall
    for width in (2, 3, 30):  # measured 2.0, 3.0 and 22.2 px before; 10.8, 11.6, 15.9 after
        before = abs(stroke_width(bar(width)) - target)
        after = abs(stroke_width(even_stroke_width(bar(width))) - target)
        assert after <= 3.5 and after < 0.4 * before, width
    right = bar(15)  # measured 12.9 px
    assert even_stroke_width(right) is right  # already right: unchanged
    small = np.zeros((20, 20), np.float32)
    small[2:18, 7:13] = 1.0  # 6 px wide, the target for 20 px is 2.5: thinned...
    thinned = even_stroke_width(small)
    assert 0 < (thinned > 0.5).sum() < (small > 0.5).sum()  # ...but never eroded away


def test_the_warp_grid_is_affine_grid_plus_the_interpolated_lattice():
    """`train.warp_grid` (one matrix product) against the plain construction it replaces."""
    generator = torch.Generator().manual_seed(3)
    theta = torch.randn(5, 2, 3, generator=generator) * 0.3
    lattice = torch.rand(5, 2, 16, generator=generator) * 0.12 - 0.06
    affine = F.affine_grid(theta, [5, 1, 32, 32], align_corners=False)
    elastic = (lattice.reshape(10, 16) @ _elastic_basis(32, torch.device("cpu"))).view(5, 2, 32, 32)
    expected = affine + elastic.permute(0, 2, 3, 1)
    grid = warp_grid(theta, lattice, 32)
    assert torch.allclose(grid, expected, atol=1e-6)
    # a view, x and y planes apart: grid_sample takes exactly the samples of a contiguous copy
    ink = torch.rand(5, 1, 32, 32, generator=generator)
    sampled = F.grid_sample(ink, grid, align_corners=False)
    assert torch.equal(sampled, F.grid_sample(ink, grid.contiguous(), align_corners=False))


def test_the_batch_and_its_outliers_in_one_pass_give_what_two_passes_give():
    """`train` runs a batch and its outlier-exposure non-digits through the network together,
    as the batch thread stores them (`network_batch`, `joined`: on the CPU with the batch last,
    read by the trunk without a copy): the loss and every gradient are those of the two
    passes, to rounding."""
    torch.manual_seed(0)
    model = LeNet5()
    reference = copy.deepcopy(model)
    x, outliers = network_batch(torch.rand(8, 1, 32, 32)), network_batch(torch.rand(4, 1, 32, 32))
    y = torch.arange(8) % 10
    config = TrainConfig()
    both = joined(x, outliers)
    assert torch.equal(both, torch.cat([x, outliers]))
    assert to_batch_last(both).data_ptr() == both.data_ptr()  # already stored that way
    scores = training_scores(model, both)
    one = training_loss(model, scores[:8], y, config) + 0.5 * outlier_loss(scores[8:])
    two = training_loss(reference, training_scores(reference, x), y, config)
    two = two + 0.5 * outlier_loss(training_scores(reference, outliers))
    assert torch.allclose(one, two, atol=1e-6)
    one.backward()
    two.backward()
    for (name, p), q in zip(model.named_parameters(), reference.parameters(), strict=True):
        assert torch.allclose(p.grad, q.grad, atol=1e-6, rtol=1e-4), name
    uniform = torch.full((4, 10), 0.1)
    assert torch.allclose(outlier_loss(scores[8:]), F.cross_entropy(scores[8:], uniform))
