"""Results into plotext bar charts, as text (ANSI colours optional).

Used by the explorer's chart widget and by the headless report, so both draw the same charts.
plotext keeps one global figure, so every chart is built under a lock.
"""

from __future__ import annotations

import threading

import plotext as plt

from engine.pipeline import ExperimentResult

_LOCK = threading.Lock()

# plotext theme per look: "clear" leaves the terminal's own background and colours.
THEMES = {"dark": "dark", "light": "clear", "plain": "clear"}


def _bars(title: str, labels: list[str], values: list[float], xlim: tuple[float, float],
          width: int, height: int | None, theme: str, color: bool) -> str:
    # Two rows a bar plus title and axes; plotext spaces the bars evenly over what it is given.
    height = height or 2 * len(labels) + 5
    with _LOCK:
        plt.clf()
        plt.plotsize(width, height)
        plt.theme(THEMES.get(theme, "clear"))
        plt.title(title)
        plt.bar(labels, values, orientation="h", width=0.5, color="blue" if theme != "dark" else "cyan")
        plt.xlim(*xlim)
        text = plt.build()
    return text if color else plt.uncolorize(text)


def accuracy_chart(result: ExperimentResult, split: str, width: int = 76, height: int | None = None,
                   theme: str = "plain", color: bool = False) -> str:
    """Accuracy (%) of every approach on the `test` or `transfer` split."""
    names, values = [], []
    for name, approach in result.approaches.items():
        scores = getattr(approach, split)
        if scores is not None:
            values.append(round(scores.accuracy * 100, 1))
            names.append(f"{name} {values[-1]:g}%")
    title = f"{'Test' if split == 'test' else 'Transfer'} accuracy (%)"
    return _bars(title, names, values, (0, 100), width, height, theme, color)


def groups_chart(result: ExperimentResult, width: int = 76, height: int | None = None,
                 theme: str = "plain", color: bool = False) -> str:
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
    return _bars("Average cosine similarity", labels, values, (low, top * 1.1), width, height, theme, color)


def chart(result: ExperimentResult, name: str, **kwargs) -> str:
    """A chart by the name a report section gives it: accuracy:test, accuracy:transfer or groups."""
    if name == "groups":
        return groups_chart(result, **kwargs)
    kind, _, split = name.partition(":")
    if kind == "accuracy" and split in ("test", "transfer"):
        return accuracy_chart(result, split, **kwargs)
    raise ValueError(f"no chart called {name!r}")
