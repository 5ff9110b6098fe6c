"""Every command: a one-line error and exit 1 for bad input, exit 2 for bad usage, never a
traceback; `train` checks its numbers and never overwrites the bundled model."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import json
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT
from real_data import mnist_dir

from lenet_gui import cli
from lenet_gui.data import mnist
from lenet_gui.data.drawn_digits import PenDigitsError, load_pen_digits
from lenet_gui.system import paths
from lenet_gui.training.train_config import TrainConfig

DRAWING = {"width": 280, "height": 280, "strokes": [[[150, 40], [140, 240]]]}


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real command in a process: what a user sees on the terminal."""
    return subprocess.run(
        [sys.executable, "-m", "lenet_gui", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )


def one_line_error(done: subprocess.CompletedProcess, code: int = 1) -> str:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return lines[-1] if code == 2 else (lines[0] if len(lines) == 1 else pytest.fail(lines))


@pytest.fixture
def bad_pen_files(tmp_path):
    drawing = tmp_path / "drawing.json"
    drawing.write_text(json.dumps(DRAWING))
    not_gzip = tmp_path / "digits.json.gz"
    not_gzip.write_bytes(b"\x1f\x8b but not really gzip")
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\xff\xfe not json")
    empty = tmp_path / "empty.json.gz"
    empty.write_bytes(gzip.compress(b"[]"))
    return {
        "missing": (tmp_path / "nope.json.gz", "no such file"),
        "drawing": (drawing, "a drawing, not pen digits"),
        "not gzip": (not_gzip, "not a pen-digits file"),
        "garbage": (garbage, "not a pen-digits file"),
        "empty": (empty, "holds no digits"),
        "folder": (tmp_path, "is a folder"),
    }


@pytest.mark.parametrize("case", ["missing", "drawing", "not gzip", "garbage", "empty", "folder"])
def test_load_pen_digits_refuses_bad_files_with_a_sentence(bad_pen_files, case):
    path, words = bad_pen_files[case]
    with pytest.raises(PenDigitsError, match=words):
        load_pen_digits(path)


def test_eval_pen_with_a_bad_file_is_one_line_and_exit_1(bad_pen_files):
    for path, words in bad_pen_files.values():
        line = one_line_error(run("eval", "--pen", str(path)))
        assert line.startswith("error: ") and words in line


@pytest.mark.parametrize(
    "args, message",
    [
        (["--batch-size", "0"], "argument --batch-size: '0' is not a whole number of 1 or more"),
        (["--lr", "-1"], "argument --lr: '-1' is not a number above 0"),
        (["--lr", "nan"], "argument --lr: 'nan' is not a number above 0"),
        (["--epochs", "0"], "argument --epochs: '0' is not a whole number of 1 or more"),
        (["--epochs", "-1"], "argument --epochs: '-1' is not a whole number of 1 or more"),
        (["--limit", "0"], "argument --limit: '0' is not a whole number of 1 or more"),
        (["--threads", "two"], "argument --threads: 'two' is not a whole number of 1 or more"),
        (["--label-smoothing", "1"], "argument --label-smoothing: '1' is not a number from 0"),
        (["--ema-decay", "-0.5"], "argument --ema-decay: '-0.5' is not a number from 0"),
    ],
)
def test_train_refuses_bad_numbers_as_usage_errors(capsys, args, message):
    with pytest.raises(SystemExit) as stop:
        cli.main(["train", *args])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_train_help_shows_the_defaults_from_train_config(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    d = TrainConfig()
    assert f"(default: {d.epochs})" in text and f"(default: {d.learning_rate})" in text
    assert f"(default: {d.batch_size})" in text and "(default: None)" not in text


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = capsys.readouterr().out
    for command in ("info", "predict", "eval", "download", "train"):
        assert f"\n    {command} " in text, command
    assert "lenet-gui-cli" in text


def test_train_never_overwrites_the_bundled_model(capsys):
    before = paths.bundled_checkpoint().read_bytes()
    with pytest.raises(SystemExit, match="is the bundled model; it is never overwritten"):
        cli.main(["train", "--out", str(paths.bundled_checkpoint()), "--epochs", "1"])
    assert paths.bundled_checkpoint().read_bytes() == before


def test_train_without_out_writes_a_dated_name_in_the_user_data_folder():
    now = dt.datetime(2026, 11, 29, 16, 30, 5, tzinfo=dt.timezone.utc)
    first = cli.default_train_output(now)
    assert first == paths.user_data_dir() / "models" / "lenet5-trained-20261129-163005Z.pt"
    first.parent.mkdir(parents=True, exist_ok=True)
    first.write_bytes(b"taken")
    assert cli.default_train_output(now).name == "lenet5-trained-20261129-163005Z-2.pt"


def test_train_without_out_trains_into_the_user_data_folder(capsys):
    code = cli.main(["train", "--mnist", str(mnist_dir()), "--epochs", "1", "--limit", "500",
                     "--batch-size", "100", "--threads", "1"])  # fmt: skip
    assert code == 0
    (written,) = (paths.user_data_dir() / "models").glob("lenet5-*.pt")
    assert f"wrote {written}" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, words",
    [
        (["info", "--checkpoint", "/no/such.pt"], "such.pt"),
        (["predict", "/no/such.png"], "/no/such.png"),
        (["predict", "--strokes", "/no/such.json"], "/no/such.json"),
        (["eval", "--mnist", "/no/such/folder"], "not found in /no/such/folder"),
        (["train", "--mnist", "/no/such/folder"], "not found in /no/such/folder"),
    ],
)
def test_bad_input_to_every_command_is_one_line_and_exit_1(args, words):
    line = one_line_error(run(*args))
    assert line.startswith("error: ") and words in line


def test_an_unexpected_error_is_one_line_and_its_traceback_goes_to_the_log(capsys, monkeypatch):
    def broken(args):
        raise KeyError("a defect")

    monkeypatch.setattr(cli, "cmd_info", broken)
    with pytest.raises(SystemExit) as stop:
        cli.main(["info"])
    message = str(stop.value.code)
    assert message.startswith("error: unexpected KeyError") and "\n" not in message
    log = (paths.user_data_dir() / "lenet-gui.log").read_text(encoding="utf-8")
    assert "KeyError: 'a defect'" in log and "Traceback" in log
    from lenet_gui.system.logs import shutdown_logging

    shutdown_logging()


def test_download_keeps_a_folder_whose_recompressed_files_decode_to_mnist(tmp_path):
    """The .gz bytes differ from the mirrors' (another compressor), the contents are MNIST:
    nothing is downloaded (every mirror is a closed port here)."""
    source = mnist_dir()
    dest = tmp_path / "recompressed"
    dest.mkdir()
    for name, md5 in mnist.FILES.values():
        raw = gzip.decompress((source / name).read_bytes())
        (dest / name).write_bytes(gzip.compress(raw, compresslevel=1))
        assert mnist._md5(dest / name) != md5
    unpacked = tmp_path / "unpacked"
    shutil.copytree(dest, unpacked)
    for path in unpacked.glob("*.gz"):
        path.with_suffix("").write_bytes(gzip.decompress(path.read_bytes()))
        path.unlink()
    closed = ("http://127.0.0.1:9/",)
    for folder in (dest, unpacked):
        reported: list[str] = []
        note = functools.partial(lambda seen, name, done, total: seen.append(name), reported)
        mnist.download_mnist(folder, mirrors=closed, timeout=2.0, progress=note)
        assert sorted(reported) == sorted(name for name, _ in mnist.FILES.values())
    # A file whose contents are not MNIST is still replaced (here: the download fails).
    (dest / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"not mnist"))
    with pytest.raises(mnist.MnistError, match="every mirror failed"):
        mnist.download_mnist(dest, mirrors=closed, timeout=2.0)


def test_download_command_keeps_valid_mnist(tmp_path, monkeypatch, capsys):
    closed = functools.partial(mnist.download_mnist, mirrors=("http://127.0.0.1:9/",), timeout=2.0)
    monkeypatch.setattr(mnist, "download_mnist", closed)
    assert cli.main(["download", "--mnist", str(mnist_dir())]) == 0
    assert f"MNIST is in {mnist_dir()}" in capsys.readouterr().out
