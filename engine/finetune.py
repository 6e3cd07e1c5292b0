"""Fine-tuning for real: mean-pooled word vectors, a softmax layer, cross-entropy, gradient descent.

Three ways to train, one code path:
- `fine_tuned`: start from the pretrained vectors and update them with the layer;
- `linear_probe`: the same with the vectors frozen;
- `random_fine_tuned`: the same training started from random vectors, for a fair comparison.

Only the words of the labeled sentences receive gradient, so only their rows are copied and
trained; every other word keeps its starting vector. Full-batch gradient descent from a zero layer
is deterministic: the only randomness is in the starting vectors.

Many trainings with the same number of sentences (every seed, every learning-curve subset) run as
one batched problem: stacked arrays, one sparse block-diagonal pooling matrix. The gradient of the
pooled features is rank `classes` (error times weights), so each epoch updates the pooled features
through pooling @ (pooling^T error) @ weights, at a cost linear in the sentences; the trained rows
themselves (often many more than the sentences) are only needed at the end, as the start minus
pooling^T times the sum over epochs of error @ weights.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from engine.errors import RunCancelled
from engine.labeled import Features, LabeledData, labeled_data, restricted
from engine.text import LabeledSentence
from engine.vectors import WordVectors


@dataclass(frozen=True)
class TrainingSettings:
    epochs: int = 300
    learning_rate: float = 0.5
    l2: float = 0.001  # on the softmax layer's weights


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


@dataclass(frozen=True, eq=False)
class Trained:
    """One trained softmax classifier, over the labeled vocabulary."""

    rows: np.ndarray  # labeled-vocabulary indices of the trained rows (the subset's known words)
    start_rows: np.ndarray  # their vectors before training
    trained_rows: np.ndarray  # and after (equal to the start when frozen)
    weights: np.ndarray  # (classes, dimension)
    bias: np.ndarray  # (classes,)
    losses: tuple[float, ...]  # mean cross-entropy on its sentences before each epoch, and after the last


@dataclass(frozen=True)
class Problem:
    features: Features  # the starting vectors
    subset: np.ndarray  # train sentences it learns from


def _stack(data: LabeledData, problems: list[Problem]):
    """The block-diagonal pooling over each problem's trained rows, the stacked starting rows,
    and each problem's rows."""
    poolings = [data.pooled("train", p.features.known)[p.subset] for p in problems]
    rows = [np.unique(pool.indices) for pool in poolings]
    width = max(len(r) for r in rows)
    n = len(problems[0].subset)
    blocks, starts = [], np.zeros((len(problems), width, problems[0].features.matrix.shape[1]))
    for k, (pool, own) in enumerate(zip(poolings, rows)):
        local = pool[:, own].tocoo()
        blocks.append((local.data, local.row + k * n, local.col + k * width))
        starts[k, : len(own)] = problems[k].features.matrix[own]
    data_, r, c = (np.concatenate(part) for part in zip(*blocks))
    pool = sp.csr_matrix((data_, (r, c)), shape=(len(problems) * n, len(problems) * width))
    return pool, starts, rows


def train_batch(
    data: LabeledData,
    problems: list[Problem],
    settings: TrainingSettings,
    update_vectors: bool,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Callable[[float], None] = lambda fraction: None,
) -> list[Trained]:
    """Train every problem (all with the same number of sentences) together, epoch by epoch."""
    k, n, classes = len(problems), len(problems[0].subset), len(data.labels)
    pool, start, rows = _stack(data, problems)
    width, dim = start.shape[1], start.shape[2]
    features = (pool @ start.reshape(k * width, dim)).reshape(k, n, dim)
    targets_ids = np.stack([data.train.label_ids[p.subset] for p in problems])
    target_cells = np.arange(k * n) * classes + targets_ids.reshape(-1)
    targets = np.zeros((k, n, classes))
    targets.reshape(-1)[target_cells] = 1.0
    weights, bias = np.zeros((k, classes, dim)), np.zeros((k, classes))
    losses = np.zeros((k, settings.epochs + 1))
    rate = settings.learning_rate
    history = _History(k, n, classes, dim) if update_vectors else None
    for epoch in range(settings.epochs + 1):
        if should_stop():
            raise RunCancelled()
        probabilities = softmax(features @ weights.transpose(0, 2, 1) + bias[:, None, :])
        right = probabilities.reshape(-1)[target_cells].reshape(k, n)
        losses[:, epoch] = -np.mean(np.log(right + 1e-12), axis=1)
        if epoch == settings.epochs:
            break
        error = (probabilities - targets) / n  # d(mean cross-entropy) / d(logits)
        grad_weights = error.transpose(0, 2, 1) @ features + settings.l2 * weights
        grad_bias = error.sum(axis=1)
        if update_vectors:
            # The features' gradient is error @ weights (rank `classes`): it reaches the pooled
            # features through pooling @ pooling^T, and the trained rows through pooling^T.
            per_doc = (pool @ (pool.T @ error.reshape(k * n, classes))).reshape(k, n, classes)
            features -= (rate * per_doc) @ weights
            history.add(error, weights)
        weights -= rate * grad_weights
        bias -= rate * grad_bias
        if epoch % 10 == 0:
            on_progress(epoch / settings.epochs)
    embedded = start.copy()
    if update_vectors:
        embedded -= rate * (pool.T @ history.total().reshape(k * n, dim)).reshape(k, width, dim)
    return [Trained(own, start[j, : len(own)], embedded[j, : len(own)], weights[j], bias[j],
                    tuple(float(x) for x in losses[j])) for j, own in enumerate(rows)]


