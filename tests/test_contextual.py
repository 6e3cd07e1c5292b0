"""Context changes the vector: on a corpus where 'bank' means a river's edge beside river words and
a money house beside money words, the masked language model's vectors of its occurrences split by
sense, where any fixed vector is one point for all of them; and the model fills blanks better than
always guessing the most frequent word."""

import dataclasses

import numpy as np
from pretrain_explorer.engine.inspect.contextual import context_spread, silhouette, two_means
from pretrain_explorer.engine.pretraining.masked_lm import train_masked_lm
from pretrain_explorer.engine.settings import MASKED_LM

RIVER_LINES = ("boat drifted river bank reeds", "fishing muddy bank water edge", "reeds grew bank river shallow")
MONEY_LINES = ("money loan bank deposit paid", "cash account bank interest rate", "deposit cash bank loan approved")
RIVER = frozenset(" ".join(RIVER_LINES).split()) - {"bank"}
MONEY = frozenset(" ".join(MONEY_LINES).split()) - {"bank"}
SMALL = dataclasses.replace(MASKED_LM, layers=1, dim=32, heads=2, hidden=64, max_length=8, batch=16,
                            learning_rate=0.01, held_out_share=0.3)


def sense_lines(count: int, seed: int) -> tuple[list[str], list[int]]:
    """Lines of one sense each (three templates a sense), 'bank' in half of them (its sense: 0
    river, 1 money) and left out of the others, so the words' own company is learnt too."""
    rng = np.random.default_rng(seed)
    lines, senses = [], []
    for i in range(count):
        sense = int(rng.integers(2))
        words = str(rng.choice((RIVER_LINES, MONEY_LINES)[sense])).split()
        if i % 2 == 0:
            senses.append(sense)
        else:
            words.remove("bank")
        lines.append(" ".join(words))
    return lines, senses


def test_the_contextual_vectors_of_bank_split_by_the_sense_its_neighbours_set():
    lines, senses = sense_lines(400, 1)
    model = train_masked_lm(lines, frozenset(), seed=3, settings=SMALL, token_budget=15_000)
    # The other words of a line give away its template, so its blanks: far above the baseline.
    assert model.held_out_blanks >= 100
    assert model.accuracy > model.baseline_accuracy + 0.5, (model.accuracy, model.baseline_accuracy)
    spread = context_spread(model, "bank", lines, frozenset())
    assert spread.found == len(senses) == len(spread.occurrences) and spread.points.shape == (len(senses), 2)
    for i, o in enumerate(spread.occurrences[:5]):  # encoded in padded batches: as one line at a time
        assert np.allclose(spread.vectors[i], model.contextual_vectors(list(o.tokens))[o.position], atol=1e-5)
    truth = np.array(senses)
    agreement = max((spread.labels == truth).mean(), (spread.labels != truth).mean())
    assert agreement >= 0.95, agreement
    assert spread.separation > 0.3, spread.separation
    # The truth's own silhouette is the split's; a random split's is near 0.
    random_split = np.random.default_rng(0).integers(2, size=len(truth))
    assert abs(silhouette(spread.vectors, random_split)) < 0.05
    # The nearest occurrences of one occurrence share its sense; its clusters' words are its sense's.
    nearest = spread.nearest(0, 10)
    assert all(truth[j] == truth[0] for j, _ in nearest) and nearest[0][1] >= nearest[-1][1]
    for cluster in spread.clusters:
        sense = RIVER if truth[cluster.members[0]] == 0 else MONEY
        assert cluster.context_words and set(cluster.context_words) <= set(sense)
    assert context_spread(model, "nowhere", lines, frozenset()) is None


def test_two_means_is_deterministic_and_finds_two_planted_groups():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(20, 5)) * 0.1 + np.eye(5)[0]
    b = rng.normal(size=(15, 5)) * 0.1 + np.eye(5)[1]
    labels = two_means(np.vstack([a, b]))
    assert len(set(labels[:20])) == 1 and len(set(labels[20:])) == 1 and labels[0] != labels[20]
    assert np.array_equal(labels, two_means(np.vstack([a, b])))
    assert silhouette(np.vstack([a, b]), labels) > 0.8


def test_an_occurrences_line_is_cut_between_words():
    from types import SimpleNamespace

    from pretrain_explorer.tui.presentation.contextual import line_of

    words = "the remarkable restaurant served wonderful food every evening with great excellent service and " \
            "remarkable achievement wonderful".split()
    spread = SimpleNamespace(occurrences=[SimpleNamespace(tokens=tuple(words), position=10)], word="excellent")
    for width in (40, 60, 80):
        shown = line_of(spread, 0, width).plain
        assert len(shown) <= width and "[excellent]" in shown
        for part in shown.removeprefix("#1 ").replace("[excellent]", "excellent").split():
            assert part.strip("…") in words, (width, part)
