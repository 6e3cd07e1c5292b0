"""The presentation layer's sentences, on crafted results: each rule of tui.presentation.verdicts
and tui.presentation.stages, and the report's width."""

import dataclasses

import pytest

from pretrain_explorer.engine.finetuning.approaches import APPROACHES

from pretrain_explorer.engine import load_experiment, run_experiment
from pretrain_explorer.engine.text import LabeledSentence
from helpers import HELD_OUT
from pretrain_explorer.engine.finetuning.labeled import labeled_data
from pretrain_explorer.engine.inspect.coverage import word_overlaps
from pretrain_explorer.tui.presentation import verdicts
from pretrain_explorer.tui.presentation.printed_report import render_text
from pretrain_explorer.tui.presentation.style import marker
from pretrain_explorer.tui.presentation.stages import STAGES, accuracy_note


@pytest.fixture(scope="module")
def kata():
    return run_experiment(load_experiment())


def test_the_kata_s_six_sentences_decide_nothing(kata):
    # pretrained 6/6, random 99% over seeds: within one sentence, and no paired test on 6 sentences
    # can reach p < 0.05 with one of them discordant. The finer rules: tests/test_claims.py.
    sentence = verdicts.compare(kata, "pretrained", "random", "test").sentence()
    assert sentence.startswith("pretrained and random are level: 0.8 points apart (100.0% against 99.2% ± 3.6 over "
                               "20 seeds; p = 1, paired over the 6 sentences")
    assert sentence.endswith("not significant at 0.05 and within one sentence of 6.")


def with_test_sentences(result, texts):
    """The result with other test sentences, and their overlap as the engine measures it."""
    e = result.experiment
    test = tuple(LabeledSentence(t, label, k) for k, (t, label) in enumerate(texts))
    overlap = word_overlaps(labeled_data(e.stopwords, e.train, test, e.transfer))
    return dataclasses.replace(result, experiment=dataclasses.replace(e, test=test), overlap=overlap)


def test_coverage_is_measured_none_seen(kata):
    r = with_test_sentences(kata, [("zebras quietly juggle", "positive")])
    assert verdicts.coverage(r, "test") == "None of their 3 words occurs in the labeled sentences."


def test_coverage_is_measured_all_seen(kata):
    r = with_test_sentences(kata, [(s.text, s.label) for s in kata.experiment.train[:2]])
    assert verdicts.coverage(r, "test").startswith("Every one of their ")
    # and the note says so once, and nothing of words new to the labeled set
    note = accuracy_note(r, "test")
    assert note.count("Every one of their ") == 1 and "new to the labeled" not in note


def test_coverage_partly_seen(kata):
    assert "12 of their 25 words (48%) also occur in the labeled sentences." in accuracy_note(kata, "test")


@pytest.mark.parametrize("weighting, phrase", [
    ("counts", "its row of co-occurrence counts"),
    ("ppmi", "its row of positive PMI"),
    ("svd", "an 86-dimensional SVD of the PPMI"),
])
def test_the_weighting_is_named_as_it_is(kata, weighting, phrase):
    r = dataclasses.replace(kata, corpus=dataclasses.replace(kata.corpus, weighting=weighting))
    assert phrase in STAGES[0].note(r)
    assert f"Average cosine of the {weighting} vectors" in STAGES[4].note(r)


def test_groups_note_says_when_a_group_is_not_closer(kata):
    groups = kata.groups
    pair = dataclasses.replace(groups.pairs[0], between=0.2)  # above positive's within (0.136)
    r = dataclasses.replace(kata, groups=dataclasses.replace(groups, pairs=(pair,)))
    note = STAGES[4].note(r)
    assert "positive words are no closer to each other (0.136) than to negative words (0.200)." in note
    assert "small corpus" not in note


def test_groups_note_compares_the_figures_it_shows(kata):
    """A between-group figure below a group's within figure but equal to it as shown (three decimals)
    is no closer, as the reader sees it."""
    groups = kata.groups
    positive = next(g for g in groups.groups if g.name == groups.pairs[0].first)
    pair = dataclasses.replace(groups.pairs[0], between=positive.within - 0.0001)
    r = dataclasses.replace(kata, groups=dataclasses.replace(groups, pairs=(pair,)))
    shown = f"{positive.within:.3f}"
    assert f"{pair.between:.3f}" == shown  # the case: strictly below, equal as printed
    assert f"{pair.first} words are no closer to each other ({shown}) than to" in STAGES[4].note(r)


