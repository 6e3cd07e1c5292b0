"""How far engine work has got: typed progress events, and the one timetable that places them in a run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType

PHASES = ("pretraining", "training", "seeds", "curve")  # the order in which a run's results arrive


@dataclass(frozen=True)
class ProgressEvent:
    """One report: `fraction` (0 to 1) of `step` done, and `label`, the words shown for it. The
    phase is the step's, from TIMETABLE: a step (counting, svd ...) need not know which run it is in."""

    phase: str = field(init=False)
    step: str
    fraction: float
    label: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "phase", TIMETABLE.phase_of(self.step))  # an unknown step fails here


# Labels are read beside an elapsed time and a bar on one status line of 80 columns: at most
# LABEL_WIDTH characters keep them whole there (39 fit beside "299s of ~484s", the bar and
# "(esc cancels)"; a few spare for a longer time).
LABEL_WIDTH = 36


def counting_label(tokens: int, pass_number: int, passes: int) -> str:
    """Counting's label: a second pass says so, so that it does not look like a restart."""
    if passes == 1:
        return f"Counting: {tokens:,} tokens"
    return f"Counting ({pass_number} of {passes}): {tokens:,} tokens"


Progress = Callable[[ProgressEvent], None]
RunReport = Callable[[ProgressEvent, float], None]  # an event, and how far the whole run has got (0 to 1)


@dataclass(frozen=True, eq=False)
class Timetable:
    """Each phase's span of a whole run, and each step's phase and span within that phase."""

    phases: MappingProxyType  # phase -> (start, end) of the run, in PHASES order
    steps: MappingProxyType  # step -> (phase, start, end) of the phase

    def phase_of(self, step: str) -> str:
        return self.steps[step][0]

    def span(self, phase: str) -> tuple[float, float]:
        return self.phases[phase]

    def position(self, event: ProgressEvent) -> float:
        """Where `event` puts the whole run (0 to 1), by its step's place in its phase."""
        low, high = self.phases[event.phase]
        _, start, end = self.steps[event.step]
        within = start + (end - start) * min(max(event.fraction, 0.0), 1.0)
        return low + (high - low) * within


# Pretraining reads the corpus first (counted, or hashed for the disk cache), then weights the
# counts; the weighting's steps (PPMI, then an SVD; or skip-gram) each start again from the
# weighting's own 0, so a run's position only ever moves forward (RunProgress, run_experiment).
# The instants (opening, starting, weighting, neighbours, done) mark where a phase stands.
READ_SHARE = 0.6  # of pretraining
TIMETABLE = Timetable(
    MappingProxyType(dict(zip(PHASES, ((0.0, 0.4), (0.4, 0.55), (0.55, 0.7), (0.7, 1.0))))),
    MappingProxyType({
        "opening": ("pretraining", 0.0, 0.0),
        "starting": ("pretraining", 0.0, 0.0),
        "hashing": ("pretraining", 0.0, READ_SHARE),
        "counting": ("pretraining", 0.0, READ_SHARE),
        "weighting": ("pretraining", READ_SHARE, READ_SHARE),
        "ppmi": ("pretraining", READ_SHARE, 1.0),
        "svd": ("pretraining", READ_SHARE, 1.0),
        "sgns": ("pretraining", READ_SHARE, 1.0),
        "masked lm": ("pretraining", READ_SHARE, 1.0),  # the masked language model, where its approaches run
        "neighbours": ("pretraining", 1.0, 1.0),
        # The main seed's training; the other seeds; the learning curve (about as long as the
        # seeds' phase, times the curve's sizes).
        "training": ("training", 0.0, 1.0),
        "seeds": ("seeds", 0.0, 1.0),
        "curve": ("curve", 0.0, 1.0),
        "done": ("curve", 1.0, 1.0),
        # The grid (engine/run/grid.py), on demand after a complete run: its view shows the event's
        # own fraction; a run's bar stays at its end.
        "grid": ("curve", 1.0, 1.0),
    }),
)
