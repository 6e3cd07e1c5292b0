"""A session: the engine's stages, each cached by what determines it, and staged runs over them.

    session = Session()
    for result in session.run(experiment):      # one result per phase, in order of use
        show(result)

Stages and what they are keyed by:
- counts: the corpus (its files, sizes and times), window, stopwords;
- vectors: the counts' key, min_count, max_vocab, weighting, dim (svd only); large corpora are
  also cached on disk by content (engine.diskcache);
- random: the vocabulary (the counts' key and vocabulary settings), dimension and seed;
- labeled: the stopwords and the train, test and transfer sentences (a digest);
- a task's classifier and its scores (classifier:NAME for the whole train set, curve:NAME for a
  learning-curve subset): the approach, its vectors' key, seed, subset, labeled data, training settings;
- neighbours: the vectors' key, probes and top_n; groups: the vectors' key and groups.

`stats` counts each stage's computations (cache hits are not counted), so a caller can see what a
change recomputed. A session is safe to share between threads; a run is not interrupted by
another thread's lookups.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from engine.analysis import group_similarity
from engine import approaches as registry
from engine.approaches import Fitted, Task
from engine.classify import Prediction, Scores, SplitResult, best_label
from engine.corpus import Progress, corpus_files
from engine.diskcache import DiskCache
from engine.errors import RunCancelled, stop_if_asked
from engine.experiment import Experiment
from engine.labeled import (Features, LabeledData, from_scratch_features, labeled_data, labeled_key, restricted,
                            scratch_vectors, window_pairs)
from engine.pipeline import (DRIFT_WORDS, PHASES, ApproachResult, CorpusStats, Drift, ExperimentResult,
                             LearningCurve, Margin, SeedStats, corpus_counts, weighted_vectors)
from engine.store import load_vectors
from engine.vectors import WordVectors, random_rows, random_vectors
from engine.weighting import vocabulary_keep
from engine.wordpairs import score_word_pairs

DEFAULT_MAX_BYTES = 768 << 20
MARGIN = (("pretrained", "fine_tuned"), ("random", "from_scratch", "bag_of_words"))  # with pretraining, without
DRIFT_APPROACH = "fine_tuned"  # whose vectors' changes are shown (it starts from the pretrained ones)


def nbytes(value, depth: int = 0) -> int:
    """A rough size of a cached value: the arrays it holds, a few levels down (a long tuple is
    estimated from its first item)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if sp.issparse(value):
        return sum(getattr(value, a).nbytes for a in ("data", "indices", "indptr") if hasattr(value, a))
    if depth > 3:
        return 0
    if isinstance(value, dict):
        return 64 + sum(nbytes(v, depth + 1) for v in value.values())
    if isinstance(value, (tuple, list)):
        return 64 + len(value) * nbytes(value[0], depth + 1) if value else 64
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return 64 + sum(nbytes(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    return 64


def _file_identity(path: Path) -> tuple:
    return tuple((str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns) for f in corpus_files(path))


@dataclasses.dataclass(frozen=True)
class Keys:
    vectors: Hashable  # the pretrained vectors
    vocabulary: Hashable  # their vocabulary (what random vectors are drawn for)


class Session:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, disk: DiskCache | None | str = "default"):
        self.max_bytes = max_bytes
        self.disk = DiskCache() if disk == "default" else disk
        self.stats: Counter = Counter()
        self._entries: OrderedDict = OrderedDict()
        self._sizes: dict = {}
        self._lock = threading.Lock()

    # --- the cache ------------------------------------------------------------------------------

    def peek(self, stage: str, key: Hashable):
        with self._lock:
            entry = self._entries.get((stage, key))
            if entry is not None:
                self._entries.move_to_end((stage, key))
            return entry

    def put(self, stage: str, key: Hashable, value) -> None:
        """Keep `value`, counted as one computation of `stage`; the least recently used go past max_bytes."""
        size = nbytes(value)
        with self._lock:
            self.stats[stage] += 1
            self._entries[(stage, key)] = value
            self._sizes[(stage, key)] = size
            total = sum(self._sizes.values())
            while total > self.max_bytes and len(self._entries) > 1:
                old, _ = self._entries.popitem(last=False)
                total -= self._sizes.pop(old)

    def cached(self, stage: str, key: Hashable, compute: Callable):
        found = self.peek(stage, key)
        if found is None:
            found = compute()
            self.put(stage, key, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._sizes.clear()

    # --- stages ---------------------------------------------------------------------------------

    def pretrained(self, e: Experiment, should_stop, on_progress: Progress) -> tuple[WordVectors, CorpusStats, Keys]:
        if e.vectors_path is not None:
            key = ("npz", _file_identity(e.vectors_path))
            vectors, made = self.cached("load", key, lambda: load_vectors(e.vectors_path))
            stats = CorpusStats(**{**made["corpus"], "vocabulary": len(vectors.words), "dimension": vectors.dimension})
            return vectors, stats, Keys(key, key)
        # Counting cuts the vocabulary as it goes where the settings cut it, so they are in the key then.
        cut = e.vocabulary if vocabulary_keep(e.vocabulary) is not None else None
        counts_key = (_file_identity(e.corpus_path), e.window, e.stopwords, cut)
        vocabulary_key = (counts_key, e.vocabulary)
        vectors_key = (vocabulary_key, e.weighting, e.dim if e.weighting in ("svd", "sgns") else None)

        def compute():
            disk_key = self._disk_key(e, counts_key, should_stop, on_progress)
            loaded = self.disk.load(disk_key) if disk_key else None
            if loaded is not None:
                self.stats["disk load"] += 1
                return loaded
            co = self.cached("counts", counts_key, lambda: corpus_counts(
                e.corpus_path, e.stopwords, e.window, e.vocabulary, should_stop, on_progress))
            stop_if_asked(should_stop)
            on_progress(f"Pretraining: weighting ({e.weighting})", 1.0)
            made = weighted_vectors(co, e.window, e.weighting, e.dim, e.vocabulary, e.corpus_path,
                                    should_stop, on_progress, e.stopwords)
            stop_if_asked(should_stop)
            if disk_key:
                self.disk.save(disk_key, *made)
            return made

        vectors, stats = self.cached("vectors", vectors_key, compute)
        return vectors, stats, Keys(vectors_key, vocabulary_key)

    def _disk_key(self, e: Experiment, counts_key, should_stop, on_progress) -> str | None:
        if self.disk is None or not self.disk.wants(e.corpus_path):
            return None
        content = self.cached("content hash", counts_key[0], lambda: self.disk.content_hash(
            e.corpus_path, should_stop, on_progress))
        settings = {"window": e.window, "stopwords": sorted(e.stopwords), "min_count": e.vocabulary.min_count,
                    "max_vocab": e.vocabulary.max_vocab, "weighting": e.weighting, "dim": e.dim}
        return self.disk.key(content, settings)

    def neighbours(self, key: Hashable, vectors: WordVectors, probes: tuple[str, ...], top_n: int) -> dict:
        return self.cached("neighbours", (key, probes, top_n),
                           lambda: {probe: vectors.nearest(probe, top_n) for probe in probes})

    def with_top_n(self, result: ExperimentResult, top_n: int) -> ExperimentResult:
        """The result with the neighbour lists at another top_n, from the vectors already computed."""
        e = dataclasses.replace(result.experiment, top_n=top_n)
        keys = result.vector_keys
        neighbors = self.neighbours(keys["pretrained"], result.pretrained, e.probes, top_n)
        drift = result.drift
        if drift is not None:
            after = self.neighbours(keys[DRIFT_APPROACH], result.vectors[DRIFT_APPROACH], e.probes, top_n)
            drift = dataclasses.replace(drift, neighbors_before=neighbors, neighbors_after=after)
        return dataclasses.replace(result, experiment=e, neighbors=neighbors, drift=drift)

    # --- a staged run ---------------------------------------------------------------------------

    def run(
        self,
        experiment: Experiment,
        should_stop: Callable[[], bool] = lambda: False,
        on_progress: Progress = lambda stage, fraction: None,
    ) -> Iterator[ExperimentResult]:
        """Yield the result once per phase: pretraining (corpus, vectors, neighbours, groups), training
        (the main seed's accuracies, drift), seeds (the spread over seeds, the margin), curve (the
        learning curve; complete). Each phase reports its own name and fraction; a cancelled run
        raises RunCancelled from inside the generator, after the phases already yielded."""

        def check(stage: str, fraction: float) -> None:
            stop_if_asked(should_stop)
            on_progress(stage, fraction)

        e = experiment
        check("Pretraining", 0.0)
        pretrained, stats, keys = self.pretrained(e, should_stop, on_progress)  # Counting: ..., weighting
        check("Pretraining: neighbours", 1.0)
        run = _Run(self, e, pretrained, keys, should_stop)
        phase = self._pretraining_phase(run, stats)
        yield phase
        check("Training: main seed", 0.0)
        phase = self._training_phase(run, phase, lambda f: check("Training: main seed", f))
        yield phase
        seeds = spread_seeds(run.data, e.seeds)
        label = f"Seeds: {seeds}"
        check(label, 0.0)
        phase = self._seeds_phase(run, phase, seeds, lambda f: check(label, f))
        yield phase
        check("Learning curve", 0.0)
        yield self._curve_phase(run, phase, lambda f: check("Learning curve", f))

    def _pretraining_phase(self, run: "_Run", stats: CorpusStats) -> ExperimentResult:
        e, data = run.experiment, run.data
        scratch = self.cached("from_scratch vectors", (run.data_key, e.window), lambda: scratch_vectors(data, run.pairs()))
        test = data.splits["test"].terms
        seen = np.asarray(test.sum(axis=0)).ravel()
        in_train = np.asarray(data.train.terms.sum(axis=0)).ravel() > 0
        return ExperimentResult(
            experiment=e,
            corpus=stats,
            vectors={"random": run.random_vectors(e.seed), "pretrained": run.pretrained, "from_scratch": scratch},
            neighbors=self.neighbours(run.keys.vectors, run.pretrained, e.probes, e.top_n),
            groups=self.cached("groups", (run.keys.vectors, e.groups), lambda: group_similarity(e.groups, run.pretrained)),
            approaches={},
            drift=None,
            learning_curve=None,
            margin=None,
            seen_share=float(seen[in_train].sum() / seen.sum()) if seen.sum() else 0.0,
            phase=PHASES[0],
            vector_keys={"pretrained": run.keys.vectors},
            word_pairs=self._word_pairs(run),
        )

    def _word_pairs(self, run: "_Run") -> dict:
        """The experiment's word pairs scored by the pretrained vectors and by the main seed's random ones."""
        e = run.experiment
        if not e.word_pairs:
            return {}
        vectors = {"pretrained": (run.keys.vectors, run.pretrained),
                   "random": (run._random_key(e.seed), run.random_vectors(e.seed))}
        return {name: self.cached("word pairs", (key, e.word_pairs),
                                  lambda v=v: score_word_pairs(v, e.word_pairs, str(e.word_pairs_path)))
                for name, (key, v) in vectors.items()}

    def _training_phase(self, run: "_Run", result: ExperimentResult, progress) -> ExperimentResult:
        e = run.experiment
        tasks = [Task(a, e.seed if a.seeded else None) for a in registry.APPROACHES]
        fitted = run.fit(tasks, run.splits, progress)
        approaches = {t.approach.name: ApproachResult(t.approach.name, *run.split_results(f), losses=f.losses,
                                                      model=run.kept(t, f))
                      for t, f in zip(tasks, fitted)}
        vectors, keys, drift = dict(result.vectors), dict(result.vector_keys), None
        model = approaches[DRIFT_APPROACH].model if DRIFT_APPROACH in approaches else None
        if model is not None:  # the classifier it kept: a TrainedClassifier from the pretrained vectors
            key = (DRIFT_APPROACH, run.task_key(next(t for t in tasks if t.approach.name == DRIFT_APPROACH)))
            vectors[DRIFT_APPROACH] = self.cached("fine_tuned vectors", key, model.vectors)
            keys[DRIFT_APPROACH] = key
            drift = Drift(model.drift()[:DRIFT_WORDS], result.neighbors,
                          self.neighbours(key, vectors[DRIFT_APPROACH], e.probes, e.top_n))
        return dataclasses.replace(result, approaches=approaches, vectors=vectors, vector_keys=keys, drift=drift,
                                   phase=PHASES[1])

    def _seeds_phase(self, run: "_Run", result: ExperimentResult, seeds: int, progress) -> ExperimentResult:
        """The seeded approaches over `seeds` seeds (spread_seeds: fewer than asked on a large set)."""
        e = run.experiment
        seeded = [a for a in registry.APPROACHES if a.seeded]
        tasks = [Task(a, e.seed + j) for a in seeded for j in range(1, seeds)]
        fitted = dict(zip(((t.approach.name, t.seed) for t in tasks), run.fit(tasks, run.splits, progress)))
        approaches = dict(result.approaches)
        for a in seeded:
            main = approaches[a.name]
            over = {}
            for split in run.splits:
                values = [getattr(main, split).accuracy] + [run.accuracy(fitted[a.name, e.seed + j], split)
                                                            for j in range(1, seeds)]
                over[f"{split}_over_seeds"] = SeedStats(float(np.mean(values)), float(np.std(values)), len(values))
            approaches[a.name] = dataclasses.replace(main, **over)
        with_pretraining, without = MARGIN
        margin = None
        if set(with_pretraining + without) <= set(approaches):
            margin = Margin(with_pretraining, without, 100 * (
                min(approaches[n].mean_accuracy() for n in with_pretraining)
                - max(approaches[n].mean_accuracy() for n in without)))
        return dataclasses.replace(result, approaches=approaches, margin=margin, phase=PHASES[2])

    def _curve_phase(self, run: "_Run", result: ExperimentResult, progress) -> ExperimentResult:
        e, data = run.experiment, run.data
        sizes = curve_sizes(data)
        per_class = np.bincount(data.train.label_ids[data.train.label_ids >= 0])
        draws = seeds_within(e.seeds, sum(int(np.minimum(size, per_class).sum()) for size in sizes)
                             * len(data.labels) * _trained(registry.APPROACHES))
        tasks, where = [], []
        # Draw s (s = seed .. seed + seeds - 1) is seed s's: its train subsets and, for a seeded
        # approach, its random vectors, as the seeds phase pairs them. A new seed (seed + 1) thus
        # shares all its draws but one with the previous, and only that one is fitted.
        for i, size in enumerate(sizes):
            for draw in range(e.seed, e.seed + draws):
                subset = curve_subset(data, size, np.random.default_rng([draw, size]))
                subset = None if len(subset) == len(data.train) else subset
                for a in registry.APPROACHES:
                    tasks.append(Task(a, draw if a.seeded else None, subset))
                    where.append((a.name, i))
        fitted = run.fit(tasks, ("test",), progress)
        values: dict[tuple[str, int], list[float]] = {}
        for place, f in zip(where, fitted):
            values.setdefault(place, []).append(run.accuracy(f, "test"))
        names = [a.name for a in registry.APPROACHES]
        curve = LearningCurve(
            sizes,
            {n: tuple(float(np.mean(values[n, i])) for i in range(len(sizes))) for n in names},
            {n: tuple(float(np.std(values[n, i])) for i in range(len(sizes))) for n in names},
            draws,
        )
        return dataclasses.replace(result, learning_curve=curve, phase=PHASES[3])


# The seeds (and learning-curve draws) a phase runs stop short of the experiment's where their
# trainings would exceed this many train sentences x classes (each 300 epochs of products over the
# dimension): the spread's 20 seeds of a two-class set of 50,000 rows fit; of 50,000 rows in 100
# classes, MIN_SEEDS. The result says how many ran (SeedStats.n, LearningCurve.seeds), and the
# report, the JSON and the screens say it.
SEEDS_WORK = 2_000_000
MIN_SEEDS = 3


def seeds_within(seeds: int, work_per_seed: int) -> int:
    return int(min(seeds, max(MIN_SEEDS, SEEDS_WORK // max(work_per_seed, 1))))


def spread_seeds(data: LabeledData, seeds: int) -> int:
    """How many seeds the spread over seeds runs (the main one included)."""
    seeded = [a for a in registry.APPROACHES if a.seeded]
    return seeds_within(seeds, len(data.train) * len(data.labels) * _trained(seeded))


def _trained(approaches) -> int:
    return sum(a.classifier.trained for a in approaches)


def curve_sizes(data: LabeledData) -> tuple[int, ...]:
    """1, 2, 4, ... examples per class, ending with the whole train set (its largest class)."""
    largest = int(np.bincount(data.train.label_ids).max())
    sizes, k = [], 1
    while k < largest:
        sizes.append(k)
        k *= 2
    return tuple(sizes + [largest])


def curve_subset(data: LabeledData, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """`per_class` sentences of each class (all of a smaller class), drawn by `rng`, in file order."""
    ids = data.train.label_ids
    chosen = []
    for label in range(len(data.labels)):
        members = np.flatnonzero(ids == label)
        chosen.append(rng.choice(members, size=min(per_class, len(members)), replace=False))
    return np.sort(np.concatenate(chosen))


class _Run:
    """One run's context: the experiment, its labeled data and vectors, and the session's cache."""

    def __init__(self, session: Session, experiment: Experiment, pretrained: WordVectors, keys: Keys, should_stop):
        e = experiment
        self.session, self.experiment, self.pretrained, self.keys = session, e, pretrained, keys
        self.should_stop = should_stop
        self.data_key = labeled_key(e.stopwords, e.train, e.test, e.transfer)
        self.data: LabeledData = session.cached("labeled", self.data_key,
                                                lambda: labeled_data(e.stopwords, e.train, e.test, e.transfer))
        self.splits = ("test", "transfer") if e.transfer is not None else ("test",)

    # Vectors restricted to the labeled vocabulary, as the approaches ask for them.

    def pretrained_features(self):
        return self.session.cached("features", (self.keys.vectors, self.data_key),
                                   lambda: restricted(self.pretrained, self.data.words))

    def _random_key(self, seed: int) -> tuple:
        return self.keys.vocabulary, self.pretrained.dimension, seed

    def random_vectors(self, seed: int) -> WordVectors:
        return self.session.cached("random", self._random_key(seed),
                                   lambda: random_vectors(self.pretrained.words, self.pretrained.dimension, seed))

    def random_features(self, seed: int, buffer: np.ndarray | None = None):
        """Only the labeled words' rows are kept: each seed's whole draw is made (into `buffer`)
        and dropped."""
        def draw():
            whole = self.session.peek("random", self._random_key(seed))
            if whole is not None:
                return restricted(whole, self.data.words)
            stop_if_asked(self.should_stop)
            known = self.pretrained_features().known
            rows = np.array([self.pretrained.index(w) for w, k in zip(self.data.words, known) if k], dtype=np.intp)
            matrix = np.zeros((len(known), self.pretrained.dimension))
            matrix[known] = random_rows(len(self.pretrained.words), self.pretrained.dimension, seed, rows, buffer)
            self.session.stats["random"] += 1
            return Features(matrix, known)

        return self.session.cached("random rows", (self._random_key(seed), self.data_key), draw)

    def draw_random(self, seeds: list[int]) -> None:
        """The random rows of many seeds, drawn on two threads (drawing releases the interpreter)."""
        missing = [s for s in seeds if self.session.peek("random rows", (self._random_key(s), self.data_key)) is None]
        buffers: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(min(2, len(missing))):
            buffers.put(np.empty((len(self.pretrained.words), self.pretrained.dimension)))

        def draw(seed: int) -> None:
            buffer = buffers.get()
            try:
                self.random_features(seed, buffer)
            finally:
                buffers.put(buffer)

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(draw, missing))

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

    def fit(self, tasks: list[Task], splits: tuple[str, ...], progress: Callable[[float], None]) -> list[Fitted]:
        stop_if_asked(self.should_stop)
        keys = [self.task_key(t) for t in tasks]
        found: dict = {}
        for key in keys:
            hit = self.session.peek("fitted", key)
            if hit is not None and hit.has(splits):
                found[key] = hit
        missing = list({k: t for k, t in zip(keys, tasks) if k not in found}.items())
        self.draw_random(sorted({t.seed for _, t in missing if t.seed is not None}))
        kinds: dict = {}
        for key, task in missing:
            kinds.setdefault(task.approach.classifier.fit, []).append((key, task))
        for done, members in enumerate(kinds.values()):
            kind = members[0][1].approach.classifier
            fitted = kind.fit(self, [t for _, t in members], splits, self.should_stop,
                              lambda f: progress((done + f) / len(kinds)))
            for (key, task), f in zip(members, fitted):
                stage = "classifier" if task.subset is None else "curve"
                self.session.put("fitted", key, f)
                self.session.stats[f"{stage}:{task.approach.name}"] += 1
                found[key] = f
        progress(1.0)
        return [found[k] for k in keys]

    def accuracy(self, fitted: Fitted, split: str) -> float:
        truth = self.data.splits[split].label_ids
        return int(np.count_nonzero(fitted.best(split) == truth)) / len(truth) if len(truth) else 0.0

    def kept(self, task: Task, fitted: Fitted):
        """The classifier its kind keeps for explanations (ClassifierKind.kept), or None."""
        kind = task.approach.classifier
        return kind.kept(self, task, fitted.trained) if kind.kept and fitted.trained is not None else None

    def split_results(self, fitted: Fitted) -> tuple[SplitResult, SplitResult | None]:
        labels = self.data.labels
        index = {label: k for k, label in enumerate(labels)}
        out = []
        for name in ("test", "transfer"):
            if name not in self.splits:
                out.append(None)
                continue
            split, scores = self.data.splits[name], fitted.scores[name]
            predicted = best_label(scores)
            out.append(SplitResult(tuple(
                Prediction(s.text, s.label, labels[p], Scores(index, row), seen)
                for s, p, row, seen in zip(split.sentences, predicted.tolist(), scores, split.seen_words))))
        return out[0], out[1]


def run_experiment(
    experiment: Experiment,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda stage, fraction: None,
    session=None,
) -> ExperimentResult:
    """Run every stage and return the complete result. `should_stop` is polled inside every long
    phase and raises RunCancelled; `on_progress(stage, fraction)` reports how far the whole run has
    got (the staged run reports each phase's own fraction; here they are laid end to end)."""
    spans = dict(zip(PHASES, ((0.0, 0.25), (0.25, 0.4), (0.4, 0.55), (0.55, 1.0))))
    arrived: list[ExperimentResult] = []

    def overall(stage: str, fraction: float) -> None:
        low, high = spans[PHASES[len(arrived)]]
        on_progress(stage, low + (high - low) * fraction)

    for result in (session or Session()).run(experiment, should_stop, overall):
        arrived.append(result)
    on_progress("Done", 1.0)
    return arrived[-1]
