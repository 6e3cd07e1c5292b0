"""Analogies typed in the word box, `king - man + woman`: the words nearest the sum (3CosAdd) and
those that best balance being like the added words and unlike the subtracted ones (3CosMul; Levy
and Goldberg 2014), the words typed excluded, under every set of vectors a run has. Scored as
gensim's most_similar and most_similar_cosmul score them."""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp

from ..settings import COSMUL_EPSILON
from ..text import tokenize
from ..vectors import _SLACK, WordVectors
from .neighbours import NeighbourAnswer, query_neighbours

METHODS = ("3CosAdd", "3CosMul")
_PARTS = re.compile(r"[+-]|[^\s+-]+")


def parse_analogy(text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The added and the subtracted words of `a - b + c` (any sum of words with + and -, at least
    one operator), each tokenized as corpus text is; None for anything else."""
    parts = _PARTS.findall(text.lower())
    if not any(p in ("+", "-") for p in parts):
        return None
    positive, negative = [], []
    sign = None  # the operator before the next word; the first word may go without (+)
    for part in parts:
        if part in ("+", "-"):
            if sign is not None:
                return None  # two operators in a row
            sign = part
            continue
        tokens = tokenize(part)
        if len(tokens) != 1 or (sign is None and (positive or negative)):
            return None  # not one word, or two words with no operator between
        (negative if sign == "-" else positive).append(tokens[0])
        sign = None
    if sign is not None or not positive:
        return None
    return tuple(positive), tuple(negative)


def word_cosines(vectors: WordVectors, words) -> np.ndarray:
    """Every word's cosine to each of `words`, a row each (0 for a word whose vector is all zero),
    in one pass over the matrix (3CosMul made one a word). A dense matrix is multiplied from the left,
    units.T @ matrix.T: BLAS does that twice as fast as matrix @ units, whose result has 3 columns."""
    units = np.stack([_unit(vectors, w) for w in words])
    matrix = vectors.matrix
    dots = (matrix @ units.T).T if sp.issparse(matrix) else units @ matrix.T
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = np.asarray(dots) / vectors.norms
    cos[~np.isfinite(cos)] = 0.0
    return cos


def analogy_scores(vectors: WordVectors, positive, negative, method: str) -> np.ndarray:
    """Each vocabulary word's score: 3CosAdd, the cosine to the sum of the added words' unit vectors
    minus the subtracted ones'; 3CosMul, the product of (1 + cosine) / 2 to each added word over
    the product to each subtracted word plus COSMUL_EPSILON."""
    if method == "3CosAdd":
        query = sum(_unit(vectors, w) for w in positive) - sum((_unit(vectors, w) for w in negative), 0)
        length = float(np.linalg.norm(query))
        dots = np.asarray(vectors.matrix @ query).ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            cos = dots / (vectors.norms * length)
        return np.where(np.isfinite(cos), cos, -np.inf)
    cos = word_cosines(vectors, (*positive, *negative))
    shifted = (1 + cos) / 2
    added = np.prod(shifted[:len(positive)], axis=0)
    taken = np.prod(shifted[len(positive):], axis=0) if negative else 1.0
    return added / (taken + COSMUL_EPSILON)


def _unit(vectors: WordVectors, word: str) -> np.ndarray:
    v = np.asarray(vectors.vector(word), dtype=float)
    length = np.linalg.norm(v)
    return v / length if length > 0 else v


def analogy(vectors: WordVectors, positive, negative, method: str, top_n: int) -> tuple[tuple[str, float], ...]:
    """The `top_n` best words by `method`, the words typed excluded; equal scores alphabetically."""
    scores = np.array(analogy_scores(vectors, positive, negative, method), dtype=float)
    scores[[vectors.index(w) for w in (*positive, *negative)]] = -np.inf  # the words typed are no answer
    candidates = np.flatnonzero(np.isfinite(scores))
    # The best top_n + _SLACK by argpartition, then sorted exactly (ties alphabetically), as
    # WordVectors.nearest does: sorting every word of a 100,000-word vocabulary took seconds.
    wanted = top_n + _SLACK
    if len(candidates) > wanted:
        candidates = candidates[np.argpartition(-scores[candidates], wanted)[:wanted]]
    order = sorted(candidates.tolist(), key=lambda i: (-round(float(scores[i]), 12), vectors.words[i]))
    return tuple((vectors.words[i], float(scores[i])) for i in order[:top_n])


def written(positive, negative) -> str:
    """`king - man + woman` as the answer's title writes it: the added words first."""
    return " + ".join(positive) + "".join(f" - {w}" for w in negative)


def ask(vectors: dict[str, WordVectors], text: str, top_n: int,
        found: dict | None = None) -> tuple[NeighbourAnswer, ...]:
    """What the word box answers: a word's neighbours (read from `found`, a result's probe_neighbors,
    where it holds them), or an analogy's answers by each method (an answer per method, titled with
    it); a word of the analogy outside the vocabulary: the closest spellings of the first such word."""
    parsed = parse_analogy(text)
    if parsed is None:
        return (query_neighbours(vectors, text, top_n, found),)
    positive, negative = parsed
    reference = vectors.get("pretrained") or next(iter(vectors.values()))
    missing = tuple(w for w in (*positive, *negative) if w not in reference)
    if missing:
        return (NeighbourAnswer(text.strip().lower(), False, {}, reference.closest_spellings(missing[0]),
                                len(reference.words), missing),)
    title = written(positive, negative)
    known = {name: v for name, v in vectors.items() if all(w in v for w in (*positive, *negative))}
    return tuple(NeighbourAnswer(f"{title} ({method})", True,
                                 {name: analogy(v, positive, negative, method, top_n) for name, v in known.items()},
                                 (), len(reference.words))
                 for method in METHODS)
