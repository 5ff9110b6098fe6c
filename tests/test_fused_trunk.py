import copy

import pytest
import torch
import torch.nn.functional as F

from lenet_gui.network.fused_trunk import pool, training_scores, unpool
from lenet_gui.network.model import LeNet5, LeNet5Config


def trained_a_little(output: str) -> LeNet5:
    """A model whose subsampling weights and biases are no longer their initial constants."""
    torch.manual_seed(0)
    model = LeNet5(LeNet5Config(output=output))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    return model


@pytest.mark.parametrize("output", ["linear", "rbf"])
def test_the_fused_trunk_equals_the_models_forward_and_gradients(output):
    """The training path (one autograd function, backward written out) computes what
    `LeNet5.forward`, a plain composition of torch operations, computes: scores and the
    gradient of every parameter and of the input."""
    model = trained_a_little(output)
    reference = copy.deepcopy(model)
    x = torch.randn(16, 1, 32, 32, generator=torch.Generator().manual_seed(1))
    y = torch.arange(16) % 10
    x_fused, x_reference = x.clone().requires_grad_(), x.clone().requires_grad_()

    scores = training_scores(model, x_fused)
    expected = reference(x_reference)
    size = expected.abs().max().item()  # RBF scores reach a few hundred
    assert torch.allclose(scores, expected, atol=1e-5 * max(1.0, size), rtol=0)
    F.cross_entropy(scores, y).backward()
    F.cross_entropy(expected, y).backward()

    for (name, p), q in zip(model.named_parameters(), reference.parameters(), strict=True):
        assert p.grad is not None and p.grad.shape == q.grad.shape, name
        scale = q.grad.abs().max().item()
        assert scale > 0, name  # every parameter really gets a gradient
        assert torch.allclose(p.grad, q.grad, atol=1e-5 * max(1.0, scale), rtol=1e-4), name
    assert torch.allclose(x_fused.grad, x_reference.grad, atol=1e-7, rtol=1e-4)


def test_the_fused_trunk_matches_double_precision_autograd():
    """In float64 the hand-written backward passes autograd's numerical check for the input,
    and every parameter's gradient equals the plain forward's to rounding."""
    model = trained_a_little("linear").double()
    reference = copy.deepcopy(model)
    x = torch.randn(2, 1, 32, 32, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda inputs: training_scores(model, inputs), (x,), fast_mode=True
    )
    training_scores(model, x.detach()).square().sum().backward()
    reference(x.detach()).square().sum().backward()
    for (name, p), q in zip(model.named_parameters(), reference.parameters(), strict=True):
        assert torch.allclose(p.grad, q.grad, atol=1e-12, rtol=1e-9), name


def test_training_without_input_gradient_gives_none_for_the_input():
    model = LeNet5()
    x = torch.randn(4, 1, 32, 32)
    training_scores(model, x).sum().backward()
    assert x.grad is None and model.c1.weight.grad is not None


def test_pool_sums_2x2_blocks_and_unpool_is_its_gradient():
    t = torch.randn(3, 2, 6, 8, requires_grad=True)
    expected = F.avg_pool2d(t, 2) * 4
    assert torch.allclose(pool(t), expected, atol=1e-6)
    u = torch.randn(3, 2, 3, 4)
    (expected * u).sum().backward()
    assert torch.allclose(unpool(u), t.grad, atol=1e-6)
