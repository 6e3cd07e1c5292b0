"""Explicit rules over the numbers, so that every claim on screen is true on any data."""

from __future__ import annotations

from dataclasses import dataclass

from ...engine.run.results import ExperimentResult, SeedStats
from .style import number, pct, points, seeds

# Accuracies are ratios of whole sentences: a gap of exactly one sentence must not pass as more
# for a rounding error.
_SLACK = 1e-9


@dataclass(frozen=True)
class Accuracy:
    """One approach's accuracy on one split, as the rules see it."""

    name: str
    mean: float
    std: float  # 0 for a deterministic approach
    seeds: SeedStats | None

    def text(self) -> str:
        if self.seeds is None:
            return pct(self.mean)
        return f"{pct(self.mean)} ± {number(100 * self.std)} over {seeds(self.seeds.n)}"


# A win: a beats b on a split when the gap between their mean accuracies is larger than both the
# spread over seeds (the larger standard deviation) and one sentence of that split (1 / sentences).
# Anything smaller is called level, with the reason.
@dataclass(frozen=True)
class Comparison:
    first: Accuracy
    second: Accuracy
    sentences: int

    @property
    def gap(self) -> float:
        return self.first.mean - self.second.mean

    @property
    def spread(self) -> float:
        return max(self.first.std, self.second.std)

    @property
    def one_sentence(self) -> float:
        return 1 / self.sentences if self.sentences else 1.0

    @property
    def decided(self) -> bool:
        return abs(self.gap) > max(self.spread, self.one_sentence) + _SLACK

    @property
    def winner(self) -> str | None:
        """The approach that won by the rule, or None when they are level."""
        if not self.decided:
            return None
        return self.first.name if self.gap > 0 else self.second.name

    def sentence(self) -> str:
        a, b = (self.first, self.second) if self.gap >= 0 else (self.second, self.first)
        scores = f"{a.text()} against {b.text()}"
        if self.decided:
            return f"{a.name} beat {b.name} by {points(100 * self.gap)} ({scores})."
        if abs(self.gap) <= _SLACK:
            return f"{a.name} and {b.name} are level ({scores})."
        return (f"{a.name} and {b.name} are level: {points(100 * self.gap)} apart ({scores}), "
                f"no more than {self._within()}.")

    def _within(self) -> str:
        if self.spread > self.one_sentence:
            return f"the spread over seeds (± {number(100 * self.spread)})"
        return f"one sentence of {self.sentences}"


def accuracy(result: ExperimentResult, name: str, split: str) -> Accuracy:
    approach = result.approaches[name]
    stats = approach.over_seeds(split)
    if stats is None:
        return Accuracy(name, getattr(approach, split).accuracy, 0.0, None)
    return Accuracy(name, stats.mean, stats.std, stats)


def compare(result: ExperimentResult, first: str, second: str, split: str) -> Comparison:
    sentences = len(getattr(result.approaches[first], split).predictions)
    return Comparison(accuracy(result, first, split), accuracy(result, second, split), sentences)


def coverage(result: ExperimentResult, split: str) -> str:
    """How many of a split's words the labeled sentences also show, measured, never assumed."""
    overlap = result.overlap[split]
    if overlap.total == 0:
        return "These sentences have no words left once the stopwords are removed."
    if overlap.seen == overlap.total:
        return f"Every one of their {overlap.total:,} words also occurs in the labeled sentences."
    if overlap.seen == 0:
        return f"None of their {overlap.total:,} words occurs in the labeled sentences."
    return (f"{overlap.seen:,} of their {overlap.total:,} words ({pct(overlap.share)}) also occur in the "
            "labeled sentences.")




def listed(names) -> str:
    """a; a and b; a, b and c."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def margin(result: ExperimentResult) -> str:
    """The pretraining margin with its sign in words."""
    m = result.margin
    users, others = listed(m.with_pretraining), listed(m.without)
    if m.points > _SLACK:
        return (f"Pretraining margin: {users} beat {others} by {points(m.points)} of test accuracy "
                "(the worse of the first against the best of the others, mean over seeds).")
    if m.points < -_SLACK:
        return (f"No pretraining margin: the best of {others} beat the worse of {users} by "
                f"{points(m.points)} of test accuracy (mean over seeds).")
    return (f"No pretraining margin: the worse of {users} and the best of {others} score the "
            "same on the test sentences (mean over seeds).")


# A training whose loss fell by less than this share of its start, and still fell at the last
# epoch, stopped far from where more of the same would take it (100 classes at the default
# learning rate: 4.605 -> 4.583 in 300 epochs).
LITTLE_FALL = 0.10


def unfinished_training(result: ExperimentResult) -> str:
    """A sentence on the trained approaches whose loss barely fell and was still falling at the end,
    or "" when there are none: their accuracy is that of a layer training had barely begun."""
    slow = {name: a.losses for name, a in result.approaches.items()
            if len(a.losses) > 1 and a.losses[-1] > (1 - LITTLE_FALL) * a.losses[0] and a.losses[-1] < a.losses[-2]}
    if not slow:
        return ""
    falls = listed(f"{name} ({losses[0]:.3f} -> {losses[-1]:.3f})" for name, losses in slow.items())
    epochs = len(next(iter(slow.values()))) - 1
    return (f"Training lowered the loss by less than {pct(LITTLE_FALL)} in {epochs:,} epochs, and it was "
            f"still falling at the last, for {falls}: more epochs (or a larger learning_rate, under "
            "[finetuning] in experiment.toml) should lower it further.")
