"""The word map's group-built axis over the whole vocabulary (issue 24): the words furthest toward
each end under pretrained and random vectors, and, with a score lexicon named in the experiment,
the Spearman correlation of the lexicon's other words' places on the axis with their scores,
pretrained against the random vectors of every seed (does a direction learned from a dozen seed
words carry over to words it never saw? SentProp, Hamilton et al. 2016, asks the same).

Rows are scaled to unit length first, as on the map (space.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..settings import MAP_REACH_WORDS
from ..vectors import WordVectors
from .space import _direction, _random_matrix, random_seeds, shown_words, unit_rows


def places(vectors: WordVectors, direction: np.ndarray, middle: np.ndarray) -> np.ndarray:
    """Every vocabulary word's place along the axis, its row scaled to unit length (dense or sparse
    rows, without making a scaled copy of the matrix); an all-zero row stands at the origin."""
    norms = vectors.norms
    raw = np.asarray(vectors.matrix @ direction).ravel()
    return np.where(norms > 0, raw / np.where(norms > 0, norms, 1.0), 0.0) - float(middle @ direction)


def ranks(values: np.ndarray) -> np.ndarray:
    """1 for the smallest, ties given the mean of their ranks (as scipy's rankdata, whose module
    takes a second to import: the map's o key would wait for it)."""
    order = np.argsort(values, kind="stable")
    plain = np.empty(len(values))
    plain[order] = np.arange(1, len(values) + 1)
    _, tie = np.unique(values, return_inverse=True)
    return (np.bincount(tie, weights=plain) / np.bincount(tie))[tie]


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (average ranks for ties); 0 when either side is constant."""
    rx, ry = ranks(np.asarray(x)) - (len(x) + 1) / 2, ranks(np.asarray(y)) - (len(y) + 1) / 2
    denominator = float(np.sqrt((rx @ rx) * (ry @ ry)))
    return float(rx @ ry) / denominator if denominator > 0 else 0.0


def furthest(words: tuple[str, ...], positions: np.ndarray, skip: set[str], count: int) -> tuple[tuple, tuple]:
    """The `count` words furthest toward the low end and toward the high end, `skip` left out."""
    take = count + len(skip)
    low_first = np.argpartition(positions, min(take, len(positions) - 1))[:take + 1]
    high_first = np.argpartition(-positions, min(take, len(positions) - 1))[:take + 1]
    low = sorted(low_first, key=lambda i: (positions[i], words[i]))
    high = sorted(high_first, key=lambda i: (-positions[i], words[i]))
    return (tuple(words[i] for i in low if words[i] not in skip)[:count],
            tuple(words[i] for i in high if words[i] not in skip)[:count])


@dataclass(frozen=True)
class LexiconFit:
    """The lexicon's words with vectors, other than the axis's own, by their place on the axis
    against their scores: Spearman's rho under pretrained vectors and under each random seed's."""

    listed: int  # the lexicon's words
    with_vectors: int  # of them, in the vocabulary
    used: int  # of those, not among the words the axis is built from
    pretrained: float
    random: tuple[float, ...]  # one per random seed
    expected_sign: int  # +1 when the axis points to the group of higher scores, -1 the other way, 0 unknown
    p: float  # the rank test: (1 + seeds at least as far in the expected direction) / (seeds + 1)

    @property
    def random_mean(self) -> float:
        return float(np.mean(self.random))

    @property
    def random_std(self) -> float:
        return float(np.std(self.random))  # population, as SeedStats


@dataclass(frozen=True)
class Reach:
    """The group-built axis over the whole vocabulary."""

    groups: tuple[str, str]  # the axis runs from the first group's centroid to the second's
    built_from: tuple[str, ...]  # the words it is built from, left out of the lists
    vocabulary: int
    toward: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]  # by vectors: (toward first, toward second)
    lexicon: LexiconFit | None


def lexicon_fit(result, axis_words: tuple[str, ...], sides: np.ndarray) -> LexiconFit | None:
    """The fit of a score lexicon's words (None without one, or with fewer than three to rank)."""
    lexicon = result.experiment.lexicon
    if lexicon is None or not lexicon.scores:
        return None
    pretrained = result.vectors["pretrained"]
    present = [(w, s) for w, s in lexicon.scores if w in pretrained]
    built = set(axis_words)
    used = [(w, s) for w, s in present if w not in built]
    if len(used) < 3:
        return None
    words, scores = [w for w, _ in used], np.array([s for _, s in used])
    by_word = dict(lexicon.scores)
    first = [by_word[w] for w, side in zip(axis_words, sides) if side == 0 and w in by_word]
    second = [by_word[w] for w, side in zip(axis_words, sides) if side == 1 and w in by_word]
    sign = int(np.sign(np.mean(second) - np.mean(first))) if first and second else 0

    def rho(matrix: np.ndarray) -> float:
        built_rows = matrix[: len(axis_words)]
        found = _direction(built_rows[sides == 0], built_rows[sides == 1])
        if found is None:
            return 0.0
        d, middle = found
        return spearman((matrix[len(axis_words):] - middle) @ d, scores)

    every = [*axis_words, *words]
    ours = rho(unit_rows(pretrained, every))
    random = tuple(rho(_random_matrix(result, every, s)) for s in random_seeds(result))
    beaten = sum(1 for r in random if sign * r >= sign * ours) if sign else len(random)
    return LexiconFit(len(lexicon.scores), len(present), len(used), ours, random, sign,
                      (1 + beaten) / (len(random) + 1))


def reach(result, pair: tuple[str, str], count: int = MAP_REACH_WORDS) -> Reach | None:
    """The axis of `pair` (from its groups' shown words) over every vocabulary word, under pretrained
    vectors and the run's random ones; None when a side has no words or the centroids coincide."""
    kept = [(w, 0 if g == pair[0] else 1) for w, g in shown_words(result) if g in pair]
    axis_words = tuple(w for w, _ in kept)
    sides = np.array([s for _, s in kept])
    if not len(sides) or min((sides == 0).sum(), (sides == 1).sum()) < 1:
        return None
    toward = {}
    for name in ("pretrained", "random"):
        vectors = result.vectors[name]
        rows = unit_rows(vectors, axis_words)
        found = _direction(rows[sides == 0], rows[sides == 1])
        if found is None:
            return None
        toward[name] = furthest(vectors.words, places(vectors, *found), set(axis_words), count)
    return Reach(pair, axis_words, len(result.vectors["pretrained"].words), toward,
                 lexicon_fit(result, axis_words, sides))
