"""The notes' claims on results made to catch careless sentences: a big gap on few sentences, a
fine-tuning win beside a tied centroid pair, an imbalanced test set, crossing learning curves, a
random win at a high dimension; the measured explanations; and the JSON saying what the text says."""

import dataclasses
import itertools
import json
import random

import numpy as np
import pytest

from pretrain_explorer.engine import load_experiment, run_experiment
from pretrain_explorer.engine.finetuning.centroid import Prediction, SplitResult
from pretrain_explorer.engine.finetuning.labeled import labeled_data
from pretrain_explorer.engine.inspect.coverage import word_overlaps
from pretrain_explorer.engine.inspect import explain
from pretrain_explorer.engine.inspect.explain import unseen_word_help
from pretrain_explorer.engine.inspect.significance import mcnemar_exact, paired_test
from pretrain_explorer.engine.run.results import LearningCurve, SeedStats
from pretrain_explorer.engine.text import LabeledSentence
from pretrain_explorer.engine.vectors import WordVectors
from pretrain_explorer.tui.presentation import claims, verdicts
from pretrain_explorer.tui.presentation.printed_report import render_json, render_text
from pretrain_explorer.tui.presentation.stages import STAGES, accuracy_note
from pretrain_explorer.tui.presentation.wording import say

SEEDED = ("random", "random_fine_tuned")


@pytest.fixture(scope="module")
def kata():
    return run_experiment(load_experiment())


def board(kata, labels, right, texts=None, dimension=None):
    """The kata's result with other test sentences (`labels`, `texts`; no transfer set) and each
    approach right where `right[name]` says: one list of booleans, or one per seed for the seeded
    approaches. Approaches not in `right` are right everywhere. What the kata's run measured of its
    own sentences' unseen words is dropped: the board's are measured when asked."""
    e = kata.experiment
    texts = texts or [f"sentence number {k}" for k in range(len(labels))]
    test = tuple(LabeledSentence(t, label, k) for k, (t, label) in enumerate(zip(texts, labels)))
    data = labeled_data(e.stopwords, e.train, test, None)
    seen = data.splits["test"].seen_words
    approaches = {}
    for name, a in kata.approaches.items():
        runs = right.get(name, [True] * len(labels))
        runs = runs if isinstance(runs[0], list) else [runs]
        other = {label: next(x for x in e.labels if x != label) for label in e.labels}
        predictions = tuple(Prediction(t, label, label if ok else other[label], {label: 1.0}, s)
                            for t, label, ok, s in zip(texts, labels, runs[0], seen))
        changes = {"test": SplitResult(predictions), "transfer": None, "transfer_over_seeds": None,
                   "correct_over_seeds": {}, "test_over_seeds": None}
        if name in SEEDED:
            values = [sum(r) / len(r) for r in runs]
            changes["test_over_seeds"] = SeedStats(float(np.mean(values)), float(np.std(values)), len(values))
            changes["correct_over_seeds"] = {"test": tuple(np.array(r, dtype=bool) for r in runs)}
        approaches[name] = dataclasses.replace(a, **changes)
    vectors = dict(kata.vectors)
    if dimension is not None:
        words = vectors["random"].words
        vectors["random"] = WordVectors(words, np.random.default_rng(0).normal(size=(len(words), dimension)))
    return dataclasses.replace(kata, experiment=dataclasses.replace(e, test=test, transfer=None), approaches=approaches,
                               overlap=word_overlaps(data), vectors=vectors, unseen_help={})


def first(n, total):
    return [k < n for k in range(total)]


def kinds(result, split="test"):
    """The claims of a split's note by kind (its one comparison: the lesson's, pretrained against random)."""
    return {c.kind: c for c in claims.note_claims(result, split)}


# --- the paired tests ------------------------------------------------------------------------------

def test_the_permutation_test_is_exact_and_mcnemar_with_one_run_each():
    rng = random.Random(3)
    for _ in range(40):
        n, k, m = rng.randint(1, 9), rng.randint(1, 4), rng.randint(1, 4)
        a = [[rng.random() < 0.6 for _ in range(n)] for _ in range(k)]
        b = [[rng.random() < 0.5 for _ in range(n)] for _ in range(m)]
        differences = [sum(r[i] for r in a) / k - sum(r[i] for r in b) / m for i in range(n)]
        observed = abs(sum(differences))
        flips = [abs(sum(s * d for s, d in zip(signs, differences))) >= observed - 1e-9
                 for signs in itertools.product((1, -1), repeat=n)]
        assert paired_test(a, b).p == pytest.approx(sum(flips) / len(flips), abs=1e-12)
        if k == m == 1:
            assert paired_test(a, b) == mcnemar_exact(a[0], b[0])


