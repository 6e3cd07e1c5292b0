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
    """Enter opens the shipped experiment highlighted (up/down move it), or the path typed below
    when there is one (an experiment.toml, its folder, or vectors .npz). Esc answers None."""

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

    def on_mount(self) -> None:
        # The path box holds the focus from the start, so every key typed lands in it in order
        # (moving the focus on the first letter let keys that came in the same burst go astray);
        # the arrows move the list's highlight from there.
        self.query_one(Input).focus()
        shipped = self.query_one(OptionList)
        current = [e.name for e in self.shipped]
        shipped.highlighted = current.index(self.current) if self.current in current else 0

    def on_key(self, event: events.Key) -> None:
        shipped = self.query_one(OptionList)
        moves = {"up": shipped.action_cursor_up, "down": shipped.action_cursor_down,
                 "pageup": shipped.action_page_up, "pagedown": shipped.action_page_down}
        if event.key in moves and not shipped.has_focus:
            moves[event.key]()
            event.stop()
            event.prevent_default()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # An empty path box opens the experiment highlighted above it.
        shipped = self.query_one(OptionList)
        highlighted = shipped.highlighted
        chosen = shipped.get_option_at_index(highlighted).id if highlighted is not None else None
        self.dismiss(event.value.strip() or chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
