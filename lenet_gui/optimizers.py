"""Adam with decoupled weight decay, and SGD with Nesterov momentum, written out.

They make the same updates as `torch.optim.AdamW` and `torch.optim.SGD(nesterov=True)` (the
tests compare them step by step), in a few lines each. torch.optim is not used because its first
optimizer imports torch._dynamo and sympy: 1.5-3.5 s measured here, in every training process,
a twentieth of a one-minute run from scratch. The learning rate is passed to each `step`, so the
schedule is a plain function of the step (`train.warmup_cosine`).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class AdamW:
    """Adam (Kingma & Ba 2015, algorithm 1) with decoupled weight decay (Loshchilov & Hutter
    2019, algorithm 2), as torch.optim.AdamW computes it."""

    def __init__(
        self,
        params: Iterable[torch.nn.Parameter],
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        self.params = [p for p in params if p.requires_grad]
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self.exp_avg = [torch.zeros_like(p) for p in self.params]  # first moment, m
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]  # second moment, v
        self.steps = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self, lr: float) -> None:
        self.steps += 1
        beta1, beta2 = self.betas
        correction1, correction2 = 1 - beta1**self.steps, 1 - beta2**self.steps
        for p, m, v in zip(self.params, self.exp_avg, self.exp_avg_sq, strict=True):
            if p.grad is None:
                continue
            p.mul_(1 - lr * self.weight_decay)
            m.lerp_(p.grad, 1 - beta1)
            v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
            denominator = (v.sqrt() / correction2**0.5).add_(self.eps)
            p.addcdiv_(m, denominator, value=-lr / correction1)


class SGD:
    """Stochastic gradient descent with Nesterov momentum (Sutskever et al. 2013) and L2 weight
    decay, as torch.optim.SGD(momentum=..., nesterov=True) computes it."""

    def __init__(
        self, params: Iterable[torch.nn.Parameter], momentum: float = 0.9, weight_decay: float = 0.0
    ):
        self.params = [p for p in params if p.requires_grad]
        self.momentum, self.weight_decay = momentum, weight_decay
        self.velocity: list[torch.Tensor | None] = [None] * len(self.params)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self, lr: float) -> None:
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            grad = p.grad.add(p, alpha=self.weight_decay) if self.weight_decay else p.grad
            if self.velocity[i] is None:
                self.velocity[i] = grad.clone()
            else:
                self.velocity[i].mul_(self.momentum).add_(grad)
            p.add_(grad.add(self.velocity[i], alpha=self.momentum), alpha=-lr)
