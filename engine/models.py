"""The classifiers a run keeps of its main seed's trained approaches, over the labeled vocabulary
and self-contained, so that each sentence's scores can be taken apart word by word
(engine.explain) without fitting again."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.bagofwords import BagOfWords
from engine.finetune import Trained
from engine.labeled import Features


def _pushes_by_word(tokens: list[str], per_token) -> dict[str, np.ndarray]:
    """Each known word's summed push over its tokens (per_token gives None for an unknown one)."""
    totals: dict[str, np.ndarray] = {}
    for token in tokens:
        push = per_token(token)
        if push is not None:
            totals[token] = totals.get(token, 0) + push
    return totals


@dataclass(frozen=True, eq=False)
class SoftmaxModel:
    """A trained softmax layer over mean-pooled vectors, as the run trained it on all its train
    sentences: logit_c = sum_w (n_w / n) v_w . W_c + b_c."""

    labels: tuple[str, ...]
    column: dict  # labeled word -> its row in `vectors`
    vectors: np.ndarray  # (labeled words, dimension): the start vectors plus what training moved
    known: np.ndarray  # (labeled words,) bool
    weights: np.ndarray  # (classes, dimension)
    bias: np.ndarray

    @classmethod
    def of(cls, labels, words: tuple[str, ...], start: Features, trained: Trained) -> "SoftmaxModel":
        vectors = np.array(start.matrix)
        vectors[trained.rows] += trained.moved
        return cls(labels, {w: j for j, w in enumerate(words)}, vectors, start.known, trained.weights, trained.bias)

    def vector(self, word: str) -> np.ndarray | None:
        """Its vector after training; None for a word the vectors do not know, or that no labeled
        sentence has (the explanations are of labeled sentences: all their words are in)."""
        j = self.column.get(word)
        return self.vectors[j] if j is not None and self.known[j] else None

    def pushes(self, tokens: list[str]) -> dict[str, np.ndarray]:
        """Each known word's part of the logits (W v_w / n per token): they and the bias sum to them."""
        vectors = {t: self.vector(t) for t in dict.fromkeys(tokens)}
        n = sum(vectors[t] is not None for t in tokens)
        return _pushes_by_word(tokens, lambda t: None if vectors[t] is None else self.weights @ vectors[t] / n)

    def logits(self, tokens: list[str]) -> np.ndarray:
        """The model's own scores, computed as the run does: the mean vector, then the layer."""
        rows = [v for v in (self.vector(t) for t in tokens) if v is not None]
        doc = np.mean(rows, axis=0) if rows else np.zeros(self.weights.shape[1])
        return self.weights @ doc + self.bias


@dataclass(frozen=True, eq=False)
class CountsModel:
    """Logistic regression on word counts, as the run fitted it: logit_c = sum_w count_w W[w, c] + b_c."""

    labels: tuple[str, ...]
    column: dict  # labeled word -> its row of weights
    seen: np.ndarray  # (labeled words,) bool: in the train sentences, so weighted
    weights: np.ndarray  # (labeled words, classes)
    bias: np.ndarray

    @classmethod
    def of(cls, labels, words: tuple[str, ...], train_terms, model: BagOfWords) -> "CountsModel":
        seen = np.asarray(train_terms.sum(axis=0)).ravel() > 0
        return cls(labels, {w: j for j, w in enumerate(words)}, seen, model.weights, model.bias)

    def pushes(self, tokens: list[str]) -> dict[str, np.ndarray]:
        """Each weighted word's part of the logits (its weights, once per token)."""
        def push(token):
            j = self.column.get(token)
            return self.weights[j] if j is not None and self.seen[j] else None

        return _pushes_by_word(tokens, push)

    def logits(self, tokens: list[str]) -> np.ndarray:
        counts = np.zeros(len(self.column))
        for t in tokens:
            if t in self.column:
                counts[self.column[t]] += 1
        return counts @ self.weights + self.bias
