"""Results into plotext bar charts, as text (ANSI colours optional).

Used by the explorer's chart widget and by the headless report, so both draw the same charts.
plotext keeps one global figure, so every chart is built under a lock.
"""

from __future__ import annotations

import threading

import plotext as plt

from engine.pipeline import ExperimentResult

_LOCK = threading.Lock()

Color = tuple[int, int, int]


def _bars(title: str, labels: list[str], values: list[float], xlim: tuple[float, float],
          width: int, height: int | None, bar_color: Color | None) -> str:
    """Horizontal bars; with no `bar_color` the text has no colour codes at all."""
    height = height or _height(len(labels))
    with _LOCK:
        plt.clf()
        plt.plotsize(width, height)
        # "clear" leaves the terminal's (or the widget's) own background and text colour.
        plt.theme("clear")
        plt.title(title)
        plt.bar(labels, values, orientation="h", width=0.5, color=bar_color or "blue")
        plt.xlim(*xlim)
        text = plt.build()
    return text if bar_color else plt.uncolorize(text)


def _height(bars: int) -> int:
    # Two rows a bar plus title and axes; plotext spaces the bars evenly over what it is given.
    return 2 * bars + 5


def chart_height(result: ExperimentResult, name: str) -> int:
    """The rows the named chart wants, from how many bars it has."""
    if name == "groups":
        bars = sum(g.within is not None for g in result.groups.groups)
        bars += sum(p.between is not None for p in result.groups.pairs)
    else:
        split = name.partition(":")[2]
        bars = sum(getattr(a, split) is not None for a in result.approaches.values())
    return _height(max(bars, 1))


def accuracy_chart(result: ExperimentResult, split: str, width: int = 76, height: int | None = None,
                   bar_color: Color | None = None) -> str:
    """Accuracy (%) of every approach on the `test` or `transfer` split."""
    names, values = [], []
    for name, approach in result.approaches.items():
        scores = getattr(approach, split)
        if scores is not None:
            values.append(round(scores.accuracy * 100, 1))
            names.append(f"{name} {values[-1]:g}%")
    title = f"{'Test' if split == 'test' else 'Transfer'} accuracy (%)"
    return _bars(title, names, values, (0, 100), width, height, bar_color)


def groups_chart(result: ExperimentResult, width: int = 76, height: int | None = None,
                 bar_color: Color | None = None) -> str:
    """Average cosine within each group and between each pair of groups."""
    labels, values = [], []
    for g in result.groups.groups:
        if g.within is not None:
            values.append(round(g.within, 4))
            labels.append(f"{g.name} within {values[-1]:.3f}")
    for p in result.groups.pairs:
        if p.between is not None:
            values.append(round(p.between, 4))
            labels.append(f"{p.first[:3]} vs {p.second[:3]} {values[-1]:.3f}")
    top = max([0.0, *values]) or 1.0
    low = min([0.0, *values])
    return _bars("Average cosine similarity", labels, values, (low, top * 1.1), width, height, bar_color)


def chart(result: ExperimentResult, name: str, **kwargs) -> str:
    """A chart by the name a report section gives it: accuracy:test, accuracy:transfer or groups."""
    if name == "groups":
        return groups_chart(result, **kwargs)
    kind, _, split = name.partition(":")
    if kind == "accuracy" and split in ("test", "transfer"):
        return accuracy_chart(result, split, **kwargs)
    raise ValueError(f"no chart called {name!r}")
