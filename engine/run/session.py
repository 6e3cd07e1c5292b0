"""A session: the engine's stages, each cached by what determines it, and staged runs of an experiment
over them (`for result in Session().run(experiment)`: one result per phase)."""

from __future__ import annotations

from .cache import DEFAULT_MAX_BYTES, StageCache

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path

import numpy as np

from ..settings import DIMENSIONED_WEIGHTINGS, IMPORTED_WORDS
from ..inspect.coverage import word_overlaps
from ..inspect.evidence import lesson_unseen_help
from ..inspect.groups import GroupSimilarity, beside_random, group_similarity
from ..finetuning.approaches import Task
from ..progress import Progress, ProgressEvent
from ..pretraining.corpus import CorpusFiles
from ..storage.disk_cache import DiskCache
from .stored_results import result_entry, results_settings, stored_result
from ..storage.entry_file import DamagedEntry
from .memory import check_memory, estimate_memory
from .context import Keys, RunContext, spread_seeds
from .learning_curve import learning_curve
from ..errors import stop_if_asked
from ..experiment import Experiment
from ..finetuning.labeled import (
    scratch_vectors,
)
from .results import (
    PHASES,
    ApproachResult,
    Drift,
    ExperimentResult,
    Margin,
    SeedStats,
)
from ..pretraining.pretrain import CorpusStats, corpus_counts, weighted_vectors
from ..storage.vectors_file import load_vectors
from ..vectors import WordVectors
from ..pretraining.vocabulary import vocabulary_keep
from ..inspect.word_pairs import score_word_pairs

MARGIN = (("pretrained", "fine_tuned"), ("random", "from_scratch", "bag_of_words"))  # with pretraining, without
DRIFT_APPROACH = "fine_tuned"  # whose vectors' changes are shown (it starts from the pretrained ones)
DRIFT_WORDS = 10  # the words that moved most, shown
LOADED_KEPT = 4  # results loaded from the disk cache a session keeps (their arrays are mapped, not copied)

def _file_identity(path: Path) -> tuple:
    """A vectors file's identity, as a corpus's (CorpusFiles.identity): reopened when it changes."""
    return CorpusFiles.of(path).identity


