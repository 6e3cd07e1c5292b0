"""Word vectors: the lesson's co-occurrence representation and the random baseline."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from engine.errors import RunCancelled

# The lesson's representation is a vocabulary-by-vocabulary matrix; past this it would not fit in memory.
MAX_DENSE_VOCABULARY = 20_000


@dataclass(frozen=True, eq=False)
class WordVectors:
    """One vector per word, rows of `matrix` in the order of `words` (sorted)."""

    words: tuple[str, ...]
    matrix: np.ndarray  # read-only, shape (len(words), dimension)

    def __post_init__(self) -> None:
        self.matrix.setflags(write=False)
        object.__setattr__(self, "_index", {w: i for i, w in enumerate(self.words)})

    @property
    def dimension(self) -> int:
        return self.matrix.shape[1]

    def __contains__(self, word: str) -> bool:
        return word in self._index

    def index(self, word: str) -> int | None:
        return self._index.get(word)

    def vector(self, word: str) -> np.ndarray | None:
        i = self._index.get(word)
        return None if i is None else self.matrix[i]

    def nearest(self, word: str, top_n: int) -> tuple[tuple[str, float], ...]:
        """The `top_n` words most similar by cosine, the word itself excluded; empty for an unknown word.

        Scores equal to 12 decimals count as ties and are broken alphabetically: the lesson leaves
        them to hash-map order, and the last bits of a float sum are no reason to prefer one word.
        """
        i = self._index.get(word)
        if i is None:
            return ()
        scores = cosine_to_rows(self.matrix[i], self.matrix)
        order = sorted((j for j in range(len(self.words)) if j != i), key=lambda j: (-round(scores[j], 12), self.words[j]))
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


def cosine_to_rows(v: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Cosine of `v` with every row of `rows` (0 where either is zero)."""
    norms = np.sqrt(np.einsum("ij,ij->i", rows, rows)) * float(np.sqrt(v @ v))
    dots = rows @ v
    out = np.zeros(len(rows))
    nonzero = norms > 0
    out[nonzero] = dots[nonzero] / norms[nonzero]
    return out


def l2_normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row divided by its length; an all-zero row stays zero."""
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
    safe = np.where(norms > 0, norms, 1.0)
    return matrix / safe[:, None]


def cooccurrence_vectors(
    lines: Iterable[list[str]],
    window: int,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[WordVectors, int]:
    """The lesson's `build_cooccurrence`: symmetric counts within `window` tokens inside a line,
    each row L2-normalised. Returns the vectors and the number of tokens counted."""
    token_lines = [tokens for tokens in lines if tokens]
    words = tuple(sorted({t for tokens in token_lines for t in tokens}))
    if len(words) > MAX_DENSE_VOCABULARY:
        raise ValueError(
            f"the vocabulary has {len(words):,} words; the lesson's dense counts stop at {MAX_DENSE_VOCABULARY:,}"
        )
    index = {w: i for i, w in enumerate(words)}
    counts = np.zeros((len(words), len(words)))
    total = 0
    for n, tokens in enumerate(token_lines):
        if n % 256 == 0 and should_stop():
            raise RunCancelled()
        ids = np.fromiter((index[t] for t in tokens), dtype=np.intp, count=len(tokens))
        total += len(ids)
        # Every pair (i, i + d) for d in 1..window, counted in both directions.
        for d in range(1, min(window, len(ids) - 1) + 1):
            np.add.at(counts, (ids[:-d], ids[d:]), 1.0)
            np.add.at(counts, (ids[d:], ids[:-d]), 1.0)
    return WordVectors(words, l2_normalize_rows(counts)), total


def random_vectors(words: tuple[str, ...], dimension: int, seed: int) -> WordVectors:
    """Gaussian vectors, L2-normalised, from numpy's PCG64 generator seeded by `seed`."""
    rng = np.random.default_rng(seed)
    return WordVectors(words, l2_normalize_rows(rng.standard_normal((len(words), dimension))))
