"""How far a staged run has got, as the one bar the status line shows, from the engine's events."""

from __future__ import annotations

import time
from collections.abc import Callable

from ...engine.progress import PHASES, TIMETABLE, ProgressEvent, Timetable

BELOW_FULL = 0.99  # the most shown before the last phase arrives


# Each event carries its step's own fraction; the engine's TIMETABLE places it in the run. The bar
# only moves forward, and is full only when the last phase's results have arrived.
class RunProgress:
    """A run's progress events, in the order reported, turned into the bar's value (0 to 1)."""

    def __init__(self, timetable: Timetable = TIMETABLE) -> None:
        self.timetable = timetable
        self.phases_done = 0
        self.value = 0.0

    def phase_done(self) -> float:
        """A phase's results arrived: the bar stands at its end (full after the last)."""
        self.phases_done = min(self.phases_done + 1, len(PHASES))
        end = self.timetable.span(PHASES[self.phases_done - 1])[1]
        self.value = max(self.value, end if self.phases_done == len(PHASES) else min(end, BELOW_FULL))
        return self.value

    def report(self, event: ProgressEvent) -> float:
        # A step's 1.0 is not its phase's end: that is when the phase's results arrive.
        end = self.timetable.span(event.phase)[1]
        self.value = max(self.value, min(self.timetable.position(event), end - 0.01, BELOW_FULL))
        return self.value


class StepClock:
    """How long the step on screen has run and, once its fraction allows, about how long it takes
    in all: a step whose fraction stops moving (an SVD's last iterations) still shows time passing."""

    SHOWN_AFTER = 1.0  # seconds: a shorter step needs no clock
    ESTIMATE_FROM = 0.05  # of a step done before its whole time is estimated from its pace

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.step: str | None = None
        self.started = 0.0
        self.fraction = 0.0

    def report(self, event: ProgressEvent) -> None:
        if event.step != self.step:
            self.step, self.started = event.step, self.clock()
        self.fraction = event.fraction

    def text(self) -> str:
        """"12s", or "12s of ~30s" while the step's pace says how long it takes; "" in its first second."""
        elapsed = self.clock() - self.started
        if self.step is None or elapsed < self.SHOWN_AFTER:
            return ""
        if self.ESTIMATE_FROM <= self.fraction < 1.0 and elapsed / self.fraction >= elapsed + 1:
            return f"{elapsed:.0f}s of ~{elapsed / self.fraction:.0f}s"
        return f"{elapsed:.0f}s"


class ReportGate:
    """Which of a run's progress reports are worth drawing: the first of each step, then at most
    one per INTERVAL seconds. A small run reports hundreds of fractions in moments (every ten
    epochs of every batch), and drawing each one lays the screen out again."""

    INTERVAL = 0.05

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.step: str | None = None
        self.last = float("-inf")

    def passes(self, step: str) -> bool:
        now = self.clock()
        if step == self.step and now - self.last < self.INTERVAL:
            return False
        self.step, self.last = step, now
        return True
