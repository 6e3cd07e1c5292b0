"""Charts of a result as Rich Text, for the explorer's panes and the text report alike."""

from __future__ import annotations

import math
import textwrap
import threading
from dataclasses import dataclass

import plotext as plt
from rich.cells import cell_len
from rich.text import Text

from ...engine.run.results import ExperimentResult
from .widths import left, short
from .style import (
    NEUTRAL,
    approach_colour,
    cosine,
    label_colour,
    marker,
    number,
    pct,
    rgb,
    seeds,
)

_EIGHTHS = " ▏▎▍▌▋▊▉"
_PLOTEXT = threading.Lock()  # plotext keeps one global figure
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
    spread: float | None = None  # ± around the value, drawn as a range on the row below


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
    """├──┼──┤ from value - spread to value + spread, ┼ at the value."""
    left = round(_cells(bar.value - bar.spread, lo, hi, cells))
    mid = round(_cells(bar.value, lo, hi, cells))
    right = round(_cells(bar.value + bar.spread, lo, hi, cells))
    if right - left < 2:
        drawn = "┼"
        left = mid
    else:
        drawn = "".join("├" if i == left else "┤" if i == right else "┼" if i == mid else "─"
                        for i in range(left, right + 1))
    return Text(" " * (label_width + left)) + Text(drawn, style=bar.colour)


