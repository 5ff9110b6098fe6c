"""Fooling the network: the smallest change to the 32x32 input that makes it read another digit.

Two gradient attacks on the input, each kept inside an L-infinity ball of radius epsilon around
it and inside the input's valid range (the paper's -0.1 paper .. 1.175 ink):

- FGSM, the fast gradient sign method (Goodfellow, Shlens and Szegedy 2015, "Explaining and
  harnessing adversarial examples"): one step of epsilon along the sign of the loss's gradient.
- PGD, projected gradient descent (Madry et al. 2018, "Towards deep learning models resistant
  to adversarial attacks", section 2.1): several smaller signed steps, each projected back.

Untargeted, the loss pushed up is the cross-entropy of the digit read now; towards a chosen
digit, the cross-entropy of that digit is pushed down. The smallest epsilon is searched on a
geometric grid of budgets, all attacked at once as one batch, then refined between the last
budget that failed and the first that worked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from ..network.model import LeNet5
from ..preprocessing.preprocess import BACKGROUND_VALUE, INK_VALUE, PreparedInput
from ..reading.inference import inspect
from ..reading.verdict import rejector_settings

LOW, HIGH = BACKGROUND_VALUE, INK_VALUE  # the valid input range
METHODS = ("fgsm", "pgd")
PGD_STEPS = 10
# Budgets tried first: geometric from a third of a grey level (1/255 of the range) to the whole
# input range, each 1.5 times the last; then REFINE budgets between the last that failed and the
# first that worked, which finds the smallest budget to within 4%. Two rounds of small batches:
# on a CPU the number of sequential gradient steps costs more than the batch size.
GRID = np.geomspace(0.005, HIGH - LOW, 14)
REFINE, REFINE_ROUNDS = 12, 1


@dataclass(frozen=True)
class FoolingResult:
    """What it took. Arrays are (32, 32) on the paper's scale; `change` = fooled - original.

    `epsilon` is the smallest L-infinity budget found that flips the reading (None: not even
    the whole input range did), `epsilon_below` the largest budget tried that did not.
    """

    method: str
    target: int | None  # None: any digit but the one read
    reading: int
    original: np.ndarray
    fooled: np.ndarray
    original_probabilities: np.ndarray  # (10,)
    fooled_probabilities: np.ndarray  # (10,)
    epsilon: float | None
    epsilon_below: float

    @property
    def flipped(self) -> bool:
        return self.epsilon is not None

    @property
    def new_digit(self) -> int:
        return int(self.fooled_probabilities.argmax())

    @property
    def change(self) -> np.ndarray:
        return self.fooled - self.original

    @property
    def linf(self) -> float:
        return float(np.abs(self.change).max())

    @property
    def l2(self) -> float:
        return float(np.sqrt((self.change.astype(np.float64) ** 2).sum()))

    def summary(self) -> str:
        wanted = "another digit" if self.target is None else f"a {self.target}"
        if not self.flipped:
            return f"{self.method.upper()} could not make it read {wanted}."
        share = 100 * self.linf / (HIGH - LOW)
        return (
            f"Reads {self.reading} ({100 * self.original_probabilities[self.reading]:.0f}%) -> "
            f"{self.new_digit} ({100 * self.fooled_probabilities[self.new_digit]:.0f}%) with "
            f"{self.method.upper()}: no pixel changed by more than {self.linf:.3f} "
            f"({share:.1f}% of the input range), L2 size {self.l2:.2f}."
        )

    def to_json(self) -> dict:
        """The fields `python -m lenet_gui fool` prints (documented in README)."""
        return {
            "method": self.method,
            "target": self.target,
            "reading": self.reading,
            "flipped": self.flipped,
            "new_digit": self.new_digit,
            "epsilon": None if self.epsilon is None else round(self.epsilon, 6),
            "linf": round(self.linf, 6),
            "l2": round(self.l2, 6),
            "probabilities": [round(float(p), 6) for p in self.fooled_probabilities],
        }


def _loss_gradient(model: LeNet5, x: torch.Tensor, label: torch.Tensor, sign: float):
    """Gradient of sign * cross-entropy w.r.t. the inputs only (the weights' .grad untouched,
    so the GUI thread may keep using the same model)."""
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        loss = sign * F.cross_entropy(model(x), label, reduction="sum")
        (grad,) = torch.autograd.grad(loss, x)
    return grad


def attack(
    model: LeNet5,
    x0: torch.Tensor,
    epsilons: torch.Tensor,
    method: str,
    reading: int,
    target: int | None = None,
    steps: int = PGD_STEPS,
) -> torch.Tensor:
    """Attack one input (1, 1, 32, 32) with each budget in `epsilons` (B,): inputs (B, 1, 32, 32),
    each within its budget of x0 (L-infinity) and within -0.1..1.175."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; one of {', '.join(METHODS)}")
    n = len(epsilons)
    eps = epsilons.view(n, 1, 1, 1).float()
    x0 = x0.expand(n, -1, -1, -1)
    # Untargeted: climb the loss of the digit read; targeted: descend the loss of the target.
    label = torch.full((n,), reading if target is None else target, dtype=torch.long)
    sign = 1.0 if target is None else -1.0
    if method == "fgsm":
        steps, step_size = 1, eps
    else:
        step_size = 2.5 * eps / steps  # Madry et al.: enough to reach the ball's edge and move
    x = x0.clone()
    for _ in range(steps):
        x = x + step_size * _loss_gradient(model, x, label, sign).sign()
        x = torch.max(torch.min(x, x0 + eps), x0 - eps).clamp(LOW, HIGH)
    return x.detach()


