"""Paired tests and intervals for accuracies measured on the same sentences."""

from __future__ import annotations

import math
from dataclasses import dataclass

from statistics import NormalDist

# The level below which a paired test's p-value lets a gap be called a win.
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class PairedTest:
    """An exact McNemar test of two classifiers on the same sentences: of the sentences exactly one
    of them got right (the discordant pairs), how likely a split at least this uneven is when
    either is as likely to be the one that is right."""

    first_only: int  # sentences the first got right and the second wrong
    second_only: int
    p: float

    @property
    def discordant(self) -> int:
        return self.first_only + self.second_only

    @property
    def significant(self) -> bool:
        return self.p < SIGNIFICANCE


def mcnemar_exact(first_correct, second_correct) -> PairedTest:
    """The two-sided exact McNemar test (a binomial test of the discordant pairs at 1/2).

    `first_correct` and `second_correct` are equal-length sequences of booleans, one per sentence."""
    if len(first_correct) != len(second_correct):
        raise ValueError(f"paired test of {len(first_correct)} against {len(second_correct)} sentences")
    b = sum(1 for a, c in zip(first_correct, second_correct) if a and not c)
    c = sum(1 for a, d in zip(first_correct, second_correct) if d and not a)
    n = b + c
    if n == 0:
        return PairedTest(b, c, 1.0)
    # Two-sided: twice the smaller tail, capped at 1 (the usual exact McNemar, as statsmodels').
    p = min(1.0, 2.0 * _binomial_tail(min(b, c), n))
    return PairedTest(b, c, p)


def _binomial_tail(k: int, n: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so that thousands of pairs neither
    overflow nor underflow (scipy.stats would do it too, at a third of a second's import)."""
    log_half_n = n * math.log(0.5)
    terms = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + log_half_n for i in range(k + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson_interval(correct: int, total: int, confidence: float = 0.95) -> Interval:
    """The Wilson score interval of an accuracy of correct/total: unlike the normal approximation it
    stays within [0, 1] and is sensible at 0 or total correct and on a few sentences."""
    if total <= 0:
        return Interval(0.0, 1.0)
    if not 0 <= correct <= total:
        raise ValueError(f"{correct} correct of {total}")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = correct / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    low = 0.0 if correct == 0 else max(0.0, centre - half)  # exact ends, not a rounding off them
    high = 1.0 if correct == total else min(1.0, centre + half)
    return Interval(low, high)
