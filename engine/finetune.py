"""Fine-tuning for real: mean-pooled word vectors, a softmax layer, cross-entropy, gradient descent.

Three ways to train, one code path:
- `fine_tuned`: start from the pretrained vectors and update them with the layer;
- `linear_probe`: the same with the vectors frozen;
- `random_fine_tuned`: the same training started from random vectors, for a fair comparison.

Only the words of the labeled sentences receive gradient, so only their rows are copied and
trained; every other word keeps its starting vector. Full-batch gradient descent from a zero layer
is deterministic: the only randomness is in the starting vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.classify import Prediction, SplitResult
from engine.text import LabeledSentence, preprocess, seen_words
from engine.vectors import WordVectors


@dataclass(frozen=True)
class TrainingSettings:
    epochs: int = 300
    learning_rate: float = 0.5
    l2: float = 0.001  # on the softmax layer's weights


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


@dataclass(frozen=True, eq=False)
class TrainedClassifier:
    labels: tuple[str, ...]  # sorted
    start: WordVectors  # the vectors training started from
    rows: np.ndarray  # vocabulary indices of the trained rows (the labeled sentences' words)
    trained_rows: np.ndarray  # their vectors after training (equal to the start when frozen)
    weights: np.ndarray  # (classes, dimension)
    bias: np.ndarray  # (classes,)
    losses: tuple[float, ...]  # mean cross-entropy on the labeled set before each epoch, and after the last
    stopwords: frozenset[str]

    def _document(self, text: str) -> np.ndarray:
        ids = [i for i in (self.start.index(t) for t in preprocess(text, self.stopwords)) if i is not None]
        if not ids:
            return np.zeros(self.start.dimension)
        local = {int(r): k for k, r in enumerate(self.rows)}
        vectors = [self.trained_rows[local[i]] if i in local else self.start.matrix[i] for i in ids]
        return np.sum(vectors, axis=0) / len(ids)

    def predict(self, text: str) -> tuple[str, dict[str, float]]:
        """The most probable class (the alphabetically first among equals) and every class's probability."""
        probabilities = _softmax((self.weights @ self._document(text) + self.bias)[None, :])[0]
        scores = {label: float(p) for label, p in zip(self.labels, probabilities)}
        return self.labels[int(np.argmax(probabilities))], scores

    def evaluate(self, sentences, seen: frozenset[str]) -> SplitResult:
        predictions = []
        for s in sentences:
            predicted, scores = self.predict(s.text)
            predictions.append(Prediction(s.text, s.label, predicted, scores, seen_words(s.text, self.stopwords, seen)))
        return SplitResult(tuple(predictions))

    def vectors(self) -> WordVectors:
        """The whole vocabulary's vectors after training (a full copy: for inspection, not per run)."""
        matrix = np.array(self.start.matrix)
        matrix[self.rows] = self.trained_rows
        return WordVectors(self.start.words, matrix)

    def drift(self) -> tuple[tuple[str, float], ...]:
        """Every trained word with how far its vector moved (Euclidean), farthest first."""
        moved = np.linalg.norm(self.trained_rows - self.start.matrix[self.rows], axis=1)
        order = sorted(range(len(self.rows)), key=lambda k: (-moved[k], self.start.words[self.rows[k]]))
        return tuple((self.start.words[self.rows[k]], float(moved[k])) for k in order)


def train(
    train_set: tuple[LabeledSentence, ...],
    start: WordVectors,
    stopwords: frozenset[str],
    settings: TrainingSettings,
    update_vectors: bool,
) -> TrainedClassifier:
    labels = tuple(sorted({s.label for s in train_set}))
    docs = [[i for i in (start.index(t) for t in preprocess(s.text, stopwords)) if i is not None] for s in train_set]
    rows = np.array(sorted({i for doc in docs for i in doc}), dtype=np.intp)
    local = {int(r): k for k, r in enumerate(rows)}
    # pooling[i, k]: the weight of trained row k in document i's mean (0 for a document with no known word).
    pooling = np.zeros((len(docs), len(rows)))
    for i, doc in enumerate(docs):
        for r in doc:
            pooling[i, local[r]] += 1.0 / len(doc)
    targets = np.zeros((len(docs), len(labels)))
    targets[np.arange(len(docs)), [labels.index(s.label) for s in train_set]] = 1.0

    embedded = np.array(start.matrix[rows])
    weights = np.zeros((len(labels), start.dimension))
    bias = np.zeros(len(labels))
    losses = []
    n = len(docs)
    for _ in range(settings.epochs + 1):
        features = pooling @ embedded
        probabilities = _softmax(features @ weights.T + bias)
        losses.append(float(-np.mean(np.log(np.sum(probabilities * targets, axis=1) + 1e-12))))
        if len(losses) > settings.epochs:
            break
        error = (probabilities - targets) / n  # d(mean cross-entropy) / d(logits)
        grad_weights = error.T @ features + settings.l2 * weights
        grad_bias = error.sum(axis=0)
        if update_vectors:
            embedded -= settings.learning_rate * (pooling.T @ (error @ weights))
        weights -= settings.learning_rate * grad_weights
        bias -= settings.learning_rate * grad_bias
    return TrainedClassifier(labels, start, rows, embedded, weights, bias, tuple(losses), stopwords)
