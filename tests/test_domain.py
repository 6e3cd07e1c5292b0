"""The domain figure (issue 25): coverage, support, Jensen–Shannon divergence and the size-matched
share of unsupported tokens against a direct computation on hand-made data, generated corpora whose
answer is known at several task sizes, and the sentence's rule against numbers that would make it false."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

import numpy as np
import pytest
from pretrain_explorer.engine.finetuning.labeled import labeled_data
from pretrain_explorer.engine.inspect.domain import (
    CorpusSurvey,
    DomainFigure,
    domain_figure,
    sample_budget,
    sample_unsupported,
    survey_corpus,
    task_tokens,
    task_words,
)
from pretrain_explorer.engine.settings import DOMAIN_CLOSE_EXCESS, DOMAIN_FAR_EXCESS, DOMAIN_SAMPLES
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
    survey = survey_corpus(["\n".join(CORPUS[:2]) + "\n", "\n".join(CORPUS[2:]) + "\n"], STOP, 100)
    return domain_figure(data, survey, vector_words, min_count), data


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
    # Seen fewer than twice: zebra 3, ran, log, quokka of 11 task tokens. The corpus's 19 tokens are
    # fewer than four times the task's 11: too small a corpus for a baseline.
    assert f.unsupported == pytest.approx(6 / 11)
    assert (f.sample_unsupported, f.samples, f.excess_unsupported) == (None, 0, None)


def test_support_needs_a_vector_and_min_count():
    assert figure(min_count=1)[0].supported == 5  # log too
    assert figure(min_count=3)[0].supported == 1  # cat alone
    assert figure(min_count=1, vector_words=lambda w: w != "cat")[0].supported == 4


def test_divergence_bounds():
    data = labeled_data(STOP, sentences(("cat dog",)), sentences(("dog cat",)), None)
    same = domain_figure(data, CorpusSurvey(Counter({"cat": 5, "dog": 5}), 10, ()), lambda w: True, 1)
    apart = domain_figure(data, CorpusSurvey(Counter({"fish": 10}), 10, ()), lambda w: True, 1)
    assert same.divergence == pytest.approx(0.0, abs=1e-12)
    assert apart.divergence == pytest.approx(1.0) and apart.train_covered == 0 and apart.supported == 0


def test_a_cancelled_count_raises_rather_than_returning_part():
    class Stop(Exception):
        pass

    def stop():
        raise Stop

    with pytest.raises(Stop):
        survey_corpus(["cat\n"], STOP, 10, stop)


BASE = DomainFigure(train_tokens=1000, train_covered=999, test_tokens=200, test_covered=1, words=50, supported=0,
                    min_count=5, divergence=0.5, unsupported=0.1, sample_unsupported=0.1 - DOMAIN_CLOSE_EXCESS,
                    samples=DOMAIN_SAMPLES)


def test_shares_never_round_to_all_or_none():
    assert part(999, 1000) == "99%" and part(1, 1000) == "1%" and part(1000, 1000) == "all" and part(0, 9) == "0%"


@pytest.mark.parametrize("excess, said, unsaid", [
    (DOMAIN_CLOSE_EXCESS, "close to", "far"),
    ((DOMAIN_CLOSE_EXCESS + DOMAIN_FAR_EXCESS) / 2, "neither close to nor far from", "is close"),
    (DOMAIN_FAR_EXCESS, "far from", "close"),
    (-0.2, "close to", "far"),  # the task better known than the corpus's own lines
])
def test_the_sentence_follows_the_thresholds(excess, said, unsaid):
    text = domain_sentence(dataclasses.replace(BASE, sample_unsupported=BASE.unsupported - excess))
    assert said in text and unsaid not in text.replace(said, "")
    assert "0 the same and 1 nothing shared" in domain_sentence(BASE, detailed=True)
    assert "Jensen" not in text and "10.0% of the task's tokens occur in it fewer than 5 times" in text
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
    survey = survey_corpus((b.text for b in read_blocks(e.corpus_path)), e.stopwords,
                           sample_budget(task_tokens(data)))
    direct = domain_figure(data, survey, lambda w: stored.pretrained.index(w) is not None,
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


def test_without_a_baseline_neither_word_is_said():
    text = domain_sentence(dataclasses.replace(BASE, sample_unsupported=None, samples=0))
    assert "neither close nor far" in text and "close to" not in text and "far from" not in text


def letters(k: int) -> str:
    """A word for the number k, of letters only (the tokenizer splits at digits)."""
    return "".join(chr(ord("a") + int(d)) for d in str(k)) + "x"


def zipf_lines(rng, count, vocabulary, prefix, length=8):
    weights = [1 / (k + 1) for k in range(vocabulary)]
    words = [prefix + letters(k) for k in range(vocabulary)]
    return [" ".join(rng.choices(words, weights, k=length)) for _ in range(count)]


CORPUS_LINES = zipf_lines(random.Random(1), 4000, 600, "q")
GENERATED = survey_corpus(["\n".join(CORPUS_LINES[:2000]) + "\n", "\n".join(CORPUS_LINES[2000:]) + "\n"],
                          frozenset(), sample_budget(4000))


@pytest.mark.parametrize("lines", [10, 100, 500])
@pytest.mark.parametrize("kind, said", [("same", "close to"), ("disjoint", "far from"), ("half", "far from")])
def test_generated_corpora_read_as_they_were_made_at_every_task_size(lines, kind, said):
    """A task drawn from the corpus's own distribution reads close; one of other words (all, or half
    of its lines) far: at 80, 800 and 4,000 tokens alike, where the divergence would grow as it shrinks."""
    rng = random.Random(lines)
    same = zipf_lines(rng, lines, 600, "q")
    other = zipf_lines(rng, lines, 600, "z")
    texts = {"same": same, "disjoint": other, "half": same[: lines // 2] + other[lines // 2:]}[kind]
    data = labeled_data(frozenset(), sentences(texts[::2]), sentences(texts[1::2]), None)
    survey = CorpusSurvey(GENERATED.counts, GENERATED.tokens, GENERATED.sample)
    f = domain_figure(data, survey, lambda w: True, 3)
    assert f.samples == DOMAIN_SAMPLES and f.sample_unsupported is not None
    assert said in domain_sentence(f)
    if kind == "disjoint":
        assert f.unsupported == 1.0 and f.train_covered == 0


def test_the_baseline_samples_are_disjoint_random_lines_measured_against_the_rest():
    # Six lines of two tokens; a sample of 2 tokens is one line, and its words' counts in the rest
    # decide. "aa" occurs in three lines, "bb" in one: a sample holding "bb" finds it unseen in the rest.
    survey = survey_corpus(["aa bb\naa cc\naa dd\nee ff\ngg hh\nii jj\n"], frozenset(), 2 * DOMAIN_SAMPLES)
    assert sum(len(line) for line in survey.sample) >= 2 * DOMAIN_SAMPLES
    assert len(set(survey.sample)) == len(survey.sample)  # each line once
    share, samples = sample_unsupported(survey, 2, 1)
    expected = [sum(survey.counts[w] - 1 < 1 for w in line) / 2 for line in survey.sample[:samples]]
    assert samples == DOMAIN_SAMPLES and share == pytest.approx(sum(expected) / samples)
    assert sample_unsupported(survey, 4, 1) == (None, 0)  # 12 tokens: three samples of 4 would leave no rest


def test_the_pointer_gives_the_domain_figure_as_a_reason_only_where_it_is_far():
    from types import SimpleNamespace

    from pretrain_explorer.tui.presentation.guidance import where_it_shows

    def pointer(excess):
        figure = dataclasses.replace(BASE, unsupported=0.16, sample_unsupported=0.16 - excess)
        r = SimpleNamespace(experiment=SimpleNamespace(name="reviews"), domain=figure)
        return where_it_shows(r, "test", "pretrained", False)

    far = pointer(DOMAIN_FAR_EXCESS)
    assert "One reason here: the corpus has seen 16% of the task's tokens fewer than 5 times, against 8%" in far
    for excess in (DOMAIN_CLOSE_EXCESS, (DOMAIN_CLOSE_EXCESS + DOMAIN_FAR_EXCESS) / 2):
        assert "One reason" not in pointer(excess) and "pretrain-explorer packages" in pointer(excess)
