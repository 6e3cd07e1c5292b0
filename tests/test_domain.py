"""The domain figure (issue 25): coverage, support and Jensen–Shannon divergence against a direct
computation on hand-made data, and the sentence's rule against numbers that would make it false."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from pretrain_explorer.engine.finetuning.labeled import labeled_data
from pretrain_explorer.engine.inspect.domain import DomainFigure, corpus_word_counts, domain_figure, task_words
from pretrain_explorer.engine.settings import DOMAIN_CLOSE_JS, DOMAIN_FAR_JS
from pretrain_explorer.engine.text import LabeledSentence
from pretrain_explorer.tui.presentation.domain import domain_sentence, part
from scipy.spatial.distance import jensenshannon

STOP = frozenset({"the", "a"})
CORPUS = ["the cat sat on a mat", "a dog sat on the log", "cat and dog and cat", "birds fly high"]
TRAIN = ("the cat sat", "a zebra ran")
TEST = ("dog on log", "zebra zebra cat", "a quokka")


def sentences(texts, labels=("x", "y")):
    return tuple(LabeledSentence(t, labels[k % len(labels)], k) for k, t in enumerate(texts))


def figure(min_count=2, vector_words=lambda w: True):
    data = labeled_data(STOP, sentences(TRAIN), sentences(TEST), sentences(("birds",)))
    counts, kept = corpus_word_counts(["\n".join(CORPUS[:2]) + "\n", "\n".join(CORPUS[2:]) + "\n"], STOP,
                                      task_words(data))
    return domain_figure(data, counts, kept, vector_words, min_count), data


def test_the_figure_counts_as_a_direct_computation():
    f, data = figure()
    # Task (train + test, stopwords dropped): cat 2, sat, zebra 3, ran, dog, on, log, quokka; the
    # transfer sentence is no part of it. Corpus: cat 3, sat 2, on 2, mat, dog 2, log, and 2, birds, fly, high.
    assert task_words(data) == {"cat", "sat", "zebra", "ran", "dog", "on", "log", "quokka"}
    assert (f.train_tokens, f.train_covered) == (4, 2)  # cat sat | zebra ran
    assert (f.test_tokens, f.test_covered) == (7, 4)  # dog on log | zebra zebra cat | quokka
    assert f.words == 8 and f.supported == 4  # cat, sat, on, dog seen twice or more; log once
    corpus = {"cat": 3, "sat": 2, "on": 2, "mat": 1, "dog": 2, "log": 1, "and": 2, "birds": 1, "fly": 1, "high": 1}
    task = {"cat": 2, "sat": 1, "zebra": 3, "ran": 1, "dog": 1, "on": 1, "log": 1, "quokka": 1}
    union = sorted(set(corpus) | set(task))
    p = np.array([corpus.get(w, 0) for w in union], dtype=float)
    q = np.array([task.get(w, 0) for w in union], dtype=float)
    # scipy returns the distance, the square root of the divergence: the figure is the divergence.
    assert f.divergence == pytest.approx(jensenshannon(p, q, base=2) ** 2, abs=1e-12)
    assert 0 < f.divergence < 1


def test_support_needs_a_vector_and_min_count():
    assert figure(min_count=1)[0].supported == 5  # log too
    assert figure(min_count=3)[0].supported == 1  # cat alone
    assert figure(min_count=1, vector_words=lambda w: w != "cat")[0].supported == 4


def test_divergence_bounds():
    data = labeled_data(STOP, sentences(("cat dog",)), sentences(("dog cat",)), None)
    same = domain_figure(data, {"cat": 5, "dog": 5}, 10, lambda w: True, 1)
    apart = domain_figure(data, {}, 10, lambda w: True, 1)  # the corpus's 10 tokens are other words
    assert same.divergence == pytest.approx(0.0, abs=1e-12)
    assert apart.divergence == pytest.approx(1.0) and apart.train_covered == 0 and apart.supported == 0


def test_a_cancelled_count_raises_rather_than_returning_part():
    class Stop(Exception):
        pass

    def stop():
        raise Stop

    with pytest.raises(Stop):
        corpus_word_counts(["cat\n"], STOP, frozenset({"cat"}), stop)


BASE = DomainFigure(train_tokens=1000, train_covered=999, test_tokens=200, test_covered=1, words=50, supported=0,
                    min_count=5, divergence=DOMAIN_CLOSE_JS)


def test_shares_never_round_to_all_or_none():
    assert part(999, 1000) == "99%" and part(1, 1000) == "1%" and part(1000, 1000) == "all" and part(0, 9) == "0%"


@pytest.mark.parametrize("divergence, said, unsaid", [
    (DOMAIN_CLOSE_JS, "close to", "far"),
    ((DOMAIN_CLOSE_JS + DOMAIN_FAR_JS) / 2, "neither close to nor far from", "are close"),
    (DOMAIN_FAR_JS, "far from", "close"),
])
def test_the_sentence_follows_the_thresholds(divergence, said, unsaid):
    text = domain_sentence(dataclasses.replace(BASE, divergence=divergence))
    assert said in text and unsaid not in text.replace(said, "")
    assert "0 the same, 1 nothing shared" in domain_sentence(BASE, detailed=True)
    assert f"{divergence:.2f}" in text
    # 999 of 1000 is not all, 1 of 200 is not none, 0 of 50 is none.
    assert "99% of the labeled tokens" in text and "1% of the test tokens" in text
    assert "0% of the task's 50 words" in text


def test_the_pointers_name_shipped_experiments():
    from pretrain_explorer.engine.experiment import builtin_experiments
    from pretrain_explorer.tui.presentation.guidance import SHOWS_IT_ON_REAL_TEXT, SHOWS_THE_GAIN

    assert {SHOWS_THE_GAIN, SHOWS_IT_ON_REAL_TEXT} <= set(builtin_experiments())


def test_the_kata_result_keeps_its_figure_through_the_disk_cache_and_json(kata_results):
    from pretrain_explorer.engine import builtin_experiment_path, load_experiment, run_experiment
    from pretrain_explorer.engine.pretraining.corpus import read_blocks
    from pretrain_explorer.engine.run.json_form import to_json
    from pretrain_explorer.engine.run.session import Session
    from pretrain_explorer.engine.storage.disk_cache import DiskCache

    e = load_experiment(builtin_experiment_path("kata"))
    session = Session(disk=DiskCache(kata_results / "pretrain-explorer"))
    stored = run_experiment(e, session=session)  # the fixture's entry, read back
    data = labeled_data(e.stopwords, e.train, e.test, e.transfer)
    counts, kept = corpus_word_counts((b.text for b in read_blocks(e.corpus_path)), e.stopwords, task_words(data))
    direct = domain_figure(data, counts, kept, lambda w: stored.pretrained.index(w) is not None,
                           e.vocabulary.min_count)
    assert stored.domain == direct
    assert to_json(stored)["domain"]["divergence"] == direct.divergence
    assert to_json(stored)["domain"]["test_coverage"] == direct.test_coverage


@pytest.mark.parametrize("name, split, winner, best_with_won, points_to", [
    ("kata", "test", None, True, ("held-out", "packages")),
    ("reviews", "test", "pretrained", False, ("packages",)),
    ("reviews", "test", "pretrained", True, ()),
    ("reviews", "transfer", None, False, ()),
    ("packages", "test", None, False, ()),
])
def test_the_pointer_shows_only_where_pretraining_did_not_win(name, split, winner, best_with_won, points_to):
    from types import SimpleNamespace

    from pretrain_explorer.tui.presentation.guidance import where_it_shows

    text = where_it_shows(SimpleNamespace(experiment=SimpleNamespace(name=name)), split, winner, best_with_won)
    assert (text == "") == (not points_to)
    for other in ("held-out", "packages"):
        assert (f"pretrain-explorer {other}" in text) == (other in points_to)
