"""Accuracy pane: every sentence under every approach, right or wrong, and the accuracy chart."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from engine.classify import SplitResult
from engine.pipeline import ExperimentResult
from tui.widgets.chart import BarChart
from tui.widgets.training import label_style


def predictions_table(name: str, split: SplitResult, labels: tuple[str, ...]) -> Table:
    table = Table(
        title=f"{name} features: {split.correct}/{len(split.predictions)} = {split.accuracy:.0%}",
        title_justify="left", title_style="bold", box=None, padding=(0, 1), expand=True,
    )
    table.add_column("", width=1)
    table.add_column("true", no_wrap=True)
    table.add_column("predicted", no_wrap=True)
    table.add_column("cosine to centroid", no_wrap=True)
    table.add_column("sentence", ratio=1)
    for p in split.predictions:
        mark = Text("✓", style="bold green") if p.correct else Text("✗", style="bold red")
        best = max(p.scores.values())
        scores = Text("\n").join(
            Text(f"{label[:3]} {p.scores[label]:+.3f}", style="bold" if p.scores[label] == best else "dim")
            for label in labels
        )
        table.add_row(
            mark,
            Text(p.label, style=label_style(labels, p.label)),
            Text(p.predicted, style=label_style(labels, p.predicted)),
            scores,
            p.text,
        )
    return table


class AccuracyPane(Vertical):
    DEFAULT_CSS = """
    AccuracyPane { height: auto; border-title-align: left; }
    AccuracyPane .predictions { height: auto; margin-bottom: 1; }
    """

    def __init__(self, split: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.split = split

    def compose(self) -> ComposeResult:
        yield BarChart(f"accuracy:{self.split}")
        yield Static(classes="predictions")

    def on_mount(self) -> None:
        self.border_title = "Accuracy on the " + ("test sentences" if self.split == "test" else "new domain")

    def show(self, result: ExperimentResult) -> None:
        labels = result.experiment.labels
        tables = []
        for name, approach in result.approaches.items():
            split = getattr(approach, self.split)
            if split is not None:
                tables.append(predictions_table(name, split, labels))
        self.query_one(BarChart).result = result
        self.query_one(".predictions", Static).update(Group(*tables) if tables else "No sentences for this split.")
