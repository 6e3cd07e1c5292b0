"""Predict first: on a comparison stage, the question before the numbers, then answer and outcome."""

from __future__ import annotations

from textual.widgets import Static

from ...engine.run.results import ExperimentResult
from ..presentation import views


class QuizPanel(Static):
    DEFAULT_CSS = "QuizPanel { height: auto; margin-bottom: 1; padding: 0 1; border-left: thick $accent; }"

    def __init__(self, split: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.split = split

    def show(self, result: ExperimentResult | None, answer: str | None) -> None:
        """The question while unanswered (the stage hides its numbers), then answer and outcome."""
        stage = self.parent
        stage.set_class(answer is None, "-quiz-pending")
        if answer is None or result is None:
            self.update(views.quiz_question(self.split))
        elif not result.approaches:  # a run's first phase: its accuracies are still to come
            self.update(views.quiz_waiting(answer))
        else:
            self.update(views.quiz_outcome(result, self.split, answer))
