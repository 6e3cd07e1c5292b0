"""Accuracy pane: the accuracy chart, what each approach is, the margin and learning curve, and
every sentence under every approach. All wording comes from tui.presentation."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ...engine.run.results import ApproachResult, ExperimentResult
from ...engine.text import word_spans
from ..presentation import verdicts
from ..presentation.approaches import describe, score_kind
from ..presentation.claims import margin
from ..presentation.charts import curve_rows
from ..presentation.stages import further_comparisons, more_sentences
from ..presentation.style import approach_colour, label_colour, score
from .chart import Chart


def sentence_text(text: str, seen_words: tuple[str, ...], stopwords: frozenset[str]) -> Text:
    """The sentence with the words the labeled set also shows underlined."""
    styled = Text(text)
    for start, end, word in word_spans(text):
        if word in stopwords:
            styled.stylize("dim", start, end)
        elif word in seen_words:
            styled.stylize("underline", start, end)
    return styled


def predictions_table(result: ExperimentResult, approach: ApproachResult, split_name: str,
                      rows: int | None = None) -> Table:
    """The approach's predictions, the first `rows` of them (all when None)."""
    e = result.experiment
    split = getattr(approach, split_name)
    title = Text(approach.name, style=f"bold {approach_colour(approach.name, tuple(result.approaches))}")
    title.append(f": {split.correct}/{len(split.predictions)} right · {verdicts.accuracy(result, approach.name, split_name).text()}",
                 style="bold")
    table = Table(title=title, title_justify="left", box=None, padding=(0, 1), expand=True)
    table.add_column("", width=1)
    table.add_column("true", no_wrap=True)
    table.add_column("predicted", no_wrap=True)
    table.add_column(score_kind(approach), no_wrap=True)
    table.add_column("sentence (underlined: seen in training)", ratio=1)
    for p in split.predictions[:rows]:
        mark = Text("✓", style="bold green") if p.correct else Text("✗", style="bold red")
        best = max(p.scores.values())
        scores = Text("\n").join(
            Text(f"{label[:3]} {score(p.scores[label])}", style="bold" if p.scores[label] == best else "dim")
            for label in e.labels
        )
        table.add_row(mark, Text(p.label, style=label_colour(e.labels, p.label)),
                      Text(p.predicted, style=label_colour(e.labels, p.predicted)), scores,
                      sentence_text(p.text, p.seen_words, e.stopwords))
    return table


def approaches_table(result: ExperimentResult) -> Table:
    table = Table(box=None, padding=(0, 1), show_header=False, expand=True)
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for name in result.approaches:
        table.add_row(Text(name, style=approach_colour(name, tuple(result.approaches))), Text(describe(name)))
    return table


class CurveTable:
    """The learning curve's numbers, its sizes in as many tables one under another as the width
    needs: each cell whole ("53 ± 2"), never cut."""

    def __init__(self, result: ExperimentResult) -> None:
        self.result = result

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        header, rows = curve_rows(self.result)
        yield Text(f"Learning curve: test accuracy (%), mean ± std over {self.result.learning_curve.seeds} "
                   "draws (t: the chart)", style="bold")
        names = [row[0] for row in rows]
        name_width = max(len(header[0]), *map(len, names))
        cell_width = max(len(cell) for row in [header, *rows] for cell in row[1:])
        per_table = max(1, (options.max_width - name_width - 1) // (cell_width + 2))
        for start in range(1, len(header), per_table):
            if start > 1:
                yield Text("")
            table = Table(box=None, padding=(0, 1))
            table.add_column(header[0], no_wrap=True, min_width=name_width)
            for column in header[start:start + per_table]:
                table.add_column(column, justify="right", no_wrap=True, min_width=cell_width)
            for row in rows:
                table.add_row(Text(row[0], style=approach_colour(row[0], tuple(self.result.approaches))),
                              *row[start:start + per_table])
            yield table


class AccuracyPane(Vertical):
    DEFAULT_CSS = """
    AccuracyPane { height: auto; border-title-align: left; }
    AccuracyPane Static { height: auto; }
    AccuracyPane .predictions { margin-bottom: 1; }
    AccuracyPane .margin, AccuracyPane .approaches { margin: 1 0 0 0; }
    AccuracyPane .curve-numbers { display: none; margin: 1 0; }
    AccuracyPane.-numbers .curve-numbers { display: block; }
    AccuracyPane.-numbers #curve { display: none; }
    """

    # Sentences shown per approach at first: laying out every one of a large split (7 approaches x
    # 1,000 sentences) held the screen for seconds; `more` doubles it.
    FIRST_ROWS = 20

    def __init__(self, split: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.split = split
        self.rows = self.FIRST_ROWS
        self.result: ExperimentResult | None = None

    def compose(self) -> ComposeResult:
        yield Chart(f"accuracy:{self.split}")
        yield Static(classes="approaches")
        if self.split == "test":
            yield Static(classes="margin")
            yield Chart("curve", hint="t: the numbers as a table", id="curve")
            yield Static(classes="curve-numbers")
        yield Static(classes="predictions")

    def on_mount(self) -> None:
        self.border_title = "Accuracy on the " + ("test sentences" if self.split == "test" else "new domain")

    def more(self) -> bool:
        """Show twice as many sentences per approach; False when all are shown already."""
        if self.result is None or self.rows >= self._total(self.result):
            return False
        self.rows *= 2
        self._show_predictions(self.result)
        return True

    def _total(self, result: ExperimentResult) -> int:
        splits = [getattr(a, self.split) for a in result.approaches.values()]
        return max((len(s.predictions) for s in splits if s is not None), default=0)

    def _show_predictions(self, result: ExperimentResult) -> None:
        parts = []
        for approach in result.approaches.values():
            if getattr(approach, self.split) is not None:
                parts.append(predictions_table(result, approach, self.split, self.rows))
                total = len(getattr(approach, self.split).predictions)
                if total > self.rows:
                    parts.append(Text(more_sentences(self.rows, total) + "\n", style="dim"))
        self.query_one(".predictions", Static).update(Group(*parts) if parts else Text("No sentences for this split."))

    def show(self, result: ExperimentResult) -> None:
        self.result = result
        for chart in self.query(Chart):
            # The learning curve arrives last; until then its chart stays empty.
            if chart.chart_name != "curve" or result.learning_curve is not None:
                chart.result = result
        further = further_comparisons(result, self.split)
        self.query_one(".approaches", Static).update(Group(*(Text(line) for line in further), approaches_table(result)))
        if self.split == "test" and result.margin is not None:
            self.query_one(".margin", Static).update(Text(margin(result) + " Underlined words also occur "
                                                          "in the labeled sentences."))
        if self.split == "test" and result.learning_curve is not None:
            self.query_one(".curve-numbers", Static).update(CurveTable(result))
        self._show_predictions(result)
