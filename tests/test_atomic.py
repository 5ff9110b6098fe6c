"""The one atomic-write helper: every user save goes through it (lenet_gui/system/atomic.py)."""

from __future__ import annotations

import errno
import os

import pytest

from lenet_gui.system import atomic


def disk_full_after(nbytes: int):
    """A writer that writes `nbytes` then fails as a full disk does."""

    def write(fh) -> None:
        fh.write(b"x" * nbytes)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return write


def test_a_full_disk_keeps_the_old_file_and_says_so(tmp_path):
    target = tmp_path / "digit.png"
    target.write_bytes(b"the old picture")
    with pytest.raises(atomic.SaveError) as failed:
        atomic.write_atomically(target, disk_full_after(4096))
    assert target.read_bytes() == b"the old picture"
    assert str(failed.value) == (
        f"Could not save {target}: No space left on device. The previous file is unchanged."
    )
    assert failed.value.errno == errno.ENOSPC
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digit.png"]  # no temporary left


def test_a_read_only_folder_is_a_clear_error(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(args[0]))

    monkeypatch.setattr(atomic.os, "open", read_only)  # root ignores chmod: fake the mount
    with pytest.raises(atomic.SaveError, match=r"Read-only file system\. Nothing was written\."):
        atomic.write_bytes(tmp_path / "new.json", b"{}")
    assert not (tmp_path / "new.json").exists()


def test_a_243_byte_name_can_be_saved(tmp_path):
    name = "d" * 239 + ".png"
    assert len(name.encode()) == 243
    atomic.write_bytes(tmp_path / name, b"png")
    assert (tmp_path / name).read_bytes() == b"png"
    longest = "e" * 251 + ".png"  # 255 bytes: the most ext4 allows
    atomic.write_bytes(tmp_path / longest, b"png")
    assert (tmp_path / longest).read_bytes() == b"png"


@pytest.mark.skipif(os.name != "posix", reason="umask is POSIX")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_respect_the_umask_and_replaced_files_keep_their_mode(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        fresh = atomic.write_bytes(tmp_path / "fresh.bin", b"1")
        kept = tmp_path / "kept.bin"
        kept.write_bytes(b"0")
        os.chmod(kept, 0o640)
        atomic.write_bytes(kept, b"1")
    finally:
        os.umask(old)
    assert fresh.stat().st_mode & 0o777 == mode
    assert kept.stat().st_mode & 0o777 == 0o640 and kept.read_bytes() == b"1"


def test_no_replace_never_overwrites(tmp_path):
    target = tmp_path / "model.pt"
    target.write_bytes(b"first")
    with pytest.raises(atomic.SaveError, match="exists already") as failed:
        atomic.write_atomically(target, lambda fh: fh.write(b"second"), replace=False)
    assert failed.value.errno == errno.EEXIST
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]
    atomic.write_atomically(tmp_path / "other.pt", lambda fh: fh.write(b"new"), replace=False)
    assert (tmp_path / "other.pt").read_bytes() == b"new"


def test_check_writable_finds_problems_before_the_work(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(atomic.SaveError, match="Not a directory"):
        atomic.check_writable(blocker / "models" / "m.pt")
    with pytest.raises(atomic.SaveError, match="too long"):
        atomic.check_writable(tmp_path / ("n" * 256 + ".pt"))
    with pytest.raises(atomic.SaveError, match="Is a directory"):
        atomic.check_writable(tmp_path)
    atomic.check_writable(tmp_path / "new" / "m.pt")  # creates the folder, leaves no file
    assert list((tmp_path / "new").iterdir()) == []


def test_checkpoints_and_samples_use_it():
    """The two former copies (checkpoint.py, samples.py) call the helper; no other temp files."""
    from pathlib import Path

    root = Path(atomic.__file__).parents[1]  # the whole package
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "mkstemp" not in text, path
        if path.name != "atomic.py":
            assert "os.replace(" not in text or path.name == "mnist.py", path  # downloads
