"""One run of an experiment, stage by stage, into one immutable result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.analysis import GroupSimilarity, group_similarity, word_overlap
from engine.classify import NearestCentroid, SplitResult
from engine.errors import ExperimentError, RunCancelled
from engine.experiment import Experiment
from engine.finetune import train
from engine.corpus import Corpus, Progress, block_of, count_cooccurrences, workers_for
from engine.store import load_vectors
from engine.text import LabeledSentence, preprocess
from engine.vectors import WordVectors, random_vectors
from engine.weighting import VocabularySettings, vocabulary_keep, word_vectors

# Approaches in the order they are shown. Each turns the labeled sentences into a classifier.
APPROACHES = ("random", "pretrained", "from_scratch", "linear_probe", "fine_tuned", "random_fine_tuned")
# Those whose result depends on a random draw, also run over many seeds.
SEEDED = ("random", "random_fine_tuned")
DRIFT_WORDS = 10


@dataclass(frozen=True)
class CorpusStats:
    sentences: int  # lines holding at least one word
    tokens: int  # before stopword removal
    kept_tokens: int  # after it: what the windows run over
    vocabulary: int
    dimension: int
    window: int
    weighting: str = "counts"


def pretrain_vectors(
    corpus: Path,
    stopwords: frozenset[str],
    window: int,
    weighting: str = "counts",
    dim: int = 300,
    vocabulary: VocabularySettings = VocabularySettings(),
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda stage, fraction: None,
) -> tuple[WordVectors, CorpusStats]:
    """Stage 1 on a corpus of any size: stream it, count, weight."""
    # Corpus(...) can be read twice: where the vocabulary is cut, the second pass counts only its pairs.
    co = count_cooccurrences(Corpus(corpus), stopwords, window, should_stop, on_progress, workers_for(corpus),
                             keep=vocabulary_keep(vocabulary))
    if co.tokens == 0:
        raise ExperimentError(corpus, "the corpus is empty: it needs at least one line of text")
    if co.kept == 0:
        raise ExperimentError(corpus, "the corpus has no words left once the stopwords are removed")
    on_progress(f"Weighting ({weighting})", 1.0)
    vectors = word_vectors(co, weighting, dim, vocabulary, corpus)
    stats = CorpusStats(co.lines, co.tokens, co.kept, len(vectors.words), vectors.dimension, window, weighting)
    return vectors, stats


def vectors_from_sentences(texts: list[str], stopwords: frozenset[str], window: int) -> WordVectors:
    """The lesson's counts over a handful of sentences held in memory (the from-scratch approach)."""
    co = count_cooccurrences([block_of(texts)], stopwords, window)
    return word_vectors(co, "counts", 0, VocabularySettings(), "labeled sentences")


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

    def over_seeds(self, split: str) -> SeedStats | None:
        return self.test_over_seeds if split == "test" else self.transfer_over_seeds

    def mean_accuracy(self, split: str = "test") -> float:
        """Over seeds where the approach depends on them, else its one accuracy."""
        stats = self.over_seeds(split)
        return stats.mean if stats is not None else getattr(self, split).accuracy


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
    experiment: Experiment
    corpus: CorpusStats
    vectors: dict[str, WordVectors]  # random, pretrained, from_scratch, fine_tuned
    neighbors: dict[str, tuple[tuple[str, float], ...]]  # pretrained, per probe
    groups: GroupSimilarity
    approaches: dict[str, ApproachResult]
    drift: Drift
    learning_curve: LearningCurve
    margin: Margin
    seen_share: float  # share of the test sentences' words that occur in the labeled set

    @property
    def pretrained(self) -> WordVectors:
        return self.vectors["pretrained"]


class _Approaches:
    """Fits any approach on any labeled subset; the pretrained vectors are shared."""

    def __init__(self, experiment: Experiment, pretrained: WordVectors):
        self.e, self.pretrained = experiment, pretrained
        self._random: dict[int, WordVectors] = {}

    def keep_only_random(self, seed: int) -> None:
        """Forget the random draws of other seeds, so memory stays flat over many seeds."""
        self._random = {seed: self.random(seed)}

    def random(self, seed: int) -> WordVectors:
        if seed not in self._random:
            self._random[seed] = random_vectors(self.pretrained.words, self.pretrained.dimension, seed)
        return self._random[seed]

    def from_scratch(self, train_set) -> WordVectors:
        return vectors_from_sentences([s.text for s in train_set], self.e.stopwords, self.e.window)

    def fit(self, name: str, train_set: tuple[LabeledSentence, ...], seed: int):
        """A callable sentences -> SplitResult, and the trained model (None for the centroid approaches)."""
        e = self.e
        seen = frozenset(t for s in train_set for t in preprocess(s.text, e.stopwords))
        if name in ("random", "pretrained", "from_scratch"):
            vectors = {"random": lambda: self.random(seed), "pretrained": lambda: self.pretrained,
                       "from_scratch": lambda: self.from_scratch(train_set)}[name]()
            centroid = NearestCentroid.fit(train_set, vectors, e.stopwords)
            return (lambda sentences: centroid.evaluate(sentences, vectors, e.stopwords, seen)), None
        start = self.random(seed) if name == "random_fine_tuned" else self.pretrained
        model = train(train_set, start, e.stopwords, e.training, update_vectors=name != "linear_probe")
        return (lambda sentences: model.evaluate(sentences, seen)), model


def _stats(values: list[float]) -> SeedStats:
    return SeedStats(float(np.mean(values)), float(np.std(values)), len(values))


