"""What a run keeps of its fitted bag of words, so that each sentence's scores can be taken apart
word by word (engine.explain) without fitting again, and the sum of a sentence's pushes that every
linear classifier's explanation is made of. (A trained softmax layer is kept as
engine.finetune.TrainedClassifier.)"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.bagofwords import BagOfWords


def pushes_by_word(tokens: list[str], per_token) -> dict[str, np.ndarray]:
    """Each known word's summed push over its tokens (per_token gives None for an unknown one)."""
    totals: dict[str, np.ndarray] = {}
    for token in tokens:
        push = per_token(token)
        if push is not None:
            totals[token] = totals.get(token, 0) + push
    return totals


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

        return pushes_by_word(tokens, push)

    def logits(self, tokens: list[str]) -> np.ndarray:
        counts = np.zeros(len(self.column))
        for t in tokens:
            if t in self.column:
                counts[self.column[t]] += 1
        return counts @ self.weights + self.bias
