"""The approaches compared, as data: where each one's word vectors come from and how they become a
classifier. Adding an approach is one entry in APPROACHES."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from .centroid import best_label, centroid_scores
from ..errors import stop_if_asked
from .bag_of_words import CountsFit, fit_on_counts
from .softmax import (
    Problem,
    SoftmaxClassifier,
    SoftmaxFit,
    TrainingSettings,
    softmax_scores,
    train_batch,
)
from .labeled import Features, LabeledData
from .pushes import KeptClassifier
from .bag_of_words import CountsClassifier
from ..vectors import WordVectors
from ..pretraining.masked_lm import MaskedLM
from ..settings import MASKED_LM_FINE_TUNING
from .masked_lm_classifier import (
    class_probabilities,
    fine_tune,
    one_blas_thread,
    pooled_sentences,
    random_encoder,
    sentence_ids,
    training_steps,
    train_head,
)


class RunKeys(Protocol):
    vectors: Hashable  # what the pretrained vectors were computed from
    vocabulary: Hashable  # what their vocabulary was (random vectors are drawn for it)


class RunSettings(Protocol):
    training: TrainingSettings
    window: int


# An approach's classifier fits many tasks at once (a task: the approach, a seed, a train subset),
# so every seed and every learning-curve subset share their per-sentence work. What they read of
# the run is this interface (engine.run.context.RunContext implements it).
class Run(Protocol):
    """All an approach reads of the run it is fitted in (its vectors' `features`, `determined_by`
    and `whole`, its classifier's `fit` and `keep`): the labeled data, the pretrained vectors and
    their keys, two settings, and the vectors restricted to the labeled words, cached by the run."""

    data: LabeledData
    pretrained: WordVectors
    keys: RunKeys
    experiment: RunSettings

    def pretrained_features(self) -> Features: ...

    def random_features(self, seed: int) -> Features: ...

    def from_scratch_features(self, subset: np.ndarray) -> Features: ...

    def random_vectors(self, seed: int) -> WordVectors: ...

    def masked_lm(self) -> MaskedLM: ...  # the run's pretrained masked language model (trained or stored)

    def masked_lm_key(self) -> Hashable: ...  # what that model was trained from


@dataclass(frozen=True)
class Task:
    approach: "Approach"
    seed: int | None  # the random draw, for approaches whose vectors are random; else None
    subset: np.ndarray | None = field(default=None, compare=False)  # train sentences; None: all of them

    @property
    def key(self) -> Hashable:
        subset = None if self.subset is None else self.subset.tobytes()
        return self.approach.name, self.seed, subset

    def rows(self, train_size: int) -> np.ndarray:
        return np.arange(train_size) if self.subset is None else self.subset


@dataclass(frozen=True, eq=False)
class TaskOutcome:
    """What fitting a task gives: each split's (sentences, classes) scores, the training loss of a
    trained classifier, and, for a task on all the train sentences, its fit (a SoftmaxFit or a
    CountsFit), from which its kind makes the classifier a run keeps (ClassifierKind.keep)."""

    scores: dict[str, np.ndarray]
    losses: tuple[float, ...] = ()
    fit: object | None = None
    predicted: dict[str, np.ndarray] = field(default_factory=dict)  # a split's best labels, kept instead of its scores

    @classmethod
    def of(cls, task: Task, scores: dict[str, np.ndarray], losses: tuple[float, ...] = (), fit=None) -> "TaskOutcome":
        """A learning-curve task keeps each sentence's best label only: its accuracy is all the curve
        reads, and a split's scores for every task would fill memory on a large labeled set."""
        if task.subset is None:
            return cls(scores, losses, fit)
        return cls({}, losses, fit, {name: best_label(s).astype(np.int32) for name, s in scores.items()})

    def best(self, split: str) -> np.ndarray:
        return self.predicted[split] if split in self.predicted else best_label(self.scores[split])

    def has(self, splits) -> bool:
        return set(splits) <= set(self.scores) | set(self.predicted)


@dataclass(frozen=True)
class VectorSource:
    """Where an approach's word vectors come from."""

    name: str
    seeded: bool  # drawn at random: the approach is also run over seeds
    features: Callable[[Run, int | None, np.ndarray | None], Features]  # over the labeled vocabulary
    per_subset: bool = False  # built from the train subset itself (the vectors differ per subset)
    # What the vectors depend on beyond the labeled data, seed and subset (part of a task's cache key).
    determined_by: Callable[[Run], Hashable] = lambda run: None
    # The whole WordVectors of a seed the features are rows of; None where there are none.
    whole: Callable[[Run, int | None], WordVectors] | None = None


@dataclass(frozen=True)
class ClassifierKind:
    name: str
    scores: str  # what its scores are, for the report
    fit: Callable  # (run, tasks, splits, should_stop, on_progress) -> list[TaskOutcome]; one call per fit function
    trained: bool  # has a training loss
    update_vectors: bool = False  # training moves the word vectors too
    # (run, task, its outcome's fit) -> the KeptClassifier of a task on all the train sentences, to
    # take its scores apart (engine.inspect.explain); None: explained from its vectors (nearest centroid).
    keep: Callable[[Run, Task, object], KeptClassifier] | None = None
    # Work per train sentence and class, in a softmax layer's (engine.run.context.trained_count):
    # how many seeds and curve draws a run can afford.
    work: int = 1


@dataclass(frozen=True)
class Approach:
    name: str
    description: str  # one line, for help and the report
    vectors: VectorSource
    classifier: ClassifierKind

    @property
    def seeded(self) -> bool:
        return self.vectors.seeded


def _groups(items, key) -> dict:
    out: dict = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out


def fit_centroids(run: Run, tasks: list[Task], splits, should_stop, on_progress) -> list[TaskOutcome]:
    """Tasks sharing vectors are scored together: one pooling and one centroid product for all."""
    out: dict[int, TaskOutcome] = {}
    by_vectors = _groups(range(len(tasks)), lambda i: (tasks[i].approach.vectors.name, tasks[i].seed,
                                                       tasks[i].key[2] if tasks[i].approach.vectors.per_subset else None))
    def within(done: int):
        def report(fraction: float) -> None:
            stop_if_asked(should_stop)
            on_progress((done + fraction) / len(by_vectors))
        return report

    for done, members in enumerate(by_vectors.values()):
        first = tasks[members[0]]
        features = first.approach.vectors.features(run, first.seed, first.rows(len(run.data.train)))
        scores = centroid_scores(run.data, features, [tasks[i].rows(len(run.data.train)) for i in members], splits,
                                 within(done))
        for i, by_split in zip(members, scores):
            out[i] = TaskOutcome.of(tasks[i], by_split)
        on_progress((done + 1) / len(by_vectors))
        stop_if_asked(should_stop)
    return [out[i] for i in range(len(tasks))]


BATCH_BYTES = 16 << 20  # features of one training batch at most: twenty seeds of a large labeled set would not fit


def _batches(tasks: list[Task], train_size: int, dim: int) -> list[list[int]]:
    """Tasks with as many sentences and alike in updating their vectors or not, in batches of
    bounded size, largest first. A frozen problem in a batch with updated ones paid for their
    updates each epoch (zero moves, multiplied all the same); apart, the numbers are the same
    (each problem's arithmetic is its own) for less work."""
    out = []
    for members in _groups(range(len(tasks)), lambda i: (len(tasks[i].rows(train_size)),
                                                         tasks[i].approach.classifier.update_vectors)).values():
        per_batch = max(1, BATCH_BYTES // (8 * dim * len(tasks[members[0]].rows(train_size))))
        out += [members[j:j + per_batch] for j in range(0, len(members), per_batch)]
    return sorted(out, key=lambda members: -len(members) * len(tasks[members[0]].rows(train_size)))


def fit_softmax(run: Run, tasks: list[Task], splits, should_stop, on_progress) -> list[TaskOutcome]:
    """Tasks with as many sentences (and alike in updating their vectors) are trained as one batch,
    and scored as soon as their batch is trained (the trained rows of every learning-curve task
    at once would fill memory). Batches run one after the other: BLAS has threads of its own, and
    two batches at once made its threads spin against each other.

    A task's vectors (a seed's, over the whole labeled vocabulary) are held only while its problem
    and its splits' starting sentence vectors are made; the latter are dropped after the last batch
    that reads them. So a batch of many seeds never holds every seed's vectors at once."""
    train_size = len(run.data.train)
    batches = _batches(tasks, train_size, run.pretrained.dimension)
    total = sum(len(tasks[m[0]].rows(train_size)) * len(m) for m in batches)
    out: dict[int, TaskOutcome] = {}
    left = Counter(_source(tasks[i]) for members in batches for i in members)  # tasks yet to score, by vectors
    starts: dict = {}  # vectors -> each split's starting sentence vectors and pooling
    done = 0.0
    for members in batches:
        problems = {}
        for source, group in _groups(members, lambda i: _source(tasks[i])).items():
            first = tasks[group[0]]
            features = first.approach.vectors.features(run, first.seed, None)
            if source not in starts:
                starts[source] = _split_starts(run, features, splits)
            for i in group:
                problems[i] = Problem.of(run.data, features, tasks[i].rows(train_size))
            del features
        problems = [problems[i] for i in members]
        weight = len(problems[0].subset) * len(members) / total
        update = [tasks[i].approach.classifier.update_vectors for i in members]
        fits = train_batch(run.data, problems, run.experiment.training, update, should_stop,
                           lambda fraction: on_progress(done + weight * fraction))
        done += weight
        for i, fit in zip(members, fits):
            source = _source(tasks[i])
            scores = {name: softmax_scores(*starts[source][name], fit) for name in splits}
            out[i] = TaskOutcome.of(tasks[i], scores, fit.losses, fit if tasks[i].subset is None else None)
            left[source] -= 1
            if not left[source]:
                del starts[source]
        del fits, problems  # the trained rows of this batch go before the next is stacked
    return [out[i] for i in range(len(tasks))]


def _source(task: Task) -> Hashable:
    """What a task's starting vectors are: their source, and the seed of a seeded one."""
    return task.approach.vectors.name, task.seed


def _split_starts(run: Run, features: Features, splits) -> dict[str, tuple[np.ndarray, sp.csc_matrix]]:
    """Each split's sentences pooled over the starting vectors, and the pooling (by column), from
    which a trained task's scores follow (softmax_scores)."""
    out = {}
    for name in splits:
        pooled = run.data.pooled(name, features.known)
        out[name] = (pooled @ features.matrix, pooled.tocsc())
    return out


def _pretrained(run: Run, seed, subset) -> Features:
    return run.pretrained_features()


def _random(run: Run, seed, subset) -> Features:
    return run.random_features(seed)


def _from_scratch(run: Run, seed, subset) -> Features:
    return run.from_scratch_features(subset)


PRETRAINED = VectorSource("pretrained", seeded=False, features=_pretrained, determined_by=lambda run: run.keys.vectors,
                          whole=lambda run, seed: run.pretrained)
RANDOM = VectorSource("random", seeded=True, features=_random,
                      determined_by=lambda run: (run.keys.vocabulary, run.pretrained.dimension),
                      whole=lambda run, seed: run.random_vectors(seed))
FROM_SCRATCH = VectorSource("from_scratch", seeded=False, features=_from_scratch, per_subset=True,
                            determined_by=lambda run: run.experiment.window)

def _no_vectors(run: Run, seed, subset) -> Features:
    raise TypeError("this approach reads word counts, not word vectors")


def fit_bag_of_words(run: Run, tasks: list[Task], splits, should_stop, on_progress) -> list[TaskOutcome]:
    """Logistic regression on each task's train sentences' word counts (bag_of_words)."""
    train, out = run.data.train, []
    for done, task in enumerate(tasks):
        rows = task.rows(len(train))
        fit = fit_on_counts(train.terms[rows], train.label_ids[rows], len(run.data.labels), should_stop,
                            lambda fraction, done=done: on_progress((done + fraction) / len(tasks)))
        stop_if_asked(should_stop)
        out.append(TaskOutcome.of(task, {name: fit.scores(run.data.splits[name].terms) for name in splits},
                                  fit=fit if task.subset is None else None))
        on_progress((done + 1) / len(tasks))
    return out


def _keep_softmax(run: Run, task: Task, fit: SoftmaxFit) -> SoftmaxClassifier:
    return SoftmaxClassifier.of(fit, task.approach.vectors.whole(run, task.seed), run.data)


def _keep_counts(run: Run, task: Task, fit: CountsFit) -> CountsClassifier:
    return CountsClassifier.of(run.data.labels, run.data.words, run.data.train.terms, fit)


# No vectors: the labeled data's counts are all it reads, so nothing else determines it.
WORD_COUNTS = VectorSource("word counts", seeded=False, features=_no_vectors, determined_by=lambda run: None)
BAG_OF_WORDS = ClassifierKind("logistic regression on word counts", "class probability", fit_bag_of_words,
                              trained=False, keep=_keep_counts)

CENTROID = ClassifierKind("nearest centroid", "cosine to each class centroid", fit_centroids, trained=False)
PROBE = ClassifierKind("softmax layer", "class probability", fit_softmax, trained=True, keep=_keep_softmax)
FINE_TUNE = ClassifierKind("softmax layer, vectors updated", "class probability", fit_softmax, trained=True,
                           update_vectors=True, keep=_keep_softmax)

# In the order they are shown.
APPROACHES: tuple[Approach, ...] = (
    Approach("random", "Gaussian vectors, seeded; nearest centroid (the lesson's)", RANDOM, CENTROID),
    Approach("pretrained", "co-occurrence vectors of the corpus; nearest centroid", PRETRAINED, CENTROID),
    Approach("from_scratch", "co-occurrence counts over the labeled sentences alone; nearest centroid",
             FROM_SCRATCH, CENTROID),
    Approach("linear_probe", "pretrained vectors, frozen; a softmax layer trained by gradient descent",
             PRETRAINED, PROBE),
    Approach("fine_tuned", "pretrained vectors, updated with the softmax layer", PRETRAINED, FINE_TUNE),
    Approach("random_fine_tuned", "random vectors, updated with the softmax layer", RANDOM, FINE_TUNE),
    Approach("bag_of_words", "no word vectors: logistic regression on the labeled sentences' word counts",
             WORD_COUNTS, BAG_OF_WORDS),
)


def fit_masked_lm(run: Run, tasks: list[Task], splits, should_stop, on_progress) -> list[TaskOutcome]:
    """One task at a time, so one model is held at once, whatever the seeds and the curve's subsets;
    the frozen encoder pools each sentence once for all its tasks. On one BLAS thread (one_blas_thread)."""
    model = run.masked_lm()
    with one_blas_thread():
        return _fit_masked_lm(run, model, tasks, splits, should_stop, on_progress)


def _fit_masked_lm(run: Run, model: MaskedLM, tasks: list[Task], splits, should_stop, on_progress) -> list[TaskOutcome]:
    settings, train = MASKED_LM_FINE_TUNING, run.data.train
    ids = {name: sentence_ids(model.words, (s.text for s in run.data.splits[name].sentences),
                              run.experiment.stopwords, model.shape.max_length) for name in ("train", *splits)}
    frozen: dict[str, np.ndarray] = {}
    out = []
    # Progress by steps, not tasks: a curve's two-sentence subset takes a few, the whole train set hundreds.
    sizes = [len(t.rows(len(train))) for t in tasks]
    steps = [1 + (training_steps(n, settings) if t.approach.classifier.update_vectors else 0)
             for t, n in zip(tasks, sizes)]
    work = np.cumsum([0] + steps) / sum(steps)
    for done, task in enumerate(tasks):
        stop_if_asked(should_stop)
        rows = task.rows(len(train))
        labels, classes = train.label_ids[rows], len(run.data.labels)
        if task.approach.classifier.update_vectors:
            pretrained = task.approach.vectors is MASKED_LM_PRETRAINED
            start = model.params if pretrained else random_encoder(model.shape, task.seed)
            params, head, losses = fine_tune(start, model.shape, ids["train"][rows], labels, classes, task.seed,
                                             settings, should_stop,
                                             lambda f, done=done: on_progress(work[done] + f * (work[done + 1]
                                                                                                 - work[done])))
            scores = {n: class_probabilities(pooled_sentences(params, model.shape, ids[n], settings.score_batch), head)
                      for n in splits}
            del params
        else:
            frozen = frozen or {n: pooled_sentences(model.params, model.shape, x, settings.score_batch)
                                for n, x in ids.items()}
            head, losses = train_head(frozen["train"][rows], labels, classes, task.seed, settings, should_stop)
            scores = {n: class_probabilities(frozen[n], head) for n in splits}
        out.append(TaskOutcome.of(task, scores, losses))
        on_progress(work[done + 1])
    return out


# The masked language model's approaches (engine.finetuning.masked_lm_classifier). They need the
# model pretrained, minutes on a large corpus: an experiment asks for them ([finetuning] masked_lm).
# Seeded: the seed draws the softmax layer's start and the order of the sentences (and the twin's encoder).
MASKED_LM_PRETRAINED = VectorSource("masked LM", seeded=True, features=_no_vectors,
                                    determined_by=lambda run: (run.masked_lm_key(), MASKED_LM_FINE_TUNING))
MASKED_LM_RANDOM = VectorSource("masked LM, random start", seeded=True, features=_no_vectors,
                                determined_by=lambda run: (run.masked_lm_key(), MASKED_LM_FINE_TUNING))
# A transformer's forward and backward pass per sentence and epoch, against a softmax layer's
# products over the dimension: measured on reviews' train set, 4.5 ms a sentence and epoch on a loaded
# machine, 40 epochs, where the softmax layers' 300 epochs are a fraction of a millisecond.
ENCODER_WORK = 1_000
ENCODER_TUNED = ClassifierKind("encoder and softmax layer, trained end to end", "class probability", fit_masked_lm,
                               trained=True, update_vectors=True, work=ENCODER_WORK)
ENCODER_FROZEN = ClassifierKind("softmax layer on the frozen encoder", "class probability", fit_masked_lm,
                                trained=True)
MASKED_LM_APPROACHES: tuple[Approach, ...] = (
    Approach("mlm_fine_tuned", "masked language model pretrained on the corpus, fine-tuned end to end with a "
             "softmax layer on its mean hidden state", MASKED_LM_PRETRAINED, ENCODER_TUNED),
    Approach("mlm_from_scratch", "the same transformer from a random start, trained on the labels alone",
             MASKED_LM_RANDOM, ENCODER_TUNED),
    Approach("mlm_frozen", "masked language model pretrained on the corpus, frozen; a softmax layer trained on "
             "its mean hidden state", MASKED_LM_PRETRAINED, ENCODER_FROZEN),
)


def approaches_of(masked_lm: bool) -> tuple[Approach, ...]:
    """The approaches a run fits, in the order they are shown: the masked language model's where asked for."""
    return APPROACHES + MASKED_LM_APPROACHES if masked_lm else APPROACHES


BY_NAME = {a.name: a for a in APPROACHES + MASKED_LM_APPROACHES}
APPROACH_NAMES = tuple(a.name for a in APPROACHES)  # in the order they are shown