class _History:
    """The sum over epochs of error @ weights, (problems, sentences, dimension), gathered a chunk of
    epochs at a time and summed by one product per chunk: the trained rows are pooling^T times it."""

    BUDGET = 32 << 20  # bytes of errors held before a chunk is summed

    def __init__(self, k: int, n: int, classes: int, dim: int):
        self.chunk = int(max(1, min(32, self.BUDGET // (8 * k * n * classes))))
        self.errors = np.zeros((k, n, self.chunk, classes))
        self.weights = np.zeros((k, self.chunk, classes, dim))
        self.sum = np.zeros((k, n, dim))
        self.filled = 0

    def add(self, error: np.ndarray, weights: np.ndarray) -> None:
        self.errors[:, :, self.filled] = error
        self.weights[:, self.filled] = weights
        self.filled += 1
        if self.filled == self.chunk:
            self._flush()

    def _flush(self) -> None:
        k, n, _, classes = self.errors.shape
        used = self.filled * classes
        self.sum += (self.errors[:, :, : self.filled].reshape(k, n, used)
                     @ self.weights[:, : self.filled].reshape(k, used, -1))
        self.filled = 0

    def total(self) -> np.ndarray:
        self._flush()
        return self.sum


def softmax_scores(start_docs: np.ndarray, pooled: sp.csr_matrix, trained: Trained) -> np.ndarray:
    """Each sentence's class probabilities: its pooled starting vector, moved by its trained rows."""
    docs = start_docs + pooled[:, trained.rows] @ (trained.trained_rows - trained.start_rows)
    return softmax(docs @ trained.weights.T + trained.bias)


@dataclass(frozen=True, eq=False)
class TrainedClassifier:
    """A trained classifier with the whole vocabulary it started from, to inspect what moved."""

    labels: tuple[str, ...]  # sorted
    start: WordVectors  # the vectors training started from
    rows: np.ndarray  # vocabulary indices of the trained rows (the labeled sentences' words)
    trained_rows: np.ndarray  # their vectors after training (equal to the start when frozen)
    weights: np.ndarray  # (classes, dimension)
    bias: np.ndarray  # (classes,)
    losses: tuple[float, ...]

    @classmethod
    def of(cls, trained: Trained, start: WordVectors, data: LabeledData) -> "TrainedClassifier":
        rows = np.array([start.index(data.words[r]) for r in trained.rows], dtype=np.intp)
        return cls(data.labels, start, rows, trained.trained_rows, trained.weights, trained.bias, trained.losses)

    def vectors(self) -> WordVectors:
        """The whole vocabulary's vectors after training (a full copy: for inspection, not per run)."""
        matrix = np.array(self.start.matrix)
        matrix[self.rows] = self.trained_rows
        return WordVectors(self.start.words, matrix)

    def drift(self) -> tuple[tuple[str, float], ...]:
        """Every trained word with how far its vector moved (Euclidean), farthest first. Distances
        equal to 12 decimals are ties, broken alphabetically, as neighbours' are: words placed alike
        in the labeled set move alike, and the last bits of a float sum are no reason to rank them."""
        moved = np.linalg.norm(self.trained_rows - self.start.matrix[self.rows], axis=1)
        order = sorted(range(len(self.rows)), key=lambda k: (-round(moved[k], 12), self.start.words[self.rows[k]]))
        return tuple((self.start.words[self.rows[k]], float(moved[k])) for k in order)


def train(
    train_set: tuple[LabeledSentence, ...],
    start: WordVectors,
    stopwords: frozenset[str],
    settings: TrainingSettings,
    update_vectors: bool,
) -> TrainedClassifier:
    """One classifier on one labeled set, for use outside a run (a notebook, a test)."""
    data = labeled_data(stopwords, train_set, (), None)
    problem = Problem(restricted(start, data.words), np.arange(len(train_set)))
    (trained,) = train_batch(data, [problem], settings, update_vectors)
    return TrainedClassifier.of(trained, start, data)
