"""The feature-map views take every layer's name and shape from `architecture.LAYERS`."""

from __future__ import annotations

import numpy as np
import pytest

from lenet_gui.network.architecture import LAYER, LAYERS, MAP_LAYERS, output_layer
from lenet_gui.ui.views.explanations import layer_title, layer_tooltip
from lenet_gui.ui.views.map_detail import detail_title
from lenet_gui.ui.views.map_layout import KERNELS, compute_layout


@pytest.mark.parametrize("kernels", [True, False])
def test_the_layout_has_one_tile_per_map_of_the_shape_the_architecture_gives(kernels):
    layout = compute_layout(1000, 900, show_kernels=kernels, table=True)
    for layer in MAP_LAYERS:
        tiles = [t for t in layout.tiles if t.layer == layer]
        assert len(tiles) == LAYER[layer].maps
        assert all(t.shape == LAYER[layer].map_shape for t in tiles)
        # Tile sizes are whole multiples of the map size: crisp pixels.
        assert all(t.rect.width() % t.shape[1] == 0 for t in tiles), layer
    assert len([t for t in layout.tiles if t.layer == "output"]) == LAYER["output"].units
    (f6,) = [t for t in layout.tiles if t.layer == "F6"]
    assert f6.shape == LAYER["F6"].grid
    assert np.prod(layout.c5_shape) == LAYER["C5"].units
    assert len([t for t in layout.tiles if t.layer == KERNELS]) == (6 if kernels else 0)


@pytest.mark.parametrize("width", [140, 200, 260, 330, 420])
def test_a_narrow_view_gets_an_arrangement_as_narrow_as_itself(width):
    """A small window's maps panel scrolls down, never sideways: the arrangement fits the
    width (names above the rows, fewer maps a row), every map and unit still has its tile."""
    layout = compute_layout(width, 0, show_kernels=True, table=True)
    assert layout.width <= width
    for layer in MAP_LAYERS:
        assert len([t for t in layout.tiles if t.layer == layer]) == LAYER[layer].maps
    assert len([t for t in layout.tiles if t.layer == "output"]) == LAYER["output"].units
    assert all(t.rect.right() <= width for t in layout.tiles)
    assert np.prod(layout.c5_shape) == LAYER["C5"].units


def test_a_roomy_view_keeps_the_names_beside_the_rows():
    layout = compute_layout(1000, 900, show_kernels=True, table=True)
    assert not layout.labels_above and layout.first("C1").rect.left() >= 70


def test_titles_tooltips_and_detail_titles_come_from_the_architecture():
    for layer in LAYERS:
        assert layer_title(layer.name) == (layer.name, layer.shape_text())
        tip = layer_tooltip(layer.name)
        assert layer.shape_text() in tip and f"{layer.parameters:,} trainable" in tip
    assert detail_title("F6", 0) == "F6: 84 as 7×12"
    assert detail_title("C5", 0) == "C5: 120 units"
    assert detail_title("C3", 2, ((0, 1, 2),) * 16) == "C3 map 2 — fed by S2 maps 0, 1, 2"


@pytest.mark.parametrize("output", ["linear", "rbf"])
def test_the_output_layers_words_follow_the_models_output_kind(output):
    layer = output_layer(output)
    assert layer_title("output", output) == ("output", layer.shape_text())
    tip, f6 = layer_tooltip("output", output), layer_tooltip("F6", output)
    assert layer.shape_text() in tip and f"{layer.parameters:,} trainable" in tip
    if output == "rbf":
        assert layer.shape_text() == "10 RBF units" and layer.parameters == 0
        for text in (tip, f6):
            assert "linear" not in text and "logit" not in text
        assert "distance" in tip and "prototype" in f6
    else:
        assert layer.shape_text() == "10 logits" and "linear layer" in tip and "linear" in f6


def test_an_unknown_output_kind_is_refused():
    with pytest.raises(ValueError, match="linear"):
        output_layer("softmax")
