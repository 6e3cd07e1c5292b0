"""The settings line: what the current results were computed with, and a job's progress."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Label, ProgressBar

from ...engine.progress import ProgressEvent
from ..presentation.progress import RunProgress, StepClock
from ..presentation.widths import fit_parts


class StatusLine(Horizontal):
    """The settings on the left; during a job its label and bar on the right. Below 120 columns a
    job takes the whole line: the settings would be cut mid-word beside it (they are the previous
    results' anyway, and come back when the job ends; explorer.tcss, as DEFAULT_CSS is scoped to the
widget and cannot see the screen's width class). Long labels end in an ellipsis."""

    DEFAULT_CSS = """
    StatusLine { height: 1; }
    StatusLine #settings { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusLine #job { width: auto; max-width: 60; display: none; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusLine ProgressBar { width: 20; display: none; }
    StatusLine ProgressBar Bar { width: 1fr; }  /* its own 32 cells were cut to the first half: full at 50% */
    StatusLine #cancel { width: auto; display: none; }
    StatusLine #elapsed { width: 14; display: none; text-align: right; padding-right: 1; color: $text-muted; }
    StatusLine.-busy #job, StatusLine.-busy ProgressBar, StatusLine.-busy #cancel { display: block; }
    StatusLine.-busy.-timed #elapsed { display: block; }
    """

    SAID_SECONDS = 6  # how long a word on the last key stays before the settings come back

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.run = RunProgress()
        self.clock = StepClock()
        self._ticking: Timer | None = None
        self._job = ""
        self._settings = Text()
        self._parts: tuple[list[str], tuple[int, ...]] | None = None  # settings given as parts, refitted on resize
        self._said: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Label(id="settings")
        yield Label(id="job")
        yield Label(id="elapsed")  # of a fixed width: a changing one would lay the screen out every second
        yield ProgressBar(total=100, show_eta=False, id="progress")
        yield Label(" (esc cancels)", id="cancel")  # apart from the label, so an ellipsis never cuts it

    def show_settings(self, text: str | list[str], dropped_first: tuple[int, ...] = ()) -> None:
        """The settings: a line, or its parts, of which those in `dropped_first` are left out, in
        that order, while the line is wider than the terminal (the rest end in an ellipsis)."""
        self._parts = (text, dropped_first) if isinstance(text, list) else None
        self._fit(text if isinstance(text, str) else None)

    def _fit(self, line: str | None = None) -> None:
        if self._parts is not None:
            parts, dropped_first = self._parts
            line = fit_parts(parts, dropped_first, (self.size.width or self.app.size.width) - 1)
        self._settings = Text(line)  # names and paths shown literally
        if self._said is None:
            self.query_one("#settings", Label).update(self._settings)

    def on_resize(self) -> None:
        if self._parts is not None:
            self._fit()

    def say(self, text: str) -> None:
        """A word on the last key (why it did nothing, or what it did out of sight) in place of the
        settings, which come back after SAID_SECONDS."""
        if self._said is not None:
            self._said.stop()
        self.query_one("#settings", Label).update(Text(text, style="bold"))
        self._said = self.set_timer(self.SAID_SECONDS, self._unsay)

    def _unsay(self) -> None:
        self._said = None
        self.query_one("#settings", Label).update(self._settings)

    def new_run(self) -> None:
        self.run = RunProgress()
        self.clock = StepClock()

    def show_progress(self, event: ProgressEvent) -> None:
        """A report of the running job: its label, and its step's fraction shown as how far the whole run has got."""
        self.add_class("-busy")
        self.clock.report(event)
        if self._ticking is None:
            self._ticking = self.set_interval(1.0, self._tick)
        label = f" {event.label} "
        if label != self._job:  # a label of a new length lays the whole screen out again
            self._job = label
            self.query_one("#job", Label).update(Text(label))
        self.query_one(ProgressBar).update(progress=round(self.run.report(event) * 100))

    def phase_done(self) -> None:
        self.query_one(ProgressBar).update(progress=round(self.run.phase_done() * 100))

    def done(self) -> None:
        self.remove_class("-busy")
        if self._ticking is not None:
            self._ticking.stop()
            self._ticking = None
        self.remove_class("-timed")
        self.query_one("#elapsed", Label).update("")

    def _tick(self) -> None:
        """Each second of a job: how long its step has run, so a long one never looks frozen."""
        text = self.clock.text()
        self.set_class(bool(text), "-timed")  # shown from a step's first second: lays the line out once
        self.query_one("#elapsed", Label).update(text)
