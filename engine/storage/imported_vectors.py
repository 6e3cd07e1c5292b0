"""Published vectors (word2vec, GloVe, fastText .vec) brought into the project's .npz: text, with or
without the `count dimension` header line, or word2vec's binary format, read as a stream, a block
at a time, and checked as they come; nothing is written unless every line is good."""

from __future__ import annotations

import json
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from ..errors import ExperimentError
from ..settings import IMPORT_BLOCK_BYTES, IMPORTED
from .atomic import write_atomically
from .paths import kind_of
from .vectors_file import FORMAT, MAX_CELLS, MAX_DIMENSIONS, MAX_WORD_CHARS, MAX_WORDS, VERSION, _matrix_member, _member

FORMATS = ("auto", "text", "binary")
# The longest text line read: a word and MAX_DIMENSIONS numbers, each written as long as a float can be.
MAX_LINE_BYTES = 4 * MAX_WORD_CHARS + 32 * MAX_DIMENSIONS


@dataclass(frozen=True)
class ImportedVectors:
    """What was read: the words in the file's order (published files put the most frequent first),
    their float32 rows as blocks in the same order, and how the file was written."""

    words: tuple[str, ...]
    blocks: tuple[np.ndarray, ...]
    dimension: int
    kind: str  # "text" or "binary"
    header: bool  # whether the file began with `count dimension`


def read_published_vectors(path: Path, limit: int | None = None, kind: str = "auto") -> ImportedVectors:
    """The first `limit` words (all when None) of a word2vec/GloVe/fastText file; ExperimentError
    naming the line (the word, in a binary file) and its problem for anything malformed."""
    path = Path(path)
    if kind_of(path) == "missing":
        raise ExperimentError(path, "file not found")
    if kind_of(path) != "file":
        raise ExperimentError(path, "is not a regular file")
    try:
        with open(path, "rb") as stream:
            return _Reader(path, stream, limit).read(kind)
    except OSError as exc:
        raise ExperimentError(path, f"cannot be read ({exc.strerror or exc})") from None


