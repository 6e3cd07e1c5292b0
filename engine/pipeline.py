"""One run of an experiment, stage by stage, into one immutable result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.analysis import GroupSimilarity, group_similarity
from engine.classify import NearestCentroid, SplitResult
from engine.errors import ExperimentError, RunCancelled
from engine.experiment import Experiment
from engine.text import preprocess, tokenize
from engine.vectors import WordVectors, cooccurrence_vectors, random_vectors

# Approaches in the order they are shown; each maps words to vectors for the same classifier.
APPROACHES = ("random", "pretrained")


@dataclass(frozen=True)
class CorpusStats:
    sentences: int
    tokens: int  # before stopword removal
    kept_tokens: int  # after it: what the windows run over
    vocabulary: int
    dimension: int
    window: int


@dataclass(frozen=True)
class ApproachResult:
    name: str
    test: SplitResult
    transfer: SplitResult | None


@dataclass(frozen=True)
class ExperimentResult:
    experiment: Experiment
    corpus: CorpusStats
    vectors: dict[str, WordVectors]  # by approach name
    neighbors: dict[str, tuple[tuple[str, float], ...]]  # pretrained, per probe
    groups: GroupSimilarity
    approaches: dict[str, ApproachResult]

    @property
    def pretrained(self) -> WordVectors:
        return self.vectors["pretrained"]


Progress = Callable[[str, float], None]


def run_experiment(
    experiment: Experiment,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda stage, fraction: None,
) -> ExperimentResult:
    """Run every stage of the lesson. `should_stop` is polled between (and inside long) stages and
    raises RunCancelled; `on_progress(stage, fraction)` reports how far the run has got."""

    def step(stage: str, fraction: float) -> None:
        if should_stop():
            raise RunCancelled()
        on_progress(stage, fraction)

    step("Counting co-occurrences", 0.0)
    lines = [preprocess(line, experiment.stopwords) for line in experiment.corpus]
    if not any(lines):
        raise ExperimentError(experiment.corpus_path, "the corpus has no words left once the stopwords are removed")
    try:
        pretrained, kept = cooccurrence_vectors(lines, experiment.window, should_stop)
    except ValueError as exc:
        raise ExperimentError(experiment.corpus_path, str(exc)) from None
    stats = CorpusStats(
        sentences=len(experiment.corpus),
        tokens=sum(len(tokenize(line)) for line in experiment.corpus),
        kept_tokens=kept,
        vocabulary=len(pretrained.words),
        dimension=pretrained.dimension,
        window=experiment.window,
    )

    step("Drawing random vectors", 0.4)
    vectors = {
        "random": random_vectors(pretrained.words, pretrained.dimension, experiment.seed),
        "pretrained": pretrained,
    }

    step("Finding neighbours", 0.5)
    neighbors = {probe: pretrained.nearest(probe, experiment.top_n) for probe in experiment.probes}
    groups = group_similarity(experiment.groups, pretrained)

    approaches = {}
    for k, name in enumerate(APPROACHES):
        step(f"Classifying with {name} features", 0.6 + 0.4 * k / len(APPROACHES))
        classifier = NearestCentroid.fit(experiment.train, vectors[name], experiment.stopwords)
        test = classifier.evaluate(experiment.test, vectors[name], experiment.stopwords)
        transfer = None
        if experiment.transfer is not None:
            transfer = classifier.evaluate(experiment.transfer, vectors[name], experiment.stopwords)
        approaches[name] = ApproachResult(name, test, transfer)
    on_progress("Done", 1.0)
    return ExperimentResult(experiment, stats, vectors, neighbors, groups, approaches)
