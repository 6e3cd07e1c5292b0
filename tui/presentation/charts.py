"""Charts of a result as Rich Text, for the explorer's panes and the text report alike."""

from __future__ import annotations

import dataclasses
import textwrap
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

from ...engine.run.results import ExperimentResult
from .line_charts import Band, Baseline, line_chart
from .widths import left, short
from .style import (
    NEUTRAL,
    approach_colour,
    cosine,
    label_colour,
    number,
    pct,
    seeds,
)

_EIGHTHS = " ▏▎▍▌▋▊▉"
LINE_HEIGHT = 15
# The learning curve has seven lines, often a few points apart: it takes the rows of an 80x24
# screen below the stage bar, status line and footer.
CURVE_HEIGHT = 21


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    colour: str
    text: str  # written at the bar's end
    # A range around the value, drawn on the row below: a 95% interval (├─┼─┤) or a spread over
    # seeds (╞═╪═╡).
    low: float | None = None
    high: float | None = None
    over_seeds: bool = False
    brief: str = ""  # the text where the width leaves no room for it (its range is still drawn)


MIN_CELLS = 10  # a bar chart's narrowest bars
INTERVAL_GLYPHS = "├─┼┤"
SEED_GLYPHS = "╞═╪╡"
BASELINE_GLYPH = "┆"  # across the bar chart's rows


def _cells(value: float, lo: float, hi: float, cells: int) -> float:
    return max(0.0, min(1.0, (value - lo) / (hi - lo))) * cells


def _bar_row(bar: Bar, lo: float, hi: float, cells: int, label_width: int) -> Text:
    row = Text(left(bar.label, label_width), style=bar.colour)
    zero, end = _cells(0.0, lo, hi, cells), _cells(bar.value, lo, hi, cells)
    start, stop = sorted((zero, end))
    whole, part = divmod(round((stop - start) * 8), 8)
    row.append(" " * round(start))
    row.append("█" * whole + (_EIGHTHS[part] if part else ""), style=bar.colour)
    row.append(" " + bar.text)
    return row


def _range_row(bar: Bar, lo: float, hi: float, cells: int, label_width: int) -> Text:
    """├──┼──┤ from low to high, ┼ at the value (╞══╪══╡ for a spread over seeds)."""
    left_end, line, at, right_end = SEED_GLYPHS if bar.over_seeds else INTERVAL_GLYPHS
    left = round(_cells(bar.low, lo, hi, cells))
    mid = round(_cells(bar.value, lo, hi, cells))
    right = round(_cells(bar.high, lo, hi, cells))
    if right - left < 2:
        drawn = at
        left = mid
    else:
        drawn = "".join(left_end if i == left else right_end if i == right else at if i == mid else line
                        for i in range(left, right + 1))
    return Text(" " * (label_width + left)) + Text(drawn, style=bar.colour)


def _with_baseline(row: Text, column: int, bar_row: bool) -> Text:
    """The baseline's ┆ in `row` at `column` where the row leaves that cell blank; on a bar's row
    only past its value, a cell apart, so it never joins the bar or its figures."""
    if bar_row and column <= len(row):
        return row
    if column < len(row) and row.plain[column] != " ":
        return row
    row = row.copy()
    if column >= len(row):
        row.append(" " * (column - len(row)))
        return row + Text(BASELINE_GLYPH, style=NEUTRAL)
    return row[:column] + Text(BASELINE_GLYPH, style=NEUTRAL) + row[column + 1:]


def _baseline_foot(baseline: Baseline, column: int, width: int) -> Text:
    """The baseline's name at the foot of its line: to its right where it fits, else to its left."""
    if column + 2 + len(baseline.text) <= width:
        return Text(" " * column + "└ " + baseline.text, style=NEUTRAL)
    return Text(" " * max(0, column - len(baseline.text) - 1) + baseline.text + " ┘", style=NEUTRAL)


