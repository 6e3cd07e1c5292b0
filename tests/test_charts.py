"""The charts as drawn: every listed line's letter visible, intervals and spreads on the accuracy
bars, the majority-class baseline on every accuracy chart and curve, and widths that fit."""

import dataclasses
from collections import Counter

import pytest

from pretrain_explorer.engine import load_experiment, run_experiment
from pretrain_explorer.engine.inspect.significance import wilson_interval
from pretrain_explorer.tui.presentation.charts import CHARTS, accuracy_chart, chart, curve_chart, loss_chart
from pretrain_explorer.tui.presentation.line_charts import BAND_GLYPH, BASELINE_LINE
from pretrain_explorer.tui.presentation.style import marker


@pytest.fixture(scope="module")
def kata():
    return run_experiment(load_experiment())


def canvas(text: str) -> list[str]:
    """The plot's inside: each row's columns between its frame's two sides."""
    rows = text.splitlines()
    top = next(k for k, row in enumerate(rows) if "┌" in row)
    bottom = next(k for k, row in enumerate(rows) if "└" in row)
    left, right = rows[top].index("┌"), rows[top].index("┐")
    return [row[left + 1:right] for row in rows[top + 1:bottom]]


def legend(text: str) -> str:
    return text.split("└")[-1]


def with_curve(result, means: dict[str, list[float]], stds: dict[str, list[float]] | None = None, sizes=None):
    sizes = sizes or tuple(2 ** k for k in range(len(next(iter(means.values())))))
    stds = stds or {name: [0.0] * len(sizes) for name in means}
    curve = dataclasses.replace(result.learning_curve, sizes=sizes, mean={n: tuple(v) for n, v in means.items()},
                                std={n: tuple(v) for n, v in stds.items()})
    return dataclasses.replace(result, learning_curve=curve)


def majority_share(sentences) -> tuple[str, float]:
    counts = Counter(s.label for s in sentences)
    top = max(counts.values())
    return min(label for label, n in counts.items() if n == top), top / len(sentences)


@pytest.mark.parametrize("width", [60, 78, 118])
def test_lines_that_meet_everywhere_but_one_point_each_show_their_letter(kata, width):
    # Seven lines share their first three points and end a point or less apart: as on reviews, where
    # the line listed later covered the earlier ones' letters.
    names = list(kata.learning_curve.mean)
    means = {n: [0.6, 0.7, 0.8, 0.9 - 0.01 * k] for k, n in enumerate(names)}
    means["from_scratch"] = means["pretrained"][:3] + [0.905]
    text = curve_chart(with_curve(kata, means), width).plain
    inside = "".join(canvas(text))
    for name in names:
        assert marker(name) in inside, (name, text)
    assert "where lines meet" not in text
    assert max(map(len, text.splitlines())) <= width


def test_lines_equal_everywhere_are_drawn_once_and_named_together(kata):
    names = list(kata.learning_curve.mean)
    means = {n: [0.5 + 0.05 * k, 0.6 + 0.05 * k] for k, n in enumerate(names)}
    means["fine_tuned"] = means["random"]
    text = curve_chart(with_curve(kata, means), 78).plain
    assert "R random = fine_tuned" in legend(text)
    assert marker("fine_tuned") not in "".join(canvas(text))


def test_the_loss_chart_shows_every_trained_approach_where_their_losses_coincide(kata):
    text = loss_chart(kata, 78).plain
    trained = [name for name, a in kata.approaches.items() if a.losses]
    assert len(trained) >= 3
    inside = "".join(canvas(text))
    for name in trained:
        assert marker(name) in inside, (name, text)
    # Identical losses: one letter, both named.
    same = dataclasses.replace(kata.approaches["fine_tuned"], losses=kata.approaches["random_fine_tuned"].losses)
    text = loss_chart(dataclasses.replace(kata, approaches={**kata.approaches, "fine_tuned": same}), 78).plain
    assert "F fine_tuned = random_fine_tuned" in legend(text)


