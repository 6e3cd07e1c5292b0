"""The labeled sentences the classifier learns from (stage 2)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ...engine.run.results import ExperimentResult
from ...engine.text import word_spans
from ..presentation.stages import more_sentences
from ..presentation.style import label_colour
from .corpus import highlighted



class TrainingPane(Static):
    DEFAULT_CSS = "TrainingPane { height: auto; border-title-align: left; }"
    FIRST_ROWS = 40  # laying out 400 sentences held the screen for a second; `more` doubles it
    rows = FIRST_ROWS
    result: ExperimentResult | None = None

    def more(self) -> bool:
        """Show twice as many sentences; False when all are shown already."""
        if self.result is None or self.rows >= len(self.result.experiment.train):
            return False
        self.rows *= 2
        self.show(self.result)
        return True

    def show(self, result: ExperimentResult) -> None:
        self.result = result
        e = result.experiment
        vocabulary = result.pretrained
        table = Table(box=None, padding=(0, 1), expand=True)
        table.add_column("label", no_wrap=True)
        table.add_column("sentence (underlined: unknown to the vectors)", ratio=1)
        for s in e.train[:self.rows]:
            text = highlighted(s.text, e.stopwords, {})
            for start, end, word in word_spans(s.text):
                if word not in e.stopwords and word not in vocabulary:
                    text.stylize("underline", start, end)
            table.add_row(Text(s.label, style=label_colour(e.labels, s.label)), text)
        counts = ", ".join(f"{label} {sum(s.label == label for s in e.train)}" for label in e.labels)
        self.border_title = Text(f"Labeled sentences · {counts}")
        cut = len(e.train) > self.rows
        self.update(Group(table, Text(more_sentences(self.rows, len(e.train)), style="dim")) if cut else table)
