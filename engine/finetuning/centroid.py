"""The lesson's classifier, for many labeled subsets at once: mean word vectors, then the nearest
class centroid by cosine. Pooling, centroids and scores are matrix products."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from .labeled import Features, LabeledData, labeled_data, restricted
from ..text import LabeledSentence
from ..vectors import WordVectors, row_norms


class Scores(Mapping):
    """A prediction's score of each class, read like a dict: a row of its split's score array (a
    dict per prediction would not fit in memory on a large labeled set)."""

    __slots__ = ("_index", "_row")

    def __init__(self, index: dict[str, int], row: np.ndarray):
        self._index, self._row = index, row  # index: label -> column, shared by a split's rows

    def __getitem__(self, label: str) -> float:
        return float(self._row[self._index[label]])

    def __iter__(self):
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return repr(dict(self))


@dataclass(frozen=True)
class Prediction:
    text: str
    label: str
    predicted: str
    scores: Mapping[str, float]  # cosine to each class centroid, or each class's probability when trained
    seen_words: tuple[str, ...] = ()  # its words (stopwords dropped) that occur in the labeled set

    @property
    def correct(self) -> bool:
        return self.predicted == self.label


@dataclass(frozen=True)
class SplitResult:
    """Predictions on one labeled set (test or transfer)."""

    predictions: tuple[Prediction, ...]

    @cached_property  # asked for by every note, chart and table of a large split
    def correct(self) -> int:
        return sum(p.correct for p in self.predictions)

    @property
    def accuracy(self) -> float:
        return self.correct / len(self.predictions) if self.predictions else 0.0


def best_label(scores: np.ndarray) -> np.ndarray:
    """The index of the highest score along the last axis; among equal scores the first, which
    (labels being sorted) is the alphabetically first label: `negative` before `positive`, as in
    the lesson."""
    return np.argmax(scores, axis=-1)


def _dense(matrix) -> np.ndarray:
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


def cosines(docs, centroids) -> np.ndarray:
    """(docs, centroids) cosine similarities; 0 where either vector is zero, as in the lesson."""
    dots = _dense(docs @ centroids.T)
    norms = row_norms(docs)[:, None] * row_norms(centroids)[None, :]
    out = np.zeros_like(dots)
    np.divide(dots, norms, out=out, where=norms > 0)
    return out


def class_means(label_ids: np.ndarray, subsets: list[np.ndarray], classes: int) -> sp.csr_matrix:
    """(subsets x classes, sentences): row k*classes + c averages subset k's sentences of class c."""
    rows, cols, weights = [], [], []
    for k, subset in enumerate(subsets):
        ids = label_ids[subset]
        sizes = np.bincount(ids, minlength=classes)
        rows.append(k * classes + ids)
        cols.append(subset)
        weights.append(1.0 / sizes[ids])
    return sp.csr_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(len(subsets) * classes, len(label_ids)))


def centroid_scores(data: LabeledData, features: Features, subsets: list[np.ndarray],
                    splits: tuple[str, ...], on_progress=lambda fraction: None) -> list[dict[str, np.ndarray]]:
    """For each train subset, each split's (sentences, classes) cosines to the subset's class
    centroids, all subsets of one set of vectors in one product; `on_progress(fraction of the
    splits' sentences scored)` as blocks of them are (it may raise RunCancelled)."""
    classes = len(data.labels)
    total = sum(len(data.splits[name]) for name in splits)  # sentences to score
    per_product = max(1, SCORES_BYTES // (8 * classes * max(total, 1)))
    if len(subsets) > per_product:
        return [scores for j in range(0, len(subsets), per_product) for scores in centroid_scores(
            data, features, subsets[j:j + per_product], splits,
            lambda f, j=j: on_progress((j + f * len(subsets[j:j + per_product])) / len(subsets)))]
    train = data.train
    needed = np.unique(np.concatenate(subsets))
    local = [np.searchsorted(needed, s) for s in subsets]
    means, pooled = class_means(train.label_ids[needed], local, classes), data.pooled("train", features.known)[needed]
    # The product in its cheaper order: sparse counts over many sentences would make a sentence
    # vector each with thousands of entries; dense vectors are pooled sentence by sentence first.
    if sp.issparse(features.matrix):
        centroids = (means @ pooled) @ features.matrix
    else:
        centroids = means @ (pooled @ features.matrix)
    out = [{} for _ in subsets]
    done = 0

    def on_block(sentences: int) -> None:
        nonlocal done
        done += sentences
        on_progress(done / total)

    for name in splits:
        scores = _split_cosines(data.pooled(name, features.known), features.matrix, centroids, on_block)
        for k, by_split in enumerate(out):
            by_split[name] = scores[:, k * classes:(k + 1) * classes]
    if done < total:  # dense vectors: one product per split, reported when done
        on_progress(1.0)
    return out


# The scores of many subsets are one product of at most this many bytes: every learning-curve
# subset at once, with cosines' temporaries, would not fit on a large labeled set.
SCORES_BYTES = 64 << 20
SPARSE_BLOCK = 500  # sentences scored at a time with sparse (from-scratch) vectors


def _split_cosines(pooled: sp.csr_matrix, matrix, centroids, on_block) -> np.ndarray:
    """Cosines of a split's pooled sentences to the centroids, `on_block(sentences)` after each
    block of them (it may raise RunCancelled).

    Sparse (from-scratch) counts: a sentence's vector has thousands of entries, too many for the
    whole split's product at once, and a sparse product per block is slow. So each block's words' rows are made dense over the matrix's context columns
    (at most MAX_SCRATCH_CONTEXTS) and the block is one sparse-times-dense product."""
    if not sp.issparse(matrix) or pooled.shape[0] <= SPARSE_BLOCK:
        return cosines(pooled @ matrix, centroids)
    contexts = np.flatnonzero(matrix.getnnz(axis=0))
    matrix, centroids = matrix[:, contexts].tocsr(), _dense(centroids[:, contexts])
    blocks = []
    for i in range(0, pooled.shape[0], SPARSE_BLOCK):
        block = pooled[i:i + SPARSE_BLOCK]
        words = np.unique(block.indices)
        blocks.append(cosines(block[:, words] @ matrix[words].toarray(), centroids))
        on_block(block.shape[0])
    return np.concatenate(blocks)


@dataclass(frozen=True)
class CentroidClassifier:
    """One classifier on one labeled set, for use outside a run (a notebook, a test)."""

    train: tuple[LabeledSentence, ...]
    labels: tuple[str, ...]  # sorted

    @classmethod
    def fit(cls, train: tuple[LabeledSentence, ...], vectors: WordVectors, stopwords: frozenset[str]):
        return cls(train, tuple(sorted({s.label for s in train})))

    def predict(self, text: str, vectors: WordVectors, stopwords: frozenset[str]) -> tuple[str, dict[str, float]]:
        """The class with the highest cosine (a tie goes to the alphabetically first label)."""
        data = labeled_data(stopwords, self.train, (LabeledSentence(text, self.labels[0], 0),), None)
        (scores,) = centroid_scores(data, restricted(vectors, data.words), [np.arange(len(self.train))], ("test",))
        row = scores["test"][0]
        return self.labels[int(best_label(row))], {label: float(s) for label, s in zip(self.labels, row)}
