"""LeNet-5's C1..F6 for training on the CPU, with the batch as the last dimension.

The same function as `LeNet5.forward` and `fused_trunk.LeNetTrunk` (the tests compare all
three, forward and every gradient), for the CPU, where it is faster: every map is stored
(H, C, W, N), the batch last, so that

- a valid convolution is one batched matrix product over its output rows (`conv`): the rows
  of the input cut once into the k overlapping windows a kernel row reads (`windows`, k times
  the input), each output row's patches (im2col) are a view of them, and the product runs with
  the batch inside each matrix row, where it vectorises; its weight gradient is the same
  product the other way round (`conv_weight_grads`), its input gradient one product against
  the flipped kernel over zero-padded rows and k shifted additions (`conv_input_grad`);
- S2/S4's 2x2 sums and their backward are additions of contiguous halves and a broadcast;
- C5 and F6 are matrix products on (features, N), no transposition anywhere after the input.

oneDNN's convolutions, which `LeNetTrunk` calls, pad C1's 6 maps and C3's 6 input maps to 16
and copy every map into and out of their blocked layout; here C1's forward and weight gradient
took 0.3 and 0.4 ms against 1.0 ms each (batch 128, one thread), C3's input gradient 0.8 ms
against 1.1 ms.

Each layer is f(W a + b) with f(v) = A tanh(S v), computed on the tanh values t = a / A with
the constants folded into the small weights: t' = tanh(SA W t + S b) (see `model.py`).
"""

from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable

_tanh_backward = torch.ops.aten.tanh_backward  # g * (1 - t^2), broadcasting g


def _tanh_backward_into(g: torch.Tensor, t: torch.Tensor, out: torch.Tensor) -> None:
    torch.ops.aten.tanh_backward.grad_input(g, t, grad_input=out)


