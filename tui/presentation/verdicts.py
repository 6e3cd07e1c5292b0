"""Explicit rules over the numbers, so that every claim on screen is true on any data: an
approach's accuracy as the rules see it, and the comparison of two on the same sentences."""

from __future__ import annotations

from dataclasses import dataclass

from ...engine.inspect.significance import SIGNIFICANCE, PairedTest
from ...engine.run.results import ExperimentResult, SeedStats
from .approaches import on_encoder
from .wording import Claim, listed, say
from .style import number, pct, seeds

# Accuracies are ratios of whole sentences: a gap of exactly one sentence must not pass as more
# for a rounding error.
SLACK = 1e-9


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


# A win: a beats b on a split when (1) the paired test on the same sentences gives p < SIGNIFICANCE
# with the sentences one of them alone got right leaning its way, and (2) the gap between their
# mean accuracies is larger than both the spread over seeds (the larger standard deviation) and
# one sentence of that split (1 / sentences). Anything else is called level, with the reasons.
@dataclass(frozen=True)
class Comparison:
    first: Accuracy
    second: Accuracy
    sentences: int
    test: PairedTest

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
    def beyond_noise(self) -> bool:
        return abs(self.gap) > max(self.spread, self.one_sentence) + SLACK

    @property
    def significant(self) -> bool:
        """The test's p below the level, and its discordant sentences leaning the gap's way."""
        t = self.test
        return t.p < SIGNIFICANCE and (t.first_only > t.second_only) == (self.gap > 0)

    @property
    def decided(self) -> bool:
        return self.beyond_noise and self.significant

    @property
    def winner(self) -> str | None:
        """The approach that won by the rule, or None when they are level."""
        if not self.decided:
            return None
        return self.first.name if self.gap > 0 else self.second.name

    def figures(self) -> dict:
        a, b, t = self.first, self.second, self.test
        return {"first": a.name, "second": b.name, "first_accuracy": a.mean, "second_accuracy": b.mean,
                "first_std": a.std, "second_std": b.std, "first_seeds": a.seeds.n if a.seeds else 1,
                "second_seeds": b.seeds.n if b.seeds else 1, "gap_points": 100 * self.gap,
                "spread_points": 100 * self.spread, "sentences": self.sentences, "first_only": t.first_only,
                "second_only": t.second_only,
                "test": "permutation test over seeds" if t.over_seeds else "exact McNemar",
                "beyond_spread": self.beyond_noise, "significant": self.significant,
                "verdict": "beat" if self.decided else "level", "winner": self.winner}

    def claim(self, kind: str = "comparison", **extra) -> Claim:
        return Claim(kind, (self.first.name, self.second.name), {**self.figures(), **extra}, self.test.p)

    def sentence(self) -> str:
        return say(self.claim())


def accuracy(result: ExperimentResult, name: str, split: str) -> Accuracy:
    approach = result.approaches[name]
    stats = approach.over_seeds(split)
    if stats is None:
        return Accuracy(name, getattr(approach, split).accuracy, 0.0, None)
    return Accuracy(name, stats.mean, stats.std, stats)


def compare(result: ExperimentResult, first: str, second: str, split: str) -> Comparison:
    sentences = len(getattr(result.approaches[first], split).predictions)
    return Comparison(accuracy(result, first, split), accuracy(result, second, split), sentences,
                      result.evidence.test(first, second, split))


def coverage_claim(result: ExperimentResult, split: str) -> Claim:
    """How many of a split's words the labeled sentences also show, measured, never assumed."""
    o = result.overlap[split]
    return Claim("coverage", (), {"seen": o.seen, "total": o.total})


def coverage(result: ExperimentResult, split: str) -> str:
    return say(coverage_claim(result, split))


# A training whose loss fell by less than this share of its start, and still fell at the last
# epoch, stopped far from where more of the same would take it (100 classes at the default
# learning rate: 4.605 -> 4.583 in 300 epochs).
LITTLE_FALL = 0.10


def unfinished_training(result: ExperimentResult) -> str:
    """A sentence on the trained approaches whose loss barely fell and was still falling at the end,
    or "" when there are none: their accuracy is that of a layer training had barely begun."""
    slow = {name: a.losses for name, a in result.approaches.items()  # the softmax layers' training settings
            if not on_encoder(name) and len(a.losses) > 1 and a.losses[-1] > (1 - LITTLE_FALL) * a.losses[0] and a.losses[-1] < a.losses[-2]}
    if not slow:
        return ""
    falls = listed(f"{name} ({losses[0]:.3f} -> {losses[-1]:.3f})" for name, losses in slow.items())
    epochs = len(next(iter(slow.values()))) - 1
    return (f"Training lowered the loss by less than {pct(LITTLE_FALL)} in {epochs:,} epochs, and it was "
            f"still falling at the last, for {falls}: more epochs (or a larger learning_rate, under "
            "[finetuning] in experiment.toml) should lower it further.")
