"""Neighbours pane: any word's nearest words, pretrained and random side by side, with bars."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static

from ...engine.inspect.neighbours import NeighbourAnswer

BAR_WIDTH = 8


def bar(score: float) -> Text:
    """A bar for a cosine in [-1, 1]: its length shows the magnitude, red when negative."""
    cells = round(abs(score) * BAR_WIDTH * 8)
    full, part = divmod(cells, 8)
    text = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
    return Text(text.ljust(BAR_WIDTH), style="red" if score < 0 else "green")


def neighbour_table(title: str, rows: tuple[tuple[str, float], ...]) -> Table:
    # Padding on the right only: at 120 columns each table gets 29, where a word of 10 letters was cut.
    table = Table(title=Text(title), title_justify="left", box=None, padding=(0, 1, 0, 0), expand=True,
                  show_header=False)
    table.add_column("word", ratio=1, min_width=12, no_wrap=True, overflow="ellipsis")
    table.add_column("cosine", justify="right", width=6)
    table.add_column("bar", width=BAR_WIDTH)
    for word, score in rows:
        table.add_row(Text(word), f"{score:.3f}", bar(score))
    return table


class NeighboursPane(Vertical):
    """Asks the app for a word's neighbours (a worker computes them) and shows the answer."""

    DEFAULT_CSS = """
    NeighboursPane { height: 1fr; border-title-align: left; }
    NeighboursPane Input, NeighboursPane Input:focus { border: none; height: 1; padding: 0 1; margin: 0 0 1 0; }
    NeighboursPane Input:focus { background: $boost; }
    NeighboursPane #neighbour-message { height: auto; }
    NeighboursPane #neighbour-tables { height: 1fr; }
    NeighboursPane Horizontal { height: auto; }
    NeighboursPane .neighbour-table { width: 1fr; height: auto; display: none; }
    NeighboursPane #neighbours-pretrained { display: block; }
    NeighboursPane.-compare-random #neighbours-random,
    NeighboursPane.-compare-from_scratch #neighbours-from_scratch,
    NeighboursPane.-compare-fine_tuned #neighbours-fine_tuned { display: block; }
    """

    # What the right-hand column can show beside the pretrained neighbours; `c` cycles through them.
    COMPARE = ("random", "from_scratch", "fine_tuned")
    TITLES = {"pretrained": "pretrained", "random": "random", "from_scratch": "from scratch",
              "fine_tuned": "fine-tuned"}

    class Query(Message):
        def __init__(self, word: str) -> None:
            super().__init__()
            self.word = word

    def compose(self) -> ComposeResult:
        yield Input(placeholder="a word, then enter  (/ to type here, esc to leave)", id="neighbour-input")
        yield Static(id="neighbour-message")
        # The lists scroll within the pane's share of the screen, so a long top-N never pushes
        # the corpus off it.
        with VerticalScroll(id="neighbour-tables", can_focus=False):
            with Horizontal():
                for name in ("pretrained", *self.COMPARE):
                    yield Static(classes="neighbour-table", id=f"neighbours-{name}")

    def on_mount(self) -> None:
        self.border_title = "Neighbours"
        self.compare = self.COMPARE[0]
        self.add_class(f"-compare-{self.compare}")

    def cycle_compare(self) -> str:
        """Show the next approach beside the pretrained one; returns its name."""
        self.remove_class(f"-compare-{self.compare}")
        self.compare = self.COMPARE[(self.COMPARE.index(self.compare) + 1) % len(self.COMPARE)]
        self.add_class(f"-compare-{self.compare}")
        self.border_title = f"Neighbours · c: compare with {self.TITLES[self.compare]}"
        return self.compare

    @property
    def word(self) -> str:
        return self.query_one(Input).value.strip().lower()

    def set_word(self, word: str) -> None:
        self.query_one(Input).value = word

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.word:
            self.post_message(self.Query(self.word))

    def show(self, answer: NeighbourAnswer) -> None:
        message = self.query_one("#neighbour-message", Static)
        tables = {name: self.query_one(f"#neighbours-{name}", Static) for name in ("pretrained", *self.COMPARE)}
        if not answer.known:
            hint = f" Closest spellings in it: {', '.join(answer.closest)}." if answer.closest else ""
            message.update(
                Text.assemble((f"“{answer.word}”", "bold"), f" is not in the vocabulary ({answer.vocabulary} words).{hint}")
            )
            message.display = True
            for table in tables.values():
                table.update("")
            return
        message.display = False
        for name, table in tables.items():
            rows = answer.neighbors.get(name, ())
            title = f"{self.TITLES[name]} · “{answer.word}”"
            table.update(neighbour_table(title, rows) if rows else Text(f"{title}\nnot in this vocabulary", style="dim"))
