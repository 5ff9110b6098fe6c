"""Strokes files read one drawing at a time: the same drawings as json.load, bounded memory."""

from __future__ import annotations

import json

import pytest
from memory_cap import run_capped

from lenet_gui import cli
from lenet_gui.preprocessing import drawing_file
from lenet_gui.preprocessing.drawing_file import iter_drawings
from lenet_gui.preprocessing.preprocess import Drawing

ONE = {"width": 280, "height": 280, "strokes": [[[60, 70], [200, 70], [120, 250]]]}
TWO = {"width": 100, "height": 50, "strokes": [[[1.5, 2.25]]], "pen_width": 3}


@pytest.mark.parametrize("chunk", [1, 7, 2**20])  # refills at every character, or never
def test_the_drawings_are_those_json_reads(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(drawing_file, "_CHUNK", chunk)
    path = tmp_path / "d.json"
    for data in (ONE, [ONE, TWO, ONE], []):
        path.write_text(json.dumps(data, indent=1 if chunk == 7 else None))
        expected = [Drawing.from_dict(d) for d in (data if isinstance(data, list) else [data])]
        assert list(iter_drawings(path)) == expected


@pytest.mark.parametrize(
    "text, words",
    [
        ('[{"width": 1}', "drawing 1: a drawing needs 'height'"),
        (json.dumps([ONE, {**ONE, "width": -3}]), "drawing 2: width must be a whole number"),
        (json.dumps([ONE])[:-1], "expected ',' or ']'"),
        (json.dumps([ONE]) + "[]", "text after the drawings"),
        ("[", "the list ends before drawing 1"),
        ("[" * 100_000 + "]" * 100_000, "drawing 1: lists nested too deeply"),
        ("{nope", "drawing 1: not valid JSON"),
    ],
)
def test_bad_files_name_the_drawing(tmp_path, text, words):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=words):
        list(iter_drawings(path))


def test_predict_answers_as_it_goes(tmp_path, capsys):
    """The first batch is printed before a bad drawing further on is even read."""
    path = tmp_path / "many.json"
    path.write_text(json.dumps([ONE] * cli.PREDICT_BATCH + [{"width": 0}]))
    with pytest.raises(SystemExit, match=rf"many\.json: drawing {cli.PREDICT_BATCH + 1}: "):
        cli.main(["predict", "--strokes", str(path)])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == cli.PREDICT_BATCH and json.loads(lines[0])["digit"] == 7


def test_reading_many_drawings_takes_the_memory_of_one():
    """json.load of this 40 MB file takes about 400 MB; one drawing at a time, a few MB."""
    script = """
        import json, tempfile
        from lenet_gui.preprocessing.drawing_file import iter_drawings
        stroke = [[float(i % 280), float(i % 200)] for i in range(2000)]
        path = tempfile.mktemp(suffix=".json")
        with open(path, "w") as fh:
            fh.write("[" + ",".join(
                json.dumps({"width": 280, "height": 280, "strokes": [stroke]})
                for _ in range(1500)) + "]")
        cap(100)
        count = sum(len(d.strokes[0]) for d in iter_drawings(path))
        print(count)
        """
    done = run_capped(script, extra_mb=100)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [str(1500 * 2000)]
