"""Results into plotext charts, as text (ANSI colours optional).

Used by the explorer's chart widget and by the headless report, so both draw the same charts.
plotext keeps one global figure, so every chart is built under a lock. Line charts mark each
approach with its own letter, so they read without colour too.
"""

from __future__ import annotations

import textwrap
import threading

import plotext as plt

from engine.pipeline import ExperimentResult

_LOCK = threading.Lock()

Color = tuple[int, int, int]
BAR_COLOR: Color = (59, 130, 246)  # the lesson's #3b82f6
RANGE_COLOR = "red"
MARKERS = {"random": "R", "pretrained": "P", "from_scratch": "S", "linear_probe": "L",
           "fine_tuned": "F", "random_fine_tuned": "X"}
LINE_COLORS = {"random": "red", "pretrained": "blue", "from_scratch": "magenta", "linear_probe": "cyan",
               "fine_tuned": "green", "random_fine_tuned": "orange"}
LINE_HEIGHT = 15


def _start(width: int, height: int, title: str) -> None:
    plt.clf()
    plt.limitsize(False, False)  # the size given is the widget's, not plotext's guess at the terminal's
    plt.plotsize(width, height)
    plt.theme("clear")  # leaves the terminal's (or the widget's) own background and text colour
    plt.title(title)


def _finish(color: bool) -> str:
    text = plt.build()
    return text if color else plt.uncolorize(text)


def _bar_height(bars: int) -> int:
    # Two rows a bar plus title and axes; plotext spaces the bars evenly over what it is given.
    return 2 * max(bars, 1) + 5


def chart_height(result: ExperimentResult, name: str) -> int:
    """The rows the named chart wants."""
    if name == "groups":
        bars = sum(g.within is not None for g in result.groups.groups)
        bars += sum(p.between is not None for p in result.groups.pairs)
        names = [g.name for g in result.groups.groups]
        key_lines = 0 if len({n[:3] for n in names}) == len(names) else 1 + sum(len(n) + 5 for n in names) // 76
        return _bar_height(bars) + key_lines
    if name in ("loss", "curve"):
        return LINE_HEIGHT
    split = name.partition(":")[2]
    return _bar_height(sum(getattr(a, split) is not None for a in result.approaches.values()))


def accuracy_chart(result: ExperimentResult, split: str, width: int, height: int | None, color: bool,
                   bar_color: Color) -> str:
    """Accuracy (%) of every approach; for seed-dependent ones, mean ± std over seeds as a range."""
    labels, values, ranges = [], [], []
    for name, approach in result.approaches.items():
        scores = getattr(approach, split)
        if scores is None:
            continue
        values.append(round(scores.accuracy * 100, 1))
        stats = approach.over_seeds(split)
        label = f"{name} {values[-1]:g}%"
        if stats is not None:
            label += f" ~{stats.mean * 100:.0f}"
            ranges.append((len(values), stats.mean * 100, stats.std * 100))
        labels.append(label)
    title = f"{'Test' if split == 'test' else 'Transfer'} accuracy (%)"
    if ranges:
        title += " · ~mean ±std over seeds"
    with _LOCK:
        _start(width, height or _bar_height(len(labels)), title)
        plt.bar(labels, values, orientation="h", width=0.5, color=bar_color)
        if ranges:
            positions, means, stds = zip(*ranges)
            plt.error(list(means), list(positions), xerr=list(stds), color=RANGE_COLOR)
        plt.xlim(0, 100)
        return _finish(color)


def groups_chart(result: ExperimentResult, width: int, height: int | None, color: bool, bar_color: Color) -> str:
    """Average cosine within each group and between each pair of groups. Pairs are labelled by
    the groups' first three letters where those tell them apart, else by number with a key below."""
    names = [g.name for g in result.groups.groups]
    short = {name: name[:3] for name in names}
    key: list[str] = []
    if len(set(short.values())) < len(names):
        short = {name: str(k) for k, name in enumerate(names, start=1)}
        key = textwrap.wrap("   ".join(f"{short[name]} {name}" for name in names), width)
    labels, values = [], []
    for g in result.groups.groups:
        if g.within is not None:
            values.append(round(g.within, 4))
            labels.append(f"{g.name} within {values[-1]:.3f}")
    for p in result.groups.pairs:
        if p.between is not None:
            values.append(round(p.between, 4))
            labels.append(f"{short[p.first]} vs {short[p.second]} {values[-1]:.3f}")
    top = max([0.0, *values]) or 1.0
    low = min([0.0, *values])
    with _LOCK:
        # A given height includes the key's lines below the chart.
        _start(width, height - len(key) if height else _bar_height(len(labels)), "Average cosine similarity")
        plt.bar(labels, values, orientation="h", width=0.5, color=bar_color)
        plt.xlim(low, top * 1.1)
        drawn = _finish(color)
    return "\n".join([drawn, *key])


def _lines(title: str, xlabel: str, series: dict[str, tuple[list[float], list[float]]], width: int,
           height: int | None, color: bool, percent: bool) -> str:
    """Lines marked by letter (drawn in order, so later ones cover earlier ones where they meet);
    the key goes below the chart, where it covers nothing."""
    key = textwrap.wrap("   ".join(f"{MARKERS.get(name, '*')} {name}" for name in series), width)
    with _LOCK:
        _start(width, (height or LINE_HEIGHT) - len(key), title)
        for name, (xs, ys) in series.items():
            plt.plot(xs, ys, marker=MARKERS.get(name, "*"), color=LINE_COLORS.get(name, "white"))
        if percent:
            plt.ylim(0, 100)
            plt.yticks([0, 25, 50, 75, 100])
        xs = sorted({x for values, _ in series.values() for x in values})
        if len(xs) <= 12:
            plt.xticks(xs)
        plt.xlabel(xlabel)
        drawn = _finish(color)
    return "\n".join([drawn, *key])


def loss_chart(result: ExperimentResult, width: int, height: int | None, color: bool) -> str:
    """Training loss by epoch of every trained approach."""
    series = {name: (list(range(len(a.losses))), list(a.losses)) for name, a in result.approaches.items() if a.losses}
    return _lines("Training loss (cross-entropy on the labeled sentences)", "epoch", series, width, height, color, False)


def curve_chart(result: ExperimentResult, width: int, height: int | None, color: bool) -> str:
    """Test accuracy against labeled examples per class, mean over seeds."""
    curve = result.learning_curve
    series = {name: (list(curve.sizes), [100 * m for m in means]) for name, means in curve.mean.items()}
    title = f"Learning curve: test accuracy (%), mean over {curve.seeds} seeds"
    return _lines(title, "labeled examples per class", series, width, height, color, True)


def chart(result: ExperimentResult, name: str, width: int = 76, height: int | None = None,
          color: bool = False, bar_color: Color = BAR_COLOR) -> str:
    """A chart by name: accuracy:test, accuracy:transfer, groups, loss or curve."""
    if name == "groups":
        return groups_chart(result, width, height, color, bar_color)
    if name == "loss":
        return loss_chart(result, width, height, color)
    if name == "curve":
        return curve_chart(result, width, height, color)
    kind, _, split = name.partition(":")
    if kind == "accuracy" and split in ("test", "transfer"):
        return accuracy_chart(result, split, width, height, color, bar_color)
    raise ValueError(f"no chart called {name!r}")
