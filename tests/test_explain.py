"""engine.inspect.explain on the kata: fill the blank, shared contexts, each word's push."""

import numpy as np
import pytest

from pretrain_explorer.engine import load_experiment, run_experiment
from pretrain_explorer.engine.finetuning.approaches import APPROACHES
from pretrain_explorer.engine.inspect.explain import Explainer, centroid_pushes, fill_blank, shared_contexts
from pretrain_explorer.engine.finetuning.softmax import softmax
from pretrain_explorer.engine.vectors import WordVectors


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


# --- every approach -------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=["kata", "held-out"])
def explained_run(request):
    from helpers import HELD_OUT, KATA

    result = run_experiment(load_experiment(KATA if request.param == "kata" else HELD_OUT))
    return result, Explainer(result)


def test_every_approachs_pushes_and_bias_make_its_scores_and_its_prediction(explained_run):
    """The kept models are the run's (their probabilities are the run's to 1e-9), and each
    word's push plus the bias is the model's logit, so the largest total is the prediction."""
    result, explainer = explained_run
    assert set(result.approaches) == {a.name for a in APPROACHES}
    for name, approach in result.approaches.items():
        for split in (approach.test, approach.transfer):
            for p in split.predictions if split is not None else ():
                e = explainer.explain(name, p.text)
                labels = e.labels
                total = np.array([e.bias[c] + sum(w.push[c] for w in e.words) for c in labels])
                assert total == pytest.approx([e.scores[c] for c in labels], abs=1e-9)
                run_scores = np.array([p.scores[c] for c in labels])
                if e.kind == "logit":
                    assert total == pytest.approx(explainer.logits(name, p.text), abs=1e-9)
                    assert softmax(total) == pytest.approx(run_scores, abs=1e-9), (name, p.text)
                else:
                    assert e.bias == dict.fromkeys(labels, 0.0)
                    assert total == pytest.approx(run_scores, abs=1e-9)
                assert e.predicted == p.predicted, (name, p.text)


def test_every_approach_marks_its_unknown_words(explained_run):
    result, explainer = explained_run
    train_words = {w for s in result.experiment.train for w in explainer.tokens(s.text)}
    for name in result.approaches:
        e = explainer.explain(name, "superb quality zebras")
        unknown = {w.word for w in e.words if not w.known}
        assert "zebras" in unknown, name
        assert all(v == 0.0 for w in e.words if not w.known for v in w.push.values())
    # bag_of_words weighs only the train sentences' words; a test word outside them is unknown.
    test_only = next(w for s in result.experiment.test for w in explainer.tokens(s.text)
                     if w not in train_words and w in result.pretrained)
    e = explainer.explain("bag_of_words", test_only)
    assert [w.known for w in e.words] == [False] and e.scores == e.bias
    assert [w.known for w in explainer.explain("linear_probe", test_only).words] == [True]


def test_a_new_seeds_trained_approaches_are_explained_from_what_the_run_kept():
    """`r` makes seed + 1 the main seed: its random_fine_tuned was trained in the previous run's
    seeds phase, and is read from there (not trained again), kept whole enough to be explained."""
    import dataclasses

    from pretrain_explorer.engine import Session

    session = Session(disk=None)
    e = load_experiment()
    *_, first = session.run(e)
    trained = session.stats["classifier:random_fine_tuned"]
    *_, second = session.run(dataclasses.replace(e, seed=e.seed + 1))
    assert session.stats["classifier:random_fine_tuned"] == trained + 1  # only seed + 20 is new
    explainer = Explainer(second)
    for name in ("random_fine_tuned", "linear_probe", "fine_tuned", "bag_of_words"):
        assert explainer.can_explain(name)
        for p in second.approaches[name].test.predictions:
            run_scores = [p.scores[c] for c in explainer.explain(name, p.text).labels]
            assert softmax(explainer.logits(name, p.text)) == pytest.approx(run_scores, abs=1e-9), name
    assert (first.approaches["random_fine_tuned"].kept_classifier
            is not second.approaches["random_fine_tuned"].kept_classifier)
