"""`python -m lenet_gui explain`: why a drawing or image got its class, and how one unit's value
was computed, as ONE JSON object (see README, "Command line")."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class ExplainError(ValueError):
    """Bad input for `explain`: the message is one line for the user."""


def load_network_input(strokes: str | None, image: str | None) -> np.ndarray:
    """The (1, 32, 32) network input of one drawing (strokes JSON) or one image file."""
    from PIL import Image, UnidentifiedImageError

    from ..preprocessing.preprocess import Drawing, prepare_drawing, prepare_image

    if strokes:
        try:
            data = json.loads(Path(strokes).read_text(encoding="utf-8"))
            items = data if isinstance(data, list) else [data]
            if len(items) != 1:
                raise ExplainError(
                    f"{strokes}: explain takes one drawing, the file has {len(items)}"
                )
            prepared = prepare_drawing(Drawing.from_dict(items[0]))
        except (OSError, ValueError) as exc:
            if isinstance(exc, ExplainError):
                raise
            raise ExplainError(f"{strokes}: {exc}") from None
        name = strokes
    else:
        try:
            with Image.open(image) as im:
                prepared = prepare_image(im.copy())
        except (OSError, UnidentifiedImageError, ValueError) as exc:
            raise ExplainError(f"{image}: not a readable image ({exc})") from None
        name = image
    if prepared is None:
        raise ExplainError(f"{name}: no digit in it (blank), nothing to explain")
    return prepared.network_input


def explain(
    model,
    network_input: np.ndarray,
    target: int | None = None,
    versus: int | None = None,
    method: str = "occlusion",
    unit: str | None = None,
) -> dict:
    """The JSON object: prediction, attribution of `target` (default: the predicted class),
    optionally against `versus`, and with `unit` ("C3:4:2:7") that unit's trace."""
    import torch

    from .attribution import attribute
    from .trace import TraceError, parse_unit, trace_unit

    with torch.no_grad():
        probabilities = torch.softmax(model(torch.from_numpy(network_input[None])), 1)[0].numpy()
    digit = int(probabilities.argmax())
    try:
        attribution = attribute(model, network_input, digit if target is None else target,
                                versus, method)  # fmt: skip
    except ValueError as exc:
        raise ExplainError(str(exc)) from None
    result = {
        "digit": digit,
        "probabilities": [round(float(p), 6) for p in probabilities],
        **attribution.to_json(),
    }
    if unit is not None:
        try:
            result["trace"] = trace_unit(model, network_input, *parse_unit(unit)).to_json()
        except TraceError as exc:
            raise ExplainError(str(exc)) from None
    return result
