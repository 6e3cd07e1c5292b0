"""One run's context (its experiment, labeled data, vectors and fitted tasks, through the
session's cache), and the rules for how many seeds and which learning-curve subsets it runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..finetuning import approaches as registry
from ..finetuning.approaches import Run, Task, TaskOutcome
from ..finetuning.pushes import KeptClassifier
from ..finetuning.centroid import Prediction, Scores, SplitResult, best_label
from .cache import StageCache, nbytes
from ..inspect.domain import DomainFigure, domain_figure, sample_budget, survey_corpus, task_tokens
from ..pretraining.corpus import CorpusFiles, read_blocks
from ..errors import ExperimentError, stop_if_asked
from ..pretraining.masked_lm import MaskedLM
from ..pretraining.masked_lm_store import SHIPPED_MODEL, trained_or_stored
from ..progress import Progress, ProgressEvent
from ..settings import MASKED_LM
from ..experiment import MASKED_LM_NEEDS_CORPUS, Experiment
from ..finetuning.labeled import (
    Features,
    LabeledData,
    from_scratch_features,
    labeled_data,
    labeled_key,
    restricted,
    window_pairs,
)
from ..vectors import WordVectors, random_rows, random_vectors

# The seeds (and learning-curve draws) a phase runs stop short of the experiment's where their
# trainings would exceed this many train sentences x classes (each 300 epochs of products over the
# dimension): the spread's 20 seeds of a two-class set of 50,000 rows fit; of 50,000 rows in 100
# classes, MIN_SEEDS. The result says how many ran (SeedStats.n, LearningCurve.seeds), and the
# report, the JSON and the screens say it.
SEEDS_WORK = 2_000_000
MIN_SEEDS = 3
# A seed's random vectors over the labeled words are cached only up to this share of the cache:
# larger (5,000 dimensions of counts), a few seeds would fill it, each pushing out the one a step
# reads next, and hold hundreds of megabytes for nothing; they are drawn again when read.
CACHED_SEED_SHARE = 0.125
# A fit (what a trained classifier is kept from) of the spread over seeds is kept with its scores only
# up to this share of the cache: `r` makes seed + 1 the main seed, whose classifier is then kept from
# it, not trained again. Larger (a fine-tuned fit holds a row per train word and dimension: 45 MiB at
# 5,000 dimensions on reviews) it is dropped, and fitted again if that seed becomes the main one:
# the nine seeds' fits held 406 MiB to the end of the run.
KEPT_FIT_SHARE = 0.02


def seeds_within(seeds: int, work_per_seed: int) -> int:
    return int(min(seeds, max(MIN_SEEDS, SEEDS_WORK // max(work_per_seed, 1))))


def spread_seeds(data: LabeledData, seeds: int, approaches=registry.APPROACHES) -> int:
    """How many seeds the spread over seeds runs (the main one included)."""
    seeded = [a for a in approaches if a.seeded]
    return seeds_within(seeds, len(data.train) * len(data.labels) * trained_count(seeded))


def trained_count(approaches) -> int:
    return sum(a.classifier.work for a in approaches if a.classifier.trained)


def share_right(correct: np.ndarray) -> float:
    """The share of sentences one run got right (0 of none)."""
    return int(np.count_nonzero(correct)) / len(correct) if len(correct) else 0.0


def curve_sizes(data: LabeledData) -> tuple[int, ...]:
    """1, 2, 4, ... examples per class, ending with the whole train set (its largest class)."""
    largest = int(np.bincount(data.train.label_ids).max())
    sizes, k = [], 1
    while k < largest:
        sizes.append(k)
        k *= 2
    return tuple(sizes + [largest])


def curve_subset_sizes(data: LabeledData) -> list[int]:
    """The sentences of the curve's subset at each size (a class smaller than the size gives all it has)."""
    per_class = np.bincount(data.train.label_ids[data.train.label_ids >= 0])
    return [int(np.minimum(size, per_class).sum()) for size in curve_sizes(data)]


def curve_draws(data: LabeledData, seeds: int, approaches) -> int:
    """How many draws of train subsets the learning curve runs (seeds_within: fewer on a large set)."""
    return seeds_within(seeds, sum(curve_subset_sizes(data)) * len(data.labels) * trained_count(approaches))


