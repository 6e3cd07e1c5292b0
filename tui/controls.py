"""The explorer's live controls: their values, the steps the keys take within the settings'
ranges, and how they change an experiment (all rules from engine/settings.py and engine/experiment.py)."""

from __future__ import annotations

import dataclasses

from ..engine import Experiment
from ..engine.experiment import with_overrides
from ..engine.settings import LIMITS, WEIGHTINGS, next_weighting


@dataclasses.dataclass(frozen=True)
class Controls:
    """The live controls; the experiment as loaded supplies their starting values."""

    window: int
    stopwords: bool
    seed: int
    top_n: int
    weighting: str
    max_vocab: int  # the experiment's, or the cap counts and ppmi need on a large vocabulary
    masked_lm: bool = False  # the masked language model's approaches beside the others (k)

    @classmethod
    def of(cls, experiment: Experiment) -> Controls:
        return cls(experiment.window, bool(experiment.stopwords), experiment.seed, experiment.top_n,
                   experiment.weighting, experiment.vocabulary.max_vocab, experiment.masked_lm)

    def apply(self, base: Experiment) -> Experiment:
        """`base` with the controls that differ from its own values."""
        own = Controls.of(base)
        return with_overrides(base, **{name: value for name, value in dataclasses.asdict(self).items()
                                       if value != getattr(own, name)})

    def stepped(self, name: str, step: int) -> Controls | None:
        """The controls with `name` moved by `step` within its range (LIMITS), or None at its end."""
        value = LIMITS[name].clamp(getattr(self, name) + step)
        return dataclasses.replace(self, **{name: value}) if value != getattr(self, name) else None

    def next_weighting(self, base: Experiment, vocabulary: int | None,
                       runnable: tuple[str, ...] = WEIGHTINGS) -> tuple[Controls, bool]:
        """The controls with the next weighting among `runnable` (and the max_vocab it needs on
        `vocabulary` words), and whether the dense-vocabulary cap was newly applied."""
        change = next_weighting(self.weighting, self.max_vocab, base.vocabulary.max_vocab, vocabulary, runnable)
        return dataclasses.replace(self, weighting=change.weighting, max_vocab=change.max_vocab), change.newly_capped
