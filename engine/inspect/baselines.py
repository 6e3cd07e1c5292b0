"""Baselines that need no classifier: what always guessing one class scores."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


def majority(labels: Iterable[str]) -> tuple[str, float]:
    """The most common label and its share of `labels`: the accuracy of always guessing it. Ties go
    to the label first in sorted order, so the answer does not depend on the sentences' order."""
    counts = Counter(labels)
    total = sum(counts.values())
    if total == 0:
        raise ValueError("the majority class of no sentences")
    label = min(counts, key=lambda name: (-counts[name], name))
    return label, counts[label] / total
