import gzip
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from real_data import REPO, mnist_dir

from lenet_gui import cli
from lenet_gui.network.model import LeNet5
from lenet_gui.preprocessing.preprocess import Drawing, render_drawing
from lenet_gui.reading.inference import classify_drawings
from lenet_gui.retrain.checkpoint import load_checkpoint, save_checkpoint

ONE = {"width": 280, "height": 280, "strokes": [[[150, 40], [140, 240]]]}
BLANK = {"width": 280, "height": 280, "strokes": []}
ZERO = {
    "width": 280,
    "height": 280,
    "strokes": [
        [[140 + 55 * np.sin(t), 140 - 90 * np.cos(t)] for t in np.linspace(0, 2 * np.pi, 40)]
    ],
}


def run_cli(capsys, *args):
    code = cli.main(list(args))
    out = capsys.readouterr().out
    return code, [line for line in out.splitlines() if line]


def test_predict_strokes_prints_one_json_line_per_drawing_in_order(tmp_path, capsys):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([ONE, BLANK, ZERO]))
    code, lines = run_cli(capsys, "predict", "--strokes", str(path))
    results = [json.loads(line) for line in lines]
    assert code == 0 and len(results) == 3
    assert results[1]["digit"] is None and results[1]["probabilities"] is None
    assert results[1]["verdict"] == "blank"
    assert results[0]["digit"] == 1 and results[2]["digit"] == 0
    assert sum(results[0]["probabilities"]) == pytest.approx(1.0, abs=1e-4)
    # Exactly the canvas's path: the same function gives the same numbers.
    model = load_checkpoint(REPO / "models" / "lenet5.pt").model
    expected = classify_drawings(model, [Drawing.from_dict(ONE)])[0]
    assert results[0]["probabilities"] == pytest.approx(expected.probabilities.tolist(), abs=1e-5)


def test_predict_single_drawing_and_images(tmp_path, capsys):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(ONE))
    code, lines = run_cli(capsys, "predict", "--strokes", str(path))
    assert code == 0 and json.loads(lines[0])["digit"] == 1
    ink = render_drawing(Drawing.from_dict(ZERO))
    Image.fromarray(255 - ink).save(tmp_path / "zero.png")  # dark ink on white paper
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(tmp_path / "blank.png")
    code, lines = run_cli(
        capsys, "predict", str(tmp_path / "zero.png"), str(tmp_path / "blank.png")
    )
    assert [json.loads(line)["digit"] for line in lines] == [0, None]


def test_predict_reports_bad_input_clearly(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"width": 280}')
    with pytest.raises(SystemExit, match=r"bad\.json"):
        cli.main(["predict", "--strokes", str(bad)])
    notimage = tmp_path / "x.png"
    notimage.write_text("hello")
    with pytest.raises(SystemExit, match="not a readable image"):
        cli.main(["predict", str(notimage)])
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes(b"garbage")
    with pytest.raises(SystemExit, match=r"corrupt\.pt"):
        cli.main(["predict", "--checkpoint", str(corrupt), "--strokes", str(bad)])


def test_info_prints_layer_table_and_metadata(capsys):
    code, lines = run_cli(capsys, "info")
    text = "\n".join(lines)
    assert code == 0
    assert "C3" in text and "16@10x10" in text and "1,516" in text
    assert "60,000" in text and "MNIST test accuracy" in text


def test_eval_pen_reads_stroke_records(tmp_path, capsys):
    records = [{"label": 1, "writer": "w", "strokes": [[[0, 0], [0.1, 5]]]}] * 3 + [
        {
            "label": 0,
            "writer": "w",
            "strokes": [[[np.sin(t), -np.cos(t) * 1.5] for t in np.linspace(0, 6.3, 30)]],
        }
    ]
    path = tmp_path / "pen.json.gz"
    with gzip.open(path, "wt") as fh:
        json.dump(records, fh)
    code, lines = run_cli(capsys, "eval", "--pen", str(path))
    assert code == 0
    assert lines[0].startswith("pen digits pen.json.gz: accuracy 100.00% (4/4)")
    assert any(line.split()[:3] == ["1", "0", "3"] for line in lines)  # confusion row of 1s


