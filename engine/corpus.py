"""Reading a corpus as a stream and counting co-occurrences into a sparse matrix.

A corpus is a UTF-8 text file, a folder of `.txt` files, or gzip of either (`.gz` files, alone or
in the folder). It is read in blocks of lines, never whole: each block is tokenized and its pairs
counted by vectorised code (no Python loop per pair), in worker processes when the corpus is large,
and the blocks' sparse counts are summed. Memory grows with the non-zero counts, not the text.
"""

from __future__ import annotations

import bisect
import gzip
import itertools
import multiprocessing
import os
import re
import sys
import time
import zlib
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from engine.errors import ExperimentError, RunCancelled
from engine.files import kind_of
from engine.text import WORD

BLOCK_BYTES = 2 << 20  # a block of lines handed to one worker at a time
MAX_LINE_BYTES = 1 << 20  # longer lines are cut into pieces (see bounded_lines): memory stays bounded
PARALLEL_FROM_BYTES = 8 << 20  # smaller corpora are counted in this process: workers cost more to start
# Words as the lesson tokenizes them, and newlines, which mark the lines.
_WORD_OR_NEWLINE = re.compile(WORD.pattern + r"|\n")
Progress = Callable[[str, float], None]  # (what is happening, fraction done)
MERGE_ENTRIES = 40_000_000  # pending pair entries (16 bytes each) summed into the total past this


# Standard input, read as plain UTF-8 text: the one way to count a stream (a FIFO, a device, a
# pipe), which is otherwise refused as a corpus because it could block or never end.
STDIN = Path("-")


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


def _open(path: Path):
    """(the file as stored, the stream of its text's bytes, whether to close them)."""
    if path == STDIN:
        return sys.stdin.buffer, sys.stdin.buffer, False
    try:
        raw = open(path, "rb")
        return raw, (gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw), True
    except OSError as exc:
        raise ExperimentError(path, f"cannot be read ({exc.strerror})") from None


def _size(path: Path) -> int:
    return 0 if path == STDIN else path.stat().st_size


@dataclass(frozen=True)
class Block:
    text: str  # whole lines, each ending in a newline
    bytes_done: int  # of the files as stored (compressed where they are), for progress
    bytes_total: int


def block_of(lines: list[str]) -> Block:
    """A block from lines held in memory (the labeled sentences, say)."""
    return Block("".join(line if line.endswith("\n") else line + "\n" for line in lines), 0, 0)


def read_blocks(path: Path, block_bytes: int = BLOCK_BYTES) -> Iterator[Block]:
    """Blocks of whole lines, decoded once a block; bad bytes raise ExperimentError naming file and line."""
    files = corpus_files(path)
    total = sum(_size(f) for f in files)
    done_before = 0
    for file in files:
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
        done_before += _size(file)


def _decoded(file: Path, data: bytes, lines_before: int, cuts: list[int]) -> str:
    """The block as text; a NUL byte or bytes that are not UTF-8 raise ExperimentError naming the line."""

    def line_at(offset: int) -> int:  # the file's line: newlines added at cuts do not count
        return lines_before + data.count(b"\n", 0, offset) - bisect.bisect_left(cuts, offset) + 1

    nul = data.find(b"\0")
    if nul >= 0:
        raise ExperimentError(file, "looks binary (a NUL byte): a corpus must be UTF-8 text", line_at(nul))
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


def preview_lines(path: Path, count: int) -> tuple[str, ...]:
    """The first `count` non-blank lines, for showing the corpus (reads no further)."""
    out: list[str] = []
    for block in read_blocks(path, block_bytes=64 << 10):
        out += [line.rstrip("\r") for line in block.text.split("\n") if line.strip()]
        if len(out) >= count:
            break
    return tuple(out[:count])


@dataclass(frozen=True)
class BlockCounts:
    """One block's counts in its own word numbering."""

    words: list[str]
    word_counts: np.ndarray  # tokens kept (after stopwords), per word
    pairs: sp.csr_matrix  # [a, b]: times b stood 1..window tokens after a, inside a line
    lines: int  # non-blank lines
    tokens: int  # before stopword removal
    kept: int


# Byte -> lowercase letter, or 0 for anything that is not an ASCII letter.
_ASCII_LETTERS = np.array([c + 32 if 65 <= c <= 90 else (c if 97 <= c <= 122 else 0) for c in range(256)],
                          dtype=np.uint64)
_HASH_BASE = np.uint64(0x100000001B3)  # odd, so it has an inverse modulo 2**64
_HASH_INVERSE = np.uint64(pow(int(_HASH_BASE), -1, 2**64))