# What each stage is keyed by:
# - counts: the corpus (its files, sizes and times), window, stopwords;
# - vectors: the counts' key, min_count, max_vocab, weighting, dim (svd and sgns); large corpora are
#   also cached on disk by content (engine.storage.disk_cache);
# - random: the vocabulary (the counts' key and vocabulary settings), dimension and seed;
# - labeled: the stopwords and the train, test and transfer sentences (a digest);
# - a task's classifier and scores (classifier:NAME on the whole train set, curve:NAME on a
#   learning-curve subset): the approach, its vectors' key, seed, subset, labeled data, training settings;
# - neighbours: the vectors' key, probes and top_n; groups: the vectors' key and groups (random groups:
#   and the random vectors' key).
# A complete run is also kept in the disk cache, keyed by its files' content and every setting
# (stored_results.results_settings), so that another process (a class's visitors) loads it.
# `stats` counts each stage's computations (not cache hits), so a caller sees what a change
# recomputed. A session may be shared between threads; a run is not interrupted by another's lookups.
class Session(StageCache):
    """The engine's stages over one cache, and staged runs of experiments through them."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, disk: DiskCache | None | str = "default",
                 share_results: bool = True):
        super().__init__(max_bytes)
        self.disk = DiskCache() if disk == "default" else disk
        self.share_results = share_results  # complete results through the disk cache too
        # Results keys this session computed: their stages are in memory, so a run of one again (a
        # control switched back) goes through them, not the disk. And the results it loaded, the
        # last few, by key: a loaded result's stages are not in memory.
        self._computed_keys: set[str] = set()
        self._loaded: OrderedDict[str, ExperimentResult] = OrderedDict()

    # --- stages ---------------------------------------------------------------------------------

    def pretrained(self, e: Experiment, should_stop, on_progress: Progress) -> tuple[WordVectors, CorpusStats, Keys]:
        if e.vectors_path is not None:
            key = ("npz", _file_identity(e.vectors_path))
            vectors, made = self.cached("load", key, lambda: load_vectors(e.vectors_path, IMPORTED_WORDS))
            stats = CorpusStats(**{**made["corpus"], "vocabulary": len(vectors.words), "dimension": vectors.dimension})
            return vectors, stats, Keys(key, key)
        # The corpus's files and the vocabulary cut are worked out once here, for the keys and the
        # counting alike. Counting cuts the vocabulary as it goes where the settings cut it, so
        # they are in the key then.
        corpus = CorpusFiles.of(e.corpus_path)
        keep = vocabulary_keep(e.vocabulary)
        counts_key = (corpus.identity, e.window, e.stopwords, e.vocabulary if keep is not None else None)
        vocabulary_key = (counts_key, e.vocabulary)
        vectors_key = (vocabulary_key, e.weighting, e.dim if e.weighting in DIMENSIONED_WEIGHTINGS else None)

        def compute():
            disk_key = self._disk_key(e, corpus, should_stop, on_progress)
            if not disk_key:
                return made_here(None)
            # Another process computing the same entry (a class opening one experiment) is waited
            # for, and its entry loaded, rather than the corpus counted again by every run.
            with self.disk.claimed(disk_key, should_stop, lambda: on_progress(ProgressEvent(
                    "hashing", 1.0, "Pretraining: waiting for another run"))):
                loaded = self._from_disk(disk_key)
                if loaded is not None:
                    self.stats["disk load"] += 1
                    return loaded
                return made_here(disk_key)

        def made_here(disk_key):
            co = self.cached("counts", counts_key, lambda: corpus_counts(
                corpus, e.stopwords, e.window, keep, should_stop, on_progress))
            stop_if_asked(should_stop)
            on_progress(ProgressEvent("weighting", 1.0, f"Pretraining: weighting ({e.weighting})"))
            made = weighted_vectors(co, e.window, e.weighting, e.dim, e.vocabulary, corpus,
                                    should_stop, on_progress, e.stopwords)
            stop_if_asked(should_stop)
            if disk_key:
                self.disk.save(disk_key, made[0], dataclasses.asdict(made[1]))
            return made

        vectors, stats = self.cached("vectors", vectors_key, compute)
        return vectors, stats, Keys(vectors_key, vocabulary_key)

    def _disk_key(self, e: Experiment, corpus: CorpusFiles, should_stop, on_progress) -> str | None:
        if self.disk is None or not self.disk.wants(corpus.stored_size):
            return None
        content = self.cached("content hash", corpus.identity, lambda: self.disk.content_hash(
            corpus.files, corpus.stored_size, should_stop, on_progress))
        settings = {"window": e.window, "stopwords": sorted(e.stopwords), "min_count": e.vocabulary.min_count,
                    "max_vocab": e.vocabulary.max_vocab, "weighting": e.weighting, "dim": e.dim}
        return self.disk.key(content, settings)

    def _from_disk(self, disk_key: str) -> tuple[WordVectors, CorpusStats] | None:
        loaded = self.disk.load(disk_key)
        if loaded is None:
            return None
        vectors, stats = loaded
        try:
            return vectors, CorpusStats(**stats)
        except TypeError:  # statistics of another form: counted again, and the entry written anew
            return None

    def neighbours(self, key: Hashable, vectors: WordVectors, probes: tuple[str, ...], top_n: int) -> dict:
        return self.cached("neighbours", (key, probes, top_n),
                           lambda: {probe: vectors.nearest(probe, top_n) for probe in probes})

    def probe_neighbours(self, e: Experiment, vectors: dict[str, WordVectors], keys: dict[str, Hashable]) -> dict:
        """Each set of vectors' neighbours of the probes (ExperimentResult.probe_neighbors), by name."""
        return {name: self.neighbours(keys[name], v, e.probes, e.top_n) for name, v in vectors.items() if name in keys}

    def with_top_n(self, result: ExperimentResult, top_n: int) -> ExperimentResult:
        """The result with the neighbour lists at another top_n, from the vectors already computed."""
        e = dataclasses.replace(result.experiment, top_n=top_n)
        keys = result.vector_keys
        neighbors = self.neighbours(keys["pretrained"], result.pretrained, e.probes, top_n)
        drift = result.drift
        if drift is not None:
            after = self.neighbours(keys[DRIFT_APPROACH], result.vectors[DRIFT_APPROACH], e.probes, top_n)
            drift = dataclasses.replace(drift, neighbors_before=neighbors, neighbors_after=after)
        return dataclasses.replace(result, experiment=e, neighbors=neighbors, drift=drift,
                                   probe_neighbors=self.probe_neighbours(e, result.vectors, keys))

    # --- a staged run ---------------------------------------------------------------------------

    def run(
        self,
        experiment: Experiment,
        should_stop: Callable[[], bool] = lambda: False,
        on_progress: Progress = lambda event: None,
    ) -> Iterator[ExperimentResult]:
        """Yield the result once per phase: pretraining (corpus, vectors, neighbours, groups), training
        (the main seed's accuracies, drift), seeds (the spread over seeds, the margin), curve (the
        learning curve; complete). Each step reports a ProgressEvent with its own fraction; a
        cancelled run raises RunCancelled from inside the generator, after the phases already yielded.
        A result found in the disk cache (stored by another process, or an earlier session) arrives
        complete, at once; a run that finds another process computing the same result waits for it."""
        stop_if_asked(should_stop)
        on_progress(ProgressEvent("starting", 0.0, "Pretraining"))  # before the corpus is hashed for the key
        key = self._results_key(experiment, should_stop, on_progress)
        if key is None or key in self._computed_keys:
            yield from self._phases(experiment, should_stop, on_progress)
            return
        if key in self._loaded:
            self._loaded.move_to_end(key)
            yield dataclasses.replace(self._loaded[key], experiment=experiment)
            return
        # Looked up before the lock, so that many processes loading one entry (a class's visitors)
        # never queue behind each other: entries appear whole (written atomically) or not at all.
        stored = self._stored_result(experiment, key)
        if stored is None:
            with self.disk.claimed(key, should_stop, lambda: on_progress(ProgressEvent(
                    "starting", 0.0, "Waiting for another run computing the same results"))):
                stored = self._stored_result(experiment, key)  # the run waited for has written it
                if stored is None:
                    for result in self._phases(experiment, should_stop, on_progress):
                        yield result
                    self._computed_keys.add(key)
                    try:
                        entry = result_entry(result)
                    except (TypeError, ValueError):  # a value no entry holds (a new result type): not shared
                        return
                    self.disk.save_entry(key, *entry)  # best effort: the run is done whatever happens
                    return
        self.stats["results load"] += 1
        self._loaded[key] = stored
        while len(self._loaded) > LOADED_KEPT:
            self._loaded.popitem(last=False)
        yield stored

    def _results_key(self, e: Experiment, should_stop, on_progress) -> str | None:
        if self.disk is None or not self.share_results:
            return None
        sources = {}
        for field, path in (("corpus_path", e.corpus_path), ("vectors_path", e.vectors_path)):
            if path is not None:
                files = CorpusFiles.of(path)
                # Reported where pretraining's cache would report it: a small corpus is hashed at once.
                report = on_progress if self.disk.wants(files.stored_size) else (lambda event: None)
                sources[field] = self.cached("content hash", files.identity, lambda: self.disk.content_hash(
                    files.files, files.stored_size, should_stop, report))
        return self.disk.key("results", results_settings(e, sources))

    def _stored_result(self, e: Experiment, key: str) -> ExperimentResult | None:
        found = self.disk.load_entry(key)
        if found is None:
            return None
        try:
            return stored_result(e, *found, key)
        except DamagedEntry:  # well formed but not a result of this experiment: computed and written anew
            self.disk.discard(key)
            return None

    def _phases(self, experiment: Experiment, should_stop, on_progress) -> Iterator[ExperimentResult]:
        def checked(step: str, label: str) -> Callable[[float], None]:
            """A phase's reports of `step` by fraction, each polling should_stop before it is sent."""
            def report(fraction: float) -> None:
                stop_if_asked(should_stop)
                on_progress(ProgressEvent(step, fraction, label))
            return report

        e = experiment
        if e.vectors_path is None:  # refused before counting, with the vocabulary its settings allow
            check_memory(e, estimate_memory(e))
        checked("starting", "Pretraining")(0.0)
        pretrained, stats, keys = self.pretrained(e, should_stop, on_progress)  # counting, weighting
        memory = estimate_memory(e, stats.vocabulary, stats.dimension)  # with the vocabulary known
        check_memory(e, memory)
        checked("neighbours", "Pretraining: neighbours")(1.0)
        run = RunContext(self, e, pretrained, keys, should_stop)
        if e.masked_lm:  # pretrained before the first phase is shown, its progress on the bar
            run.masked_lm(on_progress)
        phase = dataclasses.replace(self._pretraining_phase(run, stats), memory=memory)
        yield phase
        training = checked("training", "Training: main seed")
        training(0.0)
        phase = self._training_phase(run, phase, training)
        yield phase
        seeds = spread_seeds(run.data, e.seeds, run.approaches)
        over_seeds = checked("seeds", f"Training over {seeds} seeds")
        over_seeds(0.0)
        phase = self._seeds_phase(run, phase, seeds, over_seeds)
        yield phase
        curve = checked("curve", "Learning curve")
        curve(0.0)
        yield self._curve_phase(run, phase, curve)

    def _pretraining_phase(self, run: RunContext, stats: CorpusStats) -> ExperimentResult:
        e, data = run.experiment, run.data
        scratch_key = (run.data_key, e.window)
        scratch = self.cached("from_scratch vectors", scratch_key, lambda: scratch_vectors(data, run.pairs()))
        vectors = {"random": run.random_vectors(e.seed), "pretrained": run.pretrained, "from_scratch": scratch}
        keys = {"random": run.random_key(e.seed), "pretrained": run.keys.vectors,
                "from_scratch": ("from_scratch", scratch_key)}
        return ExperimentResult(
            experiment=e,
            corpus=stats,
            vectors=vectors,
            neighbors=self.neighbours(run.keys.vectors, run.pretrained, e.probes, e.top_n),
            groups=self._groups(run),
            approaches={},
            drift=None,
            learning_curve=None,
            margin=None,
            overlap=word_overlaps(data),
            domain=run.domain(),
            phase=PHASES[0],
            vector_keys=keys,
            word_pairs=self._word_pairs(run),
            probe_neighbors=self.probe_neighbours(e, vectors, keys),
        )

    def _groups(self, run: RunContext) -> GroupSimilarity:
        """The groups' cosines in the pretrained vectors, and beside them in the main seed's random ones."""
        e = run.experiment
        pretrained = self.cached("groups", (run.keys.vectors, e.groups), lambda: group_similarity(e.groups, run.pretrained))
        return self.cached("random groups", (run.keys.vectors, run.random_key(e.seed), e.groups),
                           lambda: beside_random(pretrained, run.random_vectors(e.seed)))

    def _word_pairs(self, run: RunContext) -> dict:
        """The experiment's word pairs scored by the pretrained vectors and by the main seed's random ones."""
        e = run.experiment
        if not e.word_pairs:
            return {}
        vectors = {"pretrained": (run.keys.vectors, run.pretrained),
                   "random": (run.random_key(e.seed), run.random_vectors(e.seed))}
        return {name: self.cached("word pairs", (key, e.word_pairs),
                                  lambda v=v: score_word_pairs(v, e.word_pairs, str(e.word_pairs_path)))
                for name, (key, v) in vectors.items()}

    def _training_phase(self, run: RunContext, result: ExperimentResult, progress) -> ExperimentResult:
        e = run.experiment
        tasks = [Task(a, e.seed if a.seeded else None) for a in run.approaches]
        outcomes = run.fit(tasks, run.splits, progress)
        approaches = {t.approach.name: ApproachResult(t.approach.name, *run.split_results(o), losses=o.losses,
                                                      kept_classifier=run.kept_classifier(t, o))
                      for t, o in zip(tasks, outcomes)}
        vectors, keys, drift = dict(result.vectors), dict(result.vector_keys), None
        kept = approaches[DRIFT_APPROACH].kept_classifier if DRIFT_APPROACH in approaches else None
        if kept is not None:  # a SoftmaxClassifier, started from the pretrained vectors
            key = (DRIFT_APPROACH, run.task_key(next(t for t in tasks if t.approach.name == DRIFT_APPROACH)))
            vectors[DRIFT_APPROACH] = self.cached("fine_tuned vectors", key, kept.vectors)
            keys[DRIFT_APPROACH] = key
            drift = Drift(kept.drift()[:DRIFT_WORDS], result.neighbors,
                          self.neighbours(key, vectors[DRIFT_APPROACH], e.probes, e.top_n))
        phase = dataclasses.replace(result, approaches=approaches, vectors=vectors, vector_keys=keys, drift=drift,
                                    phase=PHASES[1], probe_neighbors=self.probe_neighbours(e, vectors, keys))
        unseen_help = {}
        for split in run.splits:  # a second or two a split on a large vocabulary: a cancel is heard between
            stop_if_asked(run.should_stop)
            unseen_help.update(lesson_unseen_help(phase, (split,)))
        return dataclasses.replace(phase, unseen_help=unseen_help)

    def _seeds_phase(self, run: RunContext, result: ExperimentResult, seeds: int, progress) -> ExperimentResult:
        """The seeded approaches over `seeds` seeds (spread_seeds: fewer than asked on a large set)."""
        e = run.experiment
        seeded = [a for a in run.approaches if a.seeded]
        tasks = [Task(a, e.seed + j) for a in seeded for j in range(1, seeds)]
        outcomes = dict(zip(((t.approach.name, t.seed) for t in tasks),
                            run.fit(tasks, run.splits, progress, keep_fits=False)))
        approaches = dict(result.approaches)
        for a in seeded:
            main = approaches[a.name]
            over, correct = {}, {}
            for split in run.splits:
                correct[split] = main.runs(split) + tuple(run.correct(outcomes[a.name, e.seed + j], split)
                                                          for j in range(1, seeds))
                values = [float(np.count_nonzero(c)) / len(c) if len(c) else 0.0 for c in correct[split]]
                over[f"{split}_over_seeds"] = SeedStats(float(np.mean(values)), float(np.std(values)), len(values))
            approaches[a.name] = dataclasses.replace(main, **over, correct_over_seeds=correct)
        with_pretraining, without = MARGIN
        margin = None
        if set(with_pretraining + without) <= set(approaches):
            margin = Margin(with_pretraining, without, 100 * (
                min(approaches[n].mean_accuracy() for n in with_pretraining)
                - max(approaches[n].mean_accuracy() for n in without)))
        return dataclasses.replace(result, approaches=approaches, margin=margin, phase=PHASES[2])

    def _curve_phase(self, run: RunContext, result: ExperimentResult, progress) -> ExperimentResult:
        return dataclasses.replace(result, learning_curve=learning_curve(run, progress), phase=PHASES[3])
