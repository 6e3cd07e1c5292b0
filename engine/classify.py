"""The lesson's classifier: mean word vectors, then the nearest class centroid by cosine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.text import LabeledSentence, preprocess, seen_words
from engine.vectors import WordVectors, cosine


@dataclass(frozen=True)
class Prediction:
    text: str
    label: str
    predicted: str
    scores: dict[str, float]  # cosine to each class centroid, or each class's probability when trained
    seen_words: tuple[str, ...] = ()  # its words (stopwords dropped) that occur in the labeled set

    @property
    def correct(self) -> bool:
        return self.predicted == self.label


@dataclass(frozen=True)
class SplitResult:
    """Predictions on one labeled set (test or transfer)."""

    predictions: tuple[Prediction, ...]

    @property
    def correct(self) -> int:
        return sum(p.correct for p in self.predictions)

    @property
    def accuracy(self) -> float:
        return self.correct / len(self.predictions) if self.predictions else 0.0


def document_vector(text: str, vectors: WordVectors, stopwords: frozenset[str]) -> np.ndarray:
    """The mean of the vectors of the known tokens; zero when none is known."""
    rows = [i for i in (vectors.index(t) for t in preprocess(text, stopwords)) if i is not None]
    if not rows:
        return np.zeros(vectors.dimension)
    return vectors.matrix[rows].sum(axis=0) / len(rows)


@dataclass(frozen=True, eq=False)
class NearestCentroid:
    """One centroid per class: the mean document vector of its training sentences."""

    labels: tuple[str, ...]  # sorted
    centroids: np.ndarray

    @classmethod
    def fit(cls, train: tuple[LabeledSentence, ...], vectors: WordVectors, stopwords: frozenset[str]):
        labels = tuple(sorted({s.label for s in train}))
        centroids = np.zeros((len(labels), vectors.dimension))
        for k, label in enumerate(labels):
            docs = [document_vector(s.text, vectors, stopwords) for s in train if s.label == label]
            centroids[k] = np.sum(docs, axis=0) / len(docs)
        return cls(labels, centroids)

    def predict(self, text: str, vectors: WordVectors, stopwords: frozenset[str]) -> tuple[str, dict[str, float]]:
        """The class with the highest cosine. A tie goes to the alphabetically first of the tied
        labels, which with `positive`/`negative` is `negative`, exactly as in the lesson."""
        doc = document_vector(text, vectors, stopwords)
        scores = {label: cosine(doc, c) for label, c in zip(self.labels, self.centroids)}
        best = max(scores.values())
        return next(label for label in self.labels if scores[label] == best), scores

    def evaluate(self, sentences, vectors: WordVectors, stopwords: frozenset[str], seen: frozenset[str]) -> SplitResult:
        predictions = []
        for s in sentences:
            predicted, scores = self.predict(s.text, vectors, stopwords)
            predictions.append(Prediction(s.text, s.label, predicted, scores, seen_words(s.text, stopwords, seen)))
        return SplitResult(tuple(predictions))
