"""The user's own labelled digits, kept in `user_data_dir()/samples/samples.jsonl`.

One JSON line per sample, appended and fsynced, so a crash can at worst tear the line being
written: reading skips a line that does not parse and keeps every earlier sample. Each line holds
the strokes (to re-render them if preprocessing ever changes) and the 32x32 field the network saw
then (uint8, base64), which is what training uses. Deleting rewrites the whole file to a temporary
file and renames it over the old one, so readers see either the old or the new list.

Plain Python and numpy: no Qt, so the retrain worker and the tests use it as it is.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .paths import user_data_dir
from .preprocess import INPUT_SIZE, Drawing, PreparedInput, prepare_drawing

FILE_NAME = "samples.jsonl"


@dataclass(frozen=True)
class Sample:
    id: str
    label: int
    drawing: Drawing
    field: np.ndarray  # (32, 32) uint8 ink, 0 paper .. 255 full ink: the network's view
    created: str  # ISO 8601, UTC

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "label": self.label,
                "created": self.created,
                "drawing": self.drawing.to_dict(),
                "field": base64.b64encode(self.field.tobytes()).decode("ascii"),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, line: str) -> Sample:
        data = json.loads(line)
        field = np.frombuffer(base64.b64decode(data["field"]), dtype=np.uint8)
        label = int(data["label"])
        if field.size != INPUT_SIZE * INPUT_SIZE or not 0 <= label <= 9:
            raise ValueError("not a sample")
        return cls(
            str(data["id"]),
            label,
            Drawing.from_dict(data["drawing"]),
            field.reshape(INPUT_SIZE, INPUT_SIZE).copy(),
            str(data.get("created", "")),
        )


def field_to_uint8(field: np.ndarray) -> np.ndarray:
    """A float ink field (0..1) as uint8 0..255, the way MNIST stores its images."""
    return np.clip(np.rint(np.asarray(field) * 255.0), 0, 255).astype(np.uint8)


class SampleStore:
    """The samples in one folder; every call reads or writes the file, so two stores (or two
    windows) on the same folder stay in step."""

    def __init__(self, folder: str | os.PathLike | None = None):
        self.folder = Path(folder) if folder is not None else user_data_dir() / "samples"
        self.path = self.folder / FILE_NAME
        self.skipped_lines = 0  # lines of the last read that did not parse (a torn write)

    def add(
        self,
        drawing: Drawing,
        label: int,
        sample_id: str | None = None,
        prepared: PreparedInput | None = None,
    ) -> Sample:
        """Render the drawing, append it with its label and return the stored sample.

        `prepared` is what the network saw when that is more than the strokes (an opened image,
        with or without strokes over it); by default the drawing is prepared here.
        `sample_id` (default: a random UUID) lets an import or a benchmark be reproducible.
        Raises ValueError for a blank drawing or a label that is not a digit."""
        if not (isinstance(label, (int, np.integer)) and 0 <= int(label) <= 9):
            raise ValueError(f"a label is a digit 0-9, not {label!r}")
        if prepared is None:
            prepared = prepare_drawing(drawing)
        if prepared is None:
            raise ValueError("the drawing is blank: draw a digit first")
        sample = Sample(
            id=sample_id or uuid.uuid4().hex,
            label=int(label),
            drawing=drawing,
            field=field_to_uint8(prepared.field),
            created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        )
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab+") as fh:
            # A torn last line (no newline) must not swallow this sample: start a fresh line.
            if fh.seek(0, os.SEEK_END) > 0:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")
            fh.write(sample.to_json().encode("utf-8") + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        return sample

    def samples(self) -> list[Sample]:
        """Every readable sample, oldest first; unreadable lines are counted and skipped."""
        self.skipped_lines = 0
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        out = []
        for line in raw.splitlines():
            if not line.strip():
                continue
            try:
                out.append(Sample.from_json(line.decode("utf-8")))
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                self.skipped_lines += 1
        return out

    def delete(self, ids: Iterable[str]) -> int:
        """Remove the samples with these ids; returns how many went. Atomic: temp file + rename."""
        doomed = set(ids)
        current = self.samples()
        kept = [s for s in current if s.id not in doomed]
        removed = len(current) - len(kept)
        if removed == 0:
            return 0
        fd, tmp = tempfile.mkstemp(prefix=f".{FILE_NAME}.", suffix=".part", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(b"".join(s.to_json().encode("utf-8") + b"\n" for s in kept))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return removed

    def counts_by_label(self) -> np.ndarray:
        """(10,) number of samples of each digit."""
        return np.bincount([s.label for s in self.samples()], minlength=10)[:10]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Fields uint8 (N, 32, 32) and labels int64 (N,): what `train` and `evaluate` take."""
        return samples_to_arrays(self.samples())


def samples_to_arrays(samples: list[Sample]) -> tuple[np.ndarray, np.ndarray]:
    if not samples:
        return np.zeros((0, INPUT_SIZE, INPUT_SIZE), np.uint8), np.zeros(0, np.int64)
    return np.stack([s.field for s in samples]), np.array([s.label for s in samples], np.int64)


def holdout_split(
    samples: list[Sample], fraction: float, seed: int = 0
) -> tuple[list[Sample], list[Sample]]:
    """(train, held out): per digit, `fraction` of its samples (rounded down) are held out.

    Which ones depends only on each sample's id and the seed, never on the order of the file,
    so the same samples stay held out from run to run while nothing is added or deleted."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"the held-out fraction must be in [0, 1), not {fraction}")

    def rank(sample: Sample) -> str:
        return hashlib.sha256(f"{seed}:{sample.id}".encode()).hexdigest()

    train, held = [], []
    for digit in range(10):
        group = sorted((s for s in samples if s.label == digit), key=rank)
        cut = int(len(group) * fraction)
        held += group[:cut]
        train += group[cut:]
    order = {s.id: i for i, s in enumerate(samples)}
    return sorted(train, key=lambda s: order[s.id]), sorted(held, key=lambda s: order[s.id])
