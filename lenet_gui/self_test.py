"""`lenet-gui --self-test`: prove that an installation works, headless (no window is opened).

It loads the bundled checkpoint and reads the sample drawings in resources/self_test_digits.json
through the canvas's own path (`classify_drawings`: render, crop, fit, centre, classify), then
trains a copy of the model for one short epoch on them as the retrain dialog would: creating an
optimizer imports parts of torch (`torch._dynamo`, `torch._inductor.config`) that inference
never touches. A frozen build that lost its model, its resources, a torch module or library, or
numpy's C code fails here rather than in front of a user. It explains one sample by integrated
gradients (Captum, with matplotlib that Captum imports), whose map must add up to the score
change (completeness). Last, it imports the GUI's modules
(without creating any widget): a bundle that lost a Qt module a dialog needs fails here too.
A frozen windowed app has no stdout: the report then goes to self-test.log in the user's data
folder.
"""

from __future__ import annotations

import json
import math
import sys
import time
import traceback
from pathlib import Path
from typing import TextIO

from .system import paths

DIGITS_FILE = "self_test_digits.json"
LOG_NAME = "self-test.log"

EXIT_PASSED = 0
EXIT_WRONG = 1  # the model misread a digit
EXIT_BROKEN = 2  # the test could not run: missing model or samples, an import that failed


def _open_report() -> tuple[TextIO, TextIO | None]:
    """Where to write: stdout when there is one, else a log file (returned too, to close)."""
    if sys.stdout is not None:
        return sys.stdout, None
    log = open(paths.user_data_dir() / LOG_NAME, "w", encoding="utf-8")  # noqa: SIM115
    return log, log


def _load_samples(path: Path) -> list[tuple[int, object]]:
    """(label, Drawing) pairs from a JSON list of drawings that each carry a `label`."""
    from .preprocessing.preprocess import Drawing

    items = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(items, list) or not items:
        raise ValueError(f"{path.name}: expected a non-empty list of drawings")
    return [(int(item["label"]), Drawing.from_dict(item)) for item in items]


def _run(out: TextIO, checkpoint: Path, digits: Path) -> int:
    from . import __version__

    kind = "frozen" if getattr(sys, "frozen", False) else "source"
    print(f"lenet-gui {__version__} self-test ({kind}, Python {sys.version.split()[0]})", file=out)
    started = time.perf_counter()
    from .reading.inference import classify_drawings
    from .retrain.checkpoint import load_checkpoint

    loaded = load_checkpoint(checkpoint)
    samples = _load_samples(digits)
    loaded_at = time.perf_counter()
    predictions = classify_drawings(loaded.model, [drawing for _, drawing in samples])
    done_at = time.perf_counter()
    print(f"model: {loaded.path}", file=out)
    print(f"samples: {digits}", file=out)

    right = 0
    for (label, _), prediction in zip(samples, predictions, strict=True):
        ok = prediction.digit == label
        right += ok
        read = "nothing" if prediction.digit is None else str(prediction.digit)
        print(f"digit {label}: read {read} ({100 * prediction.confidence:5.1f}%)  "
              f"{'ok' if ok else 'WRONG'}", file=out)  # fmt: skip
    training_loss = _train_briefly(loaded.model, samples)
    trained_at = time.perf_counter()
    trains = math.isfinite(training_loss)
    print(f"training: one epoch on the samples, loss {training_loss:.3f} "
          f"({trained_at - done_at:.2f} s)  {'ok' if trains else 'NOT FINITE'}",
          file=out)  # fmt: skip
    gap = _explain_once(loaded.model, *samples[0])
    explained_at = time.perf_counter()
    explains = gap < 0.1
    print(f"attribution: integrated gradients (Captum), completeness gap {100 * gap:.1f}% "
          f"({explained_at - trained_at:.2f} s with Captum's import)  "
          f"{'ok' if explains else 'TOO LARGE'}", file=out)  # fmt: skip
    gui = _import_gui()
    print(f"gui modules: {gui}", file=out)
    passed = right == len(samples) and trains and explains and gui == "ok"
    print(f"self-test {'passed' if passed else 'FAILED'}: {right}/{len(samples)} digits read "
          f"correctly (import and load {loaded_at - started:.2f} s, "
          f"classify {1000 * (done_at - loaded_at):.0f} ms)", file=out)  # fmt: skip
    return EXIT_PASSED if passed else EXIT_WRONG


def _import_gui() -> str:
    """'ok', or what failed to import (the GUI's modules, imported without a window)."""
    from .ui.self_check import import_gui  # the one import of the GUI the contracts allow

    return import_gui()


def _explain_once(model, label: int, drawing) -> float:
    """`attribution.completeness_gap` of the integrated-gradients map of class `label` of
    `drawing` (about 1% when Captum works; ImportError without it)."""
    from .explain.attribution import completeness_gap, integrated_gradients
    from .preprocessing.preprocess import prepare_drawing

    x = prepare_drawing(drawing).network_input
    return completeness_gap(model, integrated_gradients(model, x, label))


def _train_briefly(model, samples: list[tuple[int, object]]) -> float:
    """One epoch of `train` on a copy of the model, fed the samples' 28x28 fields."""
    import copy

    import numpy as np

    from .preprocessing.preprocess import prepare_drawing
    from .training.train import TrainConfig, train

    fields = np.stack([prepare_drawing(drawing).centred for _, drawing in samples])
    labels = np.array([label for label, _ in samples])
    config = TrainConfig(epochs=1, batch_size=len(fields), learning_rate=1e-4)
    return train(copy.deepcopy(model), fields, labels, config).final_loss


def run_self_test(*, checkpoint: str | Path | None = None, digits: str | Path | None = None) -> int:
    """Classify the sample digits with the bundled model; 0 only when every one is right.

    `checkpoint` and `digits` default to the bundled files; tests pass others.
    """
    out, log = _open_report()
    try:
        return _run(
            out,
            Path(checkpoint) if checkpoint else paths.bundled_checkpoint(),
            Path(digits) if digits else paths.resource_path(DIGITS_FILE),
        )
    except Exception as exc:  # anything at all means the installation is broken: say what
        print(f"self-test could not run: {type(exc).__name__}: {exc}", file=out)
        traceback.print_exc(file=out)
        return EXIT_BROKEN
    finally:
        out.flush()
        if log is not None:
            log.close()
