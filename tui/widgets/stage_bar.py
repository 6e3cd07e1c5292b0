"""The always-visible line naming the five stages, the current one highlighted; click one to go there."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.reactive import reactive
from textual.widget import Widget

from ..presentation.stages import STAGES


class StageBar(Widget):
    DEFAULT_CSS = "StageBar { height: 1; }"
    current: reactive[int] = reactive(1)

    def _tabs(self) -> list[tuple[int, str]]:
        # Full titles where they fit, short ones on an 80-column terminal.
        full = sum(len(s.title) + 5 for s in STAGES) <= self.size.width
        return [(s.number, f"{s.number} {s.title if full else s.short}") for s in STAGES]

    def render(self) -> Text:
        text = Text()
        for number, name in self._tabs():
            # Brackets as well as reverse video, so the current stage shows without colour too.
            if number == self.current:
                text.append(f"[{name}]", style="bold reverse")
            else:
                text.append(f" {name} ", style="dim")
            text.append(" ")
        return text

    def stage_at(self, x: int) -> int | None:
        start = 0
        for number, name in self._tabs():
            end = start + len(name) + 2
            if start <= x < end:
                return number
            start = end + 1
        return None

    def on_click(self, event: events.Click) -> None:
        number = self.stage_at(event.x)
        if number is not None:
            self.app.action_stage(number)
