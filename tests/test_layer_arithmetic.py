import pytest
import torch

from lenet_gui import cli
from lenet_gui.network.architecture import C3_TABLE
from lenet_gui.network.layer_arithmetic import parameter_formulas, partial_conv_table, total_formula
from lenet_gui.network.model import LeNet5, LeNet5Config, PartialConv2d, layer_parameter_counts
from lenet_gui.retrain.checkpoint import save_checkpoint


def test_formulas_of_the_seed_are_the_papers(bundled_model):
    formulas = {f.layer: str(f) for f in parameter_formulas(bundled_model.model)}
    assert formulas == {
        "C1": "(25 x 1 + 1) x 6 = 156",
        "S2": "(1 + 1) x 6 = 12",
        "C3": "(25 x 3 + 1) x 6 + (25 x 4 + 1) x 6 + (25 x 4 + 1) x 3 + (25 x 6 + 1) x 1 = 1,516",
        "S4": "(1 + 1) x 16 = 32",
        "C5": "(25 x 16 + 1) x 120 = 48,120",
        "F6": "(120 + 1) x 84 = 10,164",
        "output": "(84 + 1) x 10 = 850",
    }
    listed = parameter_formulas(bundled_model.model)
    assert total_formula(listed[:-1]).count == 60_000
    assert str(total_formula(listed)).endswith("= 60,850")


@pytest.mark.parametrize("output", ["linear", "rbf"])
def test_formulas_evaluate_to_the_counts_of_info(output):
    model = LeNet5(LeNet5Config(output=output))
    counts = layer_parameter_counts(model)
    for f in parameter_formulas(model):
        # The written formula itself evaluates to the count (x is multiplication).
        assert eval(f.formula.replace(" x ", " * ")) == f.count == counts[f.layer]


def test_formulas_follow_the_model_not_a_typed_table():
    model = LeNet5()
    model.c3 = PartialConv2d(6, ((0, 1), (2, 3, 4)), 5)  # another table: other formula
    model.f6 = torch.nn.Linear(3, 84)  # mismatched shapes are fine for counting
    formulas = {f.layer: f for f in parameter_formulas(model)}
    assert str(formulas["C3"]) == "(25 x 2 + 1) x 1 + (25 x 3 + 1) x 1 = 127"
    assert str(formulas["F6"]) == "(3 + 1) x 84 = 336"
    assert partial_conv_table(LeNet5().c3) == C3_TABLE


def test_info_formulas_prints_them_for_a_checkpoint(tmp_path, capsys):
    path = save_checkpoint(tmp_path / "rbf.pt", LeNet5(LeNet5Config(output="rbf")))
    assert cli.main(["info", "--formulas", "--checkpoint", str(path)]) == 0
    out = capsys.readouterr().out
    assert "C3      (25 x 3 + 1) x 6 + (25 x 4 + 1) x 6" in out
    assert "C1..F6  156 + 12 + 1,516 + 32 + 48,120 + 10,164 = 60,000" in out
    assert "output  0\n" in out  # the RBF prototypes are fixed
