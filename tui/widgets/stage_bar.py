"""The always-visible line naming the five stages, the current one highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.stages import STAGES

SHORT = {1: "Pretrain", 2: "Labels", 3: "Compare", 4: "Transfer", 5: "Captures"}


class StageBar(Widget):
    DEFAULT_CSS = "StageBar { height: 1; }"
    current: reactive[int] = reactive(1)

    def render(self) -> Text:
        # Full titles where they fit, short ones on an 80-column terminal.
        full = sum(len(s.title) + 5 for s in STAGES) <= self.size.width
        text = Text()
        for stage in STAGES:
            name = stage.title if full else SHORT[stage.number]
            # Brackets as well as reverse video, so the current stage shows without colour too.
            if stage.number == self.current:
                text.append(f"[{stage.number} {name}]", style="bold reverse")
            else:
                text.append(f" {stage.number} {name} ", style="dim")
            text.append(" ")
        return text
