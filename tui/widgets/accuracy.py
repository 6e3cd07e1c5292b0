"""Accuracy pane: every sentence under every approach, right or wrong, and the accuracy chart."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from engine.pipeline import ApproachResult, ExperimentResult
from engine.report import seeds_text
from engine.text import word_spans
from tui.widgets.chart import Chart
from tui.widgets.training import label_style


def sentence_text(text: str, seen_words: tuple[str, ...], stopwords: frozenset[str]) -> Text:
    """The sentence with the words the labeled set also shows underlined."""
    styled = Text(text)
    for start, end, word in word_spans(text):
        if word in stopwords:
            styled.stylize("dim", start, end)
        elif word in seen_words:
            styled.stylize("underline", start, end)
    return styled


def predictions_table(approach: ApproachResult, split_name: str, labels: tuple[str, ...],
                      stopwords: frozenset[str]) -> Table:
    split = getattr(approach, split_name)
    table = Table(
        title=f"{approach.name}: {split.correct}/{len(split.predictions)} = {split.accuracy:.0%}"
        f"{seeds_text(approach.over_seeds(split_name))}",
        title_justify="left", title_style="bold", box=None, padding=(0, 1), expand=True,
    )
    table.add_column("", width=1)
    table.add_column("true", no_wrap=True)
    table.add_column("predicted", no_wrap=True)
    table.add_column("probability" if approach.losses else "cosine", no_wrap=True)
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
            sentence_text(p.text, p.seen_words, stopwords),
        )
    return table


class AccuracyPane(Vertical):
    DEFAULT_CSS = """
    AccuracyPane { height: auto; border-title-align: left; }
    AccuracyPane .predictions { height: auto; margin-bottom: 1; }
    AccuracyPane .margin { height: auto; margin: 1 0; }
    """

    def __init__(self, split: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.split = split

    def compose(self) -> ComposeResult:
        yield Chart(f"accuracy:{self.split}")
        if self.split == "test":
            yield Static(classes="margin")
            yield Chart("curve")
        yield Static(classes="predictions")

    def on_mount(self) -> None:
        self.border_title = "Accuracy on the " + ("test sentences" if self.split == "test" else "new domain")

    def show(self, result: ExperimentResult) -> None:
        e = result.experiment
        tables = [
            predictions_table(approach, self.split, e.labels, e.stopwords)
            for approach in result.approaches.values()
            if getattr(approach, self.split) is not None
        ]
        for chart in self.query(Chart):
            # The learning curve arrives last; until then its chart stays empty.
            if chart.chart_name != "curve" or result.learning_curve is not None:
                chart.result = result
        if self.split == "test" and result.margin is not None:
            m = result.margin
            self.query_one(".margin", Static).update(Text.assemble(
                ("Pretraining margin: ", "bold"),
                f"{' and '.join(m.with_pretraining)} beat {' and '.join(m.without)} by {m.points:.1f} points "
                f"(the worse of the first against the better of the second, mean over {e.seeds} seeds where a "
                "random draw matters). Underlined words also occur in the labeled sentences.",
            ))
        self.query_one(".predictions", Static).update(Group(*tables) if tables else "No sentences for this split.")
