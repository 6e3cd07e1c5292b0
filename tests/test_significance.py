"""The paired test and the interval behind every comparison, against scipy's own."""

import pytest
from scipy.stats import binomtest

from pretrain_explorer.engine.inspect.significance import mcnemar_exact, wilson_interval


@pytest.mark.parametrize("first_only, second_only, both", [(3, 10, 4), (0, 5, 0), (50, 70, 30), (500, 560, 9), (7, 7, 2)])
def test_exact_mcnemar_is_the_binomial_test_of_the_discordant_sentences(first_only, second_only, both):
    first = [True] * first_only + [False] * second_only + [True] * both + [False] * 3
    second = [False] * first_only + [True] * second_only + [True] * both + [False] * 3
    test = mcnemar_exact(first, second)
    assert (test.first_only, test.second_only) == (first_only, second_only)
    assert test.p == pytest.approx(binomtest(first_only, first_only + second_only, 0.5).pvalue, rel=1e-9)


def test_identical_predictions_are_not_significant():
    assert mcnemar_exact([True, False], [True, False]).p == 1.0
    assert not mcnemar_exact([True] * 5, [False] * 5).significant  # 5 of 5 discordant: p = 0.0625
    assert mcnemar_exact([True] * 6, [False] * 6).significant  # p = 0.031


def test_unpaired_sentences_are_refused():
    with pytest.raises(ValueError):
        mcnemar_exact([True], [True, False])


def test_wilson_interval_matches_the_formula_and_keeps_its_ends():
    interval = wilson_interval(84, 100)
    assert (interval.low, interval.high) == pytest.approx((0.7558, 0.8990), abs=1e-4)
    assert wilson_interval(0, 10).low == 0.0 and wilson_interval(10, 10).high == 1.0
    assert wilson_interval(3, 8).low < 3 / 8 < wilson_interval(3, 8).high
