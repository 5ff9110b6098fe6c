"""Own samples as one zip file, so that a class can pool its handwriting.

The archive holds `labels.csv` (columns `id, label, image, strokes, created`), for each sample
`images/<id>.png` (the 32x32 field the network saw, 8-bit grey, white ink on black as MNIST is
shown) and `strokes/<id>.json` (the drawing, as `predict --strokes` reads it). Importing checks
everything before adding anything, refuses what is malformed with a reason per row, skips
samples already in the store (same id, or same label and field), and appends the rest after the
existing samples, which are never rewritten. Reading is bounded: at most MAX_SAMPLES rows and
MAX_MEMBER_BYTES per member (by the sizes the zip declares, and checked while reading), so a
hostile zip cannot exhaust memory.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..preprocessing.preprocess import INPUT_SIZE, Drawing
from ..system.atomic import write_atomically
from .samples import Sample, SampleStore

LABELS = "labels.csv"
COLUMNS = ["id", "label", "image", "strokes", "created"]
MAX_SAMPLES = 100_000
MAX_MEMBER_BYTES = 4 * 1024 * 1024
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ArchiveError(ValueError):
    """The file is not a samples archive at all (the message says why)."""


@dataclass
class ImportReport:
    added: int = 0
    duplicates: int = 0
    rejected: list[str] = field(default_factory=list)  # "row N: reason"

    def summary(self) -> str:
        text = f"Imported {self.added} sample{'s' if self.added != 1 else ''}"
        if self.duplicates:
            text += f", skipped {self.duplicates} already there"
        if self.rejected:
            text += f", refused {len(self.rejected)} ({self.rejected[0]}"
            text += ", …)" if len(self.rejected) > 1 else ")"
        return text + "."


def export_samples(samples: list[Sample], path: str | os.PathLike) -> Path:
    """Write `samples` to a zip at `path`, atomically (`atomic.write_atomically`; a failure
    raises atomic.SaveError, an OSError, and keeps any previous file)."""
    path = Path(path)
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(COLUMNS)

    def write(fh) -> None:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as archive:
            for s in samples:
                image, strokes = f"images/{s.id}.png", f"strokes/{s.id}.json"
                png = io.BytesIO()
                Image.fromarray(s.field, mode="L").save(png, "PNG")
                archive.writestr(image, png.getvalue())
                archive.writestr(strokes, json.dumps(s.drawing.to_dict()))
                writer.writerow([s.id, s.label, image, strokes, s.created])
            archive.writestr(LABELS, rows.getvalue())

    write_atomically(path, write)
    return path


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member, refusing one that is missing or larger than MAX_MEMBER_BYTES."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ValueError(f"{name} is not in the archive") from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise ValueError(f"{name} is too large ({info.file_size:,} bytes)")
    with archive.open(info) as fh:
        data = fh.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise ValueError(f"{name} is too large")
    return data


def _field(png: bytes) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.size != (INPUT_SIZE, INPUT_SIZE):
                raise ValueError(f"the image is {image.size[0]}x{image.size[1]}, not 32x32")
            return np.asarray(image.convert("L"), dtype=np.uint8).copy()
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"not a readable PNG ({exc})") from None


def _sample(archive: zipfile.ZipFile, row: dict) -> Sample:
    label = row.get("label", "").strip()
    if not label.isdigit() or not 0 <= int(label) <= 9:
        raise ValueError(f"label {label!r} is not a digit 0-9")
    field_ = _field(_read(archive, row.get("image", "")))
    if not field_.any():
        raise ValueError("the image is blank")
    strokes = row.get("strokes", "").strip()
    drawing = Drawing(INPUT_SIZE, INPUT_SIZE, ())  # an image without strokes
    if strokes:
        try:
            drawing = Drawing.from_dict(json.loads(_read(archive, strokes)))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{strokes} is not JSON ({exc.msg})") from None
    sample_id = row.get("id", "").strip()
    if not _ID.match(sample_id):  # none, or not a plain name: one made from the content
        sample_id = hashlib.sha256(label.encode() + field_.tobytes()).hexdigest()[:32]
    return Sample(sample_id, int(label), drawing, field_, row.get("created", "").strip()[:40])


def import_samples(store: SampleStore, path: str | os.PathLike) -> ImportReport:
    """Add the samples of the archive at `path` to `store` (see the module docstring).
    ArchiveError if the file is not a zip with a labels.csv; bad rows are refused one by one."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ArchiveError(f"{path.name} is not a samples archive (a zip file): {exc}") from None
    report = ImportReport()
    with archive:
        try:
            text = _read(archive, LABELS).decode("utf-8-sig")
        except (ValueError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
            raise ArchiveError(f"{path.name}: no readable {LABELS} ({exc})") from None
        rows = list(csv.DictReader(io.StringIO(text)))
        if len(rows) > MAX_SAMPLES:
            raise ArchiveError(f"{path.name}: {len(rows):,} rows, more than {MAX_SAMPLES:,}")
        existing = store.samples()
        ids = {s.id for s in existing}
        contents = {(s.label, s.field.tobytes()) for s in existing}
        new = []
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            try:
                sample = _sample(archive, row)
            except (ValueError, zipfile.BadZipFile, EOFError) as exc:
                report.rejected.append(f"row {number}: {exc}")
                continue
            key = (sample.label, sample.field.tobytes())
            if sample.id in ids or key in contents:
                report.duplicates += 1
                continue
            ids.add(sample.id)
            contents.add(key)
            new.append(sample)
    if new:
        store.append(new)
    report.added = len(new)
    return report
