"""Context changes the vector: one word's occurrences in the corpus, each by the masked language
model's contextual vector (its last layer's hidden state at the word, in its line), placed in 2-D by
the word map's exact PCA (space.pca), split in two by k-means, with the separation figure of that
split (the mean silhouette, cosine distance), and the nearest occurrences of one occurrence.

A fixed vector (counts, skip-gram, the model's own input embedding) is one point for every
occurrence: nothing to split. The split is always into two (CONTEXT_CLUSTERS), and the figure says
how separate they are: near 0 the occurrences form one cloud, near 1 two tight far groups."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..pretraining.masked_lm import MaskedLM
from ..pretraining.transformer import encode
from ..settings import CONTEXT_BATCH, CONTEXT_CLUSTERS, CONTEXT_KMEANS_ROUNDS, CONTEXT_MAX_OCCURRENCES
from ..text import preprocess
from .space import pca


@dataclass(frozen=True)
class Occurrence:
    line: int  # the corpus line's number, from 1
    tokens: tuple[str, ...]  # the line's words as the model reads them (stopwords dropped)
    position: int  # of the word among them


@dataclass(frozen=True)
class Cluster:
    members: tuple[int, ...]  # occurrence indices, nearest the cluster's centre first
    context_words: tuple[str, ...]  # the words its lines hold more often than the other cluster's


@dataclass(frozen=True, eq=False)
class ContextSpread:
    word: str
    occurrences: tuple[Occurrence, ...]
    found: int  # occurrences in the corpus; the first CONTEXT_MAX_OCCURRENCES are placed
    vectors: np.ndarray  # (occurrences, dim) contextual vectors
    points: np.ndarray  # (occurrences, 2) their PCA coordinates
    explained: tuple[float, float]  # each axis's share of the variance
    labels: np.ndarray  # the cluster of each occurrence
    clusters: tuple[Cluster, ...]
    separation: float  # the mean silhouette of the split, -1 to 1

    def nearest(self, index: int, count: int) -> tuple[tuple[int, float], ...]:
        """The `count` occurrences whose vectors are nearest occurrence `index`'s (cosine), nearest first."""
        unit = _unit(self.vectors)
        similarity = unit @ unit[index]
        order = sorted((j for j in range(len(unit)) if j != index), key=lambda j: (-similarity[j], j))
        return tuple((j, float(similarity[j])) for j in order[:count])


def occurrences_of(word: str, texts: Iterable[str], stopwords: frozenset[str], limit: int) -> tuple[list, int]:
    """The first `limit` occurrences of the word in the lines (tokenized as the model's corpus was)
    and how many there are in all."""
    found, total = [], 0
    for number, text in enumerate(texts, 1):
        tokens = preprocess(text, stopwords)
        for position, token in enumerate(tokens):
            if token == word:
                total += 1
                if len(found) < limit:
                    found.append(Occurrence(number, tuple(tokens), position))
    return found, total


def contextual_vectors(model: MaskedLM, occurrences: list[Occurrence]) -> np.ndarray:
    """Each occurrence's hidden state at the word, its line cut to the model's length around it;
    the lines encoded CONTEXT_BATCH at a time, padded (padding is never attended to)."""
    length = model.shape.max_length
    index = {w: i for i, w in enumerate(model.words)}
    ids = np.zeros((len(occurrences), length), np.int32)
    at = np.zeros(len(occurrences), int)
    for row, o in enumerate(occurrences):
        start = max(0, min(o.position - length // 2, len(o.tokens) - length))
        window = o.tokens[start: start + length]
        ids[row, : len(window)] = [index.get(t, 1) for t in window]
        at[row] = o.position - start
    rows = []
    for first in range(0, len(ids), CONTEXT_BATCH):
        batch = ids[first: first + CONTEXT_BATCH]
        hidden = encode(model.params, model.shape, batch[:, : max(1, int((batch > 0).sum(1).max()))])[0]
        rows.append(hidden[np.arange(len(batch)), at[first: first + CONTEXT_BATCH]])
    return np.concatenate(rows).astype(np.float64)


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def two_means(vectors: np.ndarray) -> np.ndarray:
    """k-means (cosine) from the two occurrences farthest apart (the one farthest from the mean,
    then the one farthest from it): deterministic, no seed. Labels 0 and 1."""
    unit = _unit(vectors)
    first = int(np.argmin(unit @ unit.mean(0)))
    second = int(np.argmin(unit @ unit[first]))
    centres = unit[[first, second]]
    labels = np.zeros(len(unit), int)
    for _ in range(CONTEXT_KMEANS_ROUNDS):
        new = np.argmax(unit @ centres.T, axis=1)
        if _ and np.array_equal(new, labels):
            break
        labels = new
        centres = np.array([unit[labels == k].mean(0) if (labels == k).any() else centres[k]
                            for k in range(CONTEXT_CLUSTERS)])
    return labels


def silhouette(vectors: np.ndarray, labels: np.ndarray) -> float:
    """The mean silhouette (Rousseeuw 1987) under cosine distance; 0 where a cluster is empty."""
    if len(set(labels.tolist())) < 2:
        return 0.0
    unit = _unit(vectors)
    distance = 1.0 - unit @ unit.T
    scores = []
    for i in range(len(unit)):
        own = labels == labels[i]
        if own.sum() < 2:
            scores.append(0.0)
            continue
        a = distance[i, own].sum() / (own.sum() - 1)
        b = min(distance[i, labels == k].mean() for k in set(labels.tolist()) if k != labels[i])
        scores.append((b - a) / max(a, b) if max(a, b) > 0 else 0.0)
    return float(np.mean(scores))


def _context_words(occurrences, labels, cluster: int, count: int) -> tuple[str, ...]:
    """The words of the cluster's lines whose share there most exceeds their share in the others'."""
    inside = Counter(w for o, k in zip(occurrences, labels) if k == cluster for w in set(o.tokens))
    outside = Counter(w for o, k in zip(occurrences, labels) if k != cluster for w in set(o.tokens))
    n_in, n_out = max(1, int((labels == cluster).sum())), max(1, int((labels != cluster).sum()))
    word = occurrences[0].tokens[occurrences[0].position]
    scored = sorted((w for w in inside if w != word), key=lambda w: (-(inside[w] / n_in - outside[w] / n_out), w))
    return tuple(w for w in scored[:count] if inside[w] / n_in > outside[w] / n_out)


def context_spread(model: MaskedLM, word: str, texts: Iterable[str], stopwords: frozenset[str],
                   limit: int = CONTEXT_MAX_OCCURRENCES, context_words: int = 5) -> ContextSpread | None:
    """The word's occurrences placed, split and measured; None where it occurs fewer than twice."""
    occurrences, total = occurrences_of(word, texts, stopwords, limit)
    if len(occurrences) < 2:
        return None
    vectors = contextual_vectors(model, occurrences)
    points, explained = pca(vectors)
    labels = two_means(vectors)
    unit = _unit(vectors)
    clusters = []
    for k in range(CONTEXT_CLUSTERS):
        members = np.flatnonzero(labels == k)
        centre = unit[members].mean(0) if len(members) else np.zeros(vectors.shape[1])
        ordered = sorted(members.tolist(), key=lambda j: (-float(unit[j] @ centre), j))
        clusters.append(Cluster(tuple(ordered), _context_words(occurrences, labels, k, context_words)))
    return ContextSpread(word, tuple(occurrences), total, vectors, points, (float(explained[0]), float(explained[1])),
                         labels, tuple(clusters), silhouette(vectors, labels))
