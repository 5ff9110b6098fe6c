import copy

import pytest
import torch
import torch.nn.functional as F

from lenet_gui.network import fused_trunk
from lenet_gui.network.fused_trunk import (
    c1_batch_last,
    c1_batch_last_weight_grads,
    pool,
    pool_batch_last,
    row_windows,
    training_scores,
    unpool,
)
from lenet_gui.network.model import LeNet5, LeNet5Config


@pytest.fixture(params=["batch last", "device-generic"])
def c1_path(request, monkeypatch):
    """Each test runs on the CPU's path (C1 and S2 with the batch last) and on the path other
    devices take (oneDNN/cuDNN convolutions, NCHW)."""
    batch_last = request.param == "batch last"
    monkeypatch.setattr(fused_trunk, "_batch_last", lambda x: batch_last)
    return request.param


def trained_a_little(output: str) -> LeNet5:
    """A model whose subsampling weights and biases are no longer their initial constants."""
    torch.manual_seed(0)
    model = LeNet5(LeNet5Config(output=output))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    return model


@pytest.mark.parametrize("output", ["linear", "rbf"])
def test_the_fused_trunk_equals_the_models_forward_and_gradients(output, c1_path):
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


def test_the_fused_trunk_matches_double_precision_autograd(c1_path):
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


def test_training_without_input_gradient_gives_none_for_the_input(c1_path):
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


def test_c1_with_the_batch_last_is_the_convolution_and_its_gradients():
    """C1 as batched matrix products over row windows (`c1_batch_last`) equals `F.conv2d`, its
    weight and bias gradients equal autograd's, and S2's sums with the batch last equal
    `avg_pool2d` times 4."""
    g = torch.Generator().manual_seed(2)
    x = torch.randn(5, 1, 32, 32, generator=g, dtype=torch.float64)
    kernel = torch.randn(6, 1, 5, 5, generator=g, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(6, generator=g, dtype=torch.float64, requires_grad=True)
    windows = row_windows(x, 5)
    assert windows.shape == (32, 5, 28, 5)
    out = c1_batch_last(windows, kernel.detach(), bias.detach())  # (28, 6, 28, N)
    expected = F.conv2d(x, kernel, bias)
    assert torch.allclose(out.permute(3, 1, 0, 2), expected, atol=1e-12)
    dz = torch.randn(expected.shape, generator=g, dtype=torch.float64)
    (expected * dz).sum().backward()
    grad_kernel, grad_bias = c1_batch_last_weight_grads(
        dz.permute(2, 1, 3, 0).contiguous(), windows, kernel.shape
    )
    assert torch.allclose(grad_kernel, kernel.grad, atol=1e-10)
    assert torch.allclose(grad_bias, bias.grad, atol=1e-10)
    pooled = pool_batch_last(out).permute(3, 1, 0, 2)
    assert torch.allclose(pooled, F.avg_pool2d(expected, 2) * 4, atol=1e-12)