def _axis(ticks: list[tuple[float, str]], lo: float, hi: float, cells: int, label_width: int) -> Text:
    line = [" "] * (cells + 6)
    for value, name in ticks:
        at = round(_cells(value, lo, hi, cells))
        at = min(max(0, at - len(name) // 2), len(line) - len(name))
        line[at:at + len(name)] = name
    return Text(" " * label_width + "".join(line).rstrip(), style="dim")


# Bar charts are drawn here cell by cell, each bar on its own row with its range on the row after
# it, its value at its end (plotext spreads bars over the rows it is given, so in a small terminal
# they merge, and it has no error bars). Line charts (loss, learning curve) use plotext.
def bar_chart(title: str, bars: list[Bar], lo: float, hi: float, ticks: list[tuple[float, str]],
              key: list[str], width: int, baseline: Baseline | None = None) -> Text:
    label_width = max((cell_len(b.label) for b in bars), default=0) + 1
    text_width = max((len(b.text) for b in bars), default=0) + 2
    if width - label_width - text_width < MIN_CELLS and all(b.brief for b in bars):
        bars = [dataclasses.replace(b, text=b.brief) for b in bars]
        text_width = max(len(b.text) for b in bars) + 2
    cells = max(MIN_CELLS, width - label_width - text_width)
    rows = []
    for bar in bars:
        rows.append(_bar_row(bar, lo, hi, cells, label_width))
        rows.append(_range_row(bar, lo, hi, cells, label_width) if bar.low is not None else Text(""))
    if baseline is not None:
        column = label_width + round(_cells(baseline.value, lo, hi, cells))
        rows = [_with_baseline(row, column, k % 2 == 0) for k, row in enumerate(rows)]
        rows.append(_baseline_foot(baseline, column, width))
    rows = [Text(title, style="bold"), *rows, _axis(ticks, lo, hi, cells, label_width)]
    rows += [Text(line, style="dim") for sentence in key for line in textwrap.wrap(sentence, width)]
    return Text("\n").join(rows)


def majority_baseline(result: ExperimentResult, split: str) -> Baseline | None:
    """Always guessing the most common class of the split's sentences, in percent."""
    found = result.majority(split)
    if found is None:
        return None
    label, share = found
    return Baseline(100 * share, f"always {short(label)}: {pct(share)}")


def accuracy_chart(result: ExperimentResult, split: str, width: int) -> Text:
    names = tuple(result.approaches)
    bars, seeded = [], []
    for name, a in result.approaches.items():
        scores = getattr(a, split)
        if scores is None:
            continue
        stats = a.over_seeds(split)
        colour = approach_colour(name, names)
        if stats is None:
            interval = a.interval(split)
            bars.append(Bar(name, 100 * scores.accuracy, colour,
                            f"{pct(scores.accuracy)} ({100 * interval.low:.0f}–{100 * interval.high:.0f})",
                            100 * interval.low, 100 * interval.high, brief=pct(scores.accuracy)))
        else:
            seeded.append(name)
            low, high = max(0.0, stats.mean - stats.std), min(1.0, stats.mean + stats.std)
            bars.append(Bar(name, 100 * stats.mean, colour, f"{pct(stats.mean)} ± {number(100 * stats.std)}",
                            100 * low, 100 * high, over_seeds=True, brief=pct(stats.mean)))
    if not bars:  # an experiment without transfer sentences, or a phase before any training
        return Text("No transfer sentences in this experiment." if split == "transfer" else "")
    sentences = len(getattr(next(a for a in result.approaches.values() if getattr(a, split) is not None),
                            split).predictions)
    what = "test sentences" if split == "test" else "new-domain sentences"
    key = [f"Share of the {sentences} {what} classified right."]
    if len(seeded) < len(bars):
        key.append("├─┼─┤ (low–high): its 95% interval (Wilson) on these sentences.")
    if seeded:
        n = next(a.over_seeds(split).n for a in result.approaches.values() if a.over_seeds(split))
        key.append(f"╞═╪═╡ {', '.join(seeded)}: mean ± std over {seeds(n)}.")
    baseline = majority_baseline(result, split)
    if baseline is not None:
        key.append(f"{BASELINE_GLYPH} always guessing the most common class.")
    title = f"{'Test' if split == 'test' else 'Transfer'} accuracy (%)"
    ticks = [(v, f"{v}%") for v in (0, 25, 50, 75, 100)]
    return bar_chart(title, bars, 0, 100, ticks, key, width, baseline)


def groups_chart(result: ExperimentResult, width: int) -> Text:
    labels = result.experiment.labels
    bars = [Bar(f"{short(g.name)} within", g.within, label_colour(labels, g.name), cosine(g.within))
            for g in result.groups.groups if g.within is not None]
    bars += [Bar(f"{short(p.first)} vs {short(p.second)}", p.between, NEUTRAL, cosine(p.between))
             for p in result.groups.pairs if p.between is not None]
    lo = -1.0 if any(b.value < 0 for b in bars) else 0.0
    ticks = [(v, f"{v:g}") for v in ((-1, 0, 0.5, 1) if lo < 0 else (0, 0.25, 0.5, 0.75, 1))]
    key = ["Average cosine between the words of a group (within) and across two groups (vs)."]
    return bar_chart("Average cosine similarity", bars, lo, 1.0, ticks, key, width)


def loss_chart(result: ExperimentResult, width: int, height: int = LINE_HEIGHT) -> Text:
    trained = {name: list(a.losses) for name, a in result.approaches.items() if a.losses}
    # The softmax layers' epochs (the masked language model's approaches train for fewer, on one axis
    # of epochs they would not line up): the approaches with as many epochs as the first.
    xs = list(range(len(next(iter(trained.values()), []))))
    trained = {name: losses for name, losses in trained.items() if len(losses) == len(xs)}
    return line_chart("Training loss (cross-entropy on the labeled sentences)", "epoch", xs, trained,
                      width, height, False)


def curve_chart(result: ExperimentResult, width: int, height: int = CURVE_HEIGHT) -> Text:
    curve = result.learning_curve
    series = {name: [100 * m for m in means] for name, means in curve.mean.items()}
    band = Band({name: [100 * (m - s) for m, s in zip(curve.mean[name], curve.std[name])] for name in curve.mean},
                {name: [100 * (m + s) for m, s in zip(curve.mean[name], curve.std[name])] for name in curve.mean},
                f"mean ± std over {curve.seeds} draws of the labeled subsets")
    title = f"Learning curve: test accuracy (%), mean over {curve.seeds} draws"
    return line_chart(title, "labeled examples per class", list(curve.sizes), series, width, height, True,
                      band, majority_baseline(result, "test"))


def curve_rows(result: ExperimentResult) -> tuple[list[str], list[list[str]]]:
    """The learning curve as a table: a header of sizes, then each approach's mean ± std."""
    curve = result.learning_curve
    header = ["per class", *(str(s) for s in curve.sizes)]
    rows = [[name, *(f"{100 * m:.0f} ± {100 * s:.0f}" for m, s in zip(curve.mean[name], curve.std[name]))]
            for name in curve.mean]
    return header, rows


CHARTS = ("accuracy:test", "accuracy:transfer", "groups", "loss", "curve")


def chart(result: ExperimentResult, name: str, width: int, height: int | None = None) -> Text:
    """A chart by name (one of CHARTS). Bar charts take the rows they need; line charts `height`."""
    if name == "groups":
        return groups_chart(result, width)
    if name == "loss":
        return loss_chart(result, width, height or LINE_HEIGHT)
    if name == "curve":
        return curve_chart(result, width, height or CURVE_HEIGHT)
    kind, _, split = name.partition(":")
    if kind == "accuracy" and split in ("test", "transfer"):
        return accuracy_chart(result, split, width)
    raise ValueError(f"no chart called {name!r}")


def chart_height(result: ExperimentResult, name: str, width: int) -> int:
    if name in ("loss", "curve"):
        return CURVE_HEIGHT if name == "curve" else LINE_HEIGHT
    return len(chart(result, name, width).plain.splitlines())