def test_seeds_are_not_more_sentences():
    a, b = first(9, 12), first(4, 12)
    assert paired_test([a] * 10, [b]).p == pytest.approx(mcnemar_exact(a, b).p)


def test_the_normal_approximation_takes_over_on_large_sets_and_agrees():
    rng = np.random.default_rng(1)
    a = [list(rng.random(4000) < 0.62) for _ in range(5)]
    b = [list(rng.random(4000) < 0.60)]
    exact = paired_test(a[:1] * 2, b)  # small enough to be exact
    assert exact.over_seeds and 0 < exact.p < 1
    import pretrain_explorer.engine.inspect.significance as significance
    limit = significance.EXACT_WORK
    try:
        significance.EXACT_WORK = 0
        approximate = paired_test(a[:1] * 2, b)
    finally:
        significance.EXACT_WORK = limit
    assert approximate.p == pytest.approx(exact.p, rel=0.05)


# --- "beat" only with p < 0.05 and a gap beyond the noise -----------------------------------------

def test_a_big_gap_on_few_sentences_is_level_with_its_p(kata):
    # pretrained 9 of 10, from_scratch 5 of 10: 40 points, far beyond one sentence, but only the
    # 4 sentences one of them alone got right speak, and 4 to 0 happens by chance one time in 8.
    r = board(kata, ["positive", "negative"] * 5, {"pretrained": first(9, 10), "from_scratch": first(5, 10)})
    c = verdicts.compare(r, "pretrained", "from_scratch", "test")
    assert c.winner is None and c.beyond_noise and c.test.p == pytest.approx(0.125)
    assert c.sentence() == ("pretrained and from_scratch are level: 40 points apart (90.0% against 50.0%; p = 0.12, "
                            "paired over the 10 sentences), not significant at 0.05.")
    # The same rates on 60 sentences: 24 to 0 is no chance.
    r = board(kata, ["positive", "negative"] * 30, {"pretrained": first(54, 60), "from_scratch": first(30, 60)})
    c = verdicts.compare(r, "pretrained", "from_scratch", "test")
    assert c.winner == "pretrained" and c.sentence().startswith("pretrained beat from_scratch by 40 points")