def _tokens_ascii(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Distinct words, each token's index into them, and each token's line, for ASCII text, with
    no Python work per token: word spans come from array comparisons and each word is numbered by
    a 64-bit polynomial hash (arithmetic wraps modulo 2**64) computed with cumulative sums."""
    data = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    letters = _ASCII_LETTERS[data]
    is_letter = letters != 0
    edges = np.diff(np.concatenate(([0], is_letter.view(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if len(starts) == 0:
        return [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    with np.errstate(over="ignore"):
        powers = np.ones(len(data), dtype=np.uint64)  # base**k at position k
        powers[1:] = np.cumprod(np.full(len(data) - 1, _HASH_BASE, dtype=np.uint64))
        prefix = np.concatenate(([np.uint64(0)], np.cumsum(letters * powers, dtype=np.uint64)))
        # prefix[end] - prefix[start] is base**start times the word's hash: divide it out.
        hashes = (prefix[ends] - prefix[starts]) * _power(_HASH_INVERSE, starts) + (ends - starts).astype(np.uint64)
    _, first, ids = np.unique(hashes, return_index=True, return_inverse=True)
    lowered = text.lower()
    words = [lowered[a:b] for a, b in zip(starts[first].tolist(), ends[first].tolist())]
    line_of = np.searchsorted(np.flatnonzero(data == 10), starts)  # newlines before each word
    return words, ids.astype(np.int64), line_of


def _power(base: np.uint64, exponents: np.ndarray) -> np.ndarray:
    """base ** exponents modulo 2**64, element-wise, by repeated squaring."""
    result = np.ones(len(exponents), dtype=np.uint64)
    square, remaining = base, exponents.astype(np.uint64)
    with np.errstate(over="ignore"):
        while remaining.any():
            odd = (remaining & np.uint64(1)).astype(bool)
            result[odd] *= square
            square = square * square
            remaining >>= np.uint64(1)
    return result


def _tokens_unicode(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The same for any text, with the regular expression (newlines kept as tokens to mark lines)."""
    tokens = _WORD_OR_NEWLINE.findall(text.lower())
    numbering = dict(zip(dict.fromkeys(tokens), itertools.count()))
    ids = np.fromiter(map(numbering.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    words = list(numbering)
    newline = np.array([w == "\n" for w in words], dtype=bool)
    line_of = np.cumsum(newline[ids])
    is_word = ~newline[ids]
    return words, ids[is_word], line_of[is_word]


def count_block(text: str, stopwords: frozenset[str], window: int) -> BlockCounts:
    """Tokenize a block of whole lines, number its words, then find the pairs with array operations."""
    words, ids, line_of = (_tokens_ascii if text.isascii() else _tokens_unicode)(text)
    dropped = np.array([w in stopwords or w == "\n" for w in words], dtype=bool)
    keep = ~dropped[ids]
    compact = np.cumsum(~dropped) - 1  # kept words numbered 0..
    kept_ids, kept_lines = compact[ids[keep]], line_of[keep]
    n = int((~dropped).sum())
    firsts, seconds = [], []
    for d in range(1, min(window, len(kept_ids) - 1) + 1):
        same_line = kept_lines[:-d] == kept_lines[d:]
        firsts.append(kept_ids[:-d][same_line])
        seconds.append(kept_ids[d:][same_line])
    rows = np.concatenate(firsts) if firsts else np.zeros(0, dtype=np.int64)
    cols = np.concatenate(seconds) if seconds else np.zeros(0, dtype=np.int64)
    return BlockCounts(
        [w for w, gone in zip(words, dropped) if not gone],
        np.bincount(kept_ids, minlength=n).astype(np.int64),
        summed(rows, cols, np.ones(len(rows), dtype=np.int32), n),
        lines=len(np.unique(line_of)),
        tokens=len(ids),
        kept=len(kept_ids),
    )


def _pool(workers: int) -> ProcessPoolExecutor | None:
    """Worker processes, or None where they cannot start here (the counting then stays in this
    process). Inside a UI that has replaced sys.stderr, multiprocessing's resource tracker cannot
    start: call `start_resource_tracker` before the UI takes over the terminal."""
    try:
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    except (OSError, ValueError, RuntimeError):
        return None


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, while sys.stderr is still the real one."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()


def _count_block_star(args) -> BlockCounts:
    return count_block(*args)


def _in_order(pool: ProcessPoolExecutor, jobs: Iterator[tuple], ahead: int) -> Iterator[BlockCounts]:
    """Results in job order, with at most `ahead` jobs in flight, so the corpus is never read far
    ahead of the counting. If workers cannot start (spawn needs an importable main module, which a
    script piped to python lacks; some hosts' standard streams cannot be passed on), the rest of
    the blocks are counted here instead: slower, never wrong."""
    in_flight: deque = deque()
    usable = True
    for job in jobs:
        future = None
        if usable:
            try:
                future = pool.submit(_count_block_star, job)
            except (BrokenProcessPool, OSError, ValueError, RuntimeError):
                usable = False
        in_flight.append((job, future))
        if len(in_flight) >= ahead:
            yield _result(*in_flight.popleft())
    while in_flight:
        yield _result(*in_flight.popleft())


def _result(job: tuple, future) -> BlockCounts:
    if future is not None:
        try:
            return future.result()
        except (BrokenProcessPool, OSError):
            pass
    return count_block(*job)


def summed(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, n: int) -> sp.csr_matrix:
    """An n-by-n CSR matrix with the data of repeated (row, col) entries added. Transposing twice
    leaves each row's entries in column order in linear time, where a sort per row would not."""
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(n, n), dtype=np.int32).tocsc().tocsr()
    matrix.has_sorted_indices = True
    matrix.sum_duplicates()
    return matrix


@dataclass(frozen=True)
class Cooccurrence:
    """Symmetric co-occurrence counts over the whole corpus, vocabulary sorted alphabetically."""

    words: tuple[str, ...]
    word_counts: np.ndarray
    counts: sp.csr_matrix  # [a, b] == [b, a]: times a and b stood within the window in one line
    lines: int
    tokens: int
    kept: int



def count_cooccurrences(
    blocks: Iterable[Block],
    stopwords: frozenset[str],
    window: int,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda stage, fraction: None,
    workers: int = 1,
) -> Cooccurrence:
    numbering: dict[str, int] = {}
    word_counts = np.zeros(0, dtype=np.int64)
    total = sp.csr_matrix((0, 0), dtype=np.int32)
    pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    lines = tokens = kept = 0
    started = time.perf_counter()

    def merge() -> sp.csr_matrix:
        n = len(numbering)
        grown = total.copy()
        grown.resize((n, n))
        if pending:
            rows, cols, data = (np.concatenate(part) for part in zip(*pending))
            pending.clear()
            grown = grown + summed(rows, cols, data, n)
        return grown

    progress = {"fraction": 0.0}

    def jobs():
        for block in blocks:
            if should_stop():
                raise RunCancelled()
            progress["fraction"] = block.bytes_done / block.bytes_total if block.bytes_total else 1.0
            yield block.text, stopwords, window

    pool = _pool(workers) if workers > 1 else None
    finished = False
    try:
        results = _in_order(pool, jobs(), 2 * workers) if pool else map(_count_block_star, jobs())
        for result in results:
            if should_stop():
                raise RunCancelled()
            mapping = np.array([numbering.setdefault(w, len(numbering)) for w in result.words], dtype=np.int32)
            if len(numbering) > len(word_counts):
                word_counts = np.concatenate([word_counts, np.zeros(len(numbering) - len(word_counts), dtype=np.int64)])
            word_counts[mapping] += result.word_counts  # a block's words are distinct: no index repeats
            local = result.pairs.tocoo()
            pending.append((mapping[local.row], mapping[local.col], local.data))
            lines, tokens, kept = lines + result.lines, tokens + result.tokens, kept + result.kept
            if sum(len(part[2]) for part in pending) > MERGE_ENTRIES:
                total = merge()
            rate = tokens / max(time.perf_counter() - started, 1e-9)
            on_progress(f"Counting: {tokens:,} tokens, {rate:,.0f} tokens/s", progress["fraction"])
        finished = True
    finally:
        if pool is not None:
            # Reap the workers after a full run; on cancel or error, do not wait for them.
            pool.shutdown(wait=finished, cancel_futures=True)
    upper = merge()
    # Each pair counts for both words, as in the lesson: [a, b] and [b, a] (twice on the diagonal).
    counts = (upper + upper.T.tocsr()).tocsr()
    del upper
    first_seen = list(numbering)
    order = np.array(sorted(range(len(first_seen)), key=first_seen.__getitem__), dtype=np.int32)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order), dtype=np.int32)
    # Alphabetical order: move the rows, relabel the columns. Relabelling creates no duplicates,
    # and nothing downstream needs a row's columns sorted, so no sort is spent on them.
    counts = counts[order]
    counts.indices = rank[counts.indices]
    counts.has_sorted_indices = False
    return Cooccurrence(tuple(first_seen[i] for i in order), word_counts[order], counts, lines, tokens, kept)


def workers_for(path: Path) -> int:
    """Worker processes for a corpus: one per core for large ones, none for small ones."""
    try:
        size = sum(_size(f) for f in corpus_files(path))
    except ExperimentError:
        return 1
    return max(1, min(os.cpu_count() or 1, 4)) if size >= PARALLEL_FROM_BYTES else 1
