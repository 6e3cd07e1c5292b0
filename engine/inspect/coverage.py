"""How many of a split's words the labeled sentences also show.
"""

from __future__ import annotations

from dataclasses import dataclass

from pretrain_explorer.engine.text import LabeledSentence, preprocess


@dataclass(frozen=True)
class WordOverlap:
    """How many of a set's tokens (stopwords dropped) also occur in the labeled sentences."""

    seen: int
    total: int
    unseen_words: tuple[str, ...]  # distinct, in order of first appearance

    @property
    def share(self) -> float:
        return self.seen / self.total if self.total else 0.0


def word_overlap(sentences, train: tuple[LabeledSentence, ...], stopwords: frozenset[str]) -> WordOverlap:
    labeled = {t for s in train for t in preprocess(s.text, stopwords)}
    tokens = [t for s in sentences for t in preprocess(s.text, stopwords)]
    unseen = tuple(dict.fromkeys(t for t in tokens if t not in labeled))
    return WordOverlap(sum(t in labeled for t in tokens), len(tokens), unseen)
