"""The running tables of one count: the vocabulary's hash table, word counts and pair counts,
filled block by block by the compiled loop (engine.pretraining.kernels).
"""

from __future__ import annotations

import gc
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..progress import Progress, ProgressEvent, counting_label
from ..errors import stop_if_asked
from ..text import WORD

# Words as the lesson tokenizes them, and newlines, which mark the lines.
_WORD_OR_NEWLINE = re.compile(WORD.pattern + r"|\n")

# Pairs of the kept words are counted in a dense upper triangle (4 bytes a cell) up to this size:
# 64 MB holds 5,792 words; past it they go to a hash table that grows with the distinct pairs.
DENSE_PAIR_BYTES = 64 << 20
SPILL_CHUNK = 1 << 20  # word ids read back at a time in the second pass (4 MB)

@dataclass(frozen=True)
class BlockCounts:
    """One block's counts, words in alphabetical order."""

    words: list[str]
    word_counts: np.ndarray  # tokens kept (after stopwords), per word
    pairs: sp.csr_matrix  # symmetric: [a, b] == [b, a], times a and b stood within the window in a line
    lines: int  # non-blank lines
    tokens: int  # before stopword removal
    kept: int


kernels = None  # engine.pretraining.kernels, imported by compiled_kernels() at the first count


def compiled_kernels():
    """engine.pretraining.kernels, imported at the first count: numba is slow and large to import,
    which commands that count nothing (help, a report from saved vectors) need not pay.

    Its first call loads numba's typing and lowering registries: some 100,000 objects that live as
    long as the process. They are then frozen (gc.freeze): the cycle collector no longer walks them
    at every full collection, nor tears them down (with their LLVM handles) at exit, a noticeable
    part of every `pretrain`. Freezing is once a process; what it freezes is still freed
    by reference counting, only never searched for cycles."""
    global kernels
    if kernels is None:
        from . import kernels as compiled

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
    compiled_kernels()
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
        compiled_kernels()
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

    def pairs_from_spill(self, should_stop: Callable[[], bool], on_progress: Progress) -> None:
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
            on_progress(ProgressEvent("counting", 0.5 + 0.5 * fraction, counting_label(tokens, 2, 2)))
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


def snapshot(running: RunningCounts) -> tuple[list[str], np.ndarray, sp.csr_matrix]:
    """The counts so far (words alphabetical, their counts, the symmetric pair counts) of a one-pass
    count (pairs in the hash table), leaving the tables as they are so that counting goes on: the
    counts of a corpus's prefix, taken on the way (engine.pretraining.counting.count_prefixes)."""
    if running.pair_mode != kernels.HASHED_PAIRS:
        raise ValueError("a snapshot is of a one-pass count, its pairs in the hash table")
    ids, words, word_counts = running.vocabulary()
    rank = np.full(len(running.counts), -1, dtype=np.int64)
    rank[ids] = np.arange(len(ids))
    indptr, indices, data = kernels.hashed_to_csr(running.keys, running.values, rank, len(ids))
    return words, word_counts, sp.csr_matrix((data, indices, indptr), shape=(len(ids), len(ids)))


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
