"""From co-occurrence counts to word vectors: the lesson's counts, PPMI, or SVD of PPMI.

PPMI with context-distribution smoothing (alpha 0.75) and SVD with eigenvalue weighting p are the
settings Levy, Goldberg and Dagan (2015) found to make count-based vectors good on real text.
Every weighting ends with each row L2-normalised, as the lesson does with its counts.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from engine.corpus import Cooccurrence
from engine.errors import ExperimentError
from engine.vectors import WordVectors, l2_normalize_rows

WEIGHTINGS = ("counts", "ppmi", "svd")
CONTEXT_ALPHA = 0.75
EIGENVALUE_WEIGHT = 0.5
# Dense vectors of counts or PPMI have one dimension per vocabulary word; past this many cells
# (8 bytes each, and a random baseline of the same size) they would not fit in memory.
MAX_DENSE_CELLS = 25_000_000
# Count vectors past this many cells (2,000 words) are stored in float32: half the memory and file.
FLOAT32_FROM_CELLS = 4_000_000


@dataclass(frozen=True)
class VocabularySettings:
    min_count: int = 1  # words kept fewer times than this (after stopwords) are dropped
    max_vocab: int = 0  # keep only the most frequent words; 0 keeps all


def kept_indices(word_counts: np.ndarray, settings: VocabularySettings) -> np.ndarray:
    """Which of the (alphabetical) words the vocabulary keeps, in increasing order."""
    keep = np.flatnonzero(word_counts >= settings.min_count)
    if settings.max_vocab and len(keep) > settings.max_vocab:
        # Most frequent first; among equal counts the alphabetically first (the words are sorted).
        by_count = keep[np.argsort(-word_counts[keep], kind="stable")]
        keep = np.sort(by_count[: settings.max_vocab])
    return keep


def vocabulary_keep(settings: VocabularySettings):
    """For count_cooccurrences(keep=...): the choice of words, or None where every word is kept
    (then nothing is gained by counting the words before the pairs)."""
    if settings.min_count <= 1 and not settings.max_vocab:
        return None
    return lambda _words, word_counts: kept_indices(word_counts, settings)


def prune(co: Cooccurrence, settings: VocabularySettings, source) -> tuple[tuple[str, ...], sp.csr_matrix]:
    """The kept words (alphabetical) and their rows and columns of the counts."""
    keep = kept_indices(co.word_counts, settings)
    if len(keep) == 0:
        raise ExperimentError(source, f"min_count {settings.min_count} leaves no word in the vocabulary "
                                      f"(the most frequent occurs {int(co.word_counts.max(initial=0))} times)")
    if len(keep) == len(co.words):  # counted with keep=: nothing to cut, and no copy of the counts
        return co.words, co.counts
    return tuple(co.words[i] for i in keep), co.counts[keep][:, keep].tocsr()


def normalized_counts(counts: sp.csr_matrix) -> np.ndarray:
    """The lesson's count vectors: each row of the counts as a dense row divided by its length.
    Float64 up to FLOAT32_FROM_CELLS cells (the kata, to the reference's 1e-9); above, each row is
    computed in float64 and stored in float32 (7 significant digits, where the explorer shows 3)
    by a compiled loop over the non-zeros, so no float64 matrix or temporary exists."""
    n_rows, n_cols = counts.shape
    if n_rows * n_cols <= FLOAT32_FROM_CELLS:
        # As floats before squaring: int32 counts of a large corpus would overflow.
        return l2_normalize_rows(counts.astype(np.float64).toarray())
    from engine import kernels

    out = np.zeros((n_rows, n_cols), dtype=np.float32)
    kernels.normalized_rows(counts.indptr, counts.indices, counts.data, out)
    return out


def ppmi(counts: sp.csr_matrix, alpha: float = CONTEXT_ALPHA) -> sp.csr_matrix:
    """Positive PMI, with the context distribution raised to `alpha`, computed on the non-zeros in
    place of the counts' own arrays (a large corpus has tens of millions of them)."""
    counts = counts.tocsr()
    row_sums = np.asarray(counts.sum(axis=1), dtype=np.float64).ravel()
    context = np.asarray(counts.sum(axis=0), dtype=np.float64).ravel() ** alpha
    context_probability = context / context.sum()
    rows = np.repeat(np.arange(counts.shape[0], dtype=np.int32), np.diff(counts.indptr))
    pmi = counts.data.astype(np.float64)
    pmi /= row_sums[rows]
    del rows
    pmi /= context_probability[counts.indices]
    np.log(pmi, out=pmi)
    np.maximum(pmi, 0.0, out=pmi)
    weighted = sp.csr_matrix((pmi, counts.indices.copy(), counts.indptr.copy()), shape=counts.shape)
    weighted.eliminate_zeros()
    return weighted


def _product(matrix, dense: np.ndarray) -> np.ndarray:
    """matrix @ dense, the columns of `dense` split over two threads (scipy's sparse products
    release the interpreter, so both cores work)."""
    half = dense.shape[1] // 2
    if half == 0:
        return matrix @ dense
    parts = [np.ascontiguousarray(dense[:, :half]), np.ascontiguousarray(dense[:, half:])]
    with ThreadPoolExecutor(2) as pool:
        left, right = pool.map(lambda part: matrix @ part, parts)
    return np.hstack([left, right])


def truncated_svd(matrix: sp.csr_matrix, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The top `dim` left singular vectors and values: exact for small matrices, randomized
    (Halko, Martinsson and Tropp 2011, one power iteration) for large ones, in float32 to halve
    time and memory. Deterministic."""
    n = matrix.shape[0]
    dim = min(dim, n)
    if n <= 2000:
        u, s, _ = np.linalg.svd(matrix.toarray(), full_matrices=False)
        return u[:, :dim], s[:dim]
    matrix = matrix.astype(np.float32, copy=False)
    rng = np.random.default_rng(seed)
    sample = _product(matrix, rng.standard_normal((matrix.shape[1], dim + 10), dtype=np.float32))
    sample, _ = np.linalg.qr(sample)
    sample = _product(matrix, _product(matrix.T, sample))
    basis, _ = np.linalg.qr(sample)
    del sample
    # Q^T A = U S V^T: U and S from the eigenvectors of the small Gram matrix (Q^T A)(Q^T A)^T,
    # which spares the full-width V^T an SVD would also build.
    projected = _product(matrix.T, basis)
    gram = (projected.T @ projected).astype(np.float64)
    del projected
    eigenvalues, eigenvectors = np.linalg.eigh(gram)
    order = np.argsort(eigenvalues)[::-1][:dim]
    singular = np.sqrt(np.maximum(eigenvalues[order], 0.0))
    return basis @ eigenvectors[:, order].astype(np.float32), singular


def word_vectors(co: Cooccurrence, weighting: str, dim: int, vocabulary: VocabularySettings, source) -> WordVectors:
    if weighting not in WEIGHTINGS:
        raise ExperimentError(source, f"unknown weighting {weighting!r}; choose one of {', '.join(WEIGHTINGS)}")
    words, counts = prune(co, vocabulary, source)
    if weighting in ("counts", "ppmi") and len(words) ** 2 > MAX_DENSE_CELLS:
        raise ExperimentError(
            source,
            f"the vocabulary has {len(words):,} words, so {weighting} vectors would have {len(words):,} dimensions "
            f"each ({len(words) ** 2 * 8 / 1e9:.1f} GB): use weighting svd (dim 300, say), or max_vocab "
            f"{int(MAX_DENSE_CELLS ** 0.5):,} or fewer",
        )
    if weighting == "counts":
        return WordVectors(words, normalized_counts(counts))
    weighted = ppmi(counts)
    if weighting == "ppmi":
        return WordVectors(words, l2_normalize_rows(weighted.toarray()))
    u, s = truncated_svd(weighted, dim)
    del weighted
    u *= (s**EIGENVALUE_WEIGHT).astype(u.dtype)  # in place: at 100,000 words each copy is 100+ MB
    u /= np.maximum(np.linalg.norm(u, axis=1), np.finfo(u.dtype).tiny)[:, None]
    return WordVectors(words, u.astype(np.float64))
