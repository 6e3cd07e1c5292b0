"""What the notes' claims rest on, measured on a run's result: paired tests between approaches on
the same sentences, the majority-class baseline, how alike two approaches' predictions are, and
what unseen words did where one approach was right and another wrong. Computed as asked, once each;
what unseen words did in the lesson's comparison is measured by the run itself (lesson_unseen_help)
and stored with its result, so a result loaded from the disk cache computes none of it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from .explain import UnseenWordHelp, unseen_word_help
from .significance import PairedTest, paired_test

# The lesson's comparison: pretrained against random features under one classifier. What unseen
# words did in it is measured in the run, both ways (either may win), and kept in its result.
LESSON = ("pretrained", "random")


@dataclass(frozen=True)
class Majority:
    """Always guessing a split's commonest class: how many of its sentences that gets right."""

    label: str
    correct: int
    total: int
    tied: int = 1  # how many classes are that common (the label is the alphabetically first of them)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class Agreement:
    """How many sentences two approaches (their main seed) give the same label."""

    same: int
    total: int

    @property
    def share(self) -> float:
        return self.same / self.total if self.total else 0.0


class Evidence:
    """The measurements of one result (ExperimentResult.evidence), each computed once when asked."""

    def __init__(self, result):
        self.result = result
        self._found: dict = {}

    def _once(self, key, compute):
        if key not in self._found:
            self._found[key] = compute()
        return self._found[key]

    def _runs(self, name: str, split: str) -> list[list[bool]]:
        return self._once(("runs", name, split),
                          lambda: [r.tolist() for r in self.result.approaches[name].runs(split)])

    def test(self, first: str, second: str, split: str) -> PairedTest:
        """The paired test of two approaches on `split`: over every seed of a seeded one (paired_test)."""
        return self._once(("test", first, second, split),
                          lambda: paired_test(self._runs(first, split), self._runs(second, split)))

    def majority(self, split: str) -> Majority:
        def compute():
            labels = Counter(p.label for p in _predictions(self.result, split))
            if not labels:
                return Majority("", 0, 0)
            # The commonest, the alphabetically first of equals (as a tie between scores goes).
            label = min(labels, key=lambda k: (-labels[k], k))
            tied = sum(1 for count in labels.values() if count == labels[label])
            return Majority(label, labels[label], sum(labels.values()), tied)
        return self._once(("majority", split), compute)

    def against_majority(self, name: str, split: str) -> PairedTest:
        """The approach's runs against always guessing the split's commonest class, on the same sentences."""
        def compute():
            label = self.majority(split).label
            guess = [[p.label == label for p in _predictions(self.result, split)]]
            return paired_test(self._runs(name, split), guess)
        return self._once(("against majority", name, split), compute)

    def agreement(self, first: str, second: str, split: str) -> Agreement:
        def compute():
            a = getattr(self.result.approaches[first], split).predictions
            b = getattr(self.result.approaches[second], split).predictions
            return Agreement(sum(1 for x, y in zip(a, b) if x.predicted == y.predicted), len(a))
        return self._once(("agreement", first, second, split), compute)

    def unseen_help(self, first: str, second: str, split: str) -> UnseenWordHelp:
        """UnseenWordHelp, read in the pretrained vectors, of the sentences `first` (its main seed)
        got right and `second` got wrong: as the run measured it (the lesson's pairs), else now."""
        stored = self.result.unseen_help.get((first, second, split))
        if stored is not None:
            return stored
        return self._once(("unseen", first, second, split),
                          lambda: measure_unseen_help(self.result, first, second, split))


def _predictions(result, split: str):
    return getattr(next(iter(result.approaches.values())), split).predictions


def measure_unseen_help(result, first: str, second: str, split: str) -> UnseenWordHelp:
    """UnseenWordHelp of the sentences of `split` that `first` (its main seed) got right and `second` got wrong."""
    e = result.experiment
    chosen = np.logical_and(result.approaches[first].runs(split)[0], ~result.approaches[second].runs(split)[0])
    return unseen_word_help(result.pretrained, e.train, e.stopwords, _predictions(result, split), chosen.tolist())


def lesson_unseen_help(result, splits: tuple[str, ...]) -> dict[tuple[str, str, str], UnseenWordHelp]:
    """What unseen words did in the lesson's comparison, each way, on each of `splits`, by (first,
    second, split): measured once, where the main seed's predictions are in (the training phase),
    test first, so the nearest labeled words are looked up in the order the notes asked for them."""
    if not all(name in result.approaches for name in LESSON):
        return {}
    first, second = LESSON
    return {(a, b, split): measure_unseen_help(result, a, b, split)
            for split in splits for a, b in ((first, second), (second, first))}
