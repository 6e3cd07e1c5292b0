"""The key help: every binding of the explorer, scrolling where the terminal is short."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ...engine.inspect.significance import SIGNIFICANCE


class HelpScreen(ModalScreen[None]):
    """Every key of the explorer, read from its bindings so the list cannot drift from them."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close help", id="help.close")]

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self.bindings_shown = bindings

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2), show_header=False, expand=True)
        table.add_column("keys", style="bold", no_wrap=True)
        table.add_column("what they do")
        for binding in self.bindings_shown:
            keys = " ".join(_key_name(k) for k in binding.key.split(","))
            table.add_row(Text(keys), Text(binding.tooltip or binding.description))
        table.add_row("ctrl+t", "in the masked language model's views (l, and f's fill the blank): train the "
                      "model on this corpus, stop it, or go on from its last checkpoint")
        table.add_row("ctrl+p", "command palette: open an experiment, export the report (text, JSON, a handout "
                      "to print), export the word map, save a screenshot, predict first (quiz), theme. The text report "
                      "also names the SVD's method and how exact it came out")
        table.add_row("", "")
        table.add_row("beat, level", "two approaches are compared on the same sentences by a paired test: exact "
                      "McNemar when each ran once; over seeds, a permutation test in which each sentence counts "
                      f"by its share of the seeds that got it right. One beat the other only where p < {SIGNIFICANCE:g} and "
                      "the gap is more than the spread over seeds and more than one sentence")
        with Vertical(id="help-box"):
            yield Label("Pretrain Explorer: keys", id="help-title")
            with VerticalScroll():
                yield Static(table)
            yield Label("esc closes this help · up/down scroll", id="help-footer")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()  # so up and down scroll a list longer than the screen


_KEY_NAMES = {"question_mark": "?", "plus": "+", "minus": "-", "slash": "/", "left_square_bracket": "[",
              "right_square_bracket": "]", "escape": "esc", "equals_sign": "="}


def _key_name(key: str) -> str:
    return _KEY_NAMES.get(key, key)
