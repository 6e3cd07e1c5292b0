"""Word vectors: the lesson's co-occurrence representation and the random baseline."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


# Candidates taken by argpartition before the exact, tie-aware sort of the top words.
_SLACK = 64


@dataclass(frozen=True, eq=False)
class WordVectors:
    """One vector per word, rows of `matrix` in the order of `words` (sorted). The matrix is dense,
    or sparse CSR for counts over a large vocabulary (from-scratch vectors), which stay sparse."""

    words: tuple[str, ...]
    matrix: np.ndarray | sp.csr_matrix  # read-only, shape (len(words), dimension)

    def __post_init__(self) -> None:
        for array in (self.matrix.data, self.matrix.indices, self.matrix.indptr) if sp.issparse(self.matrix) else (self.matrix,):
            array.setflags(write=False)
        object.__setattr__(self, "_index", {w: i for i, w in enumerate(self.words)})
        object.__setattr__(self, "_norms", None)

    @property
    def norms(self) -> np.ndarray:
        """Each row's length, computed once: neighbour queries on a large vocabulary reuse them."""
        if self._norms is None:
            object.__setattr__(self, "_norms", row_norms(self.matrix))
        return self._norms

    @property
    def dimension(self) -> int:
        return self.matrix.shape[1]

    def __contains__(self, word: str) -> bool:
        return word in self._index

    def index(self, word: str) -> int | None:
        return self._index.get(word)

    def vector(self, word: str) -> np.ndarray | None:
        i = self._index.get(word)
        if i is None:
            return None
        return self.matrix[i].toarray().ravel() if sp.issparse(self.matrix) else self.matrix[i]

    def nearest(self, word: str, top_n: int) -> tuple[tuple[str, float], ...]:
        """The `top_n` words most similar by cosine, the word itself excluded; empty for an unknown word.

        Scores equal to 12 decimals count as ties and are broken alphabetically: the lesson leaves
        them to hash-map order, and the last bits of a float sum are no reason to prefer one word.
        """
        i = self._index.get(word)
        if i is None:
            return ()
        v = self.vector(word)
        norms = self.norms * self.norms[i]
        scores = np.zeros(len(self.words))
        nonzero = norms > 0
        scores[nonzero] = (self.matrix @ v)[nonzero] / norms[nonzero]
        scores[i] = -np.inf
        candidates = np.arange(len(self.words))
        if len(candidates) > top_n + _SLACK:
            candidates = np.argpartition(-scores, top_n + _SLACK)[: top_n + _SLACK]
        order = sorted((j for j in candidates if j != i), key=lambda j: (-round(scores[j], 12), self.words[j]))
        return tuple((self.words[j], float(scores[j])) for j in order[:top_n])


    def closest_spellings(self, word: str, n: int = 5) -> tuple[str, ...]:
        """Vocabulary words spelled most like `word`, for a word that is not in the vocabulary."""
        return tuple(difflib.get_close_matches(word.lower(), self.words, n=n, cutoff=0.6))


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity; 0 when either vector is zero, as in the lesson."""
    na, nb = float(np.sqrt(a @ a)), float(np.sqrt(b @ b))
    if na == 0.0 or nb == 0.0:
        return 0.0
    return float(a @ b) / (na * nb)


def row_norms(matrix: np.ndarray | sp.spmatrix) -> np.ndarray:
    """Each row's Euclidean length, for dense or sparse rows."""
    if sp.issparse(matrix):
        return np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    return np.sqrt(np.einsum("ij,ij->i", matrix, matrix))


def l2_normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row divided by its length; an all-zero row stays zero."""
    norms = row_norms(matrix)
    safe = np.where(norms > 0, norms, 1.0)
    return matrix / safe[:, None]


def random_vectors(words: tuple[str, ...], dimension: int, seed: int) -> WordVectors:
    """Gaussian vectors, L2-normalised, from numpy's PCG64 generator seeded by `seed`."""
    return WordVectors(words, random_rows(len(words), dimension, seed, slice(None)))


DRAW_BLOCK_BYTES = 8 << 20  # of a random draw made at a time: only the rows asked for are kept


def random_rows(count: int, dimension: int, seed: int, rows, out: np.ndarray | None = None,
                at: np.ndarray | None = None) -> np.ndarray:
    """Rows `rows` (an index array, or a slice for all) of the random vectors of a `count`-word
    vocabulary, exactly as random_vectors makes them, into rows `at` of `out` where given. The
    generator is a stream, so the whole draw is made, but block by block (drawn in pieces, a stream
    gives the same numbers): only the rows asked for are held, never the whole draw beside them."""
    generator = np.random.default_rng(seed)
    if isinstance(rows, slice):
        rows = np.arange(count)[rows]
    rows = np.asarray(rows, dtype=np.intp)
    if out is None:
        out = np.empty((len(rows), dimension))
    at = np.arange(len(rows)) if at is None else np.asarray(at, dtype=np.intp)
    order = np.argsort(rows, kind="stable")
    wanted = rows[order]
    block = max(1, DRAW_BLOCK_BYTES // (8 * max(dimension, 1)))
    for first in range(0, count, block):
        drawn = generator.standard_normal((min(block, count - first), dimension))
        lo, hi = np.searchsorted(wanted, [first, first + len(drawn)])
        out[at[order[lo:hi]]] = drawn[wanted[lo:hi] - first]
    for first in range(0, len(at), block):  # as l2_normalize_rows, a block at a time
        rows_at = at[first:first + block]
        norms = row_norms(out[rows_at])
        out[rows_at] = out[rows_at] / np.where(norms > 0, norms, 1.0)[:, None]
    return out