def _success(probs: torch.Tensor, reading: int, target: int | None) -> torch.Tensor:
    digits = probs.argmax(1)
    return digits != reading if target is None else digits == target


@torch.no_grad()
def smallest_fooling(
    model: LeNet5,
    network_input: np.ndarray,
    method: str = "pgd",
    target: int | None = None,
    steps: int = PGD_STEPS,
) -> FoolingResult:
    """The smallest L-infinity change (searched, see the module docstring) to `network_input`
    (1, 32, 32) that makes `model` read another digit, or `target`. ValueError for a bad
    method or target, or a target equal to the digit read now."""
    if target is not None and not 0 <= target <= 9:
        raise ValueError(f"the target must be a digit 0-9, got {target}")
    model.eval()
    x0 = torch.from_numpy(np.ascontiguousarray(network_input, dtype=np.float32)).view(1, 1, 32, 32)
    temperature = rejector_settings(model.rejector)["temperature"]  # the app's calibration
    p0 = torch.softmax(model(x0) / temperature, 1)
    reading = int(p0.argmax())
    if target == reading:
        raise ValueError(f"it already reads {target}: choose another digit")

    def try_budgets(budgets: np.ndarray):
        fooled = attack(model, x0, torch.from_numpy(budgets), method, reading, target, steps)
        probs = torch.softmax(model(fooled) / temperature, 1)
        return fooled, probs, _success(probs, reading, target).numpy()

    fooled, probs, ok = try_budgets(GRID)
    if not ok.any():
        epsilon, below, pick = None, float(GRID[-1]), len(GRID) - 1
    else:
        pick = int(ok.argmax())
        epsilon, below = float(GRID[pick]), float(GRID[pick - 1]) if pick > 0 else 0.0
        for _ in range(REFINE_ROUNDS):
            budgets = np.linspace(below, epsilon, REFINE + 2)[1:-1]
            f2, p2, ok2 = try_budgets(budgets)
            if not ok2.any():  # an attack is not monotonic in its budget: keep what worked
                below = float(budgets[-1])
                continue
            pick = int(ok2.argmax())
            fooled, probs = f2, p2
            epsilon, below = float(budgets[pick]), float(budgets[pick - 1]) if pick > 0 else below
    return FoolingResult(
        method=method,
        target=target,
        reading=reading,
        original=x0[0, 0].numpy().copy(),
        fooled=fooled[pick, 0].numpy().copy(),
        original_probabilities=p0[0].numpy(),
        fooled_probabilities=probs[pick].numpy(),
        epsilon=epsilon,
        epsilon_below=below,
    )


def readings(model: LeNet5, prepared: PreparedInput, result: FoolingResult):
    """What the app says of the input and of the changed input: two `Prediction`s with their
    verdicts (`inference.inspect`), so the fooling is told as the prediction panel would tell
    it (a change just past the edge of another digit is often "unsure"; fooling a drawing that
    is "not a digit" only moves its best guess). The changed input keeps the drawing's ink
    shape (`prepared`'s aspect and stroke width) for the verdict's shape rules."""
    changed = replace(prepared, network_input=result.fooled[None].astype(np.float32))
    return inspect(model, prepared).prediction, inspect(model, changed).prediction
