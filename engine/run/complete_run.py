"""run_experiment: a session's staged run taken to its complete result, its progress over the whole run."""

from __future__ import annotations

from collections.abc import Callable

from ..experiment import Experiment
from ..progress import TIMETABLE, ProgressEvent, RunReport
from .results import ExperimentResult
from .session import Session


def run_experiment(
    experiment: Experiment,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: RunReport = lambda event, overall: None,
    session=None,
) -> ExperimentResult:
    """Run every stage and return the complete result. `should_stop` is polled inside every long
    phase and raises RunCancelled; `on_progress(event, overall)` gets each step's event and how far
    the whole run has got (the steps laid end to end by TIMETABLE; it never moves back)."""
    reached = 0.0

    def overall(event: ProgressEvent) -> None:
        nonlocal reached
        reached = max(reached, TIMETABLE.position(event))  # a weighting's second step starts again from its 0
        on_progress(event, reached)

    for result in (session or Session()).run(experiment, should_stop, overall):
        pass
    overall(ProgressEvent("done", 1.0, "Done"))
    return result