class _Reader:
    def __init__(self, path: Path, stream, limit: int | None):
        self.path, self.stream, self.limit = path, stream, limit
        self.words: dict[str, int] = {}  # word: its line (or place), in the file's order
        self.blocks: list[np.ndarray] = []
        self.dimension = 0
        self.count: int | None = None  # from the header

    def fail(self, problem: str, line: int | None = None):
        raise ExperimentError(self.path, problem, line)

    def read(self, kind: str) -> ImportedVectors:
        first = self.stream.readline(MAX_LINE_BYTES + 1)
        if not first.strip():
            self.fail("is empty: no vectors in it" if not first else "its first line is empty", 1 if first else None)
        fields = first.split()
        if len(fields) == 2 and all(f.isdigit() for f in fields):
            self.count, self.dimension = int(fields[0]), int(fields[1])
            self._check_sizes(self.count, 1)
            if kind == "auto":
                kind = "text" if self._looks_like_text() else "binary"
            rest = b""
        else:
            if kind == "binary":
                self.fail("a word2vec binary file begins with a line `count dimension`", 1)
            kind, rest = "text", first
        if kind == "binary":
            self._read_binary()
        else:
            self._read_text(rest)
        if not self.words:
            self.fail("holds a header and no vectors" if self.count is not None else "is empty: no vectors in it")
        if self.count is not None and self._wanted(self.count) > len(self.words):
            self.fail(f"is truncated: its header says {self.count:,} words, but it ends after {len(self.words):,}")
        return ImportedVectors(tuple(self.words), tuple(self.blocks), self.dimension, kind, self.count is not None)

    def _wanted(self, count: int) -> int:
        return count if self.limit is None else min(count, self.limit)

    def _check_sizes(self, count: int, line: int) -> None:
        if not 1 <= self.dimension <= MAX_DIMENSIONS:
            self.fail(f"a dimension of {self.dimension:,}; this program reads 1 to {MAX_DIMENSIONS:,}", line)
        if count > MAX_WORDS or self._wanted(count) * self.dimension > MAX_CELLS:
            self.fail(f"{count:,} words of {self.dimension:,} dimensions are more than this program holds "
                      f"(at most {MAX_WORDS:,} words and {MAX_CELLS:,} numbers); keep fewer with --limit", line)

    def _looks_like_text(self) -> bool:
        """Whether the line after the header is a word and numbers in UTF-8 (word2vec's binary rows
        are raw float32 bytes, which almost never read as decimal numbers)."""
        at = self.stream.tell()
        line = self.stream.readline(MAX_LINE_BYTES + 1)
        self.stream.seek(at)
        if not line.strip():
            return True  # nothing after the header: said so as a text file's problem
        try:
            parts = line.decode("utf-8").rstrip().split(" ")
            return len(parts) >= 2 and all(float(p) is not None for p in parts[1:4])  # its count checked later
        except (UnicodeDecodeError, ValueError):
            return False

    # --- text --------------------------------------------------------------------------------------

    def _read_text(self, pending: bytes) -> None:
        number = 1 if self.count is None else 2  # the line `pending` starts at
        while not self._full():
            block = self.stream.read(IMPORT_BLOCK_BYTES)
            data = pending + block
            lines = data.split(b"\n")
            pending = lines.pop() if block else b""
            if len(pending) > MAX_LINE_BYTES:
                self.fail(f"a line longer than {MAX_LINE_BYTES:,} bytes: is this a vectors text file?",
                          number + len(lines))
            if lines:
                self._text_lines(lines, number)
                number += len(lines)
            if not block:
                return

    def _full(self) -> bool:
        return self.limit is not None and len(self.words) >= self.limit

    def _text_lines(self, lines: list[bytes], first: int) -> None:
        try:
            text = b"\n".join(lines).decode("utf-8")
        except UnicodeDecodeError:
            for i, line in enumerate(lines):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    self.fail(f"is not UTF-8 text (byte {exc.start + 1} of the line)", first + i)
        numbers, words, rests = [], [], []
        for i, row in enumerate(text.split("\n")):
            row = row.rstrip()
            if not row:
                continue
            if self._full() or (self.count is not None and len(self.words) + len(words) >= self.count):
                if self._full():
                    break
                self.fail(f"a word past the {self.count:,} its header announces", first + i)
            word, _, rest = row.partition(" ")
            if not self.dimension:
                self.dimension = len(rest.split())
                if not self.dimension:
                    self.fail("a word and no numbers: a vectors line is a word and its numbers", first + i)
                self._check_sizes(0, first + i)
            numbers.append(first + i)
            words.append(word)
            rests.append(rest)
            if self.limit is not None and len(self.words) + len(words) >= self.limit:
                break
        if not words:
            return
        for word, number in zip(words, numbers):
            self._add_word(word, number)
        if len(self.words) > MAX_WORDS or len(self.words) * self.dimension > MAX_CELLS:
            self._check_sizes(len(self.words), numbers[-1])
        for rest, number in zip(rests, numbers):  # a quick count first; exact only where it disagrees
            if rest.count(" ") + 1 != self.dimension and len(rest.split()) != self.dimension:
                self._wrong_count(len(rest.split()), number)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                values = np.fromstring(" ".join(rests), dtype=np.float32, sep=" ")
        except (ValueError, DeprecationWarning):
            values = None
        if values is None or values.size != len(rests) * self.dimension:
            self._find_bad_number(rests, numbers)
        matrix = values.reshape(len(rests), self.dimension)
        self._check_finite(matrix, numbers)
        self.blocks.append(matrix)

    def _wrong_count(self, found: int, line: int) -> None:
        where = "its header says" if self.count is not None else "the first line has"
        self.fail(f"{found:,} numbers after the word, but {where} {self.dimension:,}", line)

    def _find_bad_number(self, rests: list[str], numbers: list[int]) -> None:
        for rest, line in zip(rests, numbers):
            fields = rest.split()
            for field in fields:
                try:
                    float(field)
                except ValueError:
                    self.fail(f"{field[:40]!r} is not a number", line)
            if len(fields) != self.dimension:
                self._wrong_count(len(fields), line)
        self.fail("holds numbers this program cannot read", numbers[0])

    def _check_finite(self, matrix: np.ndarray, numbers) -> None:
        finite = np.isfinite(matrix).all(axis=1)
        if not finite.all():
            self.fail("holds a number that is not finite (NaN, inf, or beyond float32's range)",
                      numbers[int(np.argmin(finite))])

    def _add_word(self, word: str, line: int) -> None:
        if not word:
            self.fail("begins with a space: no word before the numbers", line)
        if len(word) > MAX_WORD_CHARS:
            self.fail(f"a word of {len(word):,} characters; at most {MAX_WORD_CHARS:,} are read", line)
        earlier = self.words.setdefault(word, line)
        if earlier != line:
            self.fail(f"the word {word[:40]!r} again (first on line {earlier:,})", line)

    # --- binary ------------------------------------------------------------------------------------

    def _read_binary(self) -> None:
        """Records `word<space><dimension float32s>`, optionally each after a newline (word2vec's C
        tool writes one, gensim none); the words' place in the file names a bad one."""
        wanted = self._wanted(self.count)
        row_bytes = 4 * self.dimension
        data, at, words, rows = b"", 0, [], bytearray()
        while len(self.words) + len(words) < wanted:
            place = len(self.words) + len(words) + 1
            space = data.find(b" ", at)
            while space < 0 or len(data) - space - 1 < row_bytes:
                block = self.stream.read(IMPORT_BLOCK_BYTES)
                if not block:
                    self.fail(f"is truncated: its header says {self.count:,} words of {self.dimension:,} float32 "
                              f"numbers, but it ends in word {place:,}")
                data, at = data[at:] + block, 0
                space = data.find(b" ", at)
                if space < 0 and len(data) > 4 * MAX_WORD_CHARS + 1:
                    self.fail(f"word {place:,} has no space after it within {4 * MAX_WORD_CHARS:,} bytes: "
                              "is this a word2vec binary file?")
            try:
                word = data[at:space].lstrip(b"\n").decode("utf-8")
            except UnicodeDecodeError:
                self.fail(f"word {place:,} is not UTF-8 text: is this a word2vec binary file?")
            words.append(word)
            rows += data[space + 1:space + 1 + row_bytes]
            at = space + 1 + row_bytes
            if len(rows) >= IMPORT_BLOCK_BYTES:
                self._binary_block(words, rows)
                words, rows = [], bytearray()
        self._binary_block(words, rows)
        if self.limit is None or self.limit >= self.count:
            if (data[at:] + self.stream.read(MAX_LINE_BYTES)).strip():
                self.fail(f"holds more than the {self.count:,} words its header announces")

    def _binary_block(self, words: list[str], rows: bytearray) -> None:
        if not words:
            return
        first = len(self.words) + 1
        for i, word in enumerate(words):
            self._add_binary_word(word, first + i)
        matrix = np.frombuffer(bytes(rows), dtype="<f4").reshape(len(words), self.dimension).astype(np.float32)
        finite = np.isfinite(matrix).all(axis=1)
        if not finite.all():
            self.fail(f"word {first + int(np.argmin(finite)):,} ({words[int(np.argmin(finite))][:40]!r}) holds a "
                      "number that is not finite (NaN or inf)")
        self.blocks.append(matrix)

    def _add_binary_word(self, word: str, place: int) -> None:
        if not word:
            self.fail(f"word {place:,} is empty")
        if len(word) > MAX_WORD_CHARS:
            self.fail(f"word {place:,} has {len(word):,} characters; at most {MAX_WORD_CHARS:,} are read")
        earlier = self.words.setdefault(word, place)
        if earlier != place:
            self.fail(f"word {place:,} is {word[:40]!r} again (first as word {earlier:,})")