def test_groups_note_with_many_pairs_gives_each_figure_once(kata):
    """Three groups, three pairs: each group's figure once, the pairs that hold listed by their figure
    across, the one that does not said on its own (never "closer" of it)."""
    groups = kata.groups
    positive, negative = groups.groups[:2]
    third = dataclasses.replace(negative, name="neutral", within=0.3)
    pairs = (groups.pairs[0],
             dataclasses.replace(groups.pairs[0], second="neutral", between=0.01),
             dataclasses.replace(groups.pairs[0], first=negative.name, second="neutral", between=0.28))
    r = dataclasses.replace(kata, groups=dataclasses.replace(groups, groups=(positive, negative, third), pairs=pairs))
    note = STAGES[4].note(r)
    assert (f"Within each group: {positive.name} {positive.within:.3f}, {negative.name} {negative.within:.3f}, "
            "neutral 0.300.") in note
    assert (f"closer among itself than across the pair: {positive.name} – {negative.name} "
            f"{pairs[0].between:.3f}; {positive.name} – neutral 0.010.") in note
    assert f"{negative.name} words are no closer to each other ({negative.within:.3f}) than to neutral words (0.280)." \
        in note
    assert note.count(f"{positive.within:.3f}") == 1


def test_every_approach_on_screen_is_named(kata):
    extra = dataclasses.replace(kata.approaches["pretrained"], name="an_approach_added_later")
    r = dataclasses.replace(kata, approaches={**kata.approaches, "an_approach_added_later": extra})
    text = render_text(r)
    for name in r.approaches:
        assert f"  {name}: " in text
    for approach in APPROACHES:  # each with its registry's one-line description
        assert f"{approach.name}: {approach.description}"[:70] in text.replace("\n", " ")


def test_report_lines_fit_80_columns(kata):
    held_out = run_experiment(load_experiment(HELD_OUT))
    sizes = tuple(2 ** k for k in range(12))  # a large train set's curve: 1 .. 2,048 per class
    long_curve = dataclasses.replace(kata, learning_curve=dataclasses.replace(
        kata.learning_curve, sizes=sizes, mean={n: (0.5,) * 12 for n in kata.learning_curve.mean},
        std={n: (0.0,) * 12 for n in kata.learning_curve.mean}))
    text = render_text(long_curve, 80)
    assert "2048" in text and "random_fine_tuned  50.0" in text.replace("  50.0", "  50.0")
    for result in (kata, held_out, long_curve):
        for width in (80, 200):
            long = [line for line in render_text(result, width).splitlines() if len(line) > 80]
            assert long == []


def test_why_this_prediction_explains_every_approach_in_pages_that_fit(kata):
    from pretrain_explorer.engine.inspect.explain import Explainer
    from pretrain_explorer.tui.presentation.views import push_help, push_pages, push_table
    from rich.console import Console

    explainer = Explainer(kata)
    text = kata.experiment.test[0].text
    explained = {name: explainer.explain(name, text) for name in kata.approaches}
    for width in (78, 118):
        pages = push_pages(explained, width)
        assert [n for page in pages for n in page] == list(kata.approaches)
        for page in pages:
            shown = {n: explained[n] for n in page}
            console = Console(width=200, record=True)
            console.print(push_table(kata, shown))
            assert max(len(line.rstrip()) for line in console.export_text().splitlines()) <= width
            help_text = " ".join(push_help(shown).plain.split())
            assert all(name in help_text for name in page)
    assert len(push_pages(explained, 78)) == 2 and len(push_pages(explained, 118)) == 1


