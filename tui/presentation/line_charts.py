"""Line charts (the training loss, the learning curve) drawn by plotext as Rich Text, with every
listed line's letters visible: where lines meet, each keeps columns of its own for its letters."""

from __future__ import annotations

import math
import textwrap
import threading
from dataclasses import dataclass

import plotext as plt
from rich.text import Text

from .style import NEUTRAL, approach_colour, marker, rgb

_PLOTEXT = threading.Lock()  # plotext keeps one global figure
# Lines are drawn least important first, so where they meet the lesson's own comparison shows.
ON_TOP = ("bag_of_words", "fine_tuned", "random", "pretrained")
BAND_GLYPH = "│"
BASELINE_LINE = "┄"
# A long series (the loss by epoch) gets its letters at this many places, not at every point, or
# its letters would make the line again.
LETTERED_PLACES = 9


@dataclass(frozen=True)
class Baseline:
    """A score every chart of a split draws as a line: always guessing the majority class."""

    value: float  # on the chart's scale
    text: str  # "always negative: 50%"


@dataclass(frozen=True)
class Band:
    """Each point's spread, drawn as a whisker through it: low and high per point, and what it is."""

    low: dict[str, list[float]]
    high: dict[str, list[float]]
    text: str  # "mean ± std over 20 draws"


def _same_series(series: dict[str, list[float]], band: Band | None) -> list[list[str]]:
    """Approaches whose lines (and whiskers) coincide, grouped, so they are drawn once and named together."""
    def same(a: str, b: str) -> bool:
        pairs = [(series[a], series[b])] + ([(band.low[a], band.low[b]), (band.high[a], band.high[b])] if band else [])
        return all(abs(x - y) < 1e-9 for xs, ys in pairs for x, y in zip(xs, ys))

    groups: list[list[str]] = []
    for name in series:
        for group in groups:
            if same(group[0], name):
                group.append(name)
                break
        else:
            groups.append([name])
    return groups


def _legend_entry(head: Text, words: str, width: int) -> list[Text]:
    """A marker and its words, on as many lines of `width` as they need."""
    lines = [head]
    for word in words.split(" "):
        if len(lines[-1]) + 1 + len(word) > width:
            lines.append(Text(" "))
        lines[-1].append(" " + word)
    return lines


def _legend(entries: list[list[Text]], width: int) -> list[Text]:
    lines, line = [], Text()
    for entry in entries:
        if len(entry) > 1:  # a long entry has lines of its own
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
    return float(lo), float(hi), [t for t in range(int(lo), int(hi) + 1) if t % step == 0]


@dataclass(frozen=True)
class _Line:
    name: str  # the group's first approach: its colour and letter
    ys: list[float]
    low: list[float] | None
    high: list[float] | None


def line_chart(title: str, xlabel: str, xs: list[float], series: dict[str, list[float]], width: int,
               height: int, percent: bool, band: Band | None = None, baseline: Baseline | None = None) -> Text:
    """Thin lines in each approach's colour, its letter at the measured points (a column apart
    from the other lines' letters, so none hides another); lines that coincide are drawn once and
    named together in the legend below. A band adds a whisker through each point, a baseline a line."""
    names = tuple(series)
    groups = _same_series(series, band)
    entries = [_legend_entry(Text(marker(g[0]), style=f"bold {approach_colour(g[0], names)}"), " = ".join(g), width)
               for g in groups]
    if baseline is not None:
        entries.append(_legend_entry(Text(BASELINE_LINE * 2, style=NEUTRAL), baseline.text, width))
    if band is not None:
        entries.append(_legend_entry(Text(BAND_GLYPH, style="dim"), band.text, width))
    legend = _legend(entries, width)
    shown = [v for ys in series.values() for v in ys]
    if band is not None:
        shown += [v for ys in (*band.low.values(), *band.high.values()) for v in ys]
    axis = percent_axis({"": shown + ([baseline.value] if baseline else [])}) if percent else None
    notes = []
    if axis is not None and (axis[0], axis[1]) != (0.0, 100.0):
        notes.append(f"axis from {axis[0]:g}% to {axis[1]:g}%")
    if len(groups) > 1 and len(xs) <= 12:
        notes.append("at each point the letters stand in the legend's order")
    lines = [_Line(g[0], series[g[0]], band.low[g[0]] if band else None, band.high[g[0]] if band else None)
             for g in groups]
    said = "; ".join(notes).capitalize() + "." if notes else ""
    note = [Text(line, style="dim") for line in textwrap.wrap(said, width)]
    rows = max(5, height - len(legend) - len(note))
    with _PLOTEXT:
        drawn = _fitted_plot(title, xlabel, xs, lines, names, width, rows, axis, baseline)
    return Text("\n").join([drawn, *legend, *note])


