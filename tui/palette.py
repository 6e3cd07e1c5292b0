"""The command palette's entries (open an experiment, export, screenshot, help) and the
predict-first quiz they switch on and off."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import SystemCommand
from textual.screen import Screen

from ..engine.experiment import shipped_experiments
from .screens import HelpScreen
from .screens.open import OpenExperiment
from .screens.quiz import QuizAnswer
from .screens.word_map import WordMapView
from .widgets.quiz import QuizPanel


class PaletteCommands:
    """Mixed into the App: its `quiz`, `answers`, `result`, `stage`, `base` and start_run."""

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen([b for b in self.BINDINGS if b.id]))

    # Textual's own commands that the explorer's do better: its key panel (Help lists every key)
    # and its screenshot (Save screenshot writes where exports go, and hands it over when served).
    REPLACED_COMMANDS = ("Keys", "Screenshot")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from (c for c in super().get_system_commands(screen) if c.title not in self.REPLACED_COMMANDS)
        yield SystemCommand("Open experiment", "Load an experiment.toml, its folder, or pretrained vectors (.npz)",
                            self.command_open)
        yield SystemCommand("Export report as text", "Write the report as `pretrain-explorer report` prints it",
                            lambda: self.command_export("text"))
        yield SystemCommand("Export report as JSON", "Write the report as `pretrain-explorer report --json` prints it",
                            lambda: self.command_export("json"))
        yield SystemCommand("Export handout (Markdown)", "The report to print: notes, figures and charts, no keys",
                            lambda: self.command_export("markdown"))
        yield SystemCommand("Save screenshot", "Save the screen as an SVG file in the current folder",
                            self.command_screenshot)
        yield SystemCommand("Predict first (quiz)" if not self.quiz else "Stop predicting first",
                            "Comparison stages ask whether pretrained beats random before showing the numbers",
                            self.command_quiz)
        if not isinstance(screen, WordMapView):
            yield SystemCommand("Word map", "The groups' words in 2-D, pretrained beside random (v)",
                                lambda: self.action_view("map"))
        yield SystemCommand("Export word map", "The vectors as the Embedding Projector's TSV files, the map as "
                            "SVG (e in the map)", lambda: self.command_export_map(screen))
        yield SystemCommand("Grid: labels against unlabeled text",
                            "Accuracy by corpus size and labels per class, a heat map (g)", lambda: self.action_view("grid"))
        yield SystemCommand("Help", "Every key of the explorer", self.action_help)

    def command_open(self) -> None:
        def opened(location: str | None) -> None:
            if location:  # served, `~` stays as typed: `~name` would tell a visitor which users exist
                self.start_run(self.base, None, location=location if self.access.limited
                               else str(Path(location).expanduser()))

        self.push_screen(OpenExperiment(shipped_experiments(), self.base.name), opened)

    # --- predict first -------------------------------------------------------------------------

    def _show_quiz(self) -> None:
        for panel in self.query(QuizPanel):
            panel.display = self.quiz
            if self.quiz:
                panel.show(self.result, self.answers.get(panel.split))
            else:
                panel.parent.remove_class("-quiz-pending")

    def command_quiz(self) -> None:
        self.quiz, self.answers = not self.quiz, {}
        self._show_quiz()
        if self.quiz:
            self.action_stage(3)

    def action_answer(self) -> None:
        split = {3: "test", 4: "transfer"}.get(self.stage)
        if not self.quiz:
            self.explain("Predict first is off: ctrl+p, then Predict first (quiz), turns it on.")
            return
        if split is None:
            self.explain("The questions are on stages 3 and 4.")
            return
        if split in self.answers:
            self.explain("This stage's question is answered already.")
            return

        def answered(answer: str | None) -> None:
            if answer is not None:
                self.answers[split] = answer
                self._show_quiz()

        self.push_screen(QuizAnswer(split), answered)
