import torch

from lenet_gui.network.architecture import C3_TABLE, LAYER, LAYER_NAMES, LAYERS
from lenet_gui.network.model import (
    LeNet5,
    layer_output_shapes,
    layer_parameter_counts,
    squash,
)


def test_parameter_counts_per_layer_match_the_paper():
    counts = layer_parameter_counts(LeNet5())
    assert counts == {
        "C1": 156,
        "S2": 12,
        "C3": 1516,
        "S4": 32,
        "C5": 48120,
        "F6": 10164,
        "output": 850,
    }
    assert sum(counts[name] for name in LAYER_NAMES[:-1]) == 60000
    assert counts == {layer.name: layer.parameters for layer in LAYERS}


def test_the_built_model_matches_the_architecture_table():
    """`architecture.LAYERS` is what the GUI draws: the model must produce exactly that."""
    assert layer_output_shapes() == {layer.name: layer.shape for layer in LAYERS}
    assert LAYER["C1"].shape_text() == "6 @ 28×28"
    assert LAYER["C5"].shape_text() == "120 units"
    assert LAYER["F6"].shape_text() == "84 as 7×12" and LAYER["F6"].units == 12 * 7
    assert LAYER["output"].shape_text() == "10 logits"
    assert LAYER["S4"].map_shape == (5, 5) and LAYER["C5"].map_shape == (1, 120)


def test_c3_table_is_the_papers():
    assert [len(inputs) for inputs in C3_TABLE] == [3] * 6 + [4] * 6 + [4] * 3 + [6]
    for j in range(6):  # three consecutive maps, wrapping around
        assert C3_TABLE[j] == tuple((j + k) % 6 for k in range(3))
        assert C3_TABLE[6 + j] == tuple((j + k) % 6 for k in range(4))
    assert C3_TABLE[12:15] == ((0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5))
    assert C3_TABLE[15] == (0, 1, 2, 3, 4, 5)


def test_c3_maps_ignore_unconnected_s2_maps():
    torch.manual_seed(0)
    model = LeNet5()
    s2 = torch.randn(1, 6, 14, 14)
    base = model.c3(s2)
    for source in range(6):
        changed = s2.clone()
        changed[0, source] += 5.0
        moved = (model.c3(changed) - base).abs().flatten(2).amax(2)[0] > 1e-6
        expected = torch.tensor([source in inputs for inputs in C3_TABLE])
        assert torch.equal(moved, expected), f"S2 map {source}"


def test_activation_shapes_and_logits():
    model = LeNet5()
    x = torch.randn(3, 1, 32, 32)
    logits, acts = model(x, return_activations=True)
    assert list(acts) == list(LAYER_NAMES)
    assert {k: tuple(v.shape[1:]) for k, v in acts.items()} == layer_output_shapes()
    assert layer_output_shapes()["C3"] == (16, 10, 10)
    assert torch.equal(acts["output"], logits)
    assert torch.equal(model(x), logits)


def test_squashing_function_is_the_scaled_tanh():
    x = torch.tensor([-1.0, 0.0, 1.0, 10.0])
    assert torch.allclose(squash(x), torch.tensor([-1.0, 0.0, 1.0, 1.7159]), atol=2e-4)


def test_subsampling_is_a_scaled_2x2_sum_plus_bias():
    model = LeNet5()
    with torch.no_grad():
        model.s2.weight.copy_(torch.arange(1.0, 7.0))
        model.s2.bias.fill_(0.5)
    x = torch.ones(1, 6, 28, 28)
    out = model.s2(x)
    assert out.shape == (1, 6, 14, 14)
    assert torch.allclose(out[0, :, 0, 0], 4 * torch.arange(1.0, 7.0) + 0.5)


def test_fast_paths_compute_the_papers_layers():
    """S2/S4 run as a depthwise convolution and C5 as a matrix product: same results as the
    plain definitions (2x2 sum times weight plus bias; a 5x5 convolution)."""
    torch.manual_seed(1)
    model = LeNet5()
    with torch.no_grad():
        model.s4.weight.uniform_(-1, 1)
        model.s4.bias.uniform_(-1, 1)
        x = torch.randn(2, 1, 32, 32)
        _, acts = model(x, return_activations=True)
        c3 = acts["C3"]
        summed = c3.unfold(2, 2, 2).unfold(3, 2, 2).sum((-1, -2))
        s4 = squash(summed * model.s4.weight.view(1, -1, 1, 1) + model.s4.bias.view(1, -1, 1, 1))
        assert torch.allclose(acts["S4"], s4, atol=1e-5)
        c5 = squash(torch.nn.functional.conv2d(s4, model.c5.weight, model.c5.bias)).flatten(1)
        assert torch.allclose(acts["C5"], c5, atol=1e-5)
