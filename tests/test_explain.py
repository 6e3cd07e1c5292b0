"""engine.explain on the kata: fill the blank, shared contexts, each word's push."""

import numpy as np
import pytest

from engine import load_experiment, run_experiment
from engine.explain import centroid_pushes, fill_blank, shared_contexts
from engine.vectors import WordVectors


@pytest.fixture(scope="module")
def kata():
    return run_experiment(load_experiment())


def test_fill_the_blank_reads_the_context_words_columns(kata):
    e = kata.experiment
    answer = fill_blank(kata.pretrained, "the terrible service at the awful _", e.stopwords, 5, True)
    assert answer.context == ("terrible", "service", "awful")
    assert "restaurant" in [w for w, _ in answer.candidates]  # the corpus says "the awful restaurant"
    assert all(w not in answer.context for w, _ in answer.candidates)
    scores = [s for _, s in answer.candidates]
    assert scores == sorted(scores, reverse=True)
    m = kata.pretrained
    best, score = answer.candidates[0]
    expected = np.mean([m.matrix[m.index(best), m.index(c)] for c in answer.context])
    assert score == pytest.approx(expected)


def test_fill_the_blank_without_a_blank_or_known_words(kata):
    e = kata.experiment
    assert not fill_blank(kata.pretrained, "no blank here", e.stopwords, 5, True).has_blank
    answer = fill_blank(kata.pretrained, "zebras _ [loudly]", e.stopwords, 5, True)
    assert answer.candidates == () and answer.unknown == ("zebras", "loudly")


def test_fill_the_blank_by_cosine_when_dimensions_are_not_words():
    v = WordVectors(("a", "b", "c"), np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]]))
    answer = fill_blank(v, "a _", frozenset(), 2, False)
    assert [w for w, _ in answer.candidates] == ["b", "c"]
    assert answer.candidates[0][1] == pytest.approx(0.9 / np.sqrt(0.82))


def test_shared_contexts_sum_to_the_cosine(kata):
    answer = shared_contexts(kata.pretrained, "excellent", "flowers", 100, True)
    assert answer.cosine == pytest.approx(0.542, abs=1e-3)  # the lesson's first neighbour
    assert sum(c.share for c in answer.contributions) == pytest.approx(answer.cosine)
    assert answer.contributions[0].context in kata.pretrained.words
    shares = [c.share for c in answer.contributions]
    assert shares == sorted(shares, reverse=True)
    assert shared_contexts(kata.pretrained, "excellent", "zzz", 5, True).missing == ("zzz",)
    random = shared_contexts(kata.vectors["random"], "excellent", "flowers", 3, False)
    assert all(c.context is None for c in random.contributions)


@pytest.mark.parametrize("approach", ["random", "pretrained", "from_scratch"])
def test_pushes_sum_to_the_classifiers_scores(kata, approach):
    e = kata.experiment
    for p in kata.approaches[approach].test.predictions:
        explained = centroid_pushes(kata.vectors[approach], e.train, e.stopwords, p.text)
        for label in e.labels:
            assert explained.scores[label] == pytest.approx(p.scores[label], abs=1e-12)
            assert sum(w.push[label] for w in explained.words) == pytest.approx(p.scores[label], abs=1e-12)


def test_unknown_words_push_nothing(kata):
    e = kata.experiment
    explained = centroid_pushes(kata.vectors["from_scratch"], e.train, e.stopwords, "superb quality zebras")
    unknown = {w.word for w in explained.words if not w.known}
    assert "zebras" in unknown
    assert all(v == 0.0 for w in explained.words if not w.known for v in w.push.values())
