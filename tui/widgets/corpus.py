"""Corpus pane: the pretraining lines, stopwords dimmed and group words coloured, with counts."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from engine.pipeline import ExperimentResult
from engine.text import word_spans
from tui.widgets.scroller import Scroller

# The pane shows the start of a large corpus only: laying out every line of a real corpus on each
# redraw would freeze the screen (measured in benchmarks/ui_latency.py).
PREVIEW_LINES = 300

# Group colours in order; a word in several groups takes the first.
GROUP_STYLES = ("bold green", "bold red", "bold yellow", "bold magenta", "bold cyan")


def highlighted(line: str, stopwords: frozenset[str], group_of: dict[str, str]) -> Text:
    text = Text(line)
    for start, end, word in word_spans(line):
        if word in stopwords:
            text.stylize("dim", start, end)
        elif word in group_of:
            text.stylize(group_of[word], start, end)
    return text


class CorpusPane(Vertical):
    DEFAULT_CSS = """
    CorpusPane { height: 1fr; border-title-align: left; }
    CorpusPane #corpus-stats { height: auto; }
    CorpusPane Scroller { height: 1fr; min-height: 3; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="corpus-stats")
        with Scroller(id="corpus-lines"):
            yield Static(id="corpus-text")

    def on_mount(self) -> None:
        self.border_title = "Corpus"

    def show(self, result: ExperimentResult) -> None:
        e, c = result.experiment, result.corpus
        group_of: dict[str, str] = {}
        legend = Text()
        for (name, words), style in zip(e.groups, GROUP_STYLES * 10):
            legend.append(f" {name}", style=style)
            for w in words:
                group_of.setdefault(w, style)
        stats = Text(
            f"{c.sentences:,} lines · {c.tokens:,} tokens · {c.kept_tokens:,} kept · vocabulary {c.vocabulary:,} · "
            f"dimension {c.dimension:,} · window {c.window}\n"
        )
        stats.append("stopwords", style="dim")
        stats.append(f" ({len(e.stopwords)}) dimmed; group words:")
        stats.append_text(legend)
        if len(e.corpus) > PREVIEW_LINES:
            stats.append(f" · first {PREVIEW_LINES} lines shown", style="italic")
        self.query_one("#corpus-stats", Static).update(stats)
        body = Text("\n").join(highlighted(line, e.stopwords, group_of) for line in e.corpus[:PREVIEW_LINES])
        self.query_one("#corpus-text", Static).update(body)
