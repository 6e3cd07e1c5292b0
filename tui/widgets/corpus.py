"""Corpus pane: the pretraining lines, stopwords dimmed and group words coloured, with counts."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ...engine.run.results import ExperimentResult
from ...engine.text import word_spans
from ..presentation.stages import imported_note
from ..presentation.style import group_colour
from .scroller import Scroller



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
        names = tuple(name for name, _ in e.groups)
        for name, words in e.groups:
            style = f"bold {group_colour(e.labels, names, name)}"  # a word in several groups takes the first
            legend.append(" · " if legend else " ")  # names of several words stay apart without their colours
            legend.append(name, style=style)
            for w in words:
                group_of.setdefault(w, style)
        stats = Text(
            f"{c.sentences:,} lines · {c.tokens:,} tokens · {c.kept_tokens:,} kept · vocabulary {c.vocabulary:,} · "
            f"dim {c.dimension:,} · window {c.window} · {c.weighting}\n" if imported_note(result) is None
            else f"imported vectors · vocabulary {c.vocabulary:,} · dim {c.dimension:,}\n"
        )
        if e.stopwords and e.corpus_preview:  # no lines shown, or no stopwords: nothing is dimmed
            stats.append("stopwords", style="dim")
            stats.append(f" ({len(e.stopwords)}) dimmed; ")
        if legend:
            stats.append("group words:")
            stats.append_text(legend)
        # Only the start of a large corpus is kept for showing: laying out every line of a real
        # corpus on each redraw froze the screen (benchmarks/ui_latency.py).
        if imported_note(result) is not None:
            stats.append(f"\n{imported_note(result)}", style="italic")
        elif e.vectors_path is not None:
            stats.append(f"\nvectors pretrained once, from {e.vectors_path.name}: no corpus to show", style="italic")
        elif c.sentences > len(e.corpus_preview):
            stats.append(f"; first {len(e.corpus_preview)} lines shown", style="italic")
        self.query_one("#corpus-stats", Static).update(stats)
        body = Text("\n").join(highlighted(line, e.stopwords, group_of) for line in e.corpus_preview)
        self.query_one("#corpus-text", Static).update(body)
