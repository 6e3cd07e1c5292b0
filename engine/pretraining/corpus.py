"""A corpus read as a stream: its files, decoded blocks of whole lines, a preview."""

from __future__ import annotations

import bisect
import gzip
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


from ..errors import ExperimentError
from ..storage.paths import kind_of
from ..text import UTF16_MARKS, nul_problem

BLOCK_BYTES = 2 << 20  # a block of lines
COUNT_BLOCK_BYTES = 1 << 20  # blocks for counting: 1 to 5 ms each in the compiled loop, 2 to 4 in flight
MAX_LINE_BYTES = 1 << 20  # longer lines are cut into pieces (see bounded_lines): memory stays bounded

# Standard input, read as plain UTF-8 text: the one way to count a stream (a FIFO, a device, a
# pipe), which is otherwise refused as a corpus because it could block or never end.
STDIN = Path("-")


# A corpus is a UTF-8 text file, a folder of `.txt` files, gzip of either (`.gz` files, alone or
# in the folder), or standard input. It is read in blocks of lines, never whole; bad bytes are
# reported with their file and line.
def corpus_files(path: Path) -> list[Path]:
    """The files a corpus path stands for, in a fixed order."""
    if path == STDIN:
        return [STDIN]
    kind = kind_of(path)
    if kind == "folder":
        files = sorted(p for p in path.rglob("*") if p.is_file() and (p.suffix == ".txt" or p.name.endswith(".txt.gz")))
        if not files:
            raise ExperimentError(path, "the folder holds no .txt or .txt.gz files")
        return files
    if kind == "missing":
        raise ExperimentError(path, "file not found")
    if kind == "special":
        raise ExperimentError(path, "is not a regular file (a FIFO, device or socket), so it could block or never "
                                    "end; to count a stream, pipe it to `pretrain-explorer pretrain -`")
    return [path]


@dataclass(frozen=True)
class CorpusFiles:
    """A corpus on disk as one pretraining reads it: its files in order, their sizes and times.
    Made once per pretraining (CorpusFiles.of) and handed to counting, reading, the disk cache and
    the cache key, so that none of them lists the files or sums their sizes again."""

    path: Path
    files: tuple[Path, ...]
    sizes: tuple[int, ...]  # as stored (compressed where they are); 0 for standard input
    mtimes: tuple[int, ...]  # nanoseconds

    @classmethod
    def of(cls, path: Path | CorpusFiles) -> CorpusFiles:
        """The corpus at `path` as it is now (a CorpusFiles already made is returned as it is)."""
        if isinstance(path, CorpusFiles):
            return path
        path = Path(path)
        files = tuple(corpus_files(path))
        stats = [None if f == STDIN else f.stat() for f in files]
        return cls(path, files, tuple(s.st_size if s else 0 for s in stats),
                   tuple(s.st_mtime_ns if s else 0 for s in stats))

    @property
    def stored_size(self) -> int:
        return sum(self.sizes)

    @property
    def identity(self) -> tuple:
        """What a cached result of this corpus is keyed by: any file renamed, resized or touched changes it."""
        return tuple((str(f if f == STDIN else f.resolve()), size, mtime)
                     for f, size, mtime in zip(self.files, self.sizes, self.mtimes))


def _open(path: Path):
    """(the file as stored, the stream of its text's bytes, whether to close them)."""
    if path == STDIN:
        stream = getattr(sys.stdin, "buffer", None)  # None when the shell closed it (`<&-`)
        if stream is None or sys.stdin.closed:
            raise ExperimentError(path, "standard input is closed: pipe the corpus in, as in "
                                          "`cat corpus.txt | pretrain-explorer pretrain - -o vectors.npz`")
        return stream, stream, False
    try:
        raw = open(path, "rb")
        return raw, (gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw), True
    except OSError as exc:
        raise ExperimentError(path, f"cannot be read ({exc.strerror})") from None


@dataclass(frozen=True)
class Block:
    text: str  # whole lines, each ending in a newline
    bytes_done: int  # of the files as stored (compressed where they are), for progress
    bytes_total: int


def block_of(lines: list[str]) -> Block:
    """A block from lines held in memory (the labeled sentences, say)."""
    return Block("".join(line if line.endswith("\n") else line + "\n" for line in lines), 0, 0)


