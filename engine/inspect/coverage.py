"""How many of a split's words the labeled sentences also show."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..finetuning.labeled import LabeledData


@dataclass(frozen=True)
class WordOverlap:
    """How many of a set's tokens (stopwords dropped) also occur in the labeled sentences."""

    seen: int
    total: int

    @property
    def share(self) -> float:
        return self.seen / self.total if self.total else 0.0


def word_overlaps(data: LabeledData) -> dict[str, WordOverlap]:
    """The test split's overlap with the train sentences, and the transfer split's when there is
    one: counted from the splits' document-term matrices."""
    in_train = np.asarray(data.train.terms.sum(axis=0)).ravel() > 0
    found = {}
    for name in ("test", "transfer"):
        if name in data.splits:
            tokens = np.asarray(data.splits[name].terms.sum(axis=0)).ravel()
            found[name] = WordOverlap(int(tokens[in_train].sum()), int(tokens.sum()))
    return found
