"""Every save the user makes: atomic, says when it failed, keeps the old file, and never
overwrites a model silently (lenet_gui/system/atomic.py, paths.new_model_path)."""

from __future__ import annotations

import datetime as dt
import errno
import os
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from real_data import mnist_dir

from lenet_gui import cli
from lenet_gui.network.model import LeNet5
from lenet_gui.retrain.checkpoint import load_checkpoint, save_checkpoint
from lenet_gui.system import atomic
from lenet_gui.system.paths import new_model_path


def fill_the_disk(monkeypatch) -> None:
    """The next fsync fails as on a full disk (after the data went into the temporary file)."""

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)


def warnings_shown(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    return shown


@pytest.mark.parametrize("kind", ["png", "json"])
def test_saving_the_drawing_on_a_full_disk_keeps_the_old_file_and_says_so(
    window, draw, settle, tmp_path, monkeypatch, kind
):
    draw(window.canvas, [[(100, 60), (110, 200)]])
    settle()
    target = tmp_path / f"digit.{kind}"
    target.write_bytes(b"the old file")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    shown = warnings_shown(monkeypatch)
    fill_the_disk(monkeypatch)
    action = window.save_png_action if kind == "png" else window.save_strokes_action
    action.trigger()
    assert target.read_bytes() == b"the old file"
    assert shown == [
        f"Could not save {target}: No space left on device. The previous file is unchanged."
    ]
    assert "Saved" not in window.statusBar().currentMessage()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_saving_the_drawing_writes_a_whole_png(window, draw, settle, tmp_path, monkeypatch):
    from PIL import Image

    draw(window.canvas, [[(100, 60), (110, 200)]])
    settle()
    target = tmp_path / ("d" * 239 + ".png")  # 243 bytes: legal, and now savable
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.save_png_action.trigger()
    with Image.open(target) as im:
        assert im.size == (window.canvas.width(), window.canvas.height())
    shown = window.statusBar().currentMessage()  # a long name is elided ("…")
    assert shown.startswith("Saved ") and f"Saved {target}".startswith(shown.rstrip("…"))


def test_model_names_are_utc_and_never_taken(tmp_path):
    # The autumn DST change in Berlin: 02:30 local happens twice, an hour apart.
    first = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.timezone.utc)
    second = first + dt.timedelta(hours=1)
    a = new_model_path("finetuned", tmp_path, first)
    assert a.name == "lenet5-finetuned-20261025-003000Z.pt"
    a.write_bytes(b"")
    b = new_model_path("finetuned", tmp_path, second)
    assert b.name == "lenet5-finetuned-20261025-013000Z.pt" and b.name > a.name
    assert (
        new_model_path("finetuned", tmp_path, first).name
        == "lenet5-finetuned-20261025-003000Z-2.pt"
    )


@pytest.mark.skipif(os.name != "posix", reason="umask is POSIX")
def test_checkpoints_respect_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = save_checkpoint(tmp_path / "m.pt", LeNet5())
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644  # mkstemp made it 0o600 whatever the umask
    load_checkpoint(path)


def test_use_this_model_with_an_unwritable_data_folder_says_so(qtbot, monkeypatch):
    from lenet_gui.ui.retrain import dialog as dialog_module

    def unwritable(job, outcome, path, replace=True, with_replay=False):
        raise atomic.SaveError(path, OSError(errno.EROFS, os.strerror(errno.EROFS)), False)

    monkeypatch.setattr(dialog_module, "save_trained", unwritable)
    dialog = dialog_module.RetrainDialog(None)
    qtbot.addWidget(dialog)
    # A finished run, measured and as good as the model in use (only these fields are read).
    dialog.outcome = SimpleNamespace(mnist_test_accuracy=0.99, user_before=None, user_after=None)
    dialog.job = type("Job", (), {"base_state": None})()
    accepted: list = []
    dialog.model_accepted.connect(accepted.append)
    assert dialog.use_model() is None
    assert accepted == []
    text = dialog.status.text()
    assert "Read-only file system. Nothing was written." in text
    assert "Save model" in text and "kept" in text
    dialog.close_without_asking()  # the run is kept in the dialog; closing would ask about it


def test_train_checks_the_destination_before_training(tmp_path, monkeypatch, capsys):
    import lenet_gui.training.train

    monkeypatch.setattr(lenet_gui.training.train, "train", lambda *a, **k: pytest.fail("trained"))
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    out = blocker / "models" / "m.pt"
    with pytest.raises(SystemExit) as stop:
        cli.main(["train", "--mnist", str(mnist_dir()), "--limit", "100", "--out", str(out)])
    assert str(stop.value) == f"error: Could not save {out}: Not a directory. Nothing was written."


def train_small(tmp_path, name, *extra):
    out = tmp_path / name
    args = ["train", "--mnist", str(mnist_dir()), "--epochs", "1", "--limit", "300"]
    cli.main([*args, "--batch-size", "100", "--no-augment", "--out", str(out), *extra])
    return out


def test_a_failed_save_after_training_keeps_the_model_elsewhere(tmp_path, monkeypatch):
    real = atomic.write_atomically
    wanted = tmp_path / "out.pt"

    def full_at_the_target(path, write, replace=True):
        if path == wanted:
            raise atomic.SaveError(path, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), False)
        return real(path, write, replace=replace)

    monkeypatch.setattr("lenet_gui.retrain.checkpoint.write_atomically", full_at_the_target)
    with pytest.raises(SystemExit) as stop:
        train_small(tmp_path, "out.pt")
    message = str(stop.value)
    assert "No space left on device" in message and "was saved to" in message
    kept = message.split("was saved to ")[1].removesuffix(" instead.")
    assert load_checkpoint(kept).metadata["train_config"]["epochs"] == 1


def test_train_with_the_same_seed_gives_the_same_weights(tmp_path):
    a = load_checkpoint(train_small(tmp_path, "a.pt", "--seed", "3")).model.state_dict()
    b = load_checkpoint(train_small(tmp_path, "b.pt", "--seed", "3")).model.state_dict()
    c = load_checkpoint(train_small(tmp_path, "c.pt", "--seed", "4")).model.state_dict()
    assert all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in a)
    assert not np.array_equal(a["c1.weight"].numpy(), c["c1.weight"].numpy())