def _curve_sizes(train_set) -> tuple[int, ...]:
    """1, 2, 4, ... examples per class, ending with the whole train set (its largest class)."""
    largest = max(sum(s.label == label for s in train_set) for label in {s.label for s in train_set})
    sizes, k = [], 1
    while k < largest:
        sizes.append(k)
        k *= 2
    return tuple(sizes + [largest])


def _subset(train_set, per_class: int, rng: np.random.Generator):
    """`per_class` sentences of each class (all of a smaller class), drawn by `rng`, in file order."""
    chosen = []
    for label in sorted({s.label for s in train_set}):
        members = [i for i, s in enumerate(train_set) if s.label == label]
        take = min(per_class, len(members))
        chosen += list(rng.choice(members, size=take, replace=False))
    return tuple(train_set[i] for i in sorted(chosen))


def run_experiment(
    experiment: Experiment,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda stage, fraction: None,
) -> ExperimentResult:
    """Run every stage. `should_stop` is polled between (and inside long) stages and raises
    RunCancelled; `on_progress(stage, fraction)` reports how far the run has got."""

    def step(stage: str, fraction: float) -> None:
        if should_stop():
            raise RunCancelled()
        on_progress(stage, fraction)

    e = experiment
    if e.vectors_path is not None:
        step(f"Loading {e.vectors_path.name}", 0.0)
        pretrained, made = load_vectors(e.vectors_path)
        stats = CorpusStats(**{**made["corpus"], "vocabulary": len(pretrained.words), "dimension": pretrained.dimension})
    else:
        step("Counting co-occurrences", 0.0)
        pretrained, stats = pretrain_vectors(
            e.corpus_path, e.stopwords, e.window, e.weighting, e.dim, e.vocabulary, should_stop,
            lambda stage, fraction: on_progress(stage, 0.2 * fraction),
        )
    fitter = _Approaches(e, pretrained)

    step("Finding neighbours", 0.2)
    neighbors = {probe: pretrained.nearest(probe, e.top_n) for probe in e.probes}
    groups = group_similarity(e.groups, pretrained)

    approaches: dict[str, ApproachResult] = {}
    models = {}
    for k, name in enumerate(APPROACHES):
        step(f"Training {name}", 0.25 + 0.3 * k / len(APPROACHES))
        evaluate, models[name] = fitter.fit(name, e.train, e.seed)
        test = evaluate(e.test)
        transfer = evaluate(e.transfer) if e.transfer is not None else None
        over = {}
        if name in SEEDED:
            # Seed e.seed is the run above; each further seed is fitted, scored and forgotten in
            # turn, so only one extra random draw is held at a time.
            tests, transfers = [test.accuracy], [transfer.accuracy] if transfer is not None else []
            for j in range(1, e.seeds):
                run, _ = fitter.fit(name, e.train, e.seed + j)
                tests.append(run(e.test).accuracy)
                if transfer is not None:
                    transfers.append(run(e.transfer).accuracy)
                fitter.keep_only_random(e.seed)
            over["test_over_seeds"] = _stats(tests)
            if transfer is not None:
                over["transfer_over_seeds"] = _stats(transfers)
        losses = models[name].losses if models[name] is not None else ()
        approaches[name] = ApproachResult(name, test, transfer, losses=losses, **over)

    step("Measuring drift", 0.6)
    fine_tuned_vectors = models["fine_tuned"].vectors()
    drift = Drift(
        moved=models["fine_tuned"].drift()[:DRIFT_WORDS],
        neighbors_before=neighbors,
        neighbors_after={probe: fine_tuned_vectors.nearest(probe, e.top_n) for probe in e.probes},
    )

    sizes = _curve_sizes(e.train)
    curve: dict[str, list[list[float]]] = {name: [] for name in APPROACHES}
    for i, size in enumerate(sizes):
        step(f"Learning curve: {size} per class", 0.65 + 0.35 * i / len(sizes))
        per_seed: dict[str, list[float]] = {name: [] for name in APPROACHES}
        for j in range(e.seeds):
            subset = _subset(e.train, size, np.random.default_rng([e.seed, j, size]))
            for name in APPROACHES:
                per_seed[name].append(fitter.fit(name, subset, e.seed + j)[0](e.test).accuracy)
            fitter.keep_only_random(e.seed)
        for name in APPROACHES:
            curve[name].append(per_seed[name])
    learning_curve = LearningCurve(
        sizes,
        {name: tuple(float(np.mean(v)) for v in curve[name]) for name in APPROACHES},
        {name: tuple(float(np.std(v)) for v in curve[name]) for name in APPROACHES},
        e.seeds,
    )

    with_pretraining, without = ("pretrained", "fine_tuned"), ("random", "from_scratch")
    margin = Margin(
        with_pretraining,
        without,
        100 * (min(approaches[n].mean_accuracy() for n in with_pretraining)
               - max(approaches[n].mean_accuracy() for n in without)),
    )
    on_progress("Done", 1.0)
    return ExperimentResult(
        experiment=e,
        corpus=stats,
        vectors={"random": fitter.random(e.seed), "pretrained": pretrained,
                 "from_scratch": fitter.from_scratch(e.train), "fine_tuned": fine_tuned_vectors},
        neighbors=neighbors,
        groups=groups,
        approaches=approaches,
        drift=drift,
        learning_curve=learning_curve,
        margin=margin,
        seen_share=word_overlap(e.test, e.train, e.stopwords).share,
    )
