"""Own samples as one zip (lenet_gui.data.sample_archive): round trip, no loss, hostile archives,
and the sample browser's Export…/Import… buttons."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from test_sweep import THREE

from lenet_gui.data.sample_archive import (
    LABELS,
    MAX_MEMBER_BYTES,
    ArchiveError,
    export_samples,
    import_samples,
)
from lenet_gui.data.samples import SampleStore
from lenet_gui.preprocessing.preprocess import Drawing

ONE = {"width": 280, "height": 280, "strokes": [[[150, 40], [140, 240]]]}


@pytest.fixture
def store(tmp_path):
    s = SampleStore(tmp_path / "mine")
    s.add(Drawing.from_dict(THREE), 3, sample_id="three")
    s.add(Drawing.from_dict(ONE), 1, sample_id="one")
    return s


def test_export_then_import_gives_the_same_samples(store, tmp_path):
    path = export_samples(store.samples(), tmp_path / "class.zip")
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == sorted(
            [LABELS, "images/three.png", "images/one.png", "strokes/three.json", "strokes/one.json"]
        )
        rows = list(csv.DictReader(io.StringIO(z.read(LABELS).decode())))
        assert [(r["id"], r["label"]) for r in rows] == [("three", "3"), ("one", "1")]
        with Image.open(io.BytesIO(z.read("images/three.png"))) as image:
            assert image.size == (32, 32) and image.mode == "L"
    other = SampleStore(tmp_path / "friend")
    report = import_samples(other, path)
    assert (report.added, report.duplicates, report.rejected) == (2, 0, [])
    for a, b in zip(store.samples(), other.samples(), strict=True):
        assert (a.id, a.label, a.drawing, a.created) == (b.id, b.label, b.drawing, b.created)
        np.testing.assert_array_equal(a.field, b.field)


def test_import_keeps_every_existing_sample_and_skips_duplicates(store, tmp_path):
    path = export_samples(store.samples(), tmp_path / "mine.zip")
    friend = SampleStore(tmp_path / "friend")
    friend.add(Drawing.from_dict(ONE), 7, sample_id="seven")
    before = friend.path.read_bytes()
    assert import_samples(friend, path).added == 2
    assert friend.path.read_bytes().startswith(before)  # old lines untouched
    again = import_samples(friend, path)
    assert (again.added, again.duplicates) == (0, 2)
    assert [s.id for s in friend.samples()] == ["seven", "three", "one"]
    assert "skipped 2 already there" in again.summary()


def write_zip(path, members: dict[str, bytes], rows: list[list[str]]) -> None:
    text = io.StringIO()
    csv.writer(text).writerows([["id", "label", "image", "strokes", "created"], *rows])
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(LABELS, text.getvalue())
        for name, data in members.items():
            z.writestr(name, data)


def png(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(array.astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def test_bad_rows_are_refused_one_by_one_and_the_good_ones_imported(tmp_path):
    good = np.zeros((32, 32), np.uint8)
    good[8:24, 14:18] = 255
    members = {
        "good.png": png(good),
        "big.png": png(np.full((40, 40), 255)),
        "blank.png": png(np.zeros((32, 32))),
        "text.png": b"not a png",
        "bad.json": b"{",
        "huge.bin": b"\0" * (MAX_MEMBER_BYTES + 1),
    }
    rows = [
        ["../../evil", "4", "good.png", "", ""],  # a strange id: one is made from the content
        ["a", "12", "good.png", "", ""],
        ["b", "5", "../../etc/passwd", "", ""],
        ["c", "5", "big.png", "", ""],
        ["d", "5", "blank.png", "", ""],
        ["e", "5", "text.png", "", ""],
        ["f", "5", "good.png", "bad.json", ""],
        ["g", "5", "huge.bin", "", ""],
    ]
    write_zip(tmp_path / "mixed.zip", members, rows)
    store = SampleStore(tmp_path / "store")
    report = import_samples(store, tmp_path / "mixed.zip")
    assert report.added == 1 and len(report.rejected) == 7
    reasons = "\n".join(report.rejected)
    for expected in ("not a digit", "not in the archive", "not 32x32", "blank",
                     "not a readable PNG", "not JSON", "too large"):  # fmt: skip
        assert expected in reasons
    (sample,) = store.samples()
    assert sample.label == 4 and len(sample.id) == 32 and sample.drawing.is_blank
    np.testing.assert_array_equal(sample.field, good)


@pytest.mark.parametrize(
    "content, message",
    [(b"PK\x03\x04 truncated", "not a samples archive"), (b"hello", "not a samples archive")],
)
def test_a_file_that_is_no_archive_is_refused_with_one_message(tmp_path, content, message):
    path = tmp_path / "x.zip"
    path.write_bytes(content)
    store = SampleStore(tmp_path / "store")
    with pytest.raises(ArchiveError, match=message):
        import_samples(store, path)
    assert store.samples() == []


def test_a_zip_without_labels_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as z:
        z.writestr("images/a.png", b"")
    with pytest.raises(ArchiveError, match=r"no readable labels\.csv"):
        import_samples(SampleStore(tmp_path / "s"), tmp_path / "x.zip")


def test_sample_browser_exports_and_imports_with_its_buttons(qtbot, store, tmp_path, monkeypatch):
    from lenet_gui.ui.samples.browser import SampleBrowser

    target = tmp_path / "pool"
    said = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    monkeypatch.setattr(QMessageBox, "information", lambda *a: said.append(a[2]))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: said.append("warning: " + a[2]))
    browser = SampleBrowser(store)
    qtbot.addWidget(browser)
    browser.show()
    QTest.mouseClick(browser.archive.export_button, Qt.MouseButton.LeftButton)
    assert said[-1] == f"Exported 2 samples to {target}.zip."

    friend = SampleStore(tmp_path / "friend")
    friend.add(Drawing.from_dict(ONE), 7, sample_id="seven")
    other = SampleBrowser(friend)
    qtbot.addWidget(other)
    other.show()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (f"{target}.zip", ""))
    with qtbot.waitSignal(other.samples_imported) as imported:
        QTest.mouseClick(other.archive.import_button, Qt.MouseButton.LeftButton)
    assert imported.args == [2] and said[-1] == "Imported 2 samples."
    assert sorted(other.buttons) == ["one", "seven", "three"]  # the browser shows them

    (tmp_path / "junk.zip").write_text("junk")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *a, **k: (str(tmp_path / "junk.zip"), "")
    )
    QTest.mouseClick(other.archive.import_button, Qt.MouseButton.LeftButton)
    assert said[-1].startswith("warning: junk.zip is not a samples archive")
    assert len(friend.samples()) == 3
