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
import contextlib
import datetime as _dt
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..preprocessing.preprocess import INPUT_SIZE, Drawing, PreparedInput, prepare_drawing
from ..system.atomic import write_bytes
from ..system.paths import user_data_dir

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


LOCK_NAME = ".samples.lock"
LOCK_TIMEOUT_S = 10.0


class SampleStoreError(OSError):
    """The samples file or folder cannot be used; the message says why, in words."""


def _try_lock(fh) -> bool:
    """Take an exclusive lock on an open file without waiting; False if another holds it."""
    try:
        if os.name == "nt":
            import msvcrt

            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError, or PermissionError on Windows
        return False
    return True


def _unlock(fh) -> None:
    if os.name == "nt":
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class SampleStore:
    """The samples in one folder; every call reads or writes the file, so two stores (or two
    windows) on the same folder stay in step."""

    def __init__(self, folder: str | os.PathLike | None = None):
        self.folder = Path(folder) if folder is not None else user_data_dir() / "samples"
        self.path = self.folder / FILE_NAME
        self.skipped_lines = 0  # lines of the last read that did not parse (a torn write)
        self.problem: str | None = None  # what the last read found wrong, in words
        self.last_backup: Path | None = None  # the copy the last delete kept, if any

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
        self.append([sample])
        return sample

    def append(self, samples: list[Sample]) -> None:
        """Append stored samples as they are (an import), after every existing line: what the
        file held stays byte for byte, and the new lines are fsynced before this returns."""
        with self._locked(), self._opened("ab+") as fh:
            # A torn last line (no newline) must not swallow this sample: start a fresh line.
            if fh.seek(0, os.SEEK_END) > 0:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")
            fh.write(b"".join(sample.to_json().encode("utf-8") + b"\n" for sample in samples))
            fh.flush()
            os.fsync(fh.fileno())

    def samples(self) -> list[Sample]:
        """Every readable sample, oldest first; unreadable lines are counted and skipped, and
        `problem` says what the user should know (None when the file read cleanly)."""
        self.skipped_lines = 0
        self.problem = None
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:  # a folder where the file should be, no permission...
            self.problem = str(self._error(exc))
            return []
        out = []
        for line in raw.splitlines():
            if not line.strip():
                continue
            try:
                out.append(Sample.from_json(line.decode("utf-8")))
            except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError):
                self.skipped_lines += 1
        if self.skipped_lines:
            n = self.skipped_lines
            self.problem = (
                f"{n} line{'s' * (n != 1)} of {self.path} could not be read; a copy of the file "
                "as it is will be kept beside it before any change."
            )
        return out

    def delete(self, ids: Iterable[str]) -> int:
        """Remove the samples with these ids; returns how many went, written atomically
        (`atomic.write_bytes`).

        Done under the folder's lock (`add` takes it too), so a sample another window appends
        meanwhile is never lost. A file with unreadable lines is first copied to a dated
        `.bak` beside it (`last_backup`), since the rewrite keeps only what could be read."""
        doomed = set(ids)
        self.last_backup = None
        with self._locked():
            current = self.samples()
            kept = [s for s in current if s.id not in doomed]
            removed = len(current) - len(kept)
            if removed == 0:
                return 0
            if self.skipped_lines:
                stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
                backup = self.path.with_name(f"{FILE_NAME}.{stamp}.bak")
                shutil.copy2(self.path, backup)
                self.last_backup = backup
            write_bytes(self.path, b"".join(s.to_json().encode("utf-8") + b"\n" for s in kept))
        return removed

    def _opened(self, mode: str):
        try:
            return open(self.path, mode)
        except OSError as exc:
            raise self._error(exc) from None

    def _error(self, exc: OSError) -> SampleStoreError:
        if self.path.is_dir():
            why = "it is a folder: move it away to keep samples again"
        else:
            why = exc.strerror or str(exc)
        return SampleStoreError(f"The samples file {self.path} cannot be used: {why}.")

    @contextlib.contextmanager
    def _locked(self):
        """An exclusive lock on the folder's lock file, for one read-modify-write or append.
        The system releases it when a process dies, so a crash never leaves it held."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fh = open(self.folder / LOCK_NAME, "a+b")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise SampleStoreError(
                f"The samples folder {self.folder} cannot be used: {exc.strerror or exc}."
            ) from None
        with fh:
            deadline = time.monotonic() + LOCK_TIMEOUT_S
            while not _try_lock(fh):
                if time.monotonic() > deadline:
                    raise SampleStoreError(
                        "Another lenet-gui window is changing your samples; try again."
                    )
                time.sleep(0.02)
            try:
                yield
            finally:
                _unlock(fh)

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
