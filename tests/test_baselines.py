"""The majority-class baseline every accuracy chart and learning curve draws."""

import pytest

from pretrain_explorer.engine.inspect.baselines import majority


def test_majority_is_the_most_common_label_and_its_share():
    labels = ["pos"] * 12 + ["neg"] * 5
    assert majority(labels) == ("pos", pytest.approx(12 / 17))
    assert majority(reversed(labels)) == ("pos", pytest.approx(12 / 17))


def test_a_tie_goes_to_the_first_label_in_sorted_order_whatever_the_order():
    assert majority(["b", "a", "c", "b", "a"]) == ("a", pytest.approx(0.4))
    assert majority(["a", "b", "b", "a", "c"]) == ("a", pytest.approx(0.4))


def test_no_labels_have_no_majority():
    with pytest.raises(ValueError):
        majority([])