def test_the_learning_curves_axis_zooms_to_close_lines_and_says_so(kata):
    from pretrain_explorer.tui.presentation.charts import curve_chart
    from pretrain_explorer.tui.presentation.line_charts import percent_axis

    assert percent_axis({"a": [49.0, 66.0], "b": [52.0, 58.0]}) == (45.0, 70.0, [45, 50, 55, 60, 65, 70])
    assert percent_axis({"a": [10.0, 95.0]})[:2] == (0.0, 100.0)
    assert percent_axis({"a": [99.0, 100.0]})[:2] == (80.0, 100.0)  # at least 20 points, within 0-100
    # Seven lines a few points apart, as on the reviews corpus: each ends on a row of its own.
    ends = {"random": 53, "pretrained": 65, "from_scratch": 61, "random_fine_tuned": 58, "bag_of_words": 70}
    curve = dataclasses.replace(kata.learning_curve, sizes=(1, 2), mean={n: (0.5, v / 100) for n, v in ends.items()},
                                std={n: (0.0, 0.0) for n in ends})
    result = dataclasses.replace(kata, learning_curve=curve)
    text = curve_chart(result, 76).plain
    assert "Axis from 45% to 75%" in text
    # The rows inside the frame, right of the first point (where every line starts at 50%).
    rows = [line[len(line) // 2:] for line in text.splitlines() if "┤" in line or "│" in line]
    last_point = {name: [k for k, line in enumerate(rows) if marker(name) in line] for name in ends}
    assert all(len(found) == 1 for found in last_point.values()), last_point
    assert len({found[0] for found in last_point.values()}) == len(ends)


def test_coverage_counts_read_with_thousands_separators(kata):
    known = "excellent"  # a word of the labeled sentences, not a stopword
    r = with_test_sentences(kata, [(" ".join([known] * 1200 + ["zebras"] * 800), "positive")])
    assert verdicts.coverage(r, "test") == "1,200 of their 2,000 words (60%) also occur in the labeled sentences."


def test_progress_reports_reach_the_screen_once_per_step_and_then_a_few_a_second():
    from pretrain_explorer.tui.presentation.progress import ReportGate

    now = [0.0]
    gate = ReportGate(clock=lambda: now[0])
    assert gate.passes("counting")
    assert not gate.passes("counting")  # the same step, at once: not drawn again
    assert gate.passes("svd")  # a new step is always shown
    now[0] += ReportGate.INTERVAL / 2
    assert not gate.passes("svd")
    now[0] += ReportGate.INTERVAL
    assert gate.passes("svd")
    assert gate.passes("counting")  # back to an earlier step: shown


@pytest.mark.parametrize("losses, said", [
    ((4.605, 4.600, 4.590, 4.583), True),  # 0.5% lower and still falling: 100 classes at the default rate
    ((0.693, 0.400, 0.100, 0.032), False),  # the kata's: most of the way down
    ((4.605, 4.590, 4.583, 4.583), False),  # little fall, but flat at the end: more epochs would not help
    ((0.693, 0.680, 0.650, 0.630), True),  # 9% lower and falling
    ((0.693, 0.650, 0.620, 0.620), False),  # 10.5% lower and flat
])
def test_a_training_that_barely_lowered_its_loss_is_said_so_only_when_it_did(kata, losses, said):
    from pretrain_explorer.tui.presentation.verdicts import unfinished_training

    approaches = {name: dataclasses.replace(a, losses=losses if a.losses else ()) for name, a in kata.approaches.items()}
    result = dataclasses.replace(kata, approaches=approaches)
    sentence = unfinished_training(result)
    assert bool(sentence) == said
    report = " ".join(render_text(result, 100).split())  # wrapped lines joined again
    assert (sentence in report) if said else "still falling" not in report
    assert (sentence in STAGES[1].note(result)) if said else "still falling" not in STAGES[1].note(result)
    if said:
        assert f"linear_probe ({losses[0]:.3f} -> {losses[-1]:.3f})" in sentence
        assert f"in {len(losses) - 1:,} epochs" in sentence


def test_many_labeled_sentences_in_many_classes_are_counted_not_listed(kata):
    train = tuple(LabeledSentence(f"sentence {k}", f"class{k % 100:02d}", k + 2) for k in range(2000))
    many = dataclasses.replace(kata, experiment=dataclasses.replace(kata.experiment, train=train))
    note = STAGES[1].note(many)
    assert note.startswith("2,000 labeled sentences in 100 classes (class00, class01 … class99). ")
    assert STAGES[1].note(kata).startswith("Only 8 labeled sentences (negative, positive). ")
