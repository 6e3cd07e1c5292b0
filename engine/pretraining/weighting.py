"""From co-occurrence counts to word vectors: the lesson's counts, PPMI, or SVD of PPMI; every
weighting ends with each row L2-normalised, as the lesson does."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .counting import Cooccurrence
from ..progress import Progress, ProgressEvent
from .svd import SvdMethod, truncated_svd
from .vocabulary import VocabularySettings, prune
from ..errors import ExperimentError, stop_if_asked
from ..settings import COUNT_WEIGHTINGS, DENSE_WEIGHTINGS, MAX_DENSE_WORDS, dense_fits
from ..vectors import WordVectors, l2_normalize_rows

# PPMI with context-distribution smoothing (alpha 0.75) and SVD with eigenvalue weighting p: the
# settings Levy, Goldberg and Dagan (2015) found make count-based vectors good on real text.
CONTEXT_ALPHA = 0.75
EIGENVALUE_WEIGHT = 0.5
# Count vectors past this many cells (2,000 words) are stored in float32: half the memory and file.
FLOAT32_FROM_CELLS = 4_000_000

def normalized_counts(counts: sp.csr_matrix) -> np.ndarray:
    """The lesson's count vectors: each row of the counts as a dense row divided by its length.
    Float64 up to FLOAT32_FROM_CELLS cells (the kata, to the reference's 1e-9); above, each row is
    computed in float64 and stored in float32 (7 significant digits, where the explorer shows 3)
    by a compiled loop over the non-zeros, so no float64 matrix or temporary exists."""
    n_rows, n_cols = counts.shape
    if n_rows * n_cols <= FLOAT32_FROM_CELLS:
        # As floats before squaring: int32 counts of a large corpus would overflow.
        return l2_normalize_rows(counts.astype(np.float64).toarray())
    out = np.zeros((n_rows, n_cols), dtype=np.float32)
    _normalized_rows_into(counts, 0, out)
    return out


def _normalized_rows_into(counts: sp.csr_matrix, first: int, out: np.ndarray) -> None:
    """Rows first .. first + len(out) of the float32 count vectors into `out` (zeros)."""
    from . import kernels

    kernels.normalized_rows(counts.indptr[first : first + len(out) + 1], counts.indices, counts.data, out)


ROWS_PER_BLOCK = 256  # of float32 count vectors written at a time: 5 MB at MAX_DENSE_WORDS words


class CountVectors(WordVectors):
    """The lesson's count vectors past FLOAT32_FROM_CELLS cells, made from the counts when first
    read. `row_blocks` makes them a block of rows at a time instead, for save_vectors to write
    straight into the .npz: `pretrain` then never holds the whole float32 matrix (95 MiB at
    MAX_DENSE_WORDS words) beside the counts. Both ways give the same numbers (one compiled loop)."""

    def __init__(self, words: tuple[str, ...], counts: sp.csr_matrix):
        object.__setattr__(self, "words", words)
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "_index", {w: i for i, w in enumerate(words)})
        object.__setattr__(self, "_norms", None)

    @functools.cached_property
    def matrix(self) -> np.ndarray:  # noqa: F811 (WordVectors's field, made here on first read)
        made = normalized_counts(self.counts)
        made.setflags(write=False)
        return made

    @property
    def dimension(self) -> int:
        return self.counts.shape[1]

    def row_blocks(self, rows: int = ROWS_PER_BLOCK) -> Iterator[np.ndarray]:
        """The matrix's rows in order, `rows` at a time (one buffer, overwritten by the next block)."""
        if "matrix" in self.__dict__:  # made already
            for first in range(0, len(self.words), rows):
                yield self.matrix[first : first + rows]
            return
        block = np.zeros((min(rows, len(self.words)), self.counts.shape[1]), dtype=np.float32)
        for first in range(0, len(self.words), rows):
            out = block[: min(rows, len(self.words) - first)]
            out.fill(0.0)
            _normalized_rows_into(self.counts, first, out)
            yield out

    def __repr__(self) -> str:
        return f"CountVectors({len(self.words)} words x {self.dimension} dimensions)"


# PPMI goes over the non-zeros a chunk at a time, asking `should_stop` between chunks: about 4
# million per chunk, a few hundredths of a second each, so esc is answered well within half a second
# however large the vocabulary, and the temporaries stay a chunk's size.
PPMI_CHUNK = 1 << 22
PPMI_LABEL = "Weighting the counts (PPMI)"  # its progress's words


def _chunks(indptr: np.ndarray, per_chunk: int) -> list[tuple[int, int]]:
    """Row ranges of about `per_chunk` non-zeros each (a longer row makes a chunk of its own)."""
    n_rows = len(indptr) - 1
    bounds = [0]
    while bounds[-1] < n_rows:
        start = bounds[-1]
        end = int(np.searchsorted(indptr, indptr[start] + per_chunk, side="right")) - 1
        bounds.append(min(max(end, start + 1), n_rows))
    return list(zip(bounds[:-1], bounds[1:]))


def ppmi(
    counts: sp.csr_matrix,
    alpha: float = CONTEXT_ALPHA,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda event: None,
    chunk: int = PPMI_CHUNK,
) -> sp.csr_matrix:
    """Positive PMI, with the context distribution raised to `alpha`, computed on the non-zeros (a
    large corpus has tens of millions of them) a chunk of rows at a time: one pass for the row and
    context sums, one that weights them into the output's own array. `should_stop` is polled
    between chunks and raises RunCancelled."""
    counts = counts.tocsr()
    n_rows, n_cols = counts.shape
    indptr, indices, data = counts.indptr, counts.indices, counts.data
    chunks = _chunks(indptr, chunk)
    steps = 2 * len(chunks)
    row_sums = np.zeros(n_rows)
    context = np.zeros(n_cols)
    on_progress(ProgressEvent("ppmi", 0.0, PPMI_LABEL))
    for done, (first, last) in enumerate(chunks):
        stop_if_asked(should_stop)
        start, end = indptr[first], indptr[last]
        part = sp.csr_matrix((data[start:end].astype(np.float64), indices[start:end], indptr[first : last + 1] - start),
                             shape=(last - first, n_cols))
        row_sums[first:last] = np.asarray(part.sum(axis=1)).ravel()
        context += np.asarray(part.sum(axis=0)).ravel()
        on_progress(ProgressEvent("ppmi", (done + 1) / steps, PPMI_LABEL))
    context **= alpha
    context_probability = context / context.sum()
    del context
    pmi = np.empty(counts.nnz)
    for done, (first, last) in enumerate(chunks):
        stop_if_asked(should_stop)
        start, end = indptr[first], indptr[last]
        values = pmi[start:end]
        values[:] = data[start:end]
        values /= row_sums[np.repeat(np.arange(first, last, dtype=np.int32), np.diff(indptr[first : last + 1]))]
        values /= context_probability[indices[start:end]]
        np.log(values, out=values)
        np.maximum(values, 0.0, out=values)
        on_progress(ProgressEvent("ppmi", (len(chunks) + done + 1) / steps, PPMI_LABEL))
    weighted = sp.csr_matrix((pmi, indices.copy(), indptr.copy()), shape=counts.shape)
    weighted.eliminate_zeros()  # one compiled pass, a hundredth of a second per 10 million non-zeros
    return weighted




@dataclass(frozen=True, eq=False)
class SvdVectors(WordVectors):
    """Word vectors from the truncated SVD, with the method that computed it (for the report)."""

    svd: SvdMethod


def word_vectors(
    co: Cooccurrence,
    weighting: str,
    dim: int,
    vocabulary: VocabularySettings,
    source,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda event: None,
) -> WordVectors:
    """Vectors of the kept words by `weighting`; for svd an SvdVectors, whose `svd` says which
    method ran and how close it came."""
    if weighting not in COUNT_WEIGHTINGS:
        raise ExperimentError(source, f"weighting {weighting!r} is not made from counts; choose one of "
                                      f"{', '.join(COUNT_WEIGHTINGS)}")
    words, counts = prune(co, vocabulary, source)
    if weighting in DENSE_WEIGHTINGS and not dense_fits(len(words)):
        raise ExperimentError(
            source,
            f"the vocabulary has {len(words):,} words, so {weighting} vectors would have {len(words):,} dimensions "
            f"each ({len(words) ** 2 * 8 / 1e9:.1f} GB): use weighting svd (dim 300, say), or max_vocab "
            f"{MAX_DENSE_WORDS:,} or fewer",
        )
    if weighting == "counts":
        if len(words) * counts.shape[1] > FLOAT32_FROM_CELLS:
            return CountVectors(words, counts)
        return WordVectors(words, normalized_counts(counts))
    weighted = ppmi(counts, should_stop=should_stop, on_progress=on_progress)
    if weighting == "ppmi":
        return WordVectors(words, l2_normalize_rows(weighted.toarray()))
    result = truncated_svd(weighted, dim, should_stop=should_stop, on_progress=on_progress)
    del weighted
    u = result.vectors
    u *= result.singular_values**EIGENVALUE_WEIGHT  # in place: at 100,000 words each copy is 100+ MB
    u /= np.maximum(np.linalg.norm(u, axis=1), np.finfo(u.dtype).tiny)[:, None]
    return SvdVectors(words, u, result.method)
