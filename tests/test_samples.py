"""The user's sample store: appends survive crashes, deletes are atomic, the split is stable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lenet_gui.data.samples import (
    FILE_NAME,
    LOCK_NAME,
    SampleStore,
    SampleStoreError,
    holdout_split,
)
from lenet_gui.preprocessing.preprocess import Drawing, prepare_drawing


def stroke_drawing(kind: int = 0) -> Drawing:
    """A few distinct shapes on a 280x280 canvas."""
    shapes = {
        0: [[(140, 50), (140, 230)]],
        1: [[(80, 60), (200, 60), (120, 230)]],
        2: [[(90, 80), (190, 80), (190, 200), (90, 200), (90, 80)]],
    }
    return Drawing(280, 280, tuple(tuple(map(tuple, s)) for s in shapes[kind % 3]))


def test_added_samples_read_back_with_their_field_and_label(tmp_path):
    store = SampleStore(tmp_path)
    first = store.add(stroke_drawing(0), 1)
    second = store.add(stroke_drawing(1), 7)
    read = SampleStore(tmp_path).samples()
    assert [s.id for s in read] == [first.id, second.id]
    assert [s.label for s in read] == [1, 7]
    assert read[1].drawing == stroke_drawing(1)
    expected = np.rint(prepare_drawing(stroke_drawing(1)).field * 255).astype(np.uint8)
    assert read[1].field.dtype == np.uint8 and read[1].field.shape == (32, 32)
    assert np.array_equal(read[1].field, expected)
    fields, labels = SampleStore(tmp_path).arrays()
    assert fields.shape == (2, 32, 32) and fields.dtype == np.uint8
    assert labels.tolist() == [1, 7]


def test_blank_drawings_and_non_digit_labels_are_refused(tmp_path):
    store = SampleStore(tmp_path)
    with pytest.raises(ValueError, match="blank"):
        store.add(Drawing(280, 280, ()), 3)
    with pytest.raises(ValueError, match="digit"):
        store.add(stroke_drawing(), 10)
    assert store.samples() == []


def test_a_torn_last_line_loses_nothing_before_it_and_later_appends_work(tmp_path):
    store = SampleStore(tmp_path)
    kept = [store.add(stroke_drawing(i), i) for i in range(3)]
    path = tmp_path / FILE_NAME
    line = path.read_bytes().splitlines()[0]
    with open(path, "ab") as fh:  # a crash in the middle of writing a fourth sample
        fh.write(line[: len(line) // 2])
    assert [s.id for s in store.samples()] == [s.id for s in kept]
    assert store.skipped_lines == 1
    after = store.add(stroke_drawing(), 5)
    assert [s.id for s in SampleStore(tmp_path).samples()] == [s.id for s in kept] + [after.id]


def test_delete_rewrites_atomically_and_keeps_the_rest(tmp_path, monkeypatch):
    store = SampleStore(tmp_path)
    samples = [store.add(stroke_drawing(i), i % 10) for i in range(5)]
    assert store.delete([samples[1].id, samples[3].id]) == 2
    assert [s.id for s in store.samples()] == [samples[i].id for i in (0, 2, 4)]
    assert store.delete(["no-such-id"]) == 0

    # A failure while renaming leaves the old file whole and no temporary file behind.
    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        store.delete([samples[0].id])
    assert [s.id for s in store.samples()] == [samples[i].id for i in (0, 2, 4)]
    assert [p.name for p in tmp_path.iterdir() if p.name != LOCK_NAME] == [FILE_NAME]


def test_counts_by_label(tmp_path):
    store = SampleStore(tmp_path)
    for label in (3, 3, 7, 0):
        store.add(stroke_drawing(label), label)
    assert store.counts_by_label().tolist() == [1, 0, 0, 2, 0, 0, 0, 1, 0, 0]
    assert SampleStore(tmp_path / "empty").counts_by_label().tolist() == [0] * 10


def test_holdout_split_is_per_digit_deterministic_and_independent_of_order(tmp_path):
    store = SampleStore(tmp_path)
    for i in range(40):
        store.add(stroke_drawing(i), i % 4)  # ten samples of each of 0, 1, 2, 3
    samples = store.samples()
    train, held = holdout_split(samples, 0.25, seed=0)
    assert len(held) == 4 * 2 and len(train) == 40 - 8  # int(10 * 0.25) = 2 per digit
    assert sorted(s.label for s in held) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert not {s.id for s in train} & {s.id for s in held}
    again = holdout_split(list(reversed(samples)), 0.25, seed=0)[1]
    assert {s.id for s in again} == {s.id for s in held}
    other_seed = holdout_split(samples, 0.25, seed=1)[1]
    assert {s.id for s in other_seed} != {s.id for s in held}
    assert holdout_split(samples, 0.0)[1] == []


def test_the_sample_store_never_imports_qt_or_torch():
    code = (
        "import sys, lenet_gui.data.samples\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'torch'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_rewrite_of_a_file_with_unreadable_lines_keeps_a_dated_copy(tmp_path):
    """The first delete rewrote 10 KB of damaged data to 0 bytes and kept no copy."""
    store = SampleStore(tmp_path)
    kept = [store.add(stroke_drawing(i), i) for i in range(3)]
    damaged = "\n".join(s.to_json() for s in kept[:2]).encode("utf-16")  # another program's copy
    with open(store.path, "ab") as fh:
        fh.write(b"{not json\n" + damaged + b"\n")
    original = store.path.read_bytes()
    assert len(store.samples()) == 3 and store.skipped_lines >= 2
    assert f"{store.skipped_lines} lines" in store.problem and str(store.path) in store.problem
    assert store.delete([kept[0].id]) == 1
    assert store.last_backup is not None and store.last_backup.read_bytes() == original
    assert store.last_backup.name.startswith(FILE_NAME + ".") and store.last_backup.suffix == ".bak"
    assert [s.id for s in store.samples()] == [kept[1].id, kept[2].id] and store.problem is None
    assert store.delete([kept[1].id]) == 1 and store.last_backup is None  # clean now: no copy


def test_a_folder_where_the_samples_file_should_be_is_said_in_words(tmp_path):
    store = SampleStore(tmp_path)
    store.path.mkdir(parents=True)
    assert store.samples() == [] and "is a folder" in store.problem
    with pytest.raises(SampleStoreError, match="is a folder"):
        store.add(stroke_drawing(1), 1)
    assert store.delete(["x"]) == 0


def test_a_sample_added_by_another_window_during_a_delete_survives(tmp_path, monkeypatch):
    """Two windows: a delete in one lost samples the other had just saved (5 of 270)."""
    import threading
    import time

    mine, other = SampleStore(tmp_path), SampleStore(tmp_path)
    doomed = mine.add(stroke_drawing(1), 1)
    read_done = threading.Event()
    original = SampleStore.samples

    def slow_samples(self):
        out = original(self)
        if self is mine:
            read_done.set()
            time.sleep(0.5)  # the other window saves now, between the read and the rename
        return out

    monkeypatch.setattr(SampleStore, "samples", slow_samples)
    added = []
    thread = threading.Thread(
        target=lambda: (read_done.wait(5), added.append(other.add(stroke_drawing(2), 2)))
    )
    thread.start()
    assert mine.delete([doomed.id]) == 1
    thread.join(10)
    assert [s.id for s in original(mine)] == [added[0].id]


def test_stale_temporary_files_are_removed_and_fresh_ones_kept(tmp_path):
    from lenet_gui.system.paths import remove_stale_parts

    stale, fresh = tmp_path / ".samples.jsonl.abc.part", tmp_path / ".m.pt.def.part"
    other = tmp_path / "notes.part"  # not one of ours: no leading dot
    for path in (stale, fresh, other):
        path.write_bytes(b"x")
    os.utime(stale, (1, 1))
    os.utime(other, (1, 1))
    assert remove_stale_parts(tmp_path) == 1
    assert not stale.exists() and fresh.exists() and other.exists()
