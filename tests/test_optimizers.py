import copy

import pytest
import torch
import torch.nn.functional as F

from lenet_gui.network.model import LeNet5
from lenet_gui.training.optimizers import SGD, AdamW


def run(model, step, lrs):
    """Train `model` for len(lrs) steps on fixed random data, `step(lr)` after each backward."""
    generator = torch.Generator().manual_seed(0)
    for lr in lrs:
        x = torch.randn(16, 1, 32, 32, generator=generator)
        y = torch.randint(0, 10, (16,), generator=generator)
        for p in model.parameters():
            p.grad = None
        F.cross_entropy(model(x), y).backward()
        step(lr)
    return model.state_dict()


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (
            lambda params: AdamW(params, weight_decay=0.01),
            lambda params: torch.optim.AdamW(params, lr=1.0, weight_decay=0.01),
        ),
        (
            lambda params: SGD(params, momentum=0.9, weight_decay=1e-3),
            lambda params: torch.optim.SGD(
                params, lr=1.0, momentum=0.9, nesterov=True, weight_decay=1e-3
            ),
        ),
    ],
    ids=["adamw", "sgd-nesterov"],
)
def test_the_optimizers_make_torch_optims_updates(ours, theirs):
    torch.manual_seed(0)
    model = LeNet5()
    reference = copy.deepcopy(model)
    lrs = [3e-3, 1e-3, 2e-3, 5e-4, 1e-3, 4e-3]  # a schedule: the rate changes every step
    optimizer = ours(model.parameters())
    mine = run(model, optimizer.step, lrs)

    torch_optimizer = theirs(reference.parameters())

    def torch_step(lr):
        for group in torch_optimizer.param_groups:
            group["lr"] = lr
        torch_optimizer.step()

    expected = run(reference, torch_step, lrs)
    start = LeNet5().state_dict()
    for name in expected:
        assert torch.allclose(mine[name], expected[name], atol=1e-6, rtol=1e-5), name
    assert not torch.equal(mine["c1.weight"], start["c1.weight"])  # they did move


def test_a_parameter_without_a_gradient_is_left_alone():
    layer = torch.nn.Linear(3, 2)
    before = layer.weight.detach().clone()
    optimizer = AdamW(layer.parameters(), weight_decay=0.1)
    optimizer.zero_grad()
    layer.bias.sum().backward()  # only the bias gets a gradient
    optimizer.step(1e-2)
    assert torch.equal(layer.weight, before) and layer.weight.grad is None
