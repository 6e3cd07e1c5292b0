"""The explorer's App: layout, key bindings, message handlers and the workers that run the engine."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.widgets import ContentSwitcher, Footer, Input, Static
from textual.worker import Worker, get_current_worker

from ..engine import Experiment, ExperimentError, ExperimentResult, RunCancelled, Session, load_experiment
from ..engine.experiment import open_experiment
from ..engine.inspect.analogy import ask
from ..engine.progress import ProgressEvent
from .access import ANYWHERE, AccessPolicy
from .control_keys import ControlKeys
from .controls import Controls
from .exports import Exports, MapExports
from .masked_lm_runs import MaskedLMRuns
from .messages import (NeighboursFound, ProgressReported, RunFailed,
                                            RunResults, RunStopped)
from .palette import PaletteCommands
from .preferences import load_preferences, save_preferences
from .presentation.progress import ReportGate
from .presentation.guidance import FIRST_RUN_HINT, refused_note
from .presentation.settings_line import settings_parts
from .presentation.stages import STAGES, many_classes
from .stage_keys import StageKeys
from .upkeep import Upkeep
from .widgets.accuracy import AccuracyPane
from .widgets.corpus import CorpusPane
from .widgets.finetuning import FineTuningPane
from .widgets.groups import GroupsPane
from .widgets.neighbours import NeighboursPane
from .widgets.quiz import QuizPanel
from .widgets.scroller import Scroller
from .widgets.stage_bar import StageBar
from .widgets.status import StatusLine
from .widgets.training import TrainingPane

# One engine Session lives as long as the app, so a control recomputes only the stages its change
# invalidates; results arrive phase by phase, through messages, and the UI only draws them.
class PretrainExplorer(StageKeys, ControlKeys, MaskedLMRuns, PaletteCommands, Exports, MapExports, Upkeep, App):
    CSS_PATH = "explorer.tcss"
    TITLE = "Pretrain Explorer"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    BINDINGS = [
        Binding("n,right", "next_stage", "Next", tooltip="Next stage", id="stage.next"),
        Binding("p,left", "previous_stage", "Back", tooltip="Previous stage", id="stage.previous"),
        *(Binding(str(s.number), f"stage({s.number})", f"Stage {s.number}: {s.title}", show=False,
                  id=f"stage.{s.number}") for s in STAGES),
        Binding("slash", "focus_word", "Word",
                tooltip="Type a word to see its neighbours, or an analogy: king - man + woman (enter asks, esc leaves)",
                id="neighbours.focus"),
        Binding("c", "cycle_compare", "Compare", show=False,
                tooltip="Neighbours: compare pretrained with random, from scratch or fine-tuned", id="neighbours.compare"),
        Binding("plus,equals_sign", "window(1)", "Window", tooltip="Widen the co-occurrence window by one",
                id="settings.window_up"),
        Binding("minus", "window(-1)", "Window-", show=False, tooltip="Narrow the co-occurrence window by one",
                id="settings.window_down"),
        Binding("s", "toggle_stopwords", "Stopwords", tooltip="Stopwords on or off", id="settings.stopwords"),
        Binding("w", "next_weighting", "Weighting", show=False,
                tooltip="Weighting: counts (the lesson's), ppmi, svd, sgns (predicts instead of counting; gensim)",
                id="settings.weighting"),
        Binding("r", "new_seed", "Seed", tooltip="Draw the random vectors from the next seed", id="settings.seed"),
        Binding("right_square_bracket", "top_n(1)", "More neighbours (top-N + 1)", show=False, id="settings.top_n_up"),
        Binding("left_square_bracket", "top_n(-1)", "Fewer neighbours (top-N - 1)", show=False, id="settings.top_n_down"),
        Binding("f", "view('blank')", "Fill the blank", show=False,
                tooltip="Fill the blank: words that fit a sentence's context, pretrained beside random",
                id="view.blank"),
        Binding("e", "view('neighbours')", "Why neighbours", show=False,
                tooltip="Why are these neighbours? The context words two words share", id="view.neighbours"),
        Binding("y", "view('prediction')", "Why this prediction", show=False,
                tooltip="Why this prediction? Each word's push toward each class", id="view.prediction"),
        Binding("v", "view('map')", "Word map", show=False,
                tooltip="Word map: the groups' words in 2-D, pretrained beside random, and how well an axis "
                        "between two groups separates them; in it x: PCA or axes, /: a word (its nearest join) or "
                        "pairs good-bad, great-awful (an axis), o: the axis over the vocabulary, e: export", id="view.map"),
        Binding("g", "view('grid')", "Grid", show=False,
                tooltip="Labels against unlabeled text: accuracy by corpus size and labels per class, a heat map "
                        "(computed when opened)", id="view.grid"),
        Binding("l", "view('masked_lm')", "Masked language model", show=False,
                tooltip="Masked language model: train it on the corpus and watch it learn to fill blanks",
                id="view.masked_lm_view"),
        Binding("k", "toggle_masked_lm", "Masked LM approaches", show=False,
                tooltip="Stages 3 and 4: add the masked language model's approaches (fine-tuned, its from-scratch "
                        "twin, frozen), or take them away", id="settings.masked_lm"),
        Binding("o", "view('context')", "A word in context", show=False,
                tooltip="Context changes the vector: a word's occurrences by the masked language model's vectors",
                id="view.context"),
        Binding("t", "toggle_numbers", "Numbers", show=False,
                tooltip="Learning curve: the chart or its numbers as a table", id="view.numbers"),
        Binding("m", "more_sentences", "More sentences", show=False,
                tooltip="Labels, compare, transfer: show twice as many sentences (per approach); pretraining: the next "
                        "probes", id="view.more"),
        Binding("a", "answer", "Answer", show=False,
                tooltip="Predict first: answer the stage's question (palette: Predict first)", id="quiz.answer"),
        Binding("escape", "cancel", "Cancel the running job, or leave the word input", show=False, id="job.cancel"),
        Binding("question_mark,f1", "help", "Help", tooltip="This list of keys", id="app.help"),
        Binding("q", "quit", "Quit", tooltip="Quit the explorer", id="app.quit"),
    ]

    def __init__(self, experiment: Experiment | None = None, quiz: bool = False,
                 access: AccessPolicy = ANYWHERE) -> None:
        super().__init__()
        self.quiz = quiz
        self.answers: dict[str, str] = {}  # predict first: the answer given on each comparison split
        self.access = access  # which files may be opened and written (limited when served)
        self.base = experiment if experiment is not None else load_experiment()
        self.controls = Controls.of(self.base)
        self.result: ExperimentResult | None = None
        # The last whole result shown, and its experiment: put back when a run that showed its first
        # phases is cancelled or fails, so that what stays on screen is one run's, never a mix.
        self._complete: tuple[Experiment, ExperimentResult] | None = None
        self.stage = 1
        self.session = Session()
        self._engine_worker: Worker | None = None
        # Held by the one engine run at work: a new run waits for the one it cancelled to end (and
        # free its memory) before it allocates anything.
        self._engine_lock = threading.Lock()

    # --- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StageBar()
        yield StatusLine()
        with ContentSwitcher(initial="stage-1", id="stages"):
            with Vertical(id="stage-1", classes="stage"):
                yield Static(classes="note", id="note-1")
                with Container(id="pretraining-panes"):
                    yield CorpusPane()
                    yield NeighboursPane()
            with Scroller(id="stage-2", classes="stage"):
                yield Static(classes="note", id="note-2")
                yield TrainingPane()
                yield FineTuningPane()
            with Scroller(id="stage-3", classes="stage"):
                yield QuizPanel("test")
                yield Static(classes="note", id="note-3")
                yield AccuracyPane("test", id="accuracy-test")
            with Scroller(id="stage-4", classes="stage"):
                yield QuizPanel("transfer")
                yield Static(classes="note", id="note-4")
                yield AccuracyPane("transfer", id="accuracy-transfer")
            with Scroller(id="stage-5", classes="stage"):
                yield Static(classes="note", id="note-5")
                yield GroupsPane()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        # Served, the theme stays with the session and the hint shows to every visitor: visitors write
        # no file of the server's.
        preferences = {} if self.access.limited else load_preferences()
        if preferences.get("theme") in self.available_themes:
            self.theme = preferences["theme"]
        if not preferences.get("hinted"):  # the first time on this machine: how to move on
            self.notify(FIRST_RUN_HINT, title="Welcome", timeout=20, markup=False)
            if not self.access.limited:
                save_preferences({"hinted": True})
        if not self.access.limited:
            self.theme_changed_signal.subscribe(self, lambda theme: save_preferences({"theme": theme.name}))
        self._show_quiz()
        self.query_one(StatusLine).show_settings(f"{self.base.name}: computing…")
        self.start_run(self.base, self.controls)
        self._focus_stage()

    # --- running the engine -------------------------------------------------------------------

    def start_run(self, base: Experiment | None, controls: Controls | None, location: str | None = None) -> None:
        """Run the engine on `base` with `controls`, or on the experiment at `location` as loaded."""
        self.blas_threads_for(controls)  # on this (the main) thread: see MaskedLMRuns
        self.query_one(StatusLine).new_run()
        self._engine_worker = self._run_engine(base, controls, location)

    @work(thread=True, exclusive=True, group="engine", exit_on_error=False, description="engine run")
    def _run_engine(self, base: Experiment | None, controls: Controls | None, location: str | None) -> None:
        worker = get_current_worker()
        with self._engine_lock:
            try:
                if worker.is_cancelled:
                    raise RunCancelled()
                if location is not None:
                    opening = ProgressEvent("opening", 0.0, f"Opening {Path(location).name}")
                    self.post_message(ProgressReported(worker, opening))
                    # A .npz swaps in vectors pretrained once; the labeled sets stay those on screen.
                    base = open_experiment(location, labeled_from=base, may_read=self.access.check_read)
                    controls = Controls.of(base)
                gate = ReportGate()

                def report(event: ProgressEvent) -> None:
                    if gate.passes(event.step):
                        self.post_message(ProgressReported(worker, event))

                for result in self.session.run(controls.apply(base), should_stop=lambda: worker.is_cancelled,
                                               on_progress=report):
                    self.post_message(RunResults(worker, base, controls, result))
            except RunCancelled:
                self.post_message(RunStopped(worker))
            except ExperimentError as exc:
                self.post_message(RunFailed(worker, exc.brief()))

    def on_progress_reported(self, message: ProgressReported) -> None:
        if message.worker is self._engine_worker:
            self.query_one(StatusLine).show_progress(message.event)

    def on_run_results(self, message: RunResults) -> None:
        if message.worker is not self._engine_worker:
            return
        self.query_one(StatusLine).phase_done()
        if message.result.complete:
            self.query_one(StatusLine).done()
        # top-N is no part of a run: a change made while it ran is applied to what it brings.
        top_n = self.controls.top_n if message.base is self.base else message.controls.top_n
        if (message.base is not self.base or self.result is None) and (warning := many_classes(message.base)):
            self.notify(warning, title="Many classes", severity="warning", timeout=10)  # before it trains
        if message.base is not self.base:  # another experiment: its own questions, words and pages from the top
            self.answers = {}
            self.query_one(NeighboursPane).set_word("")
            for scroller in self.query(Scroller):
                scroller.scroll_home(animate=False)
        self.base, self.result = message.base, message.result
        if message.result.complete:
            self._complete = (self.base, self.result)
        self.controls = dataclasses.replace(message.controls, top_n=top_n)
        self.show_result(message.result)
        if message.result.experiment.top_n != top_n:
            self._change_top_n(message.result, top_n)

    def on_run_failed(self, message: RunFailed) -> None:
        if message.worker is self._engine_worker:
            self._keep_previous()
            self.notify(message.problem, title="Could not run the experiment", severity="error", timeout=10,
                        markup=False)
            if self.result is None:  # nothing to go back to: the screen says what was refused
                self.query_one(StatusLine).show_settings(f"{self.base.name}: not run (see below)")
                self.query_one("#note-1", Static).update(Text(refused_note(self.base.name, message.problem)))

    def on_run_stopped(self, message: RunStopped) -> None:
        if message.worker is self._engine_worker:
            self._keep_previous()
            shown = ("the previous results stay on screen" if self.result is not None and self.result.complete
                     else "nothing was computed yet" if self.result is None
                     else "the stages it finished stay on screen; the rest were not computed")
            self.notify(f"Cancelled: {shown}.", title="Job cancelled")

    def _keep_previous(self) -> None:
        self._engine_worker = None
        self.query_one(StatusLine).done()
        if self.result is not None and not self.result.complete and self._complete is not None:
            self.base, self.result = self._complete  # the run had shown its first phases only
            self.show_result(self.result)
        if self.result is not None:
            self.controls = Controls.of(self.result.experiment)
            self._show_settings(self.result)

    def cancel_run(self) -> bool:
        """Cancel the engine run under way, if any (the run stops at its next check)."""
        if self._engine_worker is not None and self._engine_worker.is_running:
            self._engine_worker.cancel()
            return True
        return False

    def action_cancel(self) -> None:
        if not self.cancel_run():
            if isinstance(self.focused, Input):
                self._focus_stage()
            elif len(self.screen_stack) == 1:  # on the stages, where the status line is
                self.explain("Nothing to cancel: no job is running.")

    # --- showing results ----------------------------------------------------------------------

    def show_result(self, result: ExperimentResult) -> None:
        """Show what the result holds: a run's first phase has no accuracies yet."""
        self._show_settings(result)
        for stage in STAGES:
            if result.approaches or stage.number not in (3, 4):
                self.query_one(f"#note-{stage.number}", Static).update(Text(stage.note(result)))
        self.query_one(CorpusPane).show(result)
        self.query_one(TrainingPane).show(result)
        if result.drift is not None:
            self.query_one(FineTuningPane).show(result)
        if result.approaches:
            for pane in self.query(AccuracyPane):
                pane.show(result)
        self.query_one(GroupsPane).show(result)
        self._show_quiz()
        neighbours = self.query_one(NeighboursPane)
        neighbours.probes = result.experiment.probes
        self.find_neighbours(neighbours.words)

    def _show_settings(self, result: ExperimentResult) -> None:
        self.query_one(StatusLine).show_settings(*settings_parts(result))

    @work(thread=True, exclusive=True, group="neighbours", exit_on_error=False, description="neighbours")
    def find_neighbours(self, words: tuple[str, ...]) -> None:
        result = self.result
        if result is not None:
            self.post_message(NeighboursFound(tuple(answer for word in words  # a word, or an analogy's answers
                                                    for answer in ask(result.vectors, word, result.experiment.top_n,
                                                                      result.probe_neighbors))))

    def on_neighbours_pane_query(self, message: NeighboursPane.Query) -> None:
        self.find_neighbours(self.query_one(NeighboursPane).words)

    def on_neighbours_found(self, message: NeighboursFound) -> None:
        self.query_one(NeighboursPane).show(message.answers)
        if self._complete is not None:  # the first whole run is on screen, its neighbours last: after their paint
            self.call_after_refresh(self._freeze_startup_objects)

    # --- stages -------------------------------------------------------------------------------

    def action_stage(self, number: int) -> None:
        self.stage = max(1, min(len(STAGES), number))
        self.query_one(StageBar).current = self.stage
        self.query_one(ContentSwitcher).current = f"stage-{self.stage}"
        self._focus_stage()

    def action_next_stage(self) -> None:
        if self.stage == len(STAGES):
            self.explain(f"Stage {self.stage} is the last: p goes back.")
        self.action_stage(self.stage + 1)

    def action_previous_stage(self) -> None:
        if self.stage == 1:
            self.explain("Stage 1 is the first: n goes on.")
        self.action_stage(self.stage - 1)

    def _focus_stage(self) -> None:
        scroller = "#corpus-lines" if self.stage == 1 else f"#stage-{self.stage}"
        self.query_one(scroller, Scroller).focus()

    def action_cycle_compare(self) -> None:
        self.action_stage(1)
        self.query_one(NeighboursPane).cycle_compare()

    def action_focus_word(self) -> None:
        self.action_stage(1)
        self.query_one("#neighbour-input", Input).focus()
