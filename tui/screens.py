"""Modal screens: the key help, and a one-line prompt for a path."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class HelpScreen(ModalScreen[None]):
    """Every key of the explorer, read from its bindings so the list cannot drift from them."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close help", id="help.close")]

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self.bindings_shown = bindings

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2), show_header=False)
        table.add_column("keys", style="bold", no_wrap=True)
        table.add_column("what they do")
        for binding in self.bindings_shown:
            keys = " ".join(_key_name(k) for k in binding.key.split(","))
            table.add_row(keys, binding.tooltip or binding.description)
        table.add_row("ctrl+p", "command palette: open an experiment, export the report, save a screenshot, theme")
        with Vertical(id="help-box"):
            yield Label("Pretrain Explorer: keys", id="help-title")
            with VerticalScroll():
                yield Static(table)
            yield Label("esc closes this help", id="help-footer")


_KEY_NAMES = {"question_mark": "?", "plus": "+", "minus": "-", "slash": "/", "left_square_bracket": "[",
              "right_square_bracket": "]", "escape": "esc", "equals_sign": "="}


def _key_name(key: str) -> str:
    return _KEY_NAMES.get(key, key)


class PathPrompt(ModalScreen[str | None]):
    """Asks for a file path; enter answers it, esc answers None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question, self.value = question, value

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Label(self.question)
            yield Input(value=self.value, id="prompt-input")
            yield Label("enter to confirm, esc to cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
