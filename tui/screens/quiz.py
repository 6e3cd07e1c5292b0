"""The answer to the predict-first question: one key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from ..presentation import views


class QuizAnswer(ModalScreen[str | None]):
    BINDINGS = [
        Binding("y", "answer('pretrained')", "pretrained wins"),
        Binding("n", "answer('random')", "random wins"),
        Binding("l", "answer('level')", "level"),
        Binding("escape", "answer(None)", "not now"),
    ]

    def __init__(self, split: str) -> None:
        super().__init__()
        self.split = split

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Label(views.quiz_question(self.split))
            yield Label("y " + views.ANSWERS["pretrained"] + " · n " + views.ANSWERS["random"] + " · l "
                        + views.ANSWERS["level"] + " · esc not now", classes="hint")

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)
