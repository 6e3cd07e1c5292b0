"""Reading a corpus as a stream and counting co-occurrences into a sparse matrix.

A corpus is a UTF-8 text file, a folder of `.txt` files, or gzip of either (`.gz` files, alone or
in the folder). It is read in blocks of lines, never whole. Each block's bytes go through one
compiled loop (engine.kernels) that tokenizes, numbers the words in a hash table and counts the
pairs within the window into a table of pairs, so memory grows with the distinct words and pairs,
not with the text. Where the vocabulary will be cut (max_vocab, min_count), the counting takes
two passes, as GloVe's vocab_count and cooccur do: the first counts the words (and writes each
token's word id to a temporary file, 4 bytes a token), the second counts only the pairs of the
words that will be kept, from that file, into a dense triangle when they are few enough (else it
reads the corpus again into the pair table).
"""

from __future__ import annotations

import bisect
import gc
import gzip
import itertools
import os
import queue
import re
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from engine.errors import ExperimentError, stop_if_asked
from engine.files import kind_of
from engine.text import WORD, tokenize

BLOCK_BYTES = 2 << 20  # a block of lines
COUNT_BLOCK_BYTES = 1 << 20  # blocks for counting: 1 to 5 ms each in the compiled loop, 2 to 4 in flight
MAX_LINE_BYTES = 1 << 20  # longer lines are cut into pieces (see bounded_lines): memory stays bounded
SMALL_CORPUS_BYTES = 256 << 10  # corpora up to this size (as stored) are counted in plain Python: see _count_small
PARALLEL_FROM_BYTES = 8 << 20  # smaller corpora are read in the counting thread: a reader costs more to start
# Words as the lesson tokenizes them, and newlines, which mark the lines.
_WORD_OR_NEWLINE = re.compile(WORD.pattern + r"|\n")
Progress = Callable[[str, float], None]  # (what is happening, fraction done)
# Pairs of the kept words are counted in a dense upper triangle (4 bytes a cell) up to this size:
# 64 MB holds 5,792 words; past it they go to a hash table that grows with the distinct pairs.
DENSE_PAIR_BYTES = 64 << 20
SPILL_CHUNK = 1 << 20  # word ids read back at a time in the second pass (4 MB)

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


def preview_lines(path: Path, count: int, characters: int) -> tuple[str, ...]:
    """The first `count` non-blank lines, or fewer where they would pass `characters` (a first
    line longer than that is cut to it), for showing the corpus (reads no further)."""
    out: list[str] = []
    total = 0
    for block in read_blocks(path, block_bytes=64 << 10):
        for line in block.text.split("\n"):
            if not line.strip():
                continue
            total += len(line)
            if len(out) == count or (out and total > characters):
                return tuple(out)
            out.append(line.rstrip("\r")[:characters])
    return tuple(out)


@dataclass(frozen=True)
class BlockCounts:
    """One block's counts, words in alphabetical order."""

    words: list[str]
    word_counts: np.ndarray  # tokens kept (after stopwords), per word
    pairs: sp.csr_matrix  # symmetric: [a, b] == [b, a], times a and b stood within the window in a line
    lines: int  # non-blank lines
    tokens: int  # before stopword removal
    kept: int


kernels = None  # engine.kernels, imported by _kernels() at the first count


def _kernels():
    """engine.kernels, imported at the first count: numba costs 0.2 s and 50 MB to import, which
    commands that count nothing (help, a report from saved vectors) need not pay.

    Its first call loads numba's typing and lowering registries: some 100,000 objects that live as
    long as the process. They are then frozen (gc.freeze): the cycle collector no longer walks them
    at every full collection, nor tears them down (with their LLVM handles) at exit, which took
    0.1 to 0.4 s of every `pretrain`. Freezing is once a process; what it freezes is still freed
    by reference counting, only never searched for cycles."""
    global kernels
    if kernels is None:
        from engine import kernels as compiled

        compiled.rehash_words(np.full(2, -1, dtype=np.int32), np.zeros(2, dtype=np.uint64),
                              np.zeros(1, dtype=np.uint64), 0)  # loads the registries
        gc.freeze()
        kernels = compiled
    return kernels


