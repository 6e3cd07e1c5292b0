"""Open an experiment: the shipped ones listed with what each shows, or any path typed."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ...engine.experiment import ShippedExperiment
from ..presentation.guidance import shipped_line


class OpenExperiment(ModalScreen[str | None]):
    """Enter on a shipped experiment opens it; a path typed below opens that (an experiment.toml,
    its folder, or vectors .npz). Esc answers None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="open.cancel")]

    def __init__(self, shipped: tuple[ShippedExperiment, ...], current: str) -> None:
        super().__init__()
        self.shipped, self.current = shipped, current

    def compose(self) -> ComposeResult:
        with Vertical(id="open-box"):
            yield Label("Open an experiment", id="open-title")
            yield OptionList(*(Option(shipped_line(e, e.name == self.current), id=str(e.manifest))
                               for e in self.shipped), id="open-shipped")
            yield Label("or a path: an experiment.toml, its folder, or vectors (.npz)")
            yield Input(placeholder="path, then enter", id="prompt-input", select_on_focus=False)
            yield Label("up/down choose · enter opens · or type a path · esc cancels", classes="hint")

    def on_key(self, event: events.Key) -> None:
        # Typing starts a path wherever the focus is: the list has no use for letters, and a newcomer
        # who types a path at once should not lose it.
        field = self.query_one(Input)
        if not field.has_focus and event.is_printable and event.character:
            field.focus()
            field.insert_text_at_cursor(event.character)
            event.stop()
            event.prevent_default()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