def _canvas_columns(drawn: Text) -> int:
    """The plot's inner width: the columns between its frame's corners."""
    top = next(line for line in drawn.plain.splitlines() if "┌" in line)
    return top.index("┐") - top.index("┌") - 1


def _fitted_plot(title, xlabel, xs, lines, names, width, rows, axis, baseline) -> Text:
    """Drawn until the columns it places letters in are the canvas's own and nothing passes
    `width` (plotext adds its tick labels outside the size it is given)."""
    size, columns = width, max(10, width - 8)
    for _ in range(4):
        drawn = _plot(title, xlabel, xs, lines, names, size, rows, axis, baseline, columns)
        over = max(len(line) for line in drawn.plain.splitlines()) - width
        actual = _canvas_columns(drawn)
        if over <= 0 and actual == columns:
            break
        size, columns = size - max(over, 0), max(10, actual - max(over, 0))
    return drawn


def _places(count: int, columns: int, lines: int) -> tuple[list[float], list[int]]:
    """Where a series of `count` points goes on a canvas of `columns`: each point's column, and
    each line's offset in columns where its letters stand (a column apart, centred)."""
    offsets = [k - (lines - 1) // 2 for k in range(lines)]
    if count > 12:  # a long series spans the canvas; the letters sit at a few places
        return [k * (columns - 1) / max(count - 1, 1) for k in range(count)], offsets
    margin = max(map(abs, offsets)) + 1
    if count == 1:
        return [(columns - 1) / 2], offsets
    step = (columns - 1 - 2 * margin) / (count - 1)
    return [float(round(margin + k * step)) for k in range(count)], offsets


def _plot(title, xlabel, xs, lines, names, width, height, axis, baseline, columns) -> Text:
    plt.clf()
    plt.limitsize(False, False)
    plt.plotsize(width, height)
    plt.theme("clear")  # the terminal's own background and text colour
    plt.title(title)
    positions, offsets = _places(len(xs), columns, len(lines))
    plt.xlim(0, columns - 1)  # x is a canvas column: plotext puts x at column round(x)
    if baseline is not None:
        plt.plot([0, columns - 1], [baseline.value] * 2, marker=BASELINE_LINE, color=rgb(NEUTRAL))
    # Dots, not braille or quarter blocks: a terminal font without those shows boxes or gaps.
    order = sorted(range(len(lines)), key=lambda k: ON_TOP.index(lines[k].name) if lines[k].name in ON_TOP else -1)
    long = len(xs) > 12
    for k in order:  # the whiskers under the lines, the letters over both
        line = lines[k]
        if line.low is None or long:
            continue
        for p, low, high in zip(positions, line.low, line.high):
            low, high = (max(low, axis[0]), min(high, axis[1])) if axis else (low, high)
            plt.plot([p + offsets[k]] * 2, [low, high], marker=BAND_GLYPH, color=rgb(approach_colour(line.name, names)))
    for k in order:
        line = lines[k]
        xs_k = positions if long else [p + offsets[k] for p in positions]
        plt.plot(xs_k, line.ys, marker="dot", color=rgb(approach_colour(line.name, names)))
    for k in order:
        line = lines[k]
        if long:  # a few places, each line's letter a column right of the line before's
            at = [min(columns - 1, round(j * (columns - 1 - len(lines)) / (LETTERED_PLACES - 1)) + k)
                  for j in range(LETTERED_PLACES)]
            points = [min(len(xs) - 1, round(c * (len(xs) - 1) / (columns - 1))) for c in at]
            plt.scatter(at, [line.ys[i] for i in points], marker=marker(line.name),
                        color=rgb(approach_colour(line.name, names)))
        else:
            plt.scatter([p + offsets[k] for p in positions], line.ys, marker=marker(line.name),
                        color=rgb(approach_colour(line.name, names)))
    if axis is not None:
        plt.ylim(axis[0], axis[1])
        plt.yticks(axis[2], [f"{t:g}%" for t in axis[2]])
    if long:
        ticks = sorted({round(j * (len(xs) - 1) / 4) for j in range(5)})
        plt.xticks([positions[i] for i in ticks], [f"{xs[i]:g}" for i in ticks])
    else:
        # Evenly spaced, labelled by their value: the curve's sizes double, so they would crowd.
        plt.xticks(positions, [f"{x:g}" for x in xs])
    plt.xlabel(xlabel)
    return Text.from_ansi(plt.build())
