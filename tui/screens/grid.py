"""Labels against unlabeled text (issue 25): the grid of corpus prefixes by labels per class as a heat
map. Computed on demand when the view opens (engine.run.grid, in a thread worker: its progress shown
here, cancelled by leaving the view), from the session's and disk cache when it was computed before;
drawn and worded by tui.presentation.grid."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static
from textual.worker import get_current_worker

from ...engine.errors import ExperimentError, RunCancelled
from ...engine.progress import ProgressEvent
from ...engine.run.grid import LabelGrid, grid_unavailable, label_grid
from ...engine.run.results import ExperimentResult
from ..presentation import grid as words
from .live import LiveView


class GridView(LiveView):
    TITLE = "Labels against unlabeled text: corpus size by labels per class"
    BINDINGS = [Binding("x", "next_approach", "Next approach", id="view.grid_approach", show=False)]
    KEYS = (("x", "next approach with pretraining"), *LiveView.KEYS)

    def __init__(self, result: ExperimentResult, session) -> None:
        super().__init__(result)
        self.session = session
        self.grid: LabelGrid | None = None
        self.shown = 0

    def explanation(self) -> Text:
        reason = grid_unavailable(self.result)
        if reason is not None:
            return Text(f"No grid for {self.result.experiment.name}: {reason}.")
        return Text("Computing the grid: the corpus's prefixes counted in one pass, vectors made from each, and the "
                    "learning curve's draws on them (esc stops it).")

    def answer_widgets(self) -> ComposeResult:
        yield Static(id="grid-map")
        yield Static(id="grid-reading")

    def on_mount(self) -> None:
        if grid_unavailable(self.result) is None:
            self._compute()

    @work(thread=True, exclusive=True, group="grid", exit_on_error=False, description="grid")
    def _compute(self) -> None:
        worker = get_current_worker()
        try:
            grid = label_grid(self.session, self.result, should_stop=lambda: worker.is_cancelled,
                              on_progress=lambda event: self.app.call_from_thread(self._progress, event))
        except RunCancelled:
            return
        except ExperimentError as exc:
            self.app.call_from_thread(self._failed, exc.brief())
            return
        self.app.call_from_thread(self._show, grid)

    def _progress(self, event: ProgressEvent) -> None:
        if self.is_mounted and self.grid is None:
            self.query_one("#grid-map", Static).update(Text(f"{event.fraction:4.0%}  {event.label}"))

    def _failed(self, problem: str) -> None:
        if self.is_mounted:
            self.query_one("#grid-map", Static).update(Text(f"The grid could not be made: {problem}"))

    def _show(self, grid: LabelGrid) -> None:
        self.grid = grid
        if not self.is_mounted:
            return
        names = tuple(grid.accuracy)
        approach = names[self.shown % len(names)]
        self.query_one(".view-help", Static).update(Text(words.grid_help(grid, approach)))
        self.query_one("#grid-map", Static).update(words.heat_map(grid, approach, self.size.width - 2))
        self.query_one("#grid-reading", Static).update(Text("\n".join(words.grid_reading(grid, approach))))

    def action_next_approach(self) -> None:
        if self.grid is not None:
            self.shown += 1
            self._show(self.grid)

    def action_dismiss(self) -> None:
        self.workers.cancel_group(self, "grid")  # leaving the view stops the grid: nothing partial is kept
        super().action_dismiss()