def _axis(ticks: list[tuple[float, str]], lo: float, hi: float, cells: int, label_width: int) -> Text:
    line = [" "] * (cells + 6)
    for value, name in ticks:
        at = round(_cells(value, lo, hi, cells))
        at = min(max(0, at - len(name) // 2), len(line) - len(name))
        line[at:at + len(name)] = name
    return Text(" " * label_width + "".join(line).rstrip(), style="dim")


# Bar charts are drawn here cell by cell, each bar on its own row with a blank row after it, its
# value at its end and its spread over seeds as a range below it (plotext spreads bars over the rows
# it is given, so in a small terminal they merge). Line charts (loss, learning curve) use plotext.
def bar_chart(title: str, bars: list[Bar], lo: float, hi: float, ticks: list[tuple[float, str]],
              key: str, width: int) -> Text:
    label_width = max((cell_len(b.label) for b in bars), default=0) + 1
    text_width = max((len(b.text) for b in bars), default=0) + 2
    cells = max(10, width - label_width - text_width)
    rows = [Text(title, style="bold")]
    for bar in bars:
        rows.append(_bar_row(bar, lo, hi, cells, label_width))
        rows.append(_range_row(bar, lo, hi, cells, label_width) if bar.spread else Text(""))
    rows.append(_axis(ticks, lo, hi, cells, label_width))
    rows += [Text(line, style="dim") for line in textwrap.wrap(key, width)]
    return Text("\n").join(rows)


def accuracy_chart(result: ExperimentResult, split: str, width: int) -> Text:
    names = tuple(result.approaches)
    bars, seeded = [], []
    for name, a in result.approaches.items():
        scores = getattr(a, split)
        if scores is None:
            continue
        stats = a.over_seeds(split)
        if stats is None:
            bars.append(Bar(name, 100 * scores.accuracy, approach_colour(name, names), pct(scores.accuracy)))
        else:
            seeded.append(name)
            bars.append(Bar(name, 100 * stats.mean, approach_colour(name, names),
                            f"{pct(stats.mean)} ± {number(100 * stats.std)}", 100 * stats.std))
    sentences = len(getattr(next(iter(result.approaches.values())), split).predictions)
    what = "test sentences" if split == "test" else "new-domain sentences"
    key = f"Share of the {sentences} {what} classified right."
    if seeded:
        n = next(a.over_seeds(split).n for a in result.approaches.values() if a.over_seeds(split))
        key += f" {', '.join(seeded)}: mean ± std over {seeds(n)}, the range ├─┼─┤ below the bar."
    title = f"{'Test' if split == 'test' else 'Transfer'} accuracy (%)"
    ticks = [(v, f"{v}%") for v in (0, 25, 50, 75, 100)]
    return bar_chart(title, bars, 0, 100, ticks, key, width)


def groups_chart(result: ExperimentResult, width: int) -> Text:
    labels = result.experiment.labels
    bars = [Bar(f"{short(g.name)} within", g.within, label_colour(labels, g.name), cosine(g.within))
            for g in result.groups.groups if g.within is not None]
    bars += [Bar(f"{short(p.first)} vs {short(p.second)}", p.between, NEUTRAL, cosine(p.between))
             for p in result.groups.pairs if p.between is not None]
    lo = -1.0 if any(b.value < 0 for b in bars) else 0.0
    ticks = [(v, f"{v:g}") for v in ((-1, 0, 0.5, 1) if lo < 0 else (0, 0.25, 0.5, 0.75, 1))]
    key = "Average cosine between the words of a group (within) and across two groups (vs)."
    return bar_chart("Average cosine similarity", bars, lo, 1.0, ticks, key, width)


def _same_series(series: dict[str, list[float]]) -> list[list[str]]:
    """Approaches whose lines coincide, grouped, so a hidden line is named in the legend."""
    groups: list[list[str]] = []
    for name, ys in series.items():
        for group in groups:
            if all(abs(a - b) < 1e-9 for a, b in zip(series[group[0]], ys)):
                group.append(name)
                break
        else:
            groups.append([name])
    return groups


def _legend_entry(group: list[str], names: tuple[str, ...], width: int) -> list[Text]:
    """One group's marker and names, on as many lines of `width` as it needs."""
    lines = [Text(marker(group[0]), style=f"bold {approach_colour(group[0], names)}")]
    for word in " = ".join(group).split(" "):
        if len(lines[-1]) + 1 + len(word) > width:
            lines.append(Text(" "))
        lines[-1].append(" " + word)
    return lines


def _legend(groups: list[list[str]], names: tuple[str, ...], width: int) -> list[Text]:
    lines, line = [], Text()
    for group in groups:
        entry = _legend_entry(group, names, width)
        if len(entry) > 1:  # a long group has lines of its own
            lines += ([line] if line else []) + entry
            line = Text()
        elif line and len(line) + 3 + len(entry[0]) > width:
            lines.append(line)
            line = entry[0]
        else:
            line = line + Text("   ") + entry[0] if line else entry[0]
    return lines + ([line] if line else [])


def percent_axis(series: dict[str, list[float]]) -> tuple[float, float, list[float]]:
    """The accuracy axis of a line chart: 0 to 100% where the lines spread over much of it, else
    zoomed to them (in steps of 5 points, at least 20 points tall), so that lines a few points
    apart do not share one row; the ticks and the key say where it starts."""
    values = [v for ys in series.values() for v in ys] or [0.0, 100.0]
    lo, hi = 5 * math.floor((min(values) - 1) / 5), 5 * math.ceil((max(values) + 1) / 5)
    lo, hi = max(lo, 0), min(hi, 100)
    while hi - lo < 20:  # widened on both sides, or on the one that has room
        lo, hi = max(lo - 5, 0), min(hi + 5, 100)
    if hi - lo > 60:
        return 0.0, 100.0, [0, 25, 50, 75, 100]
    step = 5 if hi - lo <= 30 else 10
    return float(lo), float(hi), list(range(int(lo), int(hi) + 1, step))


def line_chart(title: str, xlabel: str, xs: list[float], series: dict[str, list[float]], width: int,
               height: int, percent: bool) -> Text:
    """Thin lines in each approach's colour, its initial at the measured points; lines that
    coincide are drawn once and named together in the legend below. Where different lines meet,
    the later one covers the earlier: the legend says so, and the numbers are a key away."""
    names = tuple(series)
    groups = _same_series(series)
    legend = _legend(groups, names, width)
    axis = percent_axis(series) if percent else None
    notes = []
    if axis is not None and (axis[0], axis[1]) != (0.0, 100.0):
        notes.append(f"axis from {axis[0]:g}% to {axis[1]:g}%")
    if len(groups) > 1:
        notes.append("where lines meet, the one listed later shows")
    lines = [(series[g[0]], g[0]) for g in groups]
    rows = max(5, height - len(legend) - (1 if notes else 0))
    with _PLOTEXT:
        drawn = _plot(title, xlabel, xs, lines, names, width, rows, axis)
        over = max(len(line) for line in drawn.plain.splitlines()) - width
        if over > 0:  # plotext adds its tick labels outside the size it is given
            drawn = _plot(title, xlabel, xs, lines, names, width - over, rows, axis)
    note = [Text("; ".join(notes).capitalize() + ".", style="dim")] if notes else []
    return Text("\n").join([drawn, *legend, *note])


def _plot(title, xlabel, xs, lines, names, width, height, axis) -> Text:
    plt.clf()
    plt.limitsize(False, False)
    plt.plotsize(width, height)
    plt.theme("clear")  # the terminal's own background and text colour
    plt.title(title)
    positions = list(range(len(xs))) if len(xs) <= 12 else xs
    # Dots, not braille or quarter blocks: a terminal font without those shows boxes or gaps.
    for ys, name in lines:
        plt.plot(positions, ys, marker="dot", color=rgb(approach_colour(name, names)))
    # The initials over every line, so no line hides a point; a long series (the loss by epoch)
    # gets a few, evenly spaced, or its letters would make the line again.
    shown = range(len(xs)) if len(xs) <= 12 else sorted({round(k * (len(xs) - 1) / 8) for k in range(9)})
    for ys, name in lines:
        plt.scatter([positions[k] for k in shown], [ys[k] for k in shown], marker=marker(name),
                    color=rgb(approach_colour(name, names)))
    if axis is not None:
        plt.ylim(axis[0], axis[1])
        plt.yticks(axis[2], [f"{t:g}%" for t in axis[2]])
    if len(xs) <= 12:
        # Evenly spaced, labelled by their value: the curve's sizes double, so they would crowd.
        plt.xticks(list(range(len(xs))), [f"{x:g}" for x in xs])
    plt.xlabel(xlabel)
    return Text.from_ansi(plt.build())


def loss_chart(result: ExperimentResult, width: int, height: int = LINE_HEIGHT) -> Text:
    trained = {name: list(a.losses) for name, a in result.approaches.items() if a.losses}
    xs = list(range(len(next(iter(trained.values()), []))))
    return line_chart("Training loss (cross-entropy on the labeled sentences)", "epoch", xs, trained,
                      width, height, False)


def curve_chart(result: ExperimentResult, width: int, height: int = CURVE_HEIGHT) -> Text:
    curve = result.learning_curve
    series = {name: [100 * m for m in means] for name, means in curve.mean.items()}
    title = f"Learning curve: test accuracy (%), mean over {seeds(curve.seeds)} (t: the numbers)"
    return line_chart(title, "labeled examples per class", list(curve.sizes), series, width, height, True)


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