def _pieces(text: str) -> Iterator[tuple[bytes, np.ndarray]]:
    """A block's bytes for the compiled loop, with the byte classes to read them by. ASCII lines
    are read as they are; runs of other lines are tokenized by the regular expression first
    (Unicode letters, lowercased as str.lower does: its context never crosses a newline) and
    handed over as words joined by spaces. Pieces are whole lines: windows never cross them."""
    _kernels()
    if text.isascii():
        yield text.encode("ascii"), kernels.ASCII_CLASSES
        return
    for ascii, run in itertools.groupby(text.split("\n"), str.isascii):
        lines = "\n".join(run)
        if ascii:
            yield lines.encode("ascii"), kernels.ASCII_CLASSES
        else:
            yield " ".join(_WORD_OR_NEWLINE.findall(lines.lower() + "\n")).encode("utf-8"), kernels.SPACED_CLASSES


class RunningCounts:
    """Counts over the blocks seen so far: the vocabulary's hash table, the words' counts and,
    as the pass asks, the pairs. Every table is a numpy array, grown by doubling when the compiled
    loop reports it full."""

    def __init__(self, stopwords: frozenset[str], window: int):
        _kernels()
        self.window = window
        self.meta = np.zeros(kernels.META_SIZE, dtype=np.int64)
        self.slots = np.full(1 << 14, -1, dtype=np.int32)
        self.slot_hashes = np.zeros(len(self.slots), dtype=np.uint64)
        capacity = 1 << 12
        self.hashes = np.zeros(capacity, dtype=np.uint64)
        self.starts = np.zeros(capacity, dtype=np.int64)
        self.lengths = np.zeros(capacity, dtype=np.int32)
        self.counts = np.zeros(capacity, dtype=np.int64)
        self.role = np.zeros(capacity, dtype=np.int32)
        self.pool = np.zeros(1 << 16, dtype=np.uint8)
        self.history = np.zeros(max(window, 1), dtype=np.int32)
        self.insert, self.new_role_is_id, self.count_words = True, True, True
        self.pair_mode = kernels.HASHED_PAIRS
        self.dense = np.zeros(0, dtype=np.int32)
        self.dense_n = 0
        self.emitted = np.zeros(1, dtype=np.int32)
        self.spill = None  # where EMIT_ROLES writes the first pass's word ids, a file
        self._pair_table(1 << 12)
        # Stopwords first, so a token is known for one by its bytes: it then takes no position.
        # Only a stopword that can be a token (lowercase letters) can ever match one.
        possible = sorted(w for w in stopwords if WORD.fullmatch(w) and w.lower() == w)
        self._add(np.frombuffer("\n".join(possible).encode("utf-8"), dtype=np.uint8), kernels.SPACED_CLASSES)
        self.role[: self.meta[kernels.WORDS]] = kernels.STOPWORD
        self.meta[[kernels.TOKENS, kernels.KEPT, kernels.LINES]] = 0
        self.stopword_ids = int(self.meta[kernels.WORDS])

    def _pair_table(self, capacity: int) -> None:
        self.keys = np.full(capacity, kernels.EMPTY_KEY, dtype=np.uint64)
        self.values = np.zeros(capacity, dtype=np.int32)
        self.key_shift = np.uint64(64 - (capacity.bit_length() - 1))
        self.pair_limit = capacity // 2 + capacity // 8  # at most 5/8 full

    def add(self, text: str) -> None:
        """Count one block of whole lines."""
        for data, classes in _pieces(text):
            self._add(np.frombuffer(data, dtype=np.uint8), classes)

    def _add(self, buffer: np.ndarray, classes: np.ndarray) -> None:
        emitting = self.pair_mode == kernels.EMIT_ROLES
        if emitting:  # a role per token and a line end per line: at most one per byte, and one more
            if len(self.emitted) < len(buffer) + 1:  # one buffer for every block, grown as needed
                self.emitted = np.empty(len(buffer) + 1, dtype=np.int32)
            self.meta[kernels.EMITTED] = 0
        position = 0
        while True:
            position = kernels.scan(
                buffer, position, classes, self.slots, self.slot_hashes, self.hashes, self.starts, self.lengths, self.pool,
                self.counts, self.role, self.meta, self.insert, self.new_role_is_id, self.count_words,
                self.window, self.history, self.pair_mode, self.dense, self.dense_n, self.keys, self.values,
                self.key_shift, self.pair_limit, self.emitted)
            if position >= len(buffer):
                break
            self._grow(len(buffer) - position)
        if emitting:
            self.emitted[: self.meta[kernels.EMITTED]].tofile(self.spill)

    def _grow(self, rest_of_block: int) -> None:
        words = int(self.meta[kernels.WORDS])
        if words == len(self.hashes):
            for name in ("hashes", "starts", "lengths", "counts", "role"):
                old = getattr(self, name)
                new = np.zeros(2 * len(old), dtype=old.dtype)
                new[:words] = old[:words]
                setattr(self, name, new)
        if 2 * (words + 1) > len(self.slots):
            self.slots = np.full(2 * len(self.slots), -1, dtype=np.int32)
            self.slot_hashes = np.zeros(len(self.slots), dtype=np.uint64)
            kernels.rehash_words(self.slots, self.slot_hashes, self.hashes, words)
        used = int(self.meta[kernels.POOL_USED])
        if used + rest_of_block > len(self.pool):
            self.pool = np.concatenate([self.pool, np.zeros(max(len(self.pool), rest_of_block), dtype=np.uint8)])
        if self.pair_mode == kernels.HASHED_PAIRS and self.meta[kernels.PAIRS] + self.window > self.pair_limit:
            keys, values = self.keys, self.values
            self._pair_table(2 * len(keys))
            kernels.rehash_pairs(keys, values, self.keys, self.values, self.key_shift)

    @property
    def lines(self) -> int:
        return int(self.meta[kernels.LINES])

    @property
    def tokens(self) -> int:
        return int(self.meta[kernels.TOKENS])

    @property
    def kept(self) -> int:
        return int(self.meta[kernels.KEPT])

    def vocabulary(self) -> tuple[np.ndarray, list[str], np.ndarray]:
        """The ids of the words seen (stopwords aside), in alphabetical order, their words and counts."""
        words = int(self.meta[kernels.WORDS])
        ids = np.arange(self.stopword_ids, words)
        ids = ids[self.counts[ids] > 0]
        pool = self.pool[: self.meta[kernels.POOL_USED]].tobytes()
        text = [pool[s : s + n].decode("utf-8") for s, n in zip(self.starts[ids].tolist(), self.lengths[ids].tolist())]
        order = sorted(range(len(ids)), key=text.__getitem__)
        ids = ids[np.array(order, dtype=np.int64)]
        return ids, [text[i] for i in order], self.counts[ids].copy()

    def pairs_from_spill(self, should_stop: Callable[[], bool], on_progress: Progress, started: float) -> None:
        """The second pass from the first pass's word ids (the spill file), not from the text: no
        reading, decoding or hashing again, a sequential read of 4 bytes a token."""
        total = self.spill.tell()
        self.spill.seek(0)
        history = np.zeros(max(self.window, 1), dtype=np.int32)
        run = np.empty(SPILL_CHUNK, dtype=np.int32)  # the ids carried from the last chunk, then the next
        carried = done = 0
        while True:
            stop_if_asked(should_stop)
            if carried == len(run):  # a line longer than the buffer: make room for more of it
                run = np.concatenate([run, np.empty(len(run), dtype=np.int32)])
            got = (self.spill.readinto(memoryview(run[carried:]).cast("B")) or 0) // 4
            if got == 0:
                break
            done += got
            filled = carried + got
            ends = np.flatnonzero(run[:filled] == kernels.LINE_END)
            cut = int(ends[-1]) + 1 if len(ends) else 0  # whole lines only: windows never cross a chunk
            kernels.count_emitted(run, cut, self.role, self.window, history, self.dense, self.dense_n)
            carried = filled - cut
            run[:carried] = run[cut:filled]
            fraction = min(1.0, 4 * done / max(total, 1))
            tokens = int(self.first_pass_tokens * fraction)
            rate = tokens / max(time.perf_counter() - started, 1e-9)
            on_progress(f"Counting: {tokens:,} tokens, {rate:,.0f} tokens/s (pass 2 of 2: pairs)", 0.5 + 0.5 * fraction)
        kernels.count_emitted(run, carried, self.role, self.window, history, self.dense, self.dense_n)

    def count_pairs_of(self, chosen: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Make the next pass count the pairs of the words `ids[chosen]` only, without counting
        words again or adding new ones. They are numbered most frequent first, as GloVe does, so
        the counts touched most sit together at the triangle's start (and in the cache); returns
        each number's place in `chosen`, for `pairs`."""
        self.role[self.stopword_ids : self.meta[kernels.WORDS]] = kernels.POSITION_ONLY
        by_count = np.argsort(-self.counts[ids[chosen]], kind="stable")
        self.role[ids[chosen[by_count]]] = np.arange(len(chosen), dtype=np.int32)
        self.insert = self.count_words = False
        self.emitted = np.zeros(1, dtype=np.int32)  # the first pass's buffer (4 bytes a byte of a block)
        self.first_pass_tokens = self.tokens
        self.meta[[kernels.TOKENS, kernels.KEPT, kernels.LINES, kernels.PAIRS]] = 0
        n = len(chosen)
        if n * (n + 1) // 2 * 4 <= DENSE_PAIR_BYTES:
            self.pair_mode, self.dense, self.dense_n = kernels.DENSE_PAIRS, np.zeros(n * (n + 1) // 2, dtype=np.int32), n
            self._pair_table(2)
        else:
            self.pair_mode = kernels.HASHED_PAIRS
            self._pair_table(1 << 16)
        return by_count

    def pairs(self, rank: np.ndarray, n: int) -> sp.csr_matrix:
        """The symmetric counts, rows and columns numbered by `rank` of the pair numbering (the
        word ids after one pass, the chosen words' order after `count_pairs_of`)."""
        if self.pair_mode == kernels.DENSE_PAIRS:
            upper = kernels.dense_to_upper(self.dense, n)
            self.dense = np.zeros(0, dtype=np.int32)  # freed before the symmetric counts exist
            indptr, indices, data = kernels.upper_to_csr(*upper, rank, n)
            del upper
        else:
            indptr, indices, data = kernels.hashed_to_csr(self.keys, self.values, rank, n)
            self._pair_table(2)
        if indptr[-1] < np.iinfo(np.int32).max:
            indptr = indptr.astype(np.int32)
        matrix = sp.csr_matrix((data, indices, indptr), shape=(n, n))
        matrix.has_sorted_indices = False  # nothing downstream needs a row's columns in order
        return matrix


def count_block(text: str, stopwords: frozenset[str], window: int, into: RunningCounts | None = None):
    """Count one block of whole lines into `into`, the counts of a run; without it, the block's
    own counts as BlockCounts. (Every block of a run goes through here, so a test can hold one.)"""
    if into is not None:
        into.add(text)
        return into
    counts = RunningCounts(stopwords, window)
    counts.add(text)
    ids, words, word_counts = counts.vocabulary()
    rank = np.full(len(counts.counts), -1, dtype=np.int64)
    rank[ids] = np.arange(len(ids))
    return BlockCounts(words, word_counts, counts.pairs(rank, len(ids)), counts.lines, counts.tokens, counts.kept)


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker now, while sys.stderr is still the real one (kept
    for callers from when counting ran in worker processes; the counting itself starts none)."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()


def _read_ahead(blocks: Iterable[Block], depth: int = 2) -> Iterator[Block]:
    """The blocks, read (and decoded) by a thread up to `depth` blocks ahead, while this thread
    counts: the compiled loop releases the interpreter, so both cores work. The reader's errors
    come out here; closing this generator (on cancel) stops the reader."""
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                pass
        return False

    def read() -> None:
        source = iter(blocks)
        try:
            for block in source:
                if not put(("block", block)):
                    return
            put(("end", None))
        except BaseException as exc:  # handed to the counting thread, which raises it
            put(("error", exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    reader = threading.Thread(target=read, name="corpus-reader", daemon=True)
    reader.start()
    try:
        while True:
            kind, item = handoff.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


@dataclass(frozen=True)
class Cooccurrence:
    """Symmetric co-occurrence counts over the whole corpus, vocabulary sorted alphabetically."""

    words: tuple[str, ...]
    word_counts: np.ndarray
    counts: sp.csr_matrix  # [a, b] == [b, a]: times a and b stood within the window in one line
    lines: int
    tokens: int
    kept: int


Keep = Callable[[tuple[str, ...], np.ndarray], np.ndarray]  # (words, their counts) -> indices of those to keep


def count_cooccurrences(
    blocks: Iterable[Block],
    stopwords: frozenset[str],
    window: int,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda stage, fraction: None,
    workers: int = 1,
    keep: Keep | None = None,
) -> Cooccurrence:
    """Count the pairs within `window` tokens of each other in a line, stopwords removed first.

    `workers` above 1 reads the corpus in a second thread while this one counts. `keep`, given
    the words and their counts, says which words the vocabulary keeps (in increasing order, as
    weighting.prune chooses them): only their pairs are counted, and the result holds only them
    (all words and no pairs if it keeps none). The other words still take their places in the
    windows, exactly as when everything is counted and then pruned. With `keep`, re-iterable
    `blocks` (a list, or Corpus) take two passes (the second from the first's word ids in a
    temporary file, or from `blocks` again); a one-off iterator is counted whole and then cut.
    should_stop is polled before and after every block (1 MB: a few milliseconds).
    """
    if window < 0:
        raise ValueError(f"window must be 0 or more, not {window}")
    if _small(blocks):
        return _count_small(blocks, stopwords, window, should_stop, on_progress, keep)
    running = RunningCounts(stopwords, window)
    two_passes = keep is not None and iter(blocks) is not blocks
    if two_passes:
        # The first pass counts the words and writes each token's word id to a temporary file
        # (4 bytes a token, on disk as GloVe's overflow files are), for the second to pair.
        running.pair_mode = kernels.EMIT_ROLES
        running._pair_table(2)
        try:
            running.spill = tempfile.TemporaryFile(prefix="pretrain-explorer-")
        except OSError:  # no writable temporary folder: the second pass reads the corpus again
            running.pair_mode = kernels.NO_PAIRS
            running.new_role_is_id = False
    passes = 2 if two_passes else 1

    def count(pass_number: int, from_spill: bool = False) -> None:
        started = time.perf_counter()
        if from_spill:
            running.pairs_from_spill(should_stop, on_progress, started)
            return
        ahead = _read_ahead(blocks) if workers > 1 else iter(blocks)
        try:
            for block in ahead:
                stop_if_asked(should_stop)
                count_block(block.text, stopwords, window, running)
                stop_if_asked(should_stop)  # no progress reported after a cancel
                done = block.bytes_done / block.bytes_total if block.bytes_total else 1.0
                rate = running.tokens / max(time.perf_counter() - started, 1e-9)
                what = "" if passes == 1 else (" (pass 1 of 2: words)" if pass_number == 1 else " (pass 2 of 2: pairs)")
                on_progress(f"Counting: {running.tokens:,} tokens, {rate:,.0f} tokens/s{what}",
                            (pass_number - 1 + done) / passes)
        finally:
            close = getattr(ahead, "close", None)
            if close is not None:
                close()
        stop_if_asked(should_stop)

    try:
        return _count(running, count, two_passes, keep, window)
    finally:
        if running.spill is not None:
            running.spill.close()


def _count(running: RunningCounts, count, two_passes: bool, keep: Keep | None, window: int) -> Cooccurrence:
    count(1)
    ids, words, word_counts = running.vocabulary()
    if not two_passes:
        rank = np.full(len(running.counts), -1, dtype=np.int64)
        rank[ids] = np.arange(len(ids))
        co = Cooccurrence(tuple(words), word_counts, running.pairs(rank, len(ids)),
                          running.lines, running.tokens, running.kept)
        if keep is None:
            return co
        chosen = keep(co.words, co.word_counts)
        if len(chosen) == 0:
            return co
        return Cooccurrence(tuple(co.words[i] for i in chosen), co.word_counts[chosen],
                            co.counts[chosen][:, chosen].tocsr(), co.lines, co.tokens, co.kept)
    chosen = np.asarray(keep(tuple(words), word_counts), dtype=np.int64)
    lines, tokens, kept = running.lines, running.tokens, running.kept
    if len(chosen) == 0:
        return Cooccurrence(tuple(words), word_counts, sp.csr_matrix((len(words), len(words)), dtype=np.int32),
                            lines, tokens, kept)
    place = running.count_pairs_of(chosen, ids)
    _return_freed_memory()  # the first pass's blocks: the second pass's triangle comes on top
    if running.spill is not None and running.pair_mode == kernels.DENSE_PAIRS:
        count(2, from_spill=True)
    else:
        count(2)
    counts = running.pairs(place, len(chosen))
    del running
    _return_freed_memory()
    return Cooccurrence(tuple(words[i] for i in chosen), word_counts[chosen], counts, lines, tokens, kept)


def _small(blocks: Iterable[Block]) -> bool:
    """Whether `blocks` are known, before reading them, to hold at most SMALL_CORPUS_BYTES: a
    corpus of files of that size in all, or blocks in memory of known size (not a stream)."""
    if isinstance(blocks, Corpus):
        return blocks.path != STDIN and 0 < sum(_size(f) for f in corpus_files(blocks.path)) <= SMALL_CORPUS_BYTES
    if isinstance(blocks, (list, tuple)):
        return all(0 < block.bytes_total <= SMALL_CORPUS_BYTES for block in blocks[:1])
    return False


def _count_small(blocks: Iterable[Block], stopwords: frozenset[str], window: int,
                 should_stop: Callable[[], bool], on_progress: Progress, keep: Keep | None) -> Cooccurrence:
    """Count a small corpus (the kata's, the held-out one's) in plain Python, pair by pair as the
    lesson does: numba's compiled loop costs 0.3 s and 100 MB of memory to load, far more than such
    a corpus takes to count. The same counts as the compiled loop (tests/test_counting.py)."""
    word_counts, pair_counts = {}, {}
    lines = tokens = kept = 0
    for block in blocks:
        stop_if_asked(should_stop)
        for line in block.text.split("\n"):  # as the compiled loop: only a newline ends a line
            line_tokens = tokenize(line)
            lines += bool(line_tokens)
            tokens += len(line_tokens)
            line_tokens = [t for t in line_tokens if t not in stopwords]
            kept += len(line_tokens)
            for i, word in enumerate(line_tokens):
                word_counts[word] = word_counts.get(word, 0) + 1
                for other in line_tokens[i + 1 : i + 1 + window]:
                    pair_counts[word, other] = pair_counts.get((word, other), 0) + 1
        on_progress(f"Counting: {tokens:,} tokens", block.bytes_done / block.bytes_total if block.bytes_total else 1.0)
    stop_if_asked(should_stop)
    words = sorted(word_counts)
    counts = np.array([word_counts[w] for w in words], dtype=np.int64)
    chosen = np.arange(len(words)) if keep is None else np.asarray(keep(tuple(words), counts), dtype=np.int64)
    if len(chosen) == 0:  # as the compiled path: every word, no pairs
        chosen, pair_counts = np.arange(len(words)), {}
    place = {words[i]: n for n, i in enumerate(chosen.tolist())}
    rows, cols, values = [], [], []
    for (a, b), n in pair_counts.items():
        if a in place and b in place:
            rows += [place[a], place[b]]
            cols += [place[b], place[a]]
            values += [n, n]
    size = len(chosen)
    matrix = sp.coo_matrix((np.array(values, dtype=np.int32), (np.array(rows, dtype=np.int64),
                           np.array(cols, dtype=np.int64))), shape=(size, size)).tocsr()
    return Cooccurrence(tuple(words[i] for i in chosen.tolist()), counts[chosen], matrix, lines, tokens, kept)


def _return_freed_memory() -> None:
    """Hand the heap the counting freed (the blocks' text, the triangle) back to the system, where
    the C library can (glibc's malloc_trim): after the first pass, before the second's triangle,
    and after the counting, before the weighting."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class Corpus:
    """A corpus's blocks, as often as they are iterated (read_blocks afresh each time)."""

    def __init__(self, path: Path, block_bytes: int = COUNT_BLOCK_BYTES):
        self.path, self.block_bytes = Path(path), block_bytes

    def __iter__(self) -> Iterator[Block]:
        return read_blocks(self.path, self.block_bytes)


def workers_for(path: Path) -> int:
    """Threads for counting a corpus: a reader beside the counter for large ones, none for small ones."""
    try:
        size = sum(_size(f) for f in corpus_files(path))
    except ExperimentError:
        return 1
    return max(1, min(os.cpu_count() or 1, 2)) if size >= PARALLEL_FROM_BYTES else 1
