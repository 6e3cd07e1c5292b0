"""Counting co-occurrences over a corpus, block by block, into a sparse matrix: in one pass, or two
where the vocabulary will be cut."""

from __future__ import annotations

import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .corpus import STDIN, Block, Corpus, CorpusFiles
from .running_counts import RunningCounts, compiled_kernels, count_block, snapshot
from ..progress import Progress, ProgressEvent, counting_label
from ..errors import stop_if_asked
from ..text import tokenize

SMALL_CORPUS_BYTES = 256 << 10  # corpora up to this size (as stored) are counted in plain Python: see _count_small
PARALLEL_FROM_BYTES = 8 << 20  # smaller corpora are read in the counting thread: a reader costs more to start

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


# Each block's bytes go through one compiled loop (kernels.scan) that tokenizes, numbers the words
# and counts the pairs, so memory grows with the distinct words and pairs, not with the text. Where
# the vocabulary will be cut (max_vocab, min_count) there are two passes, as GloVe's vocab_count and
# cooccur: the first counts the words and writes each token's word id to a temporary file, the
# second counts only the kept words' pairs from it, into a dense triangle when they are few enough
# (else it reads the corpus again into the pair table).
def count_cooccurrences(
    blocks: Iterable[Block],
    stopwords: frozenset[str],
    window: int,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda event: None,
    workers: int = 1,
    keep: Keep | None = None,
) -> Cooccurrence:
    """Count the pairs within `window` tokens of each other in a line, stopwords removed first.

    `workers` above 1 reads the corpus in a second thread while this one counts. `keep`, given
    the words and their counts, says which words the vocabulary keeps (in increasing order, as
    vocabulary.prune chooses them): only their pairs are counted, and the result holds only them
    (all words and no pairs if it keeps none). The other words still take their places in the
    windows, exactly as when everything is counted and then pruned. With `keep`, re-iterable
    `blocks` (a list, or Corpus) take two passes (the second from the first's word ids in a
    temporary file, or from `blocks` again); a one-off iterator is counted whole and then cut.
    should_stop is polled before and after every block (corpus.COUNT_BLOCK_BYTES).
    """
    if window < 0:
        raise ValueError(f"window must be 0 or more, not {window}")
    if _small(blocks):
        return _count_small(blocks, stopwords, window, should_stop, on_progress, keep)
    running = RunningCounts(stopwords, window)
    kernels = compiled_kernels()
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
        if from_spill:
            running.pairs_from_spill(should_stop, on_progress)
            return
        ahead = _read_ahead(blocks) if workers > 1 else iter(blocks)
        try:
            for block in ahead:
                stop_if_asked(should_stop)
                count_block(block.text, stopwords, window, running)
                stop_if_asked(should_stop)  # no progress reported after a cancel
                done = block.bytes_done / block.bytes_total if block.bytes_total else 1.0
                on_progress(ProgressEvent("counting", (pass_number - 1 + done) / passes,
                                          counting_label(running.tokens, pass_number, passes)))
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
    if running.spill is not None and running.pair_mode == compiled_kernels().DENSE_PAIRS:
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
        return blocks.files.path != STDIN and 0 < blocks.files.stored_size <= SMALL_CORPUS_BYTES
    if isinstance(blocks, (list, tuple)):
        return all(0 < block.bytes_total <= SMALL_CORPUS_BYTES for block in blocks[:1])
    return False


def _count_small(blocks: Iterable[Block], stopwords: frozenset[str], window: int,
                 should_stop: Callable[[], bool], on_progress: Progress, keep: Keep | None) -> Cooccurrence:
    """Count a small corpus (the kata's, the held-out one's) in plain Python, pair by pair as the
    lesson does: loading numba's compiled loop costs far more time and memory than such a corpus
    takes to count. The same counts as the compiled loop (tests/test_counting.py)."""
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
        on_progress(ProgressEvent("counting", block.bytes_done / block.bytes_total if block.bytes_total else 1.0,
                                  counting_label(tokens, 1, 1)))
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


def count_prefixes(blocks: Iterable[Block], stopwords: frozenset[str], window: int, prefixes: Iterable[int],
                   should_stop: Callable[[], bool] = lambda: False,
                   on_progress: Callable[[float, int], None] = lambda fraction, tokens: None) -> list[Cooccurrence]:
    """The counts of the corpus's first lines holding at least each of `prefixes` tokens (before
    stopwords, as CorpusStats.tokens), in one pass: snapshots of one count taken on the way, each at
    the end of the line that reaches its size, not separate passes. Reading stops at the largest;
    a corpus shorter than a prefix gives its whole counts for it. on_progress gets the share of the
    largest prefix counted and the tokens so far. Every word is kept (the weighting cuts the
    vocabulary), as a one-pass count keeps them."""
    sizes = sorted(set(prefixes))
    running = RunningCounts(stopwords, window)
    taken: list[Cooccurrence] = []

    def take() -> None:
        words, word_counts, pairs = snapshot(running)
        taken.append(Cooccurrence(tuple(words), word_counts, pairs, running.lines, running.tokens, running.kept))

    source = iter(blocks)
    try:
        for block in source:
            stop_if_asked(should_stop)
            text = block.text
            while text and len(taken) < len(sizes):
                need = sizes[len(taken)] - running.tokens
                # Whole lines of at most 2 x need - 1 characters hold at most `need` tokens (a token
                # is a letter or more, and tokens are apart): no piece passes the size but by its
                # last line, the one that reaches it. The pieces shrink as the size nears.
                cut = text.rfind("\n", 0, max(1, 2 * need - 1))
                if cut < 0:
                    cut = text.find("\n")
                cut = len(text) - 1 if cut < 0 else cut
                running.add(text[: cut + 1])
                text = text[cut + 1:]
                while len(taken) < len(sizes) and running.tokens >= sizes[len(taken)]:
                    take()
            on_progress(min(1.0, running.tokens / sizes[-1]) if sizes else 1.0, running.tokens)
            if len(taken) == len(sizes):
                break
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
    stop_if_asked(should_stop)
    while len(taken) < len(sizes):  # the corpus ended first
        take()
    return taken


def _return_freed_memory() -> None:
    """Hand the heap the counting freed (the blocks' text, the triangle) back to the system, where
    the C library can (glibc's malloc_trim): after the first pass, before the second's triangle,
    and after the counting, before the weighting."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass



def workers_for(corpus: CorpusFiles) -> int:
    """Threads for counting a corpus: a reader beside the counter for large ones, none for small ones."""
    return max(1, min(os.cpu_count() or 1, 2)) if corpus.stored_size >= PARALLEL_FROM_BYTES else 1