def curve_subset(data: LabeledData, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """`per_class` sentences of each class (all of a smaller class), drawn by `rng`, in file order."""
    ids = data.train.label_ids
    chosen = []
    for label in range(len(data.labels)):
        members = np.flatnonzero(ids == label)
        chosen.append(rng.choice(members, size=min(per_class, len(members)), replace=False))
    return np.sort(np.concatenate(chosen))


@dataclasses.dataclass(frozen=True)
class Keys:
    vectors: Hashable  # the pretrained vectors
    vocabulary: Hashable  # their vocabulary (what random vectors are drawn for)


class RunContext(Run):
    """One run's context: the experiment, its labeled data and vectors, and the session's cache.
    What the approaches read of it is their interface, Run (engine.finetuning.approaches)."""

    def __init__(self, session: StageCache, experiment: Experiment, pretrained: WordVectors, keys: Keys, should_stop):
        e = experiment
        self.session, self.experiment, self.pretrained, self.keys = session, e, pretrained, keys
        self.should_stop = should_stop
        self.data_key = labeled_key(e.stopwords, e.train, e.test, e.transfer)
        self.data: LabeledData = session.cached("labeled", self.data_key,
                                                lambda: labeled_data(e.stopwords, e.train, e.test, e.transfer))
        self.splits = ("test", "transfer") if e.transfer is not None else ("test",)

    def domain(self) -> DomainFigure | None:
        """How close the corpus is to the task (engine.inspect.domain); None for vectors pretrained
        elsewhere, whose corpus is not here to count."""
        e = self.experiment
        if e.vectors_path is not None:
            return None
        corpus = CorpusFiles.of(e.corpus_path)
        survey = self.session.cached("domain survey", (corpus.identity, e.stopwords, self.data_key), lambda: (
            survey_corpus((b.text for b in read_blocks(corpus)), e.stopwords, sample_budget(task_tokens(self.data)),
                          lambda: stop_if_asked(self.should_stop))))
        return domain_figure(self.data, survey, lambda w: self.pretrained.index(w) is not None,
                             e.vocabulary.min_count)

    # Vectors restricted to the labeled vocabulary, as the approaches ask for them.

    def pretrained_features(self):
        return self.session.cached("features", (self.keys.vectors, self.data_key),
                                   lambda: restricted(self.pretrained, self.data.words))

    def random_key(self, seed: int) -> tuple:
        return self.keys.vocabulary, self.pretrained.dimension, seed

    def random_vectors(self, seed: int) -> WordVectors:
        return self.session.cached("random", self.random_key(seed),
                                   lambda: random_vectors(self.pretrained.words, self.pretrained.dimension, seed))

    def random_features(self, seed: int):
        """Only the labeled words' rows are kept: each seed's whole draw is made block by block and dropped."""
        def draw():
            whole = self.session.peek("random", self.random_key(seed))
            if whole is not None:
                return restricted(whole, self.data.words)
            stop_if_asked(self.should_stop)
            index = [self.pretrained.index(w) for w in self.data.words]
            known = np.array([i is not None for i in index], dtype=bool)
            rows = np.array([i for i in index if i is not None], dtype=np.intp)
            matrix = np.zeros((len(known), self.pretrained.dimension))
            random_rows(len(self.pretrained.words), self.pretrained.dimension, seed, rows, matrix, np.flatnonzero(known))
            self.session.stats["random"] += 1
            return Features(matrix, known)

        key = (self.random_key(seed), self.data_key)
        found = self.session.peek("random rows", key)
        if found is not None:
            return found
        features = draw()
        if features.matrix.nbytes <= self.session.max_bytes * CACHED_SEED_SHARE:
            self.session.put("random rows", key, features)
        return features

    def draw_random(self, seeds: list[int]) -> None:
        """The random rows of many seeds, drawn on two threads (drawing releases the interpreter)."""
        missing = [s for s in seeds if self.session.peek("random rows", (self.random_key(s), self.data_key)) is None]
        # Only as many as the cache keeps (CACHED_SEED_SHARE): the rest would be drawn for nothing.
        per_seed = 8 * len(self.data.words) * self.pretrained.dimension
        missing = missing[: int(self.session.max_bytes * CACHED_SEED_SHARE) // max(per_seed, 1)]
        if len(missing) > 1:
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(self.random_features, missing))

    # The masked language model the approaches of engine.finetuning.approaches.MASKED_LM_APPROACHES read.

    @property
    def approaches(self) -> tuple[registry.Approach, ...]:
        return registry.approaches_of(self.experiment.masked_lm)

    def masked_lm_key(self) -> Hashable:
        e = self.experiment
        if e.corpus_path is None:
            raise ExperimentError(e.vectors_path, MASKED_LM_NEEDS_CORPUS)
        budget = getattr(e, "mlm_tokens", None) or MASKED_LM.token_budget  # [pretraining] mlm_tokens, where set
        return CorpusFiles.of(e.corpus_path).identity, e.stopwords, e.pretraining_seed, budget, MASKED_LM

    def masked_lm(self, on_progress: Progress = lambda event: None) -> MaskedLM:
        """The experiment's model: in the session's cache, else stored on disk by what determines
        it (engine.pretraining.masked_lm_store), else trained now, its progress reported."""
        key = self.masked_lm_key()
        _, stopwords, seed, budget, settings = key

        def report(fraction: float, rate: float, loss: float) -> None:
            on_progress(ProgressEvent("masked lm", fraction, f"Pretraining: masked LM, {rate:,.0f} tokens/s"))

        return self.session.cached("masked lm", key, lambda: trained_or_stored(
            self.experiment.corpus_path, stopwords, seed, budget, getattr(self.session, "disk", None), settings,
            self.should_stop, report, shipped=self.experiment.manifest.parent / SHIPPED_MODEL)[0])

    def pairs(self):
        return self.session.cached("pairs", (self.data_key, self.experiment.window),
                                   lambda: window_pairs(self.data, self.experiment.window))

    def from_scratch_features(self, subset: np.ndarray):
        return from_scratch_features(self.data, self.pairs(), subset)

    # Tasks: fitted once, cached by what determines them.

    def task_key(self, task: Task) -> Hashable:
        a = task.approach
        training = self.experiment.training if a.classifier.trained else None
        return task.key, a.vectors.name, a.vectors.determined_by(self), self.data_key, training

    def fit(self, tasks: list[Task], splits: tuple[str, ...], progress: Callable[[float], None],
            keep_fits: bool = True) -> list[TaskOutcome]:
        """Each task's outcome, from the cache or fitted. Without `keep_fits` (the spread over seeds,
        the learning curve: they read scores only) an outcome keeps its fit only up to KEPT_FIT_SHARE;
        a later main seed whose fit was dropped is fitted again to be kept."""
        stop_if_asked(self.should_stop)
        keys = [self.task_key(t) for t in tasks]
        found: dict = {}
        for key, task in zip(keys, tasks):
            hit = self.session.peek("outcome", key)
            wants_fit = keep_fits and task.subset is None and task.approach.classifier.keep is not None
            if hit is not None and hit.has(splits) and (hit.fit is not None or not wants_fit):
                found[key] = hit
        missing = list({k: t for k, t in zip(keys, tasks) if k not in found}.items())
        self.draw_random(sorted({t.seed for _, t in missing if t.seed is not None}))
        kinds: dict = {}
        for key, task in missing:
            kinds.setdefault(task.approach.classifier.fit, []).append((key, task))
        for done, members in enumerate(kinds.values()):
            kind = members[0][1].approach.classifier
            outcomes = kind.fit(self, [t for _, t in members], splits, self.should_stop,
                                lambda f: progress((done + f) / len(kinds)))
            for (key, task), outcome in zip(members, outcomes):
                stage = "classifier" if task.subset is None else "curve"
                if not keep_fits and nbytes(outcome.fit) > self.session.max_bytes * KEPT_FIT_SHARE:
                    outcome = dataclasses.replace(outcome, fit=None)
                self.session.put("outcome", key, outcome)
                self.session.stats[f"{stage}:{task.approach.name}"] += 1
                found[key] = outcome
        progress(1.0)
        return [found[k] for k in keys]

    def correct(self, outcome: TaskOutcome, split: str) -> np.ndarray:
        """Which sentences of `split` the outcome got right, one boolean each."""
        return outcome.best(split) == self.data.splits[split].label_ids

    def accuracy(self, outcome: TaskOutcome, split: str) -> float:
        return share_right(self.correct(outcome, split))

    def kept_classifier(self, task: Task, outcome: TaskOutcome) -> KeptClassifier | None:
        """The classifier its kind keeps for explanations (ClassifierKind.keep), or None."""
        kind = task.approach.classifier
        return kind.keep(self, task, outcome.fit) if kind.keep and outcome.fit is not None else None

    def split_results(self, outcome: TaskOutcome) -> tuple[SplitResult, SplitResult | None]:
        labels = self.data.labels
        index = {label: k for k, label in enumerate(labels)}
        out = []
        for name in ("test", "transfer"):
            if name not in self.splits:
                out.append(None)
                continue
            split, scores = self.data.splits[name], outcome.scores[name]
            predicted = best_label(scores)
            out.append(SplitResult(tuple(
                Prediction(s.text, s.label, labels[p], Scores(index, row), seen)
                for s, p, row, seen in zip(split.sentences, predicted.tolist(), scores, split.seen_words))))
        return out[0], out[1]
