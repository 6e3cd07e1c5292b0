"""The answer to the predict-first question: one key of the box's own."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from ..presentation import views


class QuizAnswer(ModalScreen[str | None]):
    """The question and its numbered choices, one a line so the box fits 80 columns; the digits
    walk the stages elsewhere, but while this box is open they only answer."""

    DEFAULT_CSS = "QuizAnswer #quiz-question { width: 100%; margin-bottom: 1; }"  # wrapped whole, not cut

    BINDINGS = [*(Binding(key, f"answer({answer!r})", views.ANSWERS[answer], id=f"quiz.{answer}")
                  for key, answer in views.ANSWER_KEYS.items()),
                Binding("escape", "answer(None)", "not now", id="quiz.later")]

    def __init__(self, split: str) -> None:
        super().__init__()
        self.split = split

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Label(views.quiz_question(self.split, asked=True), id="quiz-question")
            for key, answer in views.ANSWER_KEYS.items():
                yield Label(f"  {key}  {views.ANSWERS[answer]}")
            yield Label("esc: not now", classes="hint")

    def action_answer(self, answer: str | None) -> None:
        self.dismiss(answer)
