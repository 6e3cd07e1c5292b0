"""How far a staged run has got, as the one bar the status line shows.

A staged run reports each phase's own fraction (engine.session.Session.run), and within
pretraining each step its own (counting, then weighting: an SVD or skip-gram starts again from
0), so the raw fractions reach 1 several times before the work ends. Here they are laid end to end
over the run: the bar only moves forward, and is full only when the last phase has arrived.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pretrain_explorer.engine.run.results import PHASES

# Each phase's share of the bar, in the order the phases arrive: pretraining, the main seed's
# training, the other seeds, the learning curve (about as long as the seeds' phase, times sizes).
SPANS = dict(zip(PHASES, ((0.0, 0.4), (0.4, 0.55), (0.55, 0.7), (0.7, 1.0))))
# Within pretraining, the corpus is read first (counted, or hashed for the disk cache), then
# weighted; the steps after counting share the rest of the phase.
READING = ("Counting", "Pretraining: reading")
READ_SHARE = 0.6
BELOW_FULL = 0.99  # the most shown before the last phase arrives


class RunProgress:
    """Fractions of one run, in the order reported, turned into the bar's value (0 to 1)."""

    def __init__(self) -> None:
        self.phases_done = 0
        self.value = 0.0
        self._read = False  # pretraining has read (some of) the corpus
        self._weighting = False  # and moved past reading it

    def phase_done(self) -> float:
        """A phase's results arrived: the bar stands at its end (full after the last)."""
        self.phases_done = min(self.phases_done + 1, len(PHASES))
        end = SPANS[PHASES[self.phases_done - 1]][1]
        self.value = max(self.value, end if self.phases_done == len(PHASES) else min(end, BELOW_FULL))
        return self.value

    def report(self, stage: str, fraction: float) -> float:
        fraction = min(max(fraction, 0.0), 1.0)
        phase = PHASES[min(self.phases_done, len(PHASES) - 1)]
        low, high = SPANS[phase]
        if phase == PHASES[0]:
            reading = stage.startswith(READING)
            if reading and not self._weighting:
                self._read = True
                high = low + READ_SHARE * (high - low)
            elif self._read:
                # The first report after reading names the weighting with the reading's 1.0: it
                # starts the weighting, whose own steps report from 0 on.
                starting = not self._weighting
                self._weighting = True
                low = low + READ_SHARE * (high - low)
                fraction = 0.0 if starting else fraction
        # A step's 1.0 is not its phase's end: that is when the phase's results arrive.
        value = low + (high - low) * fraction
        self.value = max(self.value, min(value, SPANS[phase][1] - 0.01, BELOW_FULL))
        return self.value


class ReportGate:
    """Which of a run's progress reports are worth drawing: the first of each step, then at most
    one per INTERVAL seconds. A small run reports hundreds of fractions in half a second (every ten
    epochs of every batch); drawing each one laid the screen out again, and made up most of the
    time `+` took to answer on the kata."""

    INTERVAL = 0.05

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.stage: str | None = None
        self.last = float("-inf")

    def passes(self, stage: str) -> bool:
        now = self.clock()
        if stage == self.stage and now - self.last < self.INTERVAL:
            return False
        self.stage, self.last = stage, now
        return True
