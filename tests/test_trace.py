import numpy as np
import pytest
import torch

from lenet_gui.explain.trace import TraceError, parse_unit, receptive_field, trace_unit
from lenet_gui.network.architecture import C3_TABLE, LAYER_NAMES
from lenet_gui.network.model import LeNet5, LeNet5Config
from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing

SEVEN = Drawing(280, 280, (((60, 60), (220, 60), (120, 240)),))


@pytest.fixture(scope="module")
def seven_input():
    return prepare_drawing(SEVEN).network_input


def units(shape, rng, per_layer=12):
    """A sample of units of a layer, corners and the last map included."""
    if len(shape) == 1:
        picked = {0, shape[0] - 1, *rng.integers(0, shape[0], per_layer).tolist()}
        return [(m, 0, 0) for m in sorted(picked)]
    maps, rows, cols = shape
    picked = {(0, 0, 0), (maps - 1, rows - 1, cols - 1)}
    picked |= {tuple(int(v) for v in rng.integers(0, (maps, rows, cols))) for _ in range(per_layer)}
    return sorted(picked)


@pytest.mark.parametrize("output", ["linear", "rbf"])
def test_trace_reproduces_every_layer_to_1e_5(bundled_model, seven_input, output):
    if output == "linear":
        model = bundled_model.model
    else:
        torch.manual_seed(1)
        model = LeNet5(LeNet5Config(output="rbf")).eval()
    with torch.no_grad():
        _, acts = model(torch.from_numpy(seven_input[None]), return_activations=True)
    rng = np.random.default_rng(0)
    for layer in LAYER_NAMES:
        act = acts[layer][0].numpy()
        for m, r, c in units(act.shape, rng):
            trace = trace_unit(model, seven_input, layer, m, r, c)
            shown = act[m, r, c] if act.ndim == 3 else act[m]
            assert abs(trace.value - shown) <= 1e-5 * max(1.0, abs(shown)), (layer, m, r, c)
            assert trace.model_value == pytest.approx(float(shown), abs=1e-7)
            assert trace.computation()[-1].endswith(f"{trace.value:.4f}")


def test_c3_inputs_are_only_the_s2_maps_its_column_names(bundled_model, seven_input):
    for m, table in enumerate(C3_TABLE):
        trace = trace_unit(bundled_model.model, seven_input, "C3", m, 3, 4)
        assert [g.map for g in trace.inputs] == list(table)
        assert all(g.source == "S2" and g.values.shape == (5, 5) for g in trace.inputs)


def test_subsampling_trace_uses_the_coefficient_and_the_2x2_block(bundled_model, seven_input):
    trace = trace_unit(bundled_model.model, seven_input, "S4", 5, 2, 3)
    (block,) = trace.inputs
    assert block.source == "C3" and block.values.shape == (2, 2)
    assert (block.top, block.left) == (4, 6)
    assert trace.coefficient == pytest.approx(bundled_model.model.s4.weight[5].item())
    assert trace.weighted_sum == pytest.approx(
        trace.coefficient * block.values.sum() + trace.bias, abs=1e-9
    )


@pytest.mark.parametrize(
    ("layer", "row", "col", "expected"),
    [
        ("C1", 3, 4, (3, 4, 8, 9)),
        ("S2", 5, 6, (10, 12, 16, 18)),
        ("C3", 2, 7, (4, 14, 18, 28)),
        ("S4", 4, 1, (16, 4, 32, 20)),
        ("C5", 0, 0, (0, 0, 32, 32)),
    ],
)
def test_receptive_field_is_exactly_the_pixels_a_unit_depends_on(layer, row, col, expected):
    assert receptive_field(layer, row, col) == expected
    torch.manual_seed(0)
    model = LeNet5().eval()
    x = torch.randn(1, 1, 32, 32, requires_grad=True)
    _, acts = model(x, return_activations=True)
    act = acts[layer][0]
    unit = act[0, row, col] if act.ndim == 3 else act[0]
    (grad,) = torch.autograd.grad(unit, x)
    nonzero = grad[0, 0].abs() > 0
    top, left, bottom, right = expected
    inside = torch.zeros_like(nonzero)
    inside[top:bottom, left:right] = True
    assert not nonzero[~inside].any()  # nothing outside the field matters...
    assert nonzero[top, left] and nonzero[bottom - 1, right - 1]  # ...and its corners do


def test_units_that_do_not_exist_are_refused(bundled_model, seven_input):
    with pytest.raises(TraceError, match="C3 has 16 maps of 10x10"):
        trace_unit(bundled_model.model, seven_input, "C3", 16, 0, 0)
    with pytest.raises(TraceError, match="F6 has 84 units"):
        trace_unit(bundled_model.model, seven_input, "F6", 3, 1, 0)
    assert parse_unit("c3:4:2:7") == ("C3", 4, 2, 7)
    assert parse_unit("F6:10") == ("F6", 10, 0, 0)
    for bad in ("X1:0", "C1:a:b:c", "C1:1:2"):
        with pytest.raises(TraceError):
            parse_unit(bad)
