"""The results of a run, stage by stage, as immutable dataclasses, and the pretraining stage's
functions. The stages, each cached by what determines it, and run_experiment, a session's staged
run consumed to its end, are in engine.session."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path

from engine.analysis import GroupSimilarity
from engine.approaches import APPROACHES as REGISTRY
from engine.classify import SplitResult
from engine.corpus import Cooccurrence, Corpus, Progress, count_cooccurrences, workers_for
from engine.errors import ExperimentError
from engine.experiment import Experiment
from engine.labeled import labeled_data, scratch_vectors, window_pairs
from engine.sgns import SgnsSettings, train_sgns
from engine.wordpairs import WordPairScore
from engine.text import LabeledSentence
from engine.vectors import WordVectors
from engine.weighting import VocabularySettings, vocabulary_keep, word_vectors

# The names of the approaches, in the order they are shown (the registry is engine.approaches).
APPROACHES = tuple(a.name for a in REGISTRY)
DRIFT_WORDS = 10
SGNS_SEED = 1  # skip-gram's own draws: fixed, so that pretrained vectors do not change with [random] seed
PHASES = ("pretraining", "training", "seeds", "curve")  # the order in which results arrive


@dataclass(frozen=True)
class CorpusStats:
    sentences: int  # lines holding at least one word
    tokens: int  # before stopword removal
    kept_tokens: int  # after it: what the windows run over
    vocabulary: int
    dimension: int
    window: int
    weighting: str = "counts"


def corpus_counts(
    corpus: Path,
    stopwords: frozenset[str],
    window: int,
    vocabulary: VocabularySettings = VocabularySettings(),
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda stage, fraction: None,
) -> Cooccurrence:
    """Stream a corpus of any size and count its co-occurrences. Where the vocabulary settings cut
    the vocabulary, a second pass over the corpus (Corpus can be read twice) counts only the kept
    words' pairs; the dropped words still take their places in the windows."""
    co = count_cooccurrences(Corpus(corpus), stopwords, window, should_stop, on_progress, workers_for(corpus),
                             keep=vocabulary_keep(vocabulary))
    if co.tokens == 0:
        raise ExperimentError(corpus, "the corpus is empty: it needs at least one line of text")
    if co.kept == 0:
        raise ExperimentError(corpus, "the corpus has no words left once the stopwords are removed")
    return co


def weighted_vectors(co: Cooccurrence, window: int, weighting: str, dim: int, vocabulary: VocabularySettings,
                     source, should_stop: Callable[[], bool] = lambda: False,
                     on_progress: Progress = lambda stage, fraction: None,
                     stopwords: frozenset[str] = frozenset()) -> tuple[WordVectors, CorpusStats]:
    """The vectors of a counted corpus (`source`) by `weighting`, and the corpus's statistics. sgns
    reads the corpus again to train on it; the counts then give the statistics only."""
    if weighting == "sgns":
        settings = SgnsSettings(dim, window, vocabulary.min_count, vocabulary.max_vocab, seed=SGNS_SEED)
        vectors = train_sgns(Path(source), stopwords, settings, should_stop, on_progress)
    else:
        vectors = word_vectors(co, weighting, dim, vocabulary, source, should_stop, on_progress)
    return vectors, CorpusStats(co.lines, co.tokens, co.kept, len(vectors.words), vectors.dimension, window, weighting)


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
    """Stage 1 on a corpus of any size, uncached: stream it, count, weight."""
    co = corpus_counts(corpus, stopwords, window, vocabulary, should_stop, on_progress)
    on_progress(f"Weighting ({weighting})", 1.0)
    return weighted_vectors(co, window, weighting, dim, vocabulary, corpus, should_stop, on_progress, stopwords)


def vectors_from_sentences(texts: list[str], stopwords: frozenset[str], window: int) -> WordVectors:
    """The lesson's counts over a handful of sentences held in memory (the from-scratch approach)."""
    data = labeled_data(stopwords, tuple(LabeledSentence(t, "", k) for k, t in enumerate(texts)), (), None)
    return scratch_vectors(data, window_pairs(data, window))


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
    # What a trained or fitted approach kept of its main-seed classifier (a finetune.TrainedClassifier
    # or a models.CountsModel), to take its scores apart word by word; None for nearest centroids
    # (explained from their vectors).
    model: object | None = field(default=None, compare=False, repr=False)

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
    seen_share: float  # share of the test sentences' words that occur in the labeled set
    phase: str = PHASES[-1]  # the last phase whose results are in
    # The experiment's word pairs scored with the pretrained and the random vectors, when it has some.
    word_pairs: dict[str, WordPairScore] = field(default_factory=dict)
    # What each set of vectors was computed from, so a session finds what it derived from them.
    vector_keys: dict[str, Hashable] = field(default_factory=dict, compare=False, repr=False)

    @property
    def pretrained(self) -> WordVectors:
        return self.vectors["pretrained"]

    @property
    def complete(self) -> bool:
        return self.phase == PHASES[-1]
