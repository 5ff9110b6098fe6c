import io
import zipfile

import pytest
import torch
from memory_cap import run_capped

from lenet_gui.network.model import LeNet5
from lenet_gui.retrain.checkpoint import CheckpointError, load_checkpoint, save_checkpoint


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(3)
    model = LeNet5()
    path = save_checkpoint(
        tmp_path / "m.pt", model, train_config={"epochs": 1}, metrics={"mnist_test_accuracy": 0.5}
    )
    return model, path


def test_round_trip_keeps_weights_and_metadata(saved):
    model, path = saved
    loaded = load_checkpoint(path)
    for key, value in model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[key], value)
    assert loaded.metadata["metrics"]["mnist_test_accuracy"] == 0.5
    assert loaded.metadata["train_config"] == {"epochs": 1}
    assert loaded.metadata["model_args"] == {"num_classes": 10, "output": "linear"}
    assert "created" in loaded.metadata and not loaded.model.training
    # A plain dict that loads with weights_only=True.
    assert isinstance(torch.load(path, weights_only=True), dict)


def test_save_is_atomic_and_leaves_no_temporary_files(saved, tmp_path, monkeypatch):
    _, path = saved
    before = path.read_bytes()

    def broken_save(obj, fh):
        fh.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, LeNet5())
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt"]


def test_truncated_file_is_rejected(saved, tmp_path):
    _, path = saved
    cut = tmp_path / "cut.pt"
    cut.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(CheckpointError, match=r"cut\.pt is not a usable checkpoint"):
        load_checkpoint(cut)


def test_random_bytes_and_missing_files_are_rejected(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"\x00\x01not a checkpoint" * 100)
    with pytest.raises(CheckpointError, match=r"junk\.pt .*not a PyTorch checkpoint"):
        load_checkpoint(junk)
    with pytest.raises(CheckpointError, match="no such file"):
        load_checkpoint(tmp_path / "absent.pt")


def test_shape_mismatch_is_rejected(saved, tmp_path):
    _, path = saved
    data = torch.load(path, weights_only=True)
    data["model"]["f6.weight"] = torch.zeros(84, 100)
    bad = tmp_path / "shapes.pt"
    torch.save(data, bad)
    with pytest.raises(CheckpointError, match="does not fit LeNet-5"):
        load_checkpoint(bad)


def test_other_dicts_and_nan_weights_are_rejected(saved, tmp_path):
    _, path = saved
    other = tmp_path / "other.pt"
    torch.save({"state_dict": {}}, other)
    with pytest.raises(CheckpointError, match="not a lenet-gui checkpoint"):
        load_checkpoint(other)
    data = torch.load(path, weights_only=True)
    data["model"]["c1.bias"][0] = float("nan")
    nan = tmp_path / "nan.pt"
    torch.save(data, nan)
    with pytest.raises(CheckpointError, match="non-finite"):
        load_checkpoint(nan)


class Exploit:
    def __reduce__(self):
        return (exec, ("import pathlib; pathlib.Path('PWNED').write_text('x')",))


def test_code_carrying_file_is_rejected_without_running_it(saved, tmp_path, monkeypatch):
    _, path = saved
    monkeypatch.chdir(tmp_path)
    data = torch.load(path, weights_only=True)
    data["notes"] = Exploit()
    evil = tmp_path / "evil.pt"
    torch.save(data, evil)
    with pytest.raises(CheckpointError, match="other than weights"):
        load_checkpoint(evil)
    assert not (tmp_path / "PWNED").exists()


def test_zip_without_pickle_is_rejected(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/version", "3")
    bad = tmp_path / "empty.pt"
    bad.write_bytes(buf.getvalue())
    with pytest.raises(CheckpointError):
        load_checkpoint(bad)


def _variant(path, tmp_path, name, change):
    data = torch.load(path, weights_only=True)
    change(data)
    out = tmp_path / name
    torch.save(data, out)
    return out


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["model"]["f6.weight"].fill_(1e38), "weights up to 1e\\+38"),
        (lambda d: d["model_args"].update(num_classes=11), "11 output classes"),
        (lambda d: d["model_args"].update(num_classes="10"), "'10' output classes"),
        (lambda d: d["model_args"].update(hidden=3), "unknown settings \\['hidden'\\]"),
        (lambda d: d.update(metrics=[0.9]), "'metrics' is a list, not a dict"),
        (lambda d: d.update(train_config="epochs=3"), "'train_config' is a str"),
        (lambda d: d.update(notes=3), "'notes' is a int"),
        (lambda d: d["model"].update(x=[1]), "not a table of tensors"),
        (lambda d: d["model"].update({"c1.bias": torch.ones(6, dtype=torch.int64)}), "int64"),
        (lambda d: d["model"].update({"c1.bias": torch.ones(6, dtype=torch.cfloat)}), "complex"),
    ],
)
def test_checkpoints_that_would_break_the_window_are_refused(saved, tmp_path, change, message):
    """Each of these loaded before, then raised in the GUI or printed NaN from `predict`."""
    bad = _variant(saved[1], tmp_path, "bad.pt", change)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(bad)


def test_half_and_double_precision_are_converted_with_a_note(saved, tmp_path):
    path = saved[1]
    half = _variant(path, tmp_path, "half.pt", lambda d: d["model"].update(
        {k: v.half() for k, v in d["model"].items()}))  # fmt: skip
    loaded = load_checkpoint(half)
    assert "float16" in loaded.warnings[0] and "converted to float32" in loaded.warnings[0]
    assert loaded.model.c1.weight.dtype == torch.float32
    assert load_checkpoint(path).warnings == ()


@pytest.mark.parametrize("keep", [30, 2000, 60_000])
def test_truncated_files_are_named_in_words(saved, tmp_path, keep):
    cut = tmp_path / "cut.pt"
    cut.write_bytes(saved[1].read_bytes()[:keep])
    with pytest.raises(CheckpointError, match="cut short or damaged") as info:
        load_checkpoint(cut)
    assert "EOFError" not in str(info.value) and "pop from" not in str(info.value)


HOSTILE_SCRIPT = """
import io, sys, zipfile, zlib
import torch
from lenet_gui.retrain.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from lenet_gui.network.model import LeNet5
folder = sys.argv[1]
good = save_checkpoint(folder + "/good.pt", LeNet5())

# A zip bomb: a real checkpoint whose first tensor record inflates to 400 MB.
bomb = folder + "/bomb.pt"
with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w") as dst:
    for info in src.infolist():
        data = src.read(info)
        if info.filename.endswith("/data/0"):
            dst.writestr(info.filename, bytes(400 * 2**20), zipfile.ZIP_DEFLATED)
        else:
            dst.writestr(info, data)
# 10**7 classes declared in a small file: building that model took 3.5 GB.
data = torch.load(good, weights_only=True)
data["model_args"]["num_classes"] = 10**7
torch.save(data, folder + "/classes.pt")
cap()
for name in ("bomb.pt", "classes.pt"):
    try:
        load_checkpoint(folder + "/" + name)
        print(name, "loaded")
    except CheckpointError as exc:
        print(exc)
"""


def test_hostile_checkpoints_are_refused_before_their_payload_is_read(tmp_path):
    done = run_capped(HOSTILE_SCRIPT.replace("sys.argv[1]", repr(str(tmp_path))), extra_mb=200)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("bomb.pt") and "declares" in lines[0]
    assert lines[1].startswith("classes.pt") and "10000000 output classes" in lines[1]