def to_batch_last(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> (H, C, W, N), contiguous."""
    return x.permute(2, 1, 3, 0).contiguous()


def stored_batch_last(x: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) -> the same values, (N, C, H, W), as a view of an (H, C, W, N) contiguous
    tensor: what `to_batch_last` then returns without a copy."""
    return to_batch_last(x).permute(3, 1, 0, 2)


def cat_batch_last(parts) -> torch.Tensor:
    """`torch.cat(parts)` of (N_i, C, H, W) tensors, stored as `stored_batch_last` stores."""
    return torch.cat([to_batch_last(p) for p in parts], 3).permute(3, 1, 0, 2)


def windows(t: torch.Tensor, k: int) -> torch.Tensor:
    """(H, C, W, N) -> (H, C, k, W - k + 1, N), [r, c, s, j, n] = t[r, c, j + s, n]: each row
    cut into the k overlapping windows a kernel row reads (a copy, k times t)."""
    h, c, w, n = t.shape
    return t.as_strided((h, c, k, w - k + 1, n), (c * w * n, w * n, n, n, 1)).contiguous()


def _patches(win: torch.Tensor) -> torch.Tensor:
    """(H, C, k, Wo, N) windows -> (Ho, k*C*k, Wo*N), a view: for output row i, the input under
    each kernel tap (row, map, column) at every output column and image."""
    h, c, k, wo, n = win.shape
    return win.as_strided((h - k + 1, k * c * k, wo * n), (c * k * wo * n, wo * n, 1))


def _taps(kernel: torch.Tensor) -> torch.Tensor:
    """(O, C, k, k) -> (O, k*C*k), the taps in `_patches`' order (row, map, column)."""
    return kernel.permute(0, 2, 1, 3).reshape(kernel.shape[0], -1)


def conv(win: torch.Tensor, kernel: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """The valid convolution (cross-correlation, as `F.conv2d`) of the maps whose `windows`
    are `win` (H, C, k, Wo, N) with `kernel` (O, C, k, k) plus `bias` (O,): (Ho, O, Wo, N)."""
    h, _, k, wo, n = win.shape
    taps = _taps(kernel)
    rows = h - k + 1
    out = torch.baddbmm(bias.view(1, -1, 1), taps.expand(rows, *taps.shape), _patches(win))
    return out.view(rows, -1, wo, n)


def conv_weight_grads(dz: torch.Tensor, win: torch.Tensor, kernel_shape, patches_first: bool):
    """The gradients of `conv`'s kernel (O, C, k, k) and bias (O,) from the gradient dz
    (Ho, O, Wo, N) of its output. The product per output row runs as patches times dz or as
    dz times patches (`patches_first`), whichever MKL is faster at for the layer's shapes:
    C3's 0.42 against 0.78 ms, C1's 0.38 against 0.87 ms the other way round (batch 128)."""
    rows, maps, wo, n = dz.shape
    o, c, k, _ = kernel_shape
    flat, patches = dz.view(rows, maps, wo * n), _patches(win)
    if patches_first:
        grad_taps = torch.bmm(patches, flat.transpose(1, 2)).sum(0).t()
    else:
        grad_taps = torch.bmm(flat, patches.transpose(1, 2)).sum(0)
    grad_kernel = grad_taps.reshape(o, k, c, k).permute(0, 2, 1, 3).contiguous()
    return grad_kernel, dz.sum((0, 2, 3))


def padded_rows(shape, k: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A (Ho + 2(k-1), O, Wo, N) buffer whose first and last k-1 rows are zero, and its middle
    (Ho, O, Wo, N), where a conv output's gradient is written for `conv_input_grad`."""
    rows = shape[0]
    padded = like.new_empty(rows + 2 * (k - 1), *shape[1:])
    padded[: k - 1].zero_()
    padded[k - 1 + rows :].zero_()
    return padded, padded[k - 1 : k - 1 + rows]


def conv_input_grad(padded: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """The gradient of `conv`'s input (H, C, W, N) from the gradient dz (Ho, O, Wo, N) of its
    output, given in the middle of `padded_rows`: dx[r, c, q] = sum over o, u, s of
    kernel[o, c, u, s] dz[r - u, o, q - s].

    For each input row r, the k output rows r - k + 1 .. r (the zero rows beyond the edges)
    times the kernel flipped upside down give, per kernel column s, the row's contributions
    shifted by s; the k shifts are then added."""
    o, c, k, _ = kernel.shape
    _, maps, wo, n = padded.shape
    h, w = padded.shape[0] - k + 1, wo + k - 1
    # (C*k [map, column], k*O [window row m = k-1-u, map]) times (H, k*O, Wo*N)
    flipped = kernel.flip(2).permute(1, 3, 2, 0).reshape(c * k, k * o)
    stacked = padded.as_strided((h, k * maps, wo * n), (maps * wo * n, wo * n, 1))
    shifted = torch.matmul(flipped, stacked).view(h, c, k, wo, n)
    dx = padded.new_empty(h, c, w, n)
    dx[:, :, :wo] = shifted[:, :, 0]
    dx[:, :, wo:].zero_()
    for s in range(1, k):
        dx[:, :, s : s + wo] += shifted[:, :, s]
    return dx


def pool(t: torch.Tensor, maps_first: bool = False) -> torch.Tensor:
    """(H, C, W, N) -> (H/2, C, W/2, N): the sum of each non-overlapping 2x2 block; with
    `maps_first` stored (C, H/2, W/2, N) (the order of C5's kernel) and returned as that
    tensor's (H/2, C, W/2, N) view."""
    h, c, w, n = t.shape
    pairs = t.view(h // 2, 2, c * w * n)
    rows = pairs[:, 0] + pairs[:, 1]
    columns = rows.view(h // 2, c, w // 2, 2, n)
    out = t.new_empty(c, h // 2, w // 2, n).transpose(0, 1) if maps_first else None
    return torch.add(columns[:, :, :, 0], columns[:, :, :, 1], out=out)


def _blocks(t: torch.Tensor) -> torch.Tensor:
    """(2H, C, 2W, N) seen as its 2x2 blocks, (H, 2, C, W, 2, N)."""
    h, c, w, n = t.shape
    return t.view(h // 2, 2, c, w // 2, 2, n)


def _spread(u: torch.Tensor) -> torch.Tensor:
    """(H, C, W, N) seen as (H, 1, C, W, 1, N): broadcast against `_blocks`, each value stands
    for its 2x2 block (the gradient of `pool`)."""
    return u.unsqueeze(1).unsqueeze(4)


def _per_map(v: torch.Tensor) -> torch.Tensor:
    return v.view(1, -1, 1, 1)


def _maps_first(v: torch.Tensor) -> torch.Tensor:
    return v.view(-1, 1, 1, 1)


class BatchLastTrunk(torch.autograd.Function):
    """x (N, 1, 32, 32) -> F6 (N, 84), from the model's parameters as they are stored (C3's
    60 kernels, `index` their places in the dense 16x6 kernel)."""

    @staticmethod
    def forward(ctx, x, index, a, s, w1, b1, w2, b2, w3, b3, w4, b4, w5, b5, w6, b6):
        sa = s * a
        k = w1.shape[-1]
        k1 = w1 * s
        win1 = windows(to_batch_last(x), k)
        t1 = conv(win1, k1, b1 * s).tanh_()  # (28, 6, 28, N)
        s2 = pool(t1)  # (14, 6, 14, N)
        t2 = torch.addcmul(_per_map(b2 * s), s2, _per_map(w2 * sa)).tanh_()
        maps_out, maps_in = b3.shape[0], s2.shape[1]
        k3 = w3.new_zeros(maps_out * maps_in, *w3.shape[1:]).index_copy_(0, index, w3)
        k3 = k3.view(maps_out, maps_in, *w3.shape[1:]).mul_(sa)
        win3 = windows(t2, k)
        t3 = conv(win3, k3, b3 * s).tanh_()  # (10, 16, 10, N)
        # S4 and C5 with the maps first, (16, 5, 5, N): C5 (a 5x5 kernel over 5x5 maps) is then
        # one matrix product with its kernel as stored, (120, 400)
        s4 = pool(t3, maps_first=True).transpose(0, 1)  # (16, 5, 5, N)
        t4 = torch.addcmul(_maps_first(b4 * s), s4, _maps_first(w4 * sa)).tanh_()
        k5 = w5.reshape(w5.shape[0], -1) * sa
        t5 = torch.addmm((b5 * s).unsqueeze(1), k5, t4.view(-1, t4.shape[-1])).tanh_()
        k6 = w6 * sa
        t6 = torch.addmm((b6 * s).unsqueeze(1), k6, t5).tanh_()  # (84, N)
        ctx.save_for_backward(
            index, k1, win1, t1, s2, t2, k3, win3, t3, s4, t4, t5, t6, w2, w4, k5, k6
        )
        ctx.constants = (a, s, w3.shape, w5.shape)
        return (t6 * a).t()

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_f6):
        index, k1, win1, t1, s2, t2, k3, win3, t3, s4, t4, t5, t6, w2, w4, k5, k6 = (
            ctx.saved_tensors
        )
        a, s, w3_shape, w5_shape = ctx.constants
        sa = s * a
        # dz: the gradient of a layer's tanh argument; the weights' gradients are scaled back
        # by the constants folded into them.
        dz6 = _tanh_backward(grad_f6.t() * a, t6)  # (84, N)
        grad_w6, grad_b6 = dz6.mm(t5.t()).mul_(sa), dz6.sum(1).mul_(s)
        dz5 = _tanh_backward(k6.t().mm(dz6), t5)  # (120, N)
        grad_w5 = dz5.mm(t4.view(-1, t4.shape[-1]).t()).mul_(sa).view(w5_shape)
        grad_b5 = dz5.sum(1).mul_(s)
        dz4 = _tanh_backward(k5.t().mm(dz5).view(t4.shape), t4)  # (16, 5, 5, N)
        grad_w4, grad_b4 = (dz4 * s4).sum((1, 2, 3)).mul_(sa), dz4.sum((1, 2, 3)).mul_(s)
        dt3 = (dz4 * _maps_first(w4 * sa)).transpose(0, 1)  # (5, 16, 5, N)
        padded, dz3 = padded_rows(t3.shape, k3.shape[-1], t3)
        _tanh_backward_into(_spread(dt3), _blocks(t3), _blocks(dz3))
        grad_k3, grad_b3 = conv_weight_grads(dz3, win3, k3.shape, patches_first=True)
        grad_w3 = grad_k3.view(-1, *w3_shape[1:]).index_select(0, index).mul_(sa)
        dz2 = _tanh_backward(conv_input_grad(padded, k3), t2)
        grad_w2, grad_b2 = (dz2 * s2).sum((0, 2, 3)).mul_(sa), dz2.sum((0, 2, 3)).mul_(s)
        if ctx.needs_input_grad[0]:
            padded, dz1 = padded_rows(t1.shape, k1.shape[-1], t1)
        else:
            dz1 = torch.empty_like(t1)
        _tanh_backward_into(_spread(dz2 * _per_map(w2 * sa)), _blocks(t1), _blocks(dz1))
        grad_w1, grad_b1 = conv_weight_grads(dz1, win1, k1.shape, patches_first=False)
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = conv_input_grad(padded, k1).permute(3, 1, 0, 2)  # (N, 1, 32, 32)
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
