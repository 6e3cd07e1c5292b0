"""The results of a run, phase by phase, as immutable dataclasses."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..inspect.baselines import majority
from ..inspect.coverage import WordOverlap
from ..inspect.evidence import Evidence
from ..inspect.explain import UnseenWordHelp
from ..inspect.groups import GroupSimilarity
from ..inspect.significance import Interval, wilson_interval
from ..inspect.maps import Space
from ..finetuning.centroid import SplitResult
from ..finetuning.pushes import KeptClassifier
from ..experiment import Experiment
from ..inspect.word_pairs import WordPairScore
from ..pretraining.pretrain import CorpusStats
from ..progress import PHASES
from ..vectors import WordVectors
from .memory import MemoryEstimate
from ..inspect.domain import DomainFigure


@dataclass(frozen=True)
class SeedStats:
    mean: float
    std: float  # population standard deviation over the seeds
    n: int


@dataclass(frozen=True)
class ApproachResult:
    name: str
    test: SplitResult
    transfer: SplitResult | None
    test_over_seeds: SeedStats | None = None  # for the seed-dependent approaches
    transfer_over_seeds: SeedStats | None = None
    losses: tuple[float, ...] = ()  # training loss by epoch, for the trained approaches
    # The classifier of its main seed the run keeps to take its scores apart word by word (a
    # SoftmaxClassifier or a CountsClassifier); None for nearest centroids (explained from their vectors).
    kept_classifier: KeptClassifier | None = field(default=None, compare=False, repr=False)
    # For the seed-dependent approaches, by split: which sentences each seed got right (the main
    # seed first), one boolean array a seed, for the paired tests over seeds (Evidence).
    correct_over_seeds: dict[str, tuple[np.ndarray, ...]] = field(default_factory=dict, compare=False, repr=False)

    def runs(self, split: str) -> tuple[np.ndarray, ...]:
        """Which sentences of `split` each run got right: every seed's where they are kept, else the one run's."""
        if split in self.correct_over_seeds:
            return self.correct_over_seeds[split]
        predictions = getattr(self, split).predictions
        return (np.fromiter((p.predicted == p.label for p in predictions), dtype=bool, count=len(predictions)),)

    def over_seeds(self, split: str) -> SeedStats | None:
        return self.test_over_seeds if split == "test" else self.transfer_over_seeds

    def mean_accuracy(self, split: str = "test") -> float:
        """Over seeds where the approach depends on them, else its one accuracy."""
        stats = self.over_seeds(split)
        return stats.mean if stats is not None else getattr(self, split).accuracy

    def interval(self, split: str = "test") -> Interval:
        """The 95% Wilson interval of its accuracy on the split's sentences (its main seed's)."""
        scores = getattr(self, split)
        return wilson_interval(scores.correct, len(scores.predictions))


@dataclass(frozen=True)
class Drift:
    """What fine-tuning changed in the pretrained vectors."""

    moved: tuple[tuple[str, float], ...]  # the words that moved most, with the distance
    neighbors_before: dict[str, tuple[tuple[str, float], ...]]
    neighbors_after: dict[str, tuple[tuple[str, float], ...]]


@dataclass(frozen=True)
class LearningCurve:
    """Test accuracy against labeled examples per class, averaged over seeds (subsets and draws)."""

    sizes: tuple[int, ...]
    mean: dict[str, tuple[float, ...]]
    std: dict[str, tuple[float, ...]]
    seeds: int


@dataclass(frozen=True)
class Margin:
    """How far the approaches that use pretraining beat those that do not, on the test set,
    in accuracy points averaged over seeds: the worst of the first against the best of the second."""

    with_pretraining: tuple[str, ...]
    without: tuple[str, ...]
    points: float


@dataclass(frozen=True)
class ExperimentResult:
    """A run's results. A staged run yields it once per phase (PHASES), each time with more filled
    in: after pretraining the approaches are still empty and drift, margin and curve None."""

    experiment: Experiment
    corpus: CorpusStats
    vectors: dict[str, WordVectors]  # random, pretrained, from_scratch; fine_tuned once trained
    neighbors: dict[str, tuple[tuple[str, float], ...]]  # pretrained, per probe
    groups: GroupSimilarity
    approaches: dict[str, ApproachResult]
    drift: Drift | None
    learning_curve: LearningCurve | None
    margin: Margin | None
    # How many of the test (and transfer) sentences' words occur in the labeled set, by split.
    overlap: dict[str, WordOverlap]
    phase: str = PHASES[-1]  # the last phase whose results are in
    # The experiment's word pairs scored with the pretrained and the random vectors, when it has some.
    word_pairs: dict[str, WordPairScore] = field(default_factory=dict)
    # What each set of vectors was computed from, so a session finds what it derived from them.
    vector_keys: dict[str, Hashable] = field(default_factory=dict, compare=False, repr=False)
    # The run's peak memory as estimated before fine-tuning allocated anything (engine.run.memory).
    memory: MemoryEstimate | None = None
    # What unseen words did in the lesson's comparison, by (first, second, split), measured by the
    # run once its main seed's predictions are in (inspect.evidence.lesson_unseen_help) and stored
    # with it: a visitor loading the result reads it rather than searching the vectors again.
    unseen_help: dict[tuple[str, str, str], UnseenWordHelp] = field(default_factory=dict)
    # Every set of vectors' neighbours of the probes (top_n), by vectors then probe (`neighbors` are
    # the pretrained ones'): the Neighbours pane shows a loaded result's probes without reading
    # (and so mapping into memory) its vectors.
    probe_neighbors: dict[str, dict[str, tuple[tuple[str, float], ...]]] = field(default_factory=dict)
    # How close the corpus is to the task's words (None for vectors pretrained elsewhere).
    domain: DomainFigure | None = None

    @cached_property
    def evidence(self) -> Evidence:
        """The paired tests and measurements the notes' claims rest on, computed as they are asked
        for (each phase's result has its own: a later phase may have more seeds)."""
        return Evidence(self)

    @cached_property
    def space(self) -> Space:
        """The word maps of stage 5 (issue 24), computed from the vectors as they are asked for."""
        return Space(self)

    @property
    def seen_share(self) -> float:
        """The share of the test sentences' words that occur in the labeled set."""
        return self.overlap["test"].share

    def majority(self, split: str = "test") -> tuple[str, float] | None:
        """Always guessing the most common class of the split's sentences: that class and the share
        it gets right; None for a split the experiment lacks."""
        sentences = self.experiment.test if split == "test" else self.experiment.transfer
        return majority(s.label for s in sentences) if sentences else None

    @property
    def pretrained(self) -> WordVectors:
        return self.vectors["pretrained"]

    @property
    def complete(self) -> bool:
        return self.phase == PHASES[-1]
