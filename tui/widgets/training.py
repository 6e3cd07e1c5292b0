"""The labeled sentences the classifier learns from (stage 2)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from engine.pipeline import ExperimentResult
from engine.text import word_spans
from tui.presentation.style import label_colour
from tui.widgets.corpus import highlighted



class TrainingPane(Static):
    DEFAULT_CSS = "TrainingPane { height: auto; border-title-align: left; }"

    def show(self, result: ExperimentResult) -> None:
        e = result.experiment
        vocabulary = result.pretrained
        table = Table(box=None, padding=(0, 1), expand=True)
        table.add_column("label", no_wrap=True)
        table.add_column("sentence (words unknown to the vectors underlined)", ratio=1)
        for s in e.train:
            text = highlighted(s.text, e.stopwords, {})
            for start, end, word in word_spans(s.text):
                if word not in e.stopwords and word not in vocabulary:
                    text.stylize("underline", start, end)
            table.add_row(Text(s.label, style=label_colour(e.labels, s.label)), text)
        counts = ", ".join(f"{label} {sum(s.label == label for s in e.train)}" for label in e.labels)
        self.border_title = Text(f"Labeled sentences · {counts}")
        self.update(table)
