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
    # How many runs (seeds) each side's correctness was averaged over: above 1, the test is
    # paired_test's permutation test, and first_only counts the sentences where the first's share
    # of runs right is the larger.
    first_runs: int = 1
    second_runs: int = 1

    @property
    def over_seeds(self) -> bool:
        return max(self.first_runs, self.second_runs) > 1

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


# The exact permutation distribution is computed while its work (nonzero sentences x the sum of
# their scaled differences) stays below this; beyond, the normal approximation, close at that size.
EXACT_WORK = 20_000_000


def paired_test(first_runs, second_runs) -> PairedTest:
    """Two classifiers on the same sentences, each run once or over several seeds. Every sentence
    is scored by the share of a classifier's runs that got it right; the two-sided paired
    permutation test (the sign of each sentence's difference flipped at random) asks how often a
    total difference at least this large comes by chance. With one run each it is exact McNemar;
    the sentences, not the runs, are the units, so seeds never pass for more evidence than the
    sentences hold. Exact while EXACT_WORK allows, else its normal approximation.

    `first_runs` and `second_runs`: non-empty sequences of equal-length boolean sequences, one per run."""
    first, second = _right(first_runs), _right(second_runs)
    if len(first) != len(second):
        raise ValueError(f"paired test of {len(first)} against {len(second)} sentences")
    n, m = len(first_runs), len(second_runs)
    if n == m == 1:
        return mcnemar_exact(first, second)
    # Each sentence's difference of shares, times n * m: whole numbers, so ties are exact.
    differences = [a * m - b * n for a, b in zip(first, second)]
    b = sum(1 for d in differences if d > 0)
    c = sum(1 for d in differences if d < 0)
    sizes = [abs(d) for d in differences if d]
    observed = abs(sum(differences))
    if not sizes:
        return PairedTest(b, c, 1.0, n, m)
    divisor = math.gcd(*sizes)
    sizes = [d // divisor for d in sizes]
    observed //= divisor
    total = sum(sizes)
    if len(sizes) * total <= EXACT_WORK:
        p = _permutation_tail(sizes, total, observed)
    else:
        z = observed / math.sqrt(sum(d * d for d in sizes))
        p = math.erfc(z / math.sqrt(2))
    return PairedTest(b, c, min(1.0, p), n, m)


def _right(runs) -> list[int]:
    """Per sentence, how many of the runs got it right."""
    if not runs:
        raise ValueError("a paired test needs at least one run a side")
    sizes = {len(run) for run in runs}
    if len(sizes) != 1:
        raise ValueError(f"runs of different lengths: {sorted(sizes)}")
    return [sum(map(bool, column)) for column in zip(*runs)]


def _permutation_tail(sizes: list[int], total: int, observed: int) -> float:
    """P(|sum of +-size| >= observed) with each sign a fair coin: the sum is 2 S - total for S the
    sum of the sizes drawn +, whose distribution is built one size at a time."""
    import numpy as np  # the engine's; only here, so that McNemar alone stays stdlib

    chances = np.zeros(total + 1)
    chances[0] = 1.0
    reach = 0
    for size in sizes:
        chances[size:reach + size + 1] += chances[:reach + 1].copy()
        chances[:reach + size + 1] *= 0.5
        reach += size
    sums = np.arange(total + 1)
    return float(chances[np.abs(2 * sums - total) >= observed].sum())


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
