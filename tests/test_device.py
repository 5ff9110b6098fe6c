"""The device follows the model: inputs go where its weights are (training may leave a model on
a GPU). No GPU here, so the "meta" device stands in: a forward hook records where the input
arrived, and reading results back from meta (which holds no data) then fails on purpose."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lenet_gui.network.model import LeNet5, model_device
from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing
from lenet_gui.reading.inference import inspect, probabilities


def meta_model() -> tuple[LeNet5, list]:
    model = LeNet5().to("meta")
    seen: list = []
    model.register_forward_pre_hook(lambda module, args: seen.append(args[0].device.type))
    return model, seen


def test_model_device_is_where_the_weights_are():
    assert model_device(LeNet5()) == torch.device("cpu")
    assert model_device(LeNet5().to("meta")).type == "meta"


def test_probabilities_send_inputs_to_the_models_device():
    model, seen = meta_model()
    with pytest.raises(NotImplementedError, match="meta"):  # reading back from meta
        probabilities(model, np.zeros((2, 1, 32, 32), np.float32))
    assert seen == ["meta"]


def test_inspect_sends_its_input_to_the_models_device():
    prepared = prepare_drawing(Drawing(280, 280, (((140.0, 40.0), (140.0, 240.0)),)))
    model, seen = meta_model()
    with pytest.raises(NotImplementedError, match="meta"):
        inspect(model, prepared)
    assert seen == ["meta"]
