"""Outlier-exposure negatives, the writer split, and fitting the rejector."""

import gzip
import json

import numpy as np
import pytest

from lenet_gui.data.negatives import CAPITALS, GENERATORS, capital, synthetic_negatives
from lenet_gui.network.model import LeNet5
from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing
from lenet_gui.retrain.rejection import (
    FIT_PLACEMENTS,
    SPLITS,
    fit_rejector,
    load_pen_characters,
    negative_fields,
    writer_split,
)


def test_synthetic_negatives_are_reproducible_of_every_kind_and_on_the_canvas():
    a = synthetic_negatives(2 * len(GENERATORS), seed=3)
    b = synthetic_negatives(2 * len(GENERATORS), seed=3)
    assert [d for _, d in a] == [d for _, d in b]
    assert {kind for kind, _ in a} == set(GENERATORS)
    for _, drawing in synthetic_negatives(1000, seed=4):
        points = np.array([p for s in drawing.strokes for p in s])
        assert len(points) and points.min() >= 0 and points.max() <= drawing.width


def test_capital_letters_are_every_letter_and_read_as_ink():
    """Printed capitals (`negatives.capital`): every letter of CAPITALS in 200 draws, none of
    those a reader may take for a digit, each a drawing with ink inside the canvas."""
    rng = np.random.default_rng(0)
    drawings = [Drawing(280, 280, tuple(tuple(s) for s in capital(rng))) for _ in range(200)]
    assert not set(CAPITALS) & set("ODQIJGSZT")
    strokes = {len(d.strokes) for d in drawings}
    assert strokes == {len(s) for s in CAPITALS.values()}  # one to three strokes, as drawn
    for drawing in drawings:
        points = np.array([p for s in drawing.strokes for p in s])
        assert points.min() >= 0 and points.max() <= 280
        assert prepare_drawing(drawing) is not None


def test_writer_split_is_stable_and_uses_every_split():
    writers = [f"apb/w{i}" for i in range(200)]
    splits = [writer_split(w) for w in writers]
    assert splits == [writer_split(w) for w in writers]
    shares = {s: splits.count(s) / len(splits) for s in SPLITS}
    assert 0.45 < shares["train"] < 0.75 and shares["held-out"] > 0.1


def _characters_file(tmp_path):
    records = []
    for i, writer in enumerate(["a/1", "b/2", "c/3", "d/4", "e/5", "f/6"]):
        for label, confusable in (("A", False), ("O", True)):
            records.append({"label": label, "confusable": confusable, "writer": writer,
                            "strokes": [[[0, 0], [5 + i, 10], [10, 0]]]})  # fmt: skip
    path = tmp_path / "chars.json.gz"
    with gzip.open(path, "wt") as fh:
        json.dump(records, fh)
    return path


def test_negative_fields_use_only_train_writers_and_no_confusable(tmp_path):
    characters = load_pen_characters(_characters_file(tmp_path))
    mnist = np.zeros((5, 28, 28), np.uint8)
    mnist[:, 6:22, 12:16] = 255
    train_chars = [c for c in characters if writer_split(c.writer) == "train" and not c.confusable]
    fields = negative_fields(mnist, characters, synthetic=10, pairs=4, placements=2)
    assert fields.shape[1:] == (32, 32) and fields.dtype == np.float32
    assert train_chars and len(fields) == 10 + 4 + 2 * len(train_chars)
    assert fields.min() >= 0 and fields.max() <= 1


def test_a_broken_characters_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[{}]")
    with pytest.raises(ValueError, match="not a pen non-digits file"):
        load_pen_characters(bad)


def test_fit_rejector_gives_plain_numbers():
    from lenet_gui.data.drawn_digits import PenDigit

    rng = np.random.default_rng(0)
    digits = [
        PenDigit(int(d), f"w{i}", (tuple(map(tuple, rng.uniform(0, 9, (6, 2)).tolist())),))
        for i, d in enumerate(rng.integers(0, 10, 60))
    ]
    rejector = fit_rejector(LeNet5().eval(), digits, [])
    assert set(rejector) >= {"temperature", "reject_below", "method"}
    assert 0.05 <= rejector["temperature"] <= 20 and 0.2 <= rejector["reject_below"] <= 0.9
    assert all(isinstance(v, (int, float, str)) for v in rejector.values())
    dev = sum(writer_split(d.writer) == "dev" for d in digits)
    assert rejector["fitted_on"] == (
        f"pen digits of the dev writers ({dev} digits, {FIT_PLACEMENTS} canvas placements each)"
    )
    train_only = [d for d in digits if writer_split(d.writer) == "train"]
    with pytest.raises(ValueError, match="no pen digits of the dev writers"):
        fit_rejector(LeNet5().eval(), train_only, [])


def test_pen_digit_fields_hold_only_the_train_writers_digits():
    from lenet_gui.data.drawn_digits import PenDigit
    from lenet_gui.retrain.rejection import held_out_digits, mix_pen_digits, pen_digit_fields

    stroke = ((0.0, 0.0), (3.0, 10.0), (6.0, 0.0))
    digits = [PenDigit(i % 10, f"w/{i}", (stroke,)) for i in range(40)]
    train_digits = [d for d in digits if writer_split(d.writer) == "train"]
    fields, labels = pen_digit_fields(digits, placements=2)
    assert train_digits and len(fields) == len(labels) == 2 * len(train_digits)
    assert sorted(labels.tolist()) == sorted(2 * [d.label for d in train_digits])
    assert fields.shape[1:] == (32, 32) and fields.min() >= 0 and fields.max() <= 1
    held_out = held_out_digits(digits)
    assert held_out and not {d.writer for d in held_out} & {d.writer for d in train_digits}

    mnist = np.zeros((30, 28, 28), np.uint8)
    mnist[:, 10:18, 10:18] = 255
    x, y, w = mix_pen_digits(mnist, np.arange(30) % 10, fields, labels, share=0.25)
    assert x.shape == (30 + len(fields), 32, 32) and x.dtype == np.float32 and len(y) == len(x)
    assert x[0, 12:20, 12:20].min() == 1.0 and x[0, :2].max() == 0  # MNIST padded to 32
    assert w[30:].sum() == pytest.approx(0.25) and w.sum() == pytest.approx(1.0)


def test_calibrate_without_dev_writers_digits_is_one_clear_error(tmp_path, capsys):
    from lenet_gui import cli

    stroke = [[0, 0], [3, 10], [6, 0]]
    train_writers = [f"w/{i}" for i in range(40) if writer_split(f"w/{i}") == "train"]
    pen = tmp_path / "pen.json.gz"
    with gzip.open(pen, "wt") as fh:
        json.dump([{"label": 1, "writer": w, "strokes": [stroke]} for w in train_writers], fh)
    out = tmp_path / "calibrated.pt"
    args = ["calibrate", "--pen", str(pen), "--negatives", str(_characters_file(tmp_path))]
    with pytest.raises(SystemExit) as stop:
        cli.main([*args, "--out", str(out)])
    assert str(stop.value) == "error: no pen digits of the dev writers to fit the rejector on"
    assert not out.exists()