def read_blocks(corpus: Path | CorpusFiles, block_bytes: int = BLOCK_BYTES) -> Iterator[Block]:
    """Blocks of whole lines, decoded once a block; bad bytes raise ExperimentError naming file and line."""
    corpus = CorpusFiles.of(corpus)
    total = corpus.stored_size
    done_before = 0
    for file, size in zip(corpus.files, corpus.sizes):
        raw, stream, close = _open(file)
        lines_before = 0
        try:
            for data, cuts in bounded_lines(stream, block_bytes):
                text = _decoded(file, data, lines_before, cuts)
                if lines_before == 0 and text.startswith("\ufeff"):
                    text = text[1:]  # a byte-order mark is not text
                lines_before += data.count(b"\n") - len(cuts)
                yield Block(text, done_before + (raw.tell() if close else 0), total)
        except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
            raise ExperimentError(file, f"cannot be read as {'gzip' if file.suffix == '.gz' else 'text'} ({exc})") from None
        finally:
            if close:
                raw.close()
        done_before += size


def _decoded(file: Path, data: bytes, lines_before: int, cuts: list[int]) -> str:
    """The block as text; a NUL byte or bytes that are not UTF-8 raise ExperimentError naming the line."""

    def line_at(offset: int) -> int:  # the file's line: newlines added at cuts do not count
        return lines_before + data.count(b"\n", 0, offset) - bisect.bisect_left(cuts, offset) + 1

    nul = data.find(b"\0")
    if nul >= 0 or (lines_before == 0 and data.startswith(UTF16_MARKS)):
        raise ExperimentError(file, f"{nul_problem(data)}: a corpus must be UTF-8 text", line_at(max(nul, 0)))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExperimentError(file, f"bytes that are not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                              line_at(exc.start)) from None


_WHITESPACE = (b" ", b"\t", b"\r", b"\x0b", b"\x0c")  # never part of a multi-byte UTF-8 character


def bounded_lines(stream, block_bytes: int, limit: int = MAX_LINE_BYTES) -> Iterator[tuple[bytes, list[int]]]:
    """Blocks of about `block_bytes` from `stream`, each ending in a newline, where every line longer
    than `limit` bytes is cut into pieces of at most `limit` bytes: after the last whitespace within
    the limit (which the cut's newline replaces), or else at the last UTF-8 character boundary. Each
    cut depends on the line alone, never on where a read ended, so the counts do not depend on the
    block size. Yields (bytes, offsets of the added newlines)."""
    carry = b""
    while True:
        chunk = stream.read(block_bytes)
        data = carry + chunk
        if not data:
            return
        if not chunk and not data.endswith(b"\n"):
            data += b"\n"  # the last line, without its newline
        out, cuts, start, pos, length = [], [], 0, 0, 0
        while len(data) - pos > limit:  # the next `limit` bytes from a line's start are all here
            newline = data.rfind(b"\n", pos, pos + limit + 1)
            if newline >= 0:
                pos = newline + 1
                continue
            end, pos = _cut(data, pos, limit)
            out.append(data[start:end] + b"\n")
            length += end - start
            cuts.append(length)
            length += 1
            start = pos
        last = len(data) - 1 if not chunk else data.rfind(b"\n", pos)
        keep = last + 1 if last >= 0 else pos  # a partial line waits for the next read
        out.append(data[start:keep])
        carry = data[keep:]
        block = b"".join(out)
        if block:
            yield block, cuts


def _cut(data: bytes, pos: int, limit: int) -> tuple[int, int]:
    """Where the piece of a long line starting at `pos` ends, and where the next piece starts."""
    space = max(data.rfind(w, pos + 1, pos + limit + 1) for w in _WHITESPACE)
    if space >= 0:
        return space, space + 1
    end = pos + limit
    while end > pos + 1 and data[end] & 0xC0 == 0x80:  # a continuation byte: inside a character
        end -= 1
    return end, end


def preview_lines(corpus: Path | CorpusFiles, count: int, characters: int) -> tuple[str, ...]:
    """The first `count` non-blank lines, or fewer where they would pass `characters` (a first
    line longer than that is cut to it), for showing the corpus (reads no further)."""
    out: list[str] = []
    total = 0
    for block in read_blocks(corpus, block_bytes=64 << 10):
        for line in block.text.split("\n"):
            if not line.strip():
                continue
            total += len(line)
            if len(out) == count or (out and total > characters):
                return tuple(out)
            out.append(line.rstrip("\r")[:characters])
    return tuple(out)


class Corpus:
    """A corpus's blocks, as often as they are iterated (read_blocks afresh each time, over the
    files as listed once)."""

    def __init__(self, corpus: Path | CorpusFiles, block_bytes: int = COUNT_BLOCK_BYTES):
        self.files, self.block_bytes = CorpusFiles.of(corpus), block_bytes

    def __iter__(self) -> Iterator[Block]:
        return read_blocks(self.files, self.block_bytes)
