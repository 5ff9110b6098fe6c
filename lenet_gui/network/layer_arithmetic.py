"""Each layer's parameter count as a formula with its numbers, read from the model itself.

E.g. C1 "(25 x 1 + 1) x 6 = 156": 6 kernels of 5x5 over 1 input map, plus one bias each. The
numbers come from the layer's weight shapes (and, for C3, from its connection table), never
typed in, so the formulas hold for any checkpoint; `parameter_formulas` checks each one against
the layer's actual parameter count. Used by `info --formulas` and the GUI's Network view.
Source: LeCun et al. (1998), section II.B.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from .architecture import LAYER_NAMES
from .model import EuclideanRBF, LeNet5, PartialConv2d, Subsampling, layer_parameter_counts


@dataclass(frozen=True)
class LayerFormula:
    layer: str
    formula: str  # e.g. "(25 x 1 + 1) x 6"
    count: int  # the formula's value, equal to the layer's trainable parameters
    meaning: str  # what the numbers are, in words

    def __str__(self) -> str:
        if self.formula == str(self.count):
            return self.formula
        return f"{self.formula} = {self.count:,}"


def _conv(module: nn.Conv2d, name: str) -> LayerFormula:
    out, inp, kh, kw = module.weight.shape
    bias = 1 if module.bias is not None else 0
    return LayerFormula(
        name,
        f"({kh * kw} x {inp} + {bias}) x {out}",
        (kh * kw * inp + bias) * out,
        f"{out} units, each a {kh}x{kw} kernel over {inp} input map(s) plus {bias} bias",
    )


def _subsampling(module: Subsampling, name: str) -> LayerFormula:
    maps = module.weight.shape[0]
    return LayerFormula(
        name,
        f"(1 + 1) x {maps}",
        2 * maps,
        f"{maps} maps, each one coefficient for its 2x2 sums plus one bias",
    )


def _consecutive(inputs: tuple[int, ...], n: int) -> bool:
    """Whether `inputs` are consecutive maps, counted round the circle of n maps."""
    return any(all((s + i) % n in inputs for i in range(len(inputs))) for s in inputs)


def _partial_conv(module: PartialConv2d, name: str) -> LayerFormula:
    """C3: one term per group of maps with the same fan-in (consecutive inputs or not, as the
    paper groups them), in the order of the connection table."""
    table = partial_conv_table(module)
    k2 = module.kernel_size**2
    groups: list[list] = []  # [fan_in, consecutive, how many maps]
    for inputs in table:
        key = [len(inputs), _consecutive(inputs, module.in_channels)]
        if groups and groups[-1][:2] == key:
            groups[-1][2] += 1
        else:
            groups.append([*key, 1])
    terms = [f"({k2} x {fan_in} + 1) x {maps}" for fan_in, _, maps in groups]
    count = sum((k2 * fan_in + 1) * maps for fan_in, _, maps in groups)
    described = ", ".join(
        f"{maps} over {fan_in} {'consecutive' if consecutive else 'non-consecutive'}"
        for fan_in, consecutive, maps in groups
    )
    meaning = f"{len(table)} maps, each {k2} weights per S2 map it sees plus 1 bias: {described}"
    return LayerFormula(name, " + ".join(terms), count, meaning)


def partial_conv_table(module: PartialConv2d) -> tuple[tuple[int, ...], ...]:
    """The connection table a PartialConv2d was built with: input maps of each output map."""
    table: list[list[int]] = [[] for _ in range(module.out_channels)]
    for flat in module.dense_index.tolist():
        table[flat // module.in_channels].append(flat % module.in_channels)
    return tuple(tuple(inputs) for inputs in table)


def _linear(module: nn.Linear, name: str) -> LayerFormula:
    out, inp = module.weight.shape
    bias = 1 if module.bias is not None else 0
    return LayerFormula(
        name,
        f"({inp} + {bias}) x {out}",
        (inp + bias) * out,
        f"{out} units, each a weight per input ({inp}) plus {bias} bias",
    )


def _rbf(module: EuclideanRBF, name: str) -> LayerFormula:
    classes, size = module.prototypes.shape
    return LayerFormula(
        name,
        "0",
        0,
        f"{classes} Euclidean RBF units comparing F6 with fixed prototypes of {size} values "
        "(7x12 bitmaps, +1/-1): nothing trained",
    )


def parameter_formulas(model: LeNet5) -> list[LayerFormula]:
    """One formula per layer, in forward order; raises AssertionError if a formula's value
    differs from the layer's actual trainable parameter count (a layer of another shape)."""
    modules = (model.c1, model.s2, model.c3, model.s4, model.c5, model.f6, model.output)
    formulas = []
    for name, module in zip(LAYER_NAMES, modules, strict=True):
        if isinstance(module, PartialConv2d):
            formulas.append(_partial_conv(module, name))
        elif isinstance(module, Subsampling):
            formulas.append(_subsampling(module, name))
        elif isinstance(module, nn.Conv2d):
            formulas.append(_conv(module, name))
        elif isinstance(module, nn.Linear):
            formulas.append(_linear(module, name))
        elif isinstance(module, EuclideanRBF):
            formulas.append(_rbf(module, name))
        else:
            raise TypeError(f"no formula for {name} ({type(module).__name__})")
    counts = layer_parameter_counts(model)
    for f in formulas:
        if f.count != counts[f.layer]:
            raise AssertionError(f"{f.layer}: formula gives {f.count}, model has {counts[f.layer]}")
    return formulas


def total_formula(formulas: list[LayerFormula]) -> LayerFormula:
    """The sum of the given layers' counts, written out."""
    count = sum(f.count for f in formulas)
    names = f"{formulas[0].layer}..{formulas[-1].layer}"
    return LayerFormula(
        names, " + ".join(f"{f.count:,}" for f in formulas), count, f"all of {names}"
    )