def test_the_curve_draws_a_whisker_where_subsets_disagree_and_none_where_they_agree(kata):
    names = list(kata.learning_curve.mean)
    means = {n: [0.55 + 0.04 * k, 0.6 + 0.04 * k, 0.65 + 0.04 * k] for k, n in enumerate(names)}
    flat = curve_chart(with_curve(kata, means), 78).plain
    assert BAND_GLYPH not in "".join(canvas(flat))
    stds = {n: [0.0, 0.0, 0.0] for n in names}
    stds["random"] = [0.1, 0.0, 0.0]  # ± 10 points at the first size: a whisker some rows tall
    text = curve_chart(with_curve(kata, means, stds), 78).plain
    rows = canvas(text)
    columns = {row.index(BAND_GLYPH) for row in rows if BAND_GLYPH in row}
    assert len(columns) == 1 and sum(BAND_GLYPH in row for row in rows) >= 3
    column = columns.pop()
    letter_rows = [row for row in rows if row[column] == marker("random")]
    assert len(letter_rows) == 1  # the whisker goes through random's letter at that point
    assert f"{BAND_GLYPH} mean ± std over {kata.learning_curve.seeds} draws" in legend(text)


def test_the_curve_and_the_accuracy_charts_draw_the_majority_class(kata):
    label, share = majority_share(kata.experiment.test)
    said = f"always {label}: {100 * share:.0f}%"
    curve = curve_chart(kata, 78).plain
    assert said in legend(curve)
    assert any(BASELINE_LINE * 5 in row for row in canvas(curve))
    bars = accuracy_chart(kata, "test", 78).plain
    assert f"└ {said}" in bars and "┆" in bars
    label, share = majority_share(kata.experiment.transfer)
    assert f"always {label}: {100 * share:.0f}%" in accuracy_chart(kata, "transfer", 78).plain


def test_an_imbalanced_test_set_moves_the_baseline(kata):
    test = tuple(dataclasses.replace(s, label="positive") for s in kata.experiment.test[:5]) + kata.experiment.test[5:]
    r = dataclasses.replace(kata, experiment=dataclasses.replace(kata.experiment, test=test))
    label, share = majority_share(test)
    assert label == "positive" and share > 0.5
    assert f"always positive: {100 * share:.0f}%" in accuracy_chart(r, "test", 78).plain


def test_accuracy_bars_carry_their_interval_or_spread(kata):
    text = accuracy_chart(kata, "test", 78).plain
    rows = text.splitlines()
    for name, a in kata.approaches.items():
        row = next(k for k, line in enumerate(rows) if line.startswith(name + " "))
        stats = a.over_seeds("test")
        if stats is None:
            interval = wilson_interval(a.test.correct, len(a.test.predictions))
            assert rows[row].endswith(f"({100 * interval.low:.0f}–{100 * interval.high:.0f})")
            assert "├" in rows[row + 1] or "┼" in rows[row + 1]
        else:
            assert f"± {100 * stats.std:.1f}".rstrip("0").rstrip(".") in rows[row]
            assert any(glyph in rows[row + 1] for glyph in "╞╪╡")
    assert "95% interval (Wilson)" in " ".join(rows) and "mean ± std over" in " ".join(rows)


def test_a_single_run_on_few_sentences_has_a_wide_interval(kata):
    # 3 of 6 right: the Wilson interval spans from under 20% to over 80%.
    a = kata.approaches["pretrained"]
    wrong = {"negative": "positive", "positive": "negative"}
    predictions = tuple(p if k < 3 else dataclasses.replace(p, predicted=wrong[p.label])
                        for k, p in enumerate(a.test.predictions))
    changed = dataclasses.replace(a, test=dataclasses.replace(a.test, predictions=predictions))
    r = dataclasses.replace(kata, approaches={**kata.approaches, "pretrained": changed})
    row = next(line for line in accuracy_chart(r, "test", 78).plain.splitlines() if line.startswith("pretrained "))
    interval = wilson_interval(3, 6)
    assert interval.low < 0.2 and interval.high > 0.8
    assert row.endswith(f"50% ({100 * interval.low:.0f}–{100 * interval.high:.0f})")
    assert "┆" not in row  # the baseline (50% too) never cuts into a bar's figures


@pytest.mark.parametrize("width", [40, 60, 78, 118])
def test_every_chart_fits_its_width(kata, width):
    for name in CHARTS:
        assert max(map(len, chart(kata, name, width).plain.splitlines())) <= width, name
        assert "t: the" not in chart(kata, name, width).plain  # the explorer's keys stay out of reports
