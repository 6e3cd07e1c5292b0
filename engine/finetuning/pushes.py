"""A sentence's pushes toward each class, summed word by word: what every linear classifier's
explanation is made of, and the interface of the classifiers a run keeps to explain its scores.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class KeptClassifier(Protocol):
    """A classifier a run keeps of an approach's main seed (ApproachResult.kept_classifier), linear
    in what it reads of a sentence: its logits are the bias plus one push per word."""

    labels: tuple[str, ...]  # sorted
    bias: np.ndarray  # (classes,)

    def pushes(self, tokens: list[str]) -> dict[str, np.ndarray]: ...

    def logits(self, tokens: list[str]) -> np.ndarray: ...


def pushes_by_word(tokens: list[str], per_token) -> dict[str, np.ndarray]:
    """Each known word's summed push over its tokens (per_token gives None for an unknown one)."""
    totals: dict[str, np.ndarray] = {}
    for token in tokens:
        push = per_token(token)
        if push is not None:
            totals[token] = totals.get(token, 0) + push
    return totals
