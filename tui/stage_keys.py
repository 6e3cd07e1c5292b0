"""The keys of the live views, the learning curve's table and more sentences, and the status
line's word on a key that does nothing where it is pressed (or something out of sight)."""

from __future__ import annotations

from .screens.live import FillBlankView, WhyNeighboursView, WhyPredictionView
from .screens.grid import GridView
from .screens.masked_lm import ContextView, MaskedLMView
from .screens.word_map import WordMapView
from .widgets.accuracy import AccuracyPane
from .widgets.neighbours import NeighboursPane
from .widgets.scroller import Scroller
from .widgets.status import StatusLine
from .widgets.training import TrainingPane


QUESTIONS = {3: "test", 4: "transfer"}  # predict first: the stage of each split's question


class StageKeys:
    """Mixed into the App: its `result`, `stage`, `quiz`, `answers`, action_stage and notify."""

    def explain(self, text: str) -> None:
        """Why a key did nothing, or what it did out of sight: in the status line, or while a job
        holds that line, as a notification."""
        status = self.query_one(StatusLine)
        if status.has_class("-busy"):
            self.notify(text, timeout=5, markup=False)
        else:
            status.say(text)

    def action_view(self, name: str) -> None:
        if self.result is None:
            self.notify("Nothing to explain yet: the first run is still going.", severity="warning")
            return
        if name in ("prediction", "grid") and (waiting := self._questions_open()):
            # Both views show how the approaches did on the sentences a question is about.
            which = f"stage {waiting[0]}'s question" if len(waiting) == 1 else "stages 3 and 4"  # 80 columns
            self.explain(f"Answer {which} first (a): this view shows every approach's scores.")
            return
        if name == "grid":  # computed when opened, in the session's cache
            self.push_screen(GridView(self.result, self.session))
            return
        if name == "prediction":  # from stage 4, at its first transfer sentence
            self.push_screen(WhyPredictionView(self.result, transfer_first=self.stage == 4))
            return
        view = {"blank": FillBlankView, "neighbours": WhyNeighboursView,
                "map": WordMapView, "masked_lm": MaskedLMView, "context": ContextView}[name]
        self.push_screen(view(self.result))

    def _question_open(self) -> bool:
        """Predict first: the current stage's question is unanswered, so its numbers are hidden."""
        split = QUESTIONS.get(self.stage)
        return self.quiz and split is not None and split not in self.answers

    def _questions_open(self) -> list[int]:
        """Predict first: the stages whose questions are unanswered (stage 4's only with transfer sentences)."""
        if not self.quiz:
            return []
        return [stage for stage, split in QUESTIONS.items()
                if split not in self.answers and (split != "transfer" or self.result.experiment.transfer)]

    def action_toggle_numbers(self) -> None:
        self.action_stage(3)
        if self._question_open():
            self.explain("Answer the question first (a): the learning curve waits for it.")
            return
        pane = self.query_one("#accuracy-test", AccuracyPane)
        pane.toggle_class("-numbers")
        shown = pane.query_one(".curve-numbers" if pane.has_class("-numbers") else "#curve")
        self.call_after_refresh(self.query_one("#stage-3", Scroller).scroll_to_widget, shown, animate=False, top=True)
        self.explain("Learning curve: " + ("its numbers as a table (t: the chart)" if pane.has_class("-numbers")
                                           else "the chart (t: its numbers)"))

    def action_more_sentences(self) -> None:
        panes = {2: TrainingPane, 3: "#accuracy-test", 4: "#accuracy-transfer"}
        if self.stage == 1:  # the probes that did not fit
            if not self.query_one(NeighboursPane).next_page():
                self.explain("Every probe is shown already.")
        elif self.stage not in panes:
            self.explain("m shows more probes on stage 1 and more sentences on stages 2, 3 and 4.")
        elif self._question_open():
            self.explain("Answer the question first (a): the sentences wait for it.")
        elif not self.query_one(panes[self.stage]).more():
            self.explain("Every sentence is shown already.")
