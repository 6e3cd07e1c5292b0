"""Reading the experiment's text files and turning text into tokens, as the lesson does."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ExperimentError
from .storage.paths import kind_of

# Maximal runs of letters; anything else separates. Python's notion of a letter (str.isalpha)
# is Rust's char::is_alphabetic less a few combining marks, which the lesson never meets.
WORD = re.compile(r"[^\W\d_]+")


def tokenize(text: str) -> list[str]:
    """Lowercase, then split into maximal runs of alphabetic characters."""
    return WORD.findall(text.lower())


def word_spans(text: str):
    """(start, end, lowercased word) for each token of `text`, for highlighting it in place."""
    for match in WORD.finditer(text):
        yield match.start(), match.end(), match.group().lower()


def preprocess(text: str, stopwords: frozenset[str]) -> list[str]:
    """Tokens of `text` with the stopwords dropped afterwards (the lesson's `preprocess`)."""
    return [t for t in tokenize(text) if t not in stopwords]


def seen_words(text: str, stopwords: frozenset[str], seen: frozenset[str]) -> tuple[str, ...]:
    """The words of `text` (stopwords dropped) that are in `seen`, each once, in order."""
    return tuple(dict.fromkeys(t for t in preprocess(text, stopwords) if t in seen))


# Manifests, labeled sets and stopword lists are read whole, so their size is bounded (a corpus,
# streamed, is not).
MAX_TEXT_FILE_BYTES = 64 << 20


def read_text(path: Path) -> str:
    """The whole file as text, or an ExperimentError naming the line with bytes that are not UTF-8."""
    kind = kind_of(path)
    if kind == "missing":
        raise ExperimentError(path, "file not found")
    if kind == "folder":
        raise ExperimentError(path, "is a folder, expected a file")
    if kind == "special":
        raise ExperimentError(path, "is not a regular file (a FIFO, device or socket), expected a file")
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_TEXT_FILE_BYTES + 1)
    except OSError as exc:
        raise ExperimentError(path, f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_TEXT_FILE_BYTES:
        raise ExperimentError(path, f"is larger than {MAX_TEXT_FILE_BYTES >> 20} MiB, the most read for this file")
    return decode_utf8(data, path)


UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")  # byte-order marks, little- and big-endian


def decode_utf8(data: bytes, path: Path, first_line: int = 1) -> str:
    """The bytes as text; ExperimentError naming the line for a NUL byte (UTF-8 allows it, but no
    text file holds one: binary data, or UTF-16, whose every other byte is NUL in English) or for
    bytes that are not UTF-8."""
    if data.startswith(UTF16_MARKS):
        raise ExperimentError(path, f"{nul_problem(data)}; save the file as UTF-8 text", first_line)
    nul = data.find(b"\0")
    if nul >= 0:
        raise ExperimentError(path, f"{nul_problem(data)}; save the file as UTF-8 text",
                              first_line + data.count(b"\n", 0, nul))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = first_line + data.count(b"\n", 0, exc.start)
        raise ExperimentError(
            path, f"bytes that are not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8", line
        ) from None


def nul_problem(data: bytes) -> str:
    """What NUL bytes in what should be text suggest: UTF-16 (without a byte-order mark) where they
    are every other byte of the first line, else binary data."""
    if data.startswith(UTF16_MARKS):
        return "is UTF-16 (its byte-order mark says so), not UTF-8"
    first = data[: min(len(data), 200)].split(b"\n", 1)[0] or data[:200]
    for start in (0, 1):  # UTF-16BE puts the NUL of an ASCII character first, UTF-16LE second
        if len(first) >= 2 and first[start::2].count(0) >= 0.9 * len(first[start::2]) \
                and first[1 - start::2].count(0) == 0:
            return "looks like UTF-16 (a NUL byte between characters), not UTF-8"
    return "looks binary (a NUL byte)"


@dataclass(frozen=True)
class LabeledSentence:
    text: str
    label: str
    line: int  # where it stands in its CSV file, for messages


@dataclass(frozen=True)
class Columns:
    """Which columns of a labeled CSV file hold the sentence and its label (header names, any case)."""

    text: str = "text"
    label: str = "label"


def read_labeled_csv(path: Path, columns: Columns = Columns()) -> tuple[LabeledSentence, ...]:
    """A CSV file with a header naming the text and label columns; other columns are ignored."""
    content = read_text(path)
    reader = csv.reader(io.StringIO(content, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise ExperimentError(
                path, f"is empty; expected a header row naming the columns {columns.text} and {columns.label}", 1)
        names = [name.strip().lower() for name in header]
        wanted = (columns.text.lower(), columns.label.lower())
        missing = [name for name in wanted if name not in names]
        if missing:
            raise ExperimentError(
                path, f"the header row has no column {' or '.join(missing)} (found: {', '.join(header) or 'nothing'})", 1
            )
        text_at, label_at = names.index(wanted[0]), names.index(wanted[1])
        rows: list[LabeledSentence] = []
        for fields in reader:
            line = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue  # blank lines are allowed
            if len(fields) != len(header):
                raise ExperimentError(
                    path, f"malformed row: {len(fields)} fields where the header has {len(header)}", line
                )
            text, label = fields[text_at].strip(), fields[label_at].strip()
            if not text:
                raise ExperimentError(path, "malformed row: the text is empty", line)
            if not label:
                raise ExperimentError(path, "malformed row: the label is empty", line)
            rows.append(LabeledSentence(text, label, line))
    except csv.Error as exc:
        raise ExperimentError(path, f"malformed CSV: {exc}", reader.line_num) from None
    if not rows:
        raise ExperimentError(path, "has a header but no sentences")
    return tuple(rows)
