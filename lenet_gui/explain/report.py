"""`python -m lenet_gui explain`: why a drawing or image got its class, and how one unit's value
was computed, as ONE JSON object (see README, "Command line")."""

from __future__ import annotations

import json
from pathlib import Path


class ExplainError(ValueError):
    """Bad input for `explain`: the message is one line for the user."""


def load_prepared(strokes: str | None, image: str | None):
    """The `PreparedInput` of one drawing (strokes JSON) or one image file (its
    `network_input` is (1, 32, 32); its ink shape serves the verdict's shape rules)."""
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
    return prepared


def explain(
    model,
    prepared,
    target: int | None = None,
    versus: int | None = None,
    method: str = "occlusion",
    unit: str | None = None,
) -> dict:
    """The JSON object: the prediction as `predict` prints it (`Prediction.to_json`: "digit"
    null unless the verdict is "digit" or "unsure", calibrated "probabilities", "verdict",
    "doubt"), the attribution of `target` (default: the best digit, whatever the verdict),
    optionally against `versus`, and with `unit` ("C3:4:2:7") that unit's trace. `prepared`
    is a `PreparedInput` (`load_prepared`)."""
    from ..reading.inference import inspect
    from .attribution import attribute
    from .trace import TraceError, parse_unit, trace_unit

    network_input = prepared.network_input
    prediction = inspect(model, prepared).prediction
    try:
        attribution = attribute(model, network_input,
                                prediction.digit if target is None else target,
                                versus, method)  # fmt: skip
    except ValueError as exc:
        raise ExplainError(str(exc)) from None
    result = {**prediction.to_json(), **attribution.to_json()}
    if unit is not None:
        try:
            result["trace"] = trace_unit(model, network_input, *parse_unit(unit)).to_json()
        except TraceError as exc:
            raise ExplainError(str(exc)) from None
    return result
