import copy

import pytest
import torch
import torch.nn.functional as F

from lenet_gui.network import batch_last, fused_trunk
from lenet_gui.network.fused_trunk import pool, training_scores, unpool
from lenet_gui.network.model import LeNet5, LeNet5Config


@pytest.fixture(params=["batch last", "device-generic"])
def trunk(request, monkeypatch):
    """Each test runs on the CPU's path (`batch_last.BatchLastTrunk`) and on the path other
    devices take (`LeNetTrunk`: oneDNN/cuDNN convolutions, NCHW)."""
    batch_last = request.param == "batch last"
    monkeypatch.setattr(fused_trunk, "runs_batch_last", lambda x: batch_last)
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
def test_the_fused_trunk_equals_the_models_forward_and_gradients(output, trunk):
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
    # float32 sums taken in another order: rounding relative to the gradient's size (RBF
    # scores reach a few hundred)
    scale = x_reference.grad.abs().max().item()
    assert torch.allclose(x_fused.grad, x_reference.grad, atol=1e-5 * scale, rtol=1e-4)


def test_the_fused_trunk_matches_double_precision_autograd(trunk):
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


def test_training_without_input_gradient_gives_none_for_the_input(trunk):
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


@pytest.mark.parametrize("pad_input", [False, True])
def test_convolution_with_the_batch_last_and_its_gradients(pad_input):
    """`batch_last.conv` (batched matrix products over row windows) equals `F.conv2d`, its
    kernel, bias and input gradients equal autograd's (both ways of the weight product), and
    `batch_last.pool` equals `avg_pool2d` times 4; C3's shapes, then C1's."""
    g = torch.Generator().manual_seed(2)
    maps_in, maps_out, size = (6, 16, 14) if pad_input else (1, 6, 32)
    x = torch.randn(3, maps_in, size, size, generator=g, dtype=torch.float64, requires_grad=True)
    kernel = torch.randn(maps_out, maps_in, 5, 5, generator=g, dtype=torch.float64)
    kernel.requires_grad_()
    bias = torch.randn(maps_out, generator=g, dtype=torch.float64, requires_grad=True)
    win = batch_last.windows(batch_last.to_batch_last(x.detach()), 5)
    out = batch_last.conv(win, kernel.detach(), bias.detach())  # (Ho, O, Wo, N)
    expected = F.conv2d(x, kernel, bias)
    assert torch.allclose(out.permute(3, 1, 0, 2), expected, atol=1e-12)
    dz = torch.randn(expected.shape, generator=g, dtype=torch.float64)
    (expected * dz).sum().backward()
    padded, middle = batch_last.padded_rows(out.shape, 5, out)
    middle.copy_(batch_last.to_batch_last(dz))
    for patches_first in (False, True):
        grad_kernel, grad_bias = batch_last.conv_weight_grads(
            middle, win, kernel.shape, patches_first
        )
        assert torch.allclose(grad_kernel, kernel.grad, atol=1e-10)
        assert torch.allclose(grad_bias, bias.grad, atol=1e-10)
    grad_x = batch_last.conv_input_grad(padded, kernel.detach()).permute(3, 1, 0, 2)
    assert torch.allclose(grad_x, x.grad, atol=1e-10)
    pooled = batch_last.pool(out[:, :, : out.shape[2] // 2 * 2]).permute(3, 1, 0, 2)
    assert torch.allclose(pooled, F.avg_pool2d(expected, 2) * 4, atol=1e-12)