def save_imported(path: Path, vectors: ImportedVectors, source: Path, replace: bool = False) -> None:
    """The project's .npz (engine.storage.vectors_file), the words kept in the file's order, with
    settings saying where they came from; written atomically, the blocks one at a time."""
    count = len(vectors.words)
    settings = {"corpus": {"sentences": 0, "tokens": 0, "kept_tokens": 0, "vocabulary": count,
                           "dimension": vectors.dimension, "window": 0, "weighting": IMPORTED},
                IMPORTED: {"source": Path(source).name, "format": f"word2vec {vectors.kind}", "header": vectors.header}}
    width = max(len(w) for w in vectors.words)

    def write(out) -> None:
        with zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            _member(archive, "format", np.array(FORMAT))
            _member(archive, "version", np.array(VERSION))
            with archive.open("words.npy", "w", force_zip64=True) as member:  # a block at a time, as the matrix
                npy.write_array_header_1_0(member, {"descr": f"<U{width}", "fortran_order": False, "shape": (count,)})
                step = 1 << 16
                for first in range(0, count, step):
                    member.write(np.array(vectors.words[first:first + step], dtype=f"<U{width}").tobytes())
            _matrix_member(archive, (count, vectors.dimension), vectors.blocks)
            _member(archive, "settings", np.array(json.dumps(settings)))

    write_atomically(Path(path), write, replace)