def test_a_significant_gap_within_the_spread_over_seeds_is_level(kata):
    n = 200
    seeds = [first(60 + 120 * (s % 2), n) for s in range(4)]  # 30% and 90%: a spread of 30 points
    r = board(kata, ["positive", "negative"] * (n // 2), {"pretrained": first(170, n), "random": seeds})
    c = verdicts.compare(r, "pretrained", "random", "test")
    assert c.significant and not c.beyond_noise and c.winner is None  # 25 points, within the spread of 30
    assert "share of seeds right" in c.sentence()


def test_the_discordant_sentences_must_lean_the_gap_s_way(kata):
    n = 100
    r = board(kata, ["positive", "negative"] * (n // 2), {"pretrained": first(80, n), "random": [first(40, n)] * 3})
    c = verdicts.compare(r, "pretrained", "random", "test")
    assert c.winner == "pretrained" and c.test.first_only > c.test.second_only
    assert "p < 0.001, paired over the 100 sentences, each by its share of seeds right" in c.sentence()


# --- the margin as three questions ------------------------------------------------------------------

def test_a_fine_tuning_win_beside_a_tied_centroid_pair_is_not_no_difference(kata):
    n = 200
    tied = [first(120, n)] * 3
    r = board(kata, ["positive", "negative"] * (n // 2),
              {"pretrained": first(120, n), "random": tied, "fine_tuned": first(180, n),
               "random_fine_tuned": [first(120, n)] * 3, "from_scratch": first(120, n),
               "bag_of_words": first(125, n), "linear_probe": first(120, n)})
    questions = claims.question_claims(r, "test")
    assert [q.figures["verdict"] for q in questions] == ["level", "beat", "beat"]
    assert questions[2].approaches == ("fine_tuned", "bag_of_words")  # the best with, the best without
    note = accuracy_note(r, "test")
    assert "pretrained and random are level" in note
    assert "no measurable difference" not in note + claims.margin(r)
    assert say(questions[1]).startswith("2. Does fine-tuning from pretrained vectors beat fine-tuning from "
                                        "random ones? Yes — fine_tuned beat random_fine_tuned by 30 points")


def test_no_measurable_difference_only_when_every_question_is_level(kata):
    n = 200
    level = {name: ([first(120, n)] * 3 if name in SEEDED else first(120, n)) for name in kata.approaches}
    r = board(kata, ["positive", "negative"] * (n // 2), level)
    assert all(q.figures["verdict"] == "level" for q in claims.question_claims(r, "test"))
    assert "Pretraining made no measurable difference on these 200 sentences (all 3 questions below: level)" \
        in accuracy_note(r, "test")


# --- baselines ---------------------------------------------------------------------------------------

def test_an_imbalanced_test_set_names_the_majority_class_within_reach(kata):
    n = 100
    labels = ["positive"] * 70 + ["negative"] * 30
    everyone = {name: ([first(95, n)] * 3 if name in SEEDED else first(95, n)) for name in kata.approaches}
    # random 73% (its first 73 sentences: 70 positive, 3 negative) against always "positive", 70%.
    r = board(kata, labels, {**everyone, "random": [first(73, n)] * 3})
    majority = kinds(r)["majority"]
    assert majority.approaches == ("random",) and majority.figures["label"] == "positive"
    assert say(majority).startswith("Always guessing positive (the commonest class here) scores 70.0% "
                                    "(70 of 100); not significantly above it, or less than 5 points above: "
                                    "random 73.0% (p = 0.25).")
    assert say(majority) in accuracy_note(r, "test")
    # Everyone 25 points above it, and significantly: no need to say it.
    assert "majority" not in kinds(board(kata, labels, everyone))


def test_a_class_tied_with_another_is_not_called_the_commonest(kata):
    n = 100
    labels = ["positive"] * 50 + ["negative"] * 50
    close = {name: ([first(52, n)] * 3 if name in SEEDED else first(52, n)) for name in kata.approaches}
    majority = kinds(board(kata, labels, close))["majority"]
    assert majority.figures["label"] == "negative" and majority.figures["tied"] == 2  # the first of the two
    assert say(majority).startswith("Always guessing negative (tied for the commonest class here) scores 50.0% ")


def test_when_no_approach_clears_the_majority_class_it_is_said_once_not_listed(kata):
    n = 100
    labels = ["positive"] * 70 + ["negative"] * 30
    close = {name: ([first(72, n)] * 3 if name in SEEDED else first(72, n)) for name in kata.approaches}
    majority = kinds(board(kata, labels, close))["majority"]
    assert set(majority.approaches) == set(kata.approaches)
    said = say(majority)
    assert said.startswith("Always guessing positive (the commonest class here) scores 70.0% (70 of "
                           f"100); none of the {len(kata.approaches)} approaches is significantly above it by "
                           "5 points or more (smallest p = ")
    assert not any(name in said for name in kata.approaches)


def test_a_random_win_at_high_dimension_says_how_like_a_bag_of_words_it_is(kata):
    n = 100
    labels = ["positive", "negative"] * (n // 2)
    like = first(90, n)
    r = board(kata, labels, {"pretrained": first(60, n), "random": [like] * 3, "bag_of_words": like}, dimension=1_000)
    found = kinds(r)
    assert found["comparison"].figures["winner"] == "random"
    assert found["random_dimension"].figures["dimension"] == 1_000
    alike = found["random_like_counts"]
    assert alike.figures["random_same"] == 1.0 and alike.figures["pretrained_same"] == pytest.approx(0.7)
    assert "as in a bag of words: random's predictions (main seed) match bag_of_words' on 100.0%" in say(alike)
    # At the kata's 86 dimensions the dimension is said, nothing more.
    low = kinds(board(kata, labels, {"pretrained": first(60, n), "random": [like] * 3, "bag_of_words": like}))
    assert "random_like_counts" not in low and low["random_dimension"].figures["dimension"] == 86


# --- explanations measured ---------------------------------------------------------------------------

def test_unseen_words_are_counted_and_their_nearest_labeled_word_read(monkeypatch):
    words = ("awful", "bad", "good", "great", "nice", "terrible")
    matrix = np.array([[0, 1.0], [0, 1.0], [1.0, 0], [1.0, 0.1], [0.1, 1.0], [0.2, 1.0]])
    vectors = WordVectors(words, matrix)
    train = (LabeledSentence("good", "positive", 1), LabeledSentence("bad awful", "negative", 2))
    predictions = [Prediction("great", "positive", "positive", {}, ()),  # nearest good: leans right
                   Prediction("nice", "positive", "positive", {}, ()),  # nearest bad: leans wrong
                   Prediction("good terrible", "negative", "negative", {}, ("good",)),
                   Prediction("good", "positive", "positive", {}, ("good",))]
    h = unseen_word_help(vectors, train, frozenset(), predictions, [True, True, False, True])
    assert (h.sentences, h.with_unseen, h.words, h.leaning_right) == (3, 2, 2, 1)
    assert (h.split_with_unseen, h.split_total, h.split_words, h.split_leaning_right) == (3, 4, 3, 2)
    # On a large split the nearest words are read in its first sentences only, and the counts say so.
    monkeypatch.setattr(explain, "MAX_MEASURED", 1)
    h = unseen_word_help(vectors, train, frozenset(), predictions, [True, True, False, True])
    assert (h.sentences, h.with_unseen, h.measured, h.words, h.leaning_right) == (3, 2, 1, 1, 1)
    assert (h.split_with_unseen, h.split_measured, h.split_words) == (3, 1, 1)


def test_a_win_is_explained_by_its_figures_only(kata):
    texts = [s.text for s in kata.experiment.test] * 10
    labels = [s.label for s in kata.experiment.test] * 10
    random_right = [k % 2 == 0 for k in range(len(texts))]
    r = board(kata, labels, {"random": [random_right] * 3}, texts=texts)
    note = accuracy_note(r, "test")
    help_ = kinds(r)["unseen_help"]
    assert help_.approaches == ("pretrained", "random") and help_.figures["sentences"] == 30
    assert say(help_) in note
    assert "place the words the labeled set never shows" not in note and "are close in the pretrained" not in note


# --- the learning curve in words ---------------------------------------------------------------------

def curve_board(kata, means, std=0.01):
    """A learning curve over 1 to 16 labels per class, on 200 test sentences (one is half a point)."""
    sizes = (1, 2, 4, 8, 16)
    curve = LearningCurve(sizes, {n: tuple(v) for n, v in means.items()},
                          {n: (std,) * len(sizes) for n in means}, 10)
    return dataclasses.replace(board(kata, ["positive", "negative"] * 100, {}), learning_curve=curve)


def test_crossing_curves_are_said_to_cross_where_they_do(kata):
    r = curve_board(kata, {"pretrained": (0.70, 0.72, 0.74, 0.76, 0.78), "random": (0.50, 0.65, 0.74, 0.85, 0.90)})
    gap = claims.curve_gap(r, "pretrained", "random")
    assert gap.figures["pattern"] == "crosses"
    assert gap.figures["states"] == ["ahead", "ahead", "level", "behind", "behind"]
    assert say(gap) == ("Learning curve, pretrained against random: the curves cross; ahead at 1 to 2 labels per class "
                        "(+20.0 to +7.0 points); level at 4 labels per class (+0.0 points); behind at 8 to 16 labels "
                        "per class (-9.0 to -12.0 points) (ahead or behind: beyond the spread over 10 draws).")


def test_a_closing_gap_and_its_label_efficiency(kata):
    r = curve_board(kata, {"pretrained": (0.70, 0.80, 0.82, 0.84, 0.85),
                           "bag_of_words": (0.50, 0.60, 0.70, 0.80, 0.84)})
    gap = claims.curve_gap(r, "pretrained", "bag_of_words")
    assert gap.figures["pattern"] == "closes"
    reading = claims.label_efficiency(r, gap)
    # pretrained at 1 label per class scores 70%, which bag_of_words reaches exactly at 4.
    assert reading.figures["size"] == 1 and reading.figures["matched_size"] == 4
    # Its spread (1 point): 69% is 0.9 of the way from 2 (60%) to 4 (70%) in log size, 2^1.9 = 3.7;
    # 71% is 0.1 of the way from 4 to 8 (80%), 2^2.1 = 4.3.
    assert reading.figures["range"] == [3.7, 4.3]
    assert say(reading) == ("pretrained at 1 label per class (70.0%) scores as bag_of_words at about 4 labels per "
                            "class (interpolated between 2 and 4; 3.7 to 4.3 for its score ± its spread over draws).")


def test_the_reading_is_made_at_the_first_size_ahead_beyond_the_spread(kata):
    """Ahead by less than the spread at 1 and 2 labels: not ahead there, so no "1 label scores what 8
    need" sentence, though the means would give one."""
    r = curve_board(kata, {"pretrained": (0.55, 0.62, 0.80, 0.84, 0.85),
                           "bag_of_words": (0.50, 0.55, 0.60, 0.80, 0.84)}, std=0.08)
    reading = claims.label_efficiency(r, claims.curve_gap(r, "pretrained", "bag_of_words"))
    assert reading.figures["size"] == 4 and reading.figures["between"] == [4, 8]
    assert "at 1 label" not in say(reading) and "at 2 labels" not in say(reading)


def test_a_score_never_reached_is_said_only_if_no_size_reaches_it(kata):
    """pretrained is ahead first at 8 labels (86.5% against 84%, beyond the 2-point spread), and
    bag_of_words stays below 86.5% after it; but it scored 87% at 2 labels, falling by steps within
    its spread since. "More than bag_of_words at any size measured" would be false: nothing is said."""
    r = curve_board(kata, {"pretrained": (0.50, 0.60, 0.80, 0.865, 0.87),
                           "bag_of_words": (0.50, 0.87, 0.855, 0.84, 0.845)}, std=0.02)
    gap = claims.curve_gap(r, "pretrained", "bag_of_words")
    assert gap.figures["states"] == ["level", "behind", "behind", "ahead", "ahead"]
    assert claims.label_efficiency(r, gap) is None
    # The same curves without the early peak: the sentence holds and is said.
    r = curve_board(kata, {"pretrained": (0.50, 0.60, 0.80, 0.865, 0.87),
                           "bag_of_words": (0.50, 0.83, 0.835, 0.84, 0.845)}, std=0.02)
    reading = claims.label_efficiency(r, claims.curve_gap(r, "pretrained", "bag_of_words"))
    assert reading.figures["size"] == 8 and "scores more than bag_of_words at any size measured" in say(reading)


def test_beyond_the_measured_range_no_size_is_named(kata):
    r = curve_board(kata, {"pretrained": (0.80, 0.85, 0.88, 0.90, 0.92),
                           "bag_of_words": (0.50, 0.60, 0.65, 0.70, 0.75)})
    reading = claims.label_efficiency(r, claims.curve_gap(r, "pretrained", "bag_of_words"))
    assert reading.figures["matched_size"] is None and reading.figures["range"] is None
    assert say(reading) == ("pretrained at 1 label per class (80.0%) scores more than bag_of_words at any size "
                            "measured, up to 16 labels per class (at best 75.0%).")


def test_the_spread_reaches_past_the_measured_sizes(kata):
    r = curve_board(kata, {"pretrained": (0.79, 0.85, 0.88, 0.90, 0.92),
                           "bag_of_words": (0.50, 0.60, 0.65, 0.70, 0.80)}, std=0.02)
    reading = claims.label_efficiency(r, claims.curve_gap(r, "pretrained", "bag_of_words"))
    assert reading.figures["between"] == [8, 16] and reading.figures["range"][1] is None
    assert "to more than 16 for its score ± its spread" in say(reading)


def test_no_label_efficiency_reading_from_a_curve_that_falls(kata):
    r = curve_board(kata, {"pretrained": (0.70, 0.80, 0.82, 0.84, 0.85),
                           "bag_of_words": (0.50, 0.75, 0.60, 0.80, 0.84)})  # falls 15 points at 4
    assert claims.label_efficiency(r, claims.curve_gap(r, "pretrained", "bag_of_words")) is None


def test_an_opening_gap(kata):
    r = curve_board(kata, {"fine_tuned": (0.50, 0.60, 0.75, 0.85, 0.90),
                           "random_fine_tuned": (0.50, 0.60, 0.65, 0.70, 0.72)})
    gap = claims.curve_gap(r, "fine_tuned", "random_fine_tuned")
    assert gap.figures["pattern"] == "opens" and "the gap opens; level at 1 to 2 labels per class" in say(gap)


# --- notes as data -----------------------------------------------------------------------------------

def test_the_json_carries_every_claim_the_text_prints_and_no_keys(kata):
    text = render_text(kata)
    data = json.loads(render_json(kata))
    flat = " ".join(text.split())
    assert set(data["claims"]) == {"test", "transfer", "learning_curve"}
    for where, found in data["claims"].items():
        assert found, where
        for claim in found:
            assert {"kind", "approaches", "figures", "p", "text"} <= set(claim)
            assert " ".join(claim["text"].split()) in flat, claim["text"]
    for note in data["notes"].values():
        assert " ".join(note.split()) in flat
    assert "/ a word" not in text and "/ a word" not in json.dumps(data)
    assert "/ a word" in STAGES[0].note(kata)  # the explorer keeps its keys
