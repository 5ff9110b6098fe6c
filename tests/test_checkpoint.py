import io
import zipfile

import pytest
import torch

from lenet_gui.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from lenet_gui.model import LeNet5


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
