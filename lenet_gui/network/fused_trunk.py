"""LeNet-5's C1..F6 for training: one autograd function whose backward is written out.

It computes what `LeNet5.forward` computes (the tests compare both, forward and every gradient,
to rounding), in less time: a training step with it and the fused AdamW (`optimizers.py`) took
8.2 ms of CPU against 9.9 ms with `LeNet5.forward` and the AdamW before (batch 128, one thread,
the two alternated in one process on the shared machine; about 1.3 ms of it is this), because:

- autograd records one node instead of some forty (the weight scalings, each layer's tanh);
- S2/S4's 2x2 sums are one matrix product each (`pool`), and their backward, the 2x upsampling
  of the gradient, one more (`unpool`): both faster at these sizes than a depthwise
  convolution's backward (0.3 ms each against about 1 ms for S2);
- each convolution's backward is asked only for what it needs, in the memory layout oneDNN is
  fastest at for that call: C3's input gradient in NCHW, its weight gradient in channels_last
  (1.1 ms and 0.5 ms here, against 1.7 ms and 1.1 ms the other way round), C1's weight gradient
  in NCHW and no input gradient unless the input needs one;
- on the CPU the whole trunk runs with the batch last instead (`batch_last.py`), its
  convolutions as batched matrix products: faster than oneDNN at LeNet-5's few maps;
- C3's partial connection table is kept as it is in `model.PartialConv2d`: the 60 kernels
  scattered into a dense 16x6 kernel for one convolution (convolutions grouped by the table's
  patterns measured about 50 times slower with oneDNN).

Each layer is f(W a + b) with f(v) = A tanh(S v), computed, as in `LeNet5.forward`, on the
tanh values t = a / A with the constants folded into the small weights: t' = tanh(SA W t + S b).
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch.autograd.function import once_differentiable

from .batch_last import BatchLastTrunk
from .model import A, S

_convolution_backward = torch.ops.aten.convolution_backward
_tanh_backward = torch.ops.aten.tanh_backward  # g * (1 - t^2), broadcasting g


def training_scores(model, x: torch.Tensor) -> torch.Tensor:
    """`model(x)` (a `model.LeNet5`, x (N, 1, 32, 32)) through `batch_last.BatchLastTrunk` on
    the CPU, `LeNetTrunk` elsewhere: the same scores, (N, 10), computed faster when gradients
    are wanted."""
    trunk = BatchLastTrunk if runs_batch_last(x) else LeNetTrunk
    f6 = trunk.apply(
        x,
        model.c3.dense_index,
        A,
        S,
        model.c1.weight,
        model.c1.bias,
        model.s2.weight,
        model.s2.bias,
        model.c3.weight,
        model.c3.bias,
        model.s4.weight,
        model.s4.bias,
        model.c5.weight,
        model.c5.bias,
        model.f6.weight,
        model.f6.bias,
    )
    return model.output(f6)


def runs_batch_last(x: torch.Tensor) -> bool:
    """Whether the trunk runs with the batch last (`batch_last`): on the CPU, where a training
    step took 29% less CPU that way (5.8 against 8.1 ms, batch 128, one thread, alternated in
    one process, the batch stored with the batch last by the batch thread). On a GPU the
    convolutions here stay."""
    return x.device.type == "cpu"


@functools.cache
def _pair_sum_matrix(width: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """(2 width, width / 2) zeros and ones: two image rows of `width` pixels, side by side,
    times this matrix are the sums of their 2x2 blocks."""
    matrix = torch.zeros(2 * width, width // 2, dtype=dtype, device=device)
    columns = torch.arange(width, device=device)
    matrix[columns, columns // 2] = 1
    matrix[width + columns, columns // 2] = 1
    return matrix


def pool(t: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, H/2, W/2): the sum of each non-overlapping 2x2 block."""
    n, c, h, w = t.shape
    rows = t.contiguous().view(n * c * (h // 2), 2 * w)
    return rows.mm(_pair_sum_matrix(w, t.dtype, t.device)).view(n, c, h // 2, w // 2)


def unpool(u: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, 2H, 2W): each value copied into its 2x2 block (the gradient of
    `pool`)."""
    n, c, h, w = u.shape
    spread = _pair_sum_matrix(2 * w, u.dtype, u.device).t()  # (w, 4w)
    return u.contiguous().view(n * c * h, w).mm(spread).view(n, c, 2 * h, 2 * w)


def _convolution_grads(grad, x, weight, input_grad: bool, weight_layout):
    """(grad of x or None, grad of weight, grad of bias) of a stride-1 valid convolution; the
    weight's gradient computed with both tensors in `weight_layout`."""
    args = ([1, 1], [0, 0], [1, 1], False, [0, 0], 1)
    grad_x = None
    if input_grad:
        grad_x = _convolution_backward(grad, x, weight, None, *args, [True, False, False])[0]
    grad = grad.contiguous(memory_format=weight_layout)
    x = x.contiguous(memory_format=weight_layout)
    _, grad_w, grad_b = _convolution_backward(
        grad, x, weight, [weight.shape[0]], *args, [False, True, True]
    )
    return grad_x, grad_w, grad_b


def _per_map(v: torch.Tensor) -> torch.Tensor:
    return v.view(1, -1, 1, 1)


class LeNetTrunk(torch.autograd.Function):
    """x (N, 1, 32, 32) -> F6 (N, 84), from the model's parameters as they are stored (C3's
    60 kernels, `index` their places in the dense 16x6 kernel)."""

    @staticmethod
    def forward(ctx, x, index, a, s, w1, b1, w2, b2, w3, b3, w4, b4, w5, b5, w6, b6):
        sa = s * a
        x = x.contiguous()
        k1 = w1.contiguous() * s
        t1 = F.conv2d(x, k1, b1 * s).tanh_()  # (N, 6, 28, 28)
        s2 = pool(t1)  # (N, 6, 14, 14)
        t2 = torch.addcmul(_per_map(b2 * s), s2, _per_map(w2 * sa)).tanh_()
        maps_out, maps_in = b3.shape[0], s2.shape[1]
        k3 = w3.new_zeros(maps_out * maps_in, *w3.shape[1:]).index_copy_(0, index, w3)
        k3 = k3.view(maps_out, maps_in, *w3.shape[1:]).mul_(sa)
        t3 = F.conv2d(t2, k3, b3 * s).tanh_()  # (N, 16, 10, 10)
        s4 = pool(t3)  # (N, 16, 5, 5)
        t4 = torch.addcmul(_per_map(b4 * s), s4, _per_map(w4 * sa)).tanh_()
        k5 = w5.reshape(w5.shape[0], -1) * sa  # C5 as a matrix product (see LeNet5.forward)
        t5 = torch.addmm(b5 * s, t4.flatten(1), k5.t()).tanh_()  # (N, 120)
        k6 = w6 * sa
        t6 = torch.addmm(b6 * s, t5, k6.t()).tanh_()  # (N, 84)
        ctx.save_for_backward(x, index, k1, t1, s2, t2, k3, t3, s4, t4, t5, t6, w2, w4, k5, k6)
        ctx.constants = (a, s, w3.shape, w5.shape)
        return t6 * a

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_f6):
        x, index, k1, t1, s2, t2, k3, t3, s4, t4, t5, t6, w2, w4, k5, k6 = ctx.saved_tensors
        a, s, w3_shape, w5_shape = ctx.constants
        sa = s * a
        # dz: the gradient of a layer's tanh argument; the weights' gradients are scaled back
        # by the constants folded into them.
        dz6 = _tanh_backward(grad_f6 * a, t6)
        grad_w6, grad_b6 = dz6.t().mm(t5).mul_(sa), dz6.sum(0).mul_(s)
        dz5 = _tanh_backward(dz6.mm(k6), t5)
        grad_w5 = dz5.t().mm(t4.flatten(1)).mul_(sa).view(w5_shape)
        grad_b5 = dz5.sum(0).mul_(s)
        dz4 = _tanh_backward(dz5.mm(k5).view(t4.shape), t4)
        grad_w4, grad_b4 = (dz4 * s4).sum((0, 2, 3)).mul_(sa), dz4.sum((0, 2, 3)).mul_(s)
        dz3 = _tanh_backward(unpool(dz4 * _per_map(w4 * sa)), t3)
        dt2, grad_k3, grad_b3 = _convolution_grads(dz3, t2, k3, True, torch.channels_last)
        grad_w3 = grad_k3.reshape(-1, *w3_shape[1:]).index_select(0, index).mul_(sa)
        dz2 = _tanh_backward(dt2, t2)
        grad_w2, grad_b2 = (dz2 * s2).sum((0, 2, 3)).mul_(sa), dz2.sum((0, 2, 3)).mul_(s)
        dz1 = _tanh_backward(unpool(dz2 * _per_map(w2 * sa)), t1)
        grad_x, grad_w1, grad_b1 = _convolution_grads(
            dz1, x, k1, ctx.needs_input_grad[0], torch.contiguous_format
        )
        return (
            grad_x,
            None,
            None,
            None,
            grad_w1.mul_(s),
            grad_b1.mul_(s),
            grad_w2,
            grad_b2,
            grad_w3,
            grad_b3.mul_(s),
            grad_w4,
            grad_b4,
            grad_w5,
            grad_b5,
            grad_w6,
            grad_b6,
        )