def test_train_command_writes_a_checkpoint(tmp_path, capsys):
    folder = mnist_dir()
    out = tmp_path / "small.pt"
    code = cli.main(
        [
            "train",
            "--mnist",
            str(folder),
            "--epochs",
            "1",
            "--limit",
            "1000",
            "--batch-size",
            "100",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    loaded = load_checkpoint(out)
    assert loaded.metadata["train_config"]["epochs"] == 1
    assert 0.3 < loaded.metadata["metrics"]["mnist_test_accuracy"] <= 1.0
    assert "wrote" in capsys.readouterr().out


def _pen_digits_file(tmp_path, tail):
    """A pen-digits file of 30 writers, one digit each: a stroke from (0, 0) through the points
    of `tail` (x scaled by the digit's index mod 3 for the first); returns (path, how many
    of them are train writers)."""
    from lenet_gui.retrain.rejection import writer_split

    writers = [f"x/{i}" for i in range(30)]
    records = []
    for i, w in enumerate(writers):
        (x, y), *rest = tail
        stroke = [[0, 0], [x * (i % 3), y], *rest]
        records.append({"label": i % 10, "writer": w, "strokes": [stroke]})
    path = tmp_path / "pen.json.gz"
    with gzip.open(path, "wt") as fh:
        json.dump(records, fh)
    return path, sum(writer_split(w) == "train" for w in writers)


def test_train_pen_adds_the_train_writers_digits_and_measures_the_held_out_ones(tmp_path, capsys):
    path, trained_on = _pen_digits_file(tmp_path, [[0.2, 5]])
    out = tmp_path / "pen.pt"
    args = ["train", "--mnist", str(mnist_dir()), "--epochs", "1", "--limit", "300"]
    code = cli.main([*args, "--pen", str(path), "--train-pen", "--out", str(out)])
    assert code == 0
    metadata = load_checkpoint(out).metadata
    assert metadata["notes"].endswith(f"300 MNIST images and {4 * trained_on} pen-digit fields "
                                      "of the train writers")  # fmt: skip
    assert 0 <= metadata["metrics"]["pen_held_out_accuracy"] <= 1
    assert "held-out writers' pen digits" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="--train-pen trains on the --pen file"):
        cli.main([*args, "--train-pen", "--out", str(out)])


def test_train_pen_placements_and_stroke_distortion(tmp_path, capsys):
    path, trained_on = _pen_digits_file(tmp_path, [[0.2, 5], [3, 5]])
    out = tmp_path / "pen.pt"
    args = ["train", "--mnist", str(mnist_dir()), "--epochs", "1", "--limit", "300"]
    extra = ["--pen-placements", "2", "--pen-share", "0.5", "--distort-strokes"]
    extra += ["--augment-share", "0.5", "--digit-styles"]
    assert cli.main([*args, "--pen", str(path), "--train-pen", *extra, "--out", str(out)]) == 0
    metadata = load_checkpoint(out).metadata
    assert metadata["notes"].endswith(f"and {2 * trained_on} pen-digit fields of the train writers")
    assert metadata["train_config"]["augment_share"] == 0.5
    assert "50% of the draws" in capsys.readouterr().err
    for bad in ("0", "1.5"):
        with pytest.raises(SystemExit):
            cli.main([*args, "--augment-share", bad, "--out", str(out)])
    with pytest.raises(SystemExit, match="--digit-styles goes with --train-pen --distort-"):
        cli.main([*args, "--pen", str(path), "--train-pen", "--digit-styles", "--out", str(out)])


def test_predict_handles_thousands_of_drawings(tmp_path):
    """Runs the real command in a process: 2,000 drawings in one call."""
    rng = np.random.default_rng(0)
    drawings = []
    for _ in range(2000):
        x, top = rng.uniform(60, 220), rng.uniform(10, 100)
        drawings.append(
            {
                "width": 280,
                "height": 280,
                "strokes": [[[x, top], [x + rng.uniform(-10, 10), top + 150]]],
            }
        )
    path = tmp_path / "many.json"
    path.write_text(json.dumps(drawings))
    result = subprocess.run(
        [sys.executable, "-m", "lenet_gui", "predict", "--strokes", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    digits = [json.loads(line)["digit"] for line in result.stdout.splitlines()]
    assert result.returncode == 0, result.stderr
    assert len(digits) == 2000 and digits.count(1) > 1900


def test_save_then_info_with_explicit_checkpoint(tmp_path, capsys):
    path = save_checkpoint(tmp_path / "x.pt", LeNet5(), metrics={"mnist_test_accuracy": 0.25})
    code, lines = run_cli(capsys, "info", "--checkpoint", str(path))
    assert code == 0 and any("25.00%" in line for line in lines)


def test_download_command_reports_failure_clearly(tmp_path, monkeypatch):
    """No network is touched: every mirror is a closed port on this machine."""
    import functools

    from lenet_gui.data import mnist

    closed = ("http://127.0.0.1:9/a/", "http://127.0.0.1:9/b/")
    download = functools.partial(mnist.download_mnist, mirrors=closed, timeout=2.0)
    monkeypatch.setattr(mnist, "download_mnist", download)
    with pytest.raises(SystemExit, match="every mirror failed") as failure:
        cli.main(["download", "--mnist", str(tmp_path / "m")])
    assert "127.0.0.1:9/b/" in str(failure.value)
    assert not any((tmp_path / "m").glob("*.part"))


def test_predict_adds_the_number_and_each_digits_box(tmp_path, capsys):
    ones = {
        "width": 600,
        "height": 280,
        "strokes": [[[150, 40], [140, 240]], [[420, 40], [410, 240]]],
    }
    path = tmp_path / "d.json"
    path.write_text(json.dumps([ONE, BLANK, ones]))
    code, lines = run_cli(capsys, "predict", "--strokes", str(path))
    single, blank, number = (json.loads(line) for line in lines)
    assert code == 0
    assert single["number"] == "1" and single["digit"] == 1  # the old fields stay
    assert [d["digit"] for d in single["digits"]] == [1]
    assert blank["number"] is None and blank["digits"] == []
    assert number["number"] == "11" and len(number["digits"]) == 2
    left, right = (d["box"] for d in number["digits"])
    assert left[0] < 150 < left[2] < right[0] < 415 < right[2]
    assert all(0 < d["probability"] <= 1 for d in number["digits"])
    assert [d["verdict"] for d in number["digits"]] == ["digit", "digit"]
    assert [d["verdict"] for d in single["digits"]] == [single["verdict"]]
    ink = 255 - render_drawing(Drawing.from_dict(ones))
    Image.fromarray(ink).save(tmp_path / "ones.png")
    code, lines = run_cli(capsys, "predict", str(tmp_path / "ones.png"))
    assert json.loads(lines[0])["number"] == "11"
