"""Reading a strokes file (one drawing as a JSON object, or a JSON list of them) one drawing at a
time, so memory is bounded by the largest drawing and not by the file.

The standard `json` module parses a whole document at once: 100,000 drawings took 4.6 GB before
the first answer. Here `json.JSONDecoder.raw_decode` parses each element of the top-level list
from a buffer that is refilled from the file as needed, and each element is checked by
`Drawing.from_dict` as soon as it is read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

from .preprocess import Drawing

# One drawing's JSON text may be at most this long (a canvas's drawing is a few KB).
MAX_DRAWING_CHARS = 64 * 2**20
_CHUNK = 2**20


class _Buffer:
    """The unread text of a file, refilled on demand."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.text = ""
        self.pos = 0
        self.eof = False

    def fill(self, at_least: int = _CHUNK) -> None:
        part = self.stream.read(at_least)
        self.text = self.text[self.pos :] + part
        self.pos = 0
        self.eof = not part

    def peek(self) -> str:
        """The next character that is not white space, or "" at the end of the file."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.text) or self.eof:
                return self.text[self.pos : self.pos + 1]
            self.fill()

    def decode(self, decoder: json.JSONDecoder, number: int):
        """The next JSON value; ValueError naming drawing `number` if it is not one."""
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise ValueError(f"drawing {number}: not valid JSON ({exc.msg})") from None
                if len(self.text) - self.pos > MAX_DRAWING_CHARS:
                    raise ValueError(
                        f"drawing {number} is longer than {MAX_DRAWING_CHARS // 2**20} MB of text"
                    ) from None
                self.fill(max(_CHUNK, len(self.text) - self.pos))  # doubling: linear in all
                continue
            except RecursionError:
                raise ValueError(f"drawing {number}: lists nested too deeply") from None
            self.pos = end
            return value


def _drawing(value, number: int) -> Drawing:
    try:
        return Drawing.from_dict(value)
    except ValueError as exc:
        raise ValueError(f"drawing {number}: {exc}") from None


def iter_drawings(path: str | os.PathLike) -> Iterator[Drawing]:
    """Each drawing in the file, in order. Raises ValueError (naming the drawing, counted from
    1) for text that is not JSON or a drawing that does not check out, OSError if the file
    cannot be read, UnicodeDecodeError if it is not UTF-8 text."""
    decoder = json.JSONDecoder()
    with open(path, encoding="utf-8") as stream:
        buffer = _Buffer(stream)
        if buffer.peek() != "[":
            yield _drawing(buffer.decode(decoder, 1), 1)
        else:
            buffer.pos += 1
            number = 0
            while buffer.peek() != "]":
                if number:
                    if buffer.peek() != ",":
                        raise ValueError(f"after drawing {number}: expected ',' or ']'")
                    buffer.pos += 1
                    buffer.peek()
                number += 1
                if buffer.eof and buffer.pos >= len(buffer.text):
                    raise ValueError(f"the list ends before drawing {number}")
                yield _drawing(buffer.decode(decoder, number), number)
            buffer.pos += 1
        if buffer.peek():
            raise ValueError("text after the drawings (one JSON object or list per file)")
