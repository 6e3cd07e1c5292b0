"""Fine-tuning: mean-pooled word vectors under a softmax layer, trained by full-batch gradient descent
(fine_tuned, linear_probe, random_fine_tuned)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import stop_if_asked
from .labeled import Features, LabeledData, labeled_data, restricted
from .pushes import KeptClassifier, pushes_by_word
from ..settings import DEFAULTS
from ..text import LabeledSentence
from ..vectors import WordVectors


# Only the words of the labeled sentences receive gradient, so only their rows are copied and
# trained. Full-batch descent from a zero layer is deterministic: the only randomness is in the
# starting vectors. Training runs in float32 (its products wait on memory); losses are summed in
# float64, and weights and losses agree with float64 to within 2e-6.
DTYPE = np.float32
DENSE_POOLING_CELLS = 1 << 16  # a batch's pooling up to this many cells is a dense array


@dataclass(frozen=True)
class TrainingSettings:
    epochs: int = DEFAULTS["epochs"]
    learning_rate: float = DEFAULTS["learning_rate"]
    l2: float = DEFAULTS["l2"]  # on the softmax layer's weights


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


@dataclass(frozen=True, eq=False)
class SoftmaxFit:
    """What training one softmax classifier made, over the labeled vocabulary (a SoftmaxClassifier
    puts it over the whole vocabulary)."""

    rows: np.ndarray  # labeled-vocabulary indices of the trained rows (the subset's known words)
    moved: np.ndarray  # how far training moved their vectors (zero when frozen)
    weights: np.ndarray  # (classes, dimension)
    bias: np.ndarray  # (classes,)
    losses: tuple[float, ...]  # mean cross-entropy on its sentences before each epoch, and after the last


@dataclass(frozen=True)
class Problem:
    """One training: the train sentences it learns from, and of its starting vectors only which
    labeled words they know and the rows of the words its sentences show (a batch of many seeds'
    problems would otherwise hold every seed's vectors over the whole labeled vocabulary at once)."""

    known: np.ndarray  # (labeled words,) bool: which words the starting vectors know
    subset: np.ndarray  # train sentences it learns from
    rows: np.ndarray  # labeled-vocabulary indices of the subset's known words, sorted
    start: np.ndarray  # (len(rows), dimension): their starting vectors

    @classmethod
    def of(cls, data: LabeledData, features: Features, subset: np.ndarray) -> "Problem":
        rows = np.unique(data.pooled("train", features.known)[subset].indices)
        return cls(features.known, subset, rows, np.asarray(features.matrix[rows]))


def _stack(data: LabeledData, problems: list[Problem]):
    """The block-diagonal pooling over each problem's trained rows, the stacked starting rows,
    and each problem's rows (its sentences' known words, sorted)."""
    k, n = len(problems), len(problems[0].subset)
    values, row, block, word = _pooling_cells(data, problems)
    words = len(data.words)
    cells, local = np.unique(block * words + word, return_inverse=True)  # (problem, word), sorted
    owner = cells // words
    first = np.searchsorted(owner, np.arange(k + 1))
    width = int(np.diff(first).max())
    column = owner * width + (np.arange(len(cells)) - first[owner])
    pool = sp.csr_matrix((values.astype(DTYPE), (row, column[local])), shape=(k * n, k * width))
    rows = np.split(cells % words, first[1:-1])
    starts = np.zeros((k, width, problems[0].start.shape[1]))
    for j, own in enumerate(rows):
        starts[j, : len(own)] = problems[j].start[np.searchsorted(problems[j].rows, own)]
    return pool, starts, rows


def _pooling_cells(data: LabeledData, problems: list[Problem]):
    """Every problem's pooling weights as (value, batch row, problem, labeled word); problems that
    know the same words (every seed of one vocabulary) are picked from one pooling at once."""
    n = len(problems[0].subset)
    groups: dict[bytes, list[int]] = {}
    for j, p in enumerate(problems):
        groups.setdefault(p.known.tobytes(), []).append(j)
    pieces = []
    for members in groups.values():
        pooling = data.pooled("train", problems[members[0]].known)
        picked = pooling[np.concatenate([problems[j].subset for j in members])].tocoo()
        problem = np.asarray(members)[picked.row // n]
        pieces.append((picked.data, problem * n + picked.row % n, problem, picked.col))
    return tuple(np.concatenate(part) for part in zip(*pieces))


def train_batch(
    data: LabeledData,
    problems: list[Problem],
    settings: TrainingSettings,
    update_vectors: bool | list[bool],
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Callable[[float], None] = lambda fraction: None,
) -> list[SoftmaxFit]:
    """Train every problem (all with the same number of sentences) together, epoch by epoch;
    `update_vectors` for all of them or one each (a frozen problem's features get zero moves).

    Each sentence's errors sum to zero over the classes (its probabilities and its target each sum
    to one). So, from zero, the weights of the classes sum to zero at every epoch: only the first
    classes - 1 are kept (`free`), the last is minus their sum; and the features' gradient,
    error @ weights, is error[:-1] @ (weights[:-1] - weights[-1]), of rank classes - 1. With two
    classes every product is then with one vector, which numpy and scipy do much faster than with
    two."""
    k, n, classes = len(problems), len(problems[0].subset), len(data.labels)
    update = np.broadcast_to(np.asarray(update_vectors, dtype=bool), (k,))[:, None, None]
    pool, start, rows = _stack(data, problems)
    # Two products with the pooling an epoch: its transpose is made once, and a small batch's pooling
    # is a dense array (scipy's overhead per product dwarfs the work of the kata's few cells).
    pool_t = pool.T.tocsr()
    if pool.shape[0] * pool.shape[1] <= DENSE_POOLING_CELLS:
        pool, pool_t = pool.toarray(), pool_t.toarray()
    width, dim = start.shape[1], start.shape[2]
    free = classes - 1
    features = _Features((pool @ start.reshape(k * width, dim)).reshape(k, n, dim).astype(DTYPE), free)
    del start  # the trained rows are kept as their change only: a large batch's rows fill memory
    targets, target_cells = _targets(data, problems)
    weights, bias = np.zeros((k, free, dim), dtype=DTYPE), np.zeros((k, classes), dtype=DTYPE)
    losses = np.zeros((k, settings.epochs + 1))
    rate = settings.learning_rate
    for epoch in range(settings.epochs + 1):
        stop_if_asked(should_stop)
        probabilities = softmax(_with_last(features.times(weights)) + bias[:, :, None], axis=1)
        right = probabilities.reshape(-1)[target_cells].reshape(k, n)
        losses[:, epoch] = -np.mean(np.log(right.astype(np.float64) + 1e-12), axis=1)
        if epoch == settings.epochs:
            break
        error = (probabilities - targets) / n  # d(mean cross-entropy) / d(logits)
        grad_weights = features.weighted_by(error[:, :free]) + settings.l2 * weights
        if update.any():
            # The features' gradient reaches the pooled features through pooling @ pooling^T, and
            # the trained rows through pooling^T.
            moving = (error[:, :free] * update).transpose(0, 2, 1).reshape(k * n, free)
            moved = (pool @ (pool_t @ moving)).reshape(k, n, free)
            last = -weights.sum(axis=1, keepdims=True)
            features.move(rate * moved, moving.reshape(k, n, free), weights - last)
        weights -= rate * grad_weights
        bias -= rate * error.sum(axis=2)
        if epoch % 10 == 0:
            on_progress(epoch / settings.epochs)
    return _fits(features, pool_t, rows, weights, bias, losses, rate if update.any() else 0.0)


def _with_last(free: np.ndarray) -> np.ndarray:
    """Every class's rows (axis 1) from the first classes - 1: the last class's are minus their sum."""
    return np.concatenate([free, -free.sum(axis=1, keepdims=True)], axis=1)


def _targets(data: LabeledData, problems: list[Problem]) -> tuple[np.ndarray, np.ndarray]:
    """One-hot targets laid out (problems, classes, sentences), as scores and errors are (sums over
    the few classes then run over long rows), and the flat indices of their ones."""
    k, n, classes = len(problems), len(problems[0].subset), len(data.labels)
    ids = np.stack([data.train.label_ids[p.subset] for p in problems])
    cells = ((np.arange(k)[:, None] * classes + ids) * n + np.arange(n)).reshape(-1)
    targets = np.zeros((k, classes, n), dtype=DTYPE)
    targets.reshape(-1)[cells] = 1.0
    return targets, cells


def _fits(features: "_Features", pool_t, rows, weights, bias, losses, rate: float) -> list[SoftmaxFit]:
    """The trained classifiers' fits: each problem's rows moved by -rate pooling^T (the sum over epochs
    of error @ weights), and the last class's weights restored as minus the sum of the others'."""
    k, n, dim = features.base.shape
    width = pool_t.shape[0] // k
    if rate:
        moved = (pool_t @ features.error_total().reshape(k * n, dim)).reshape(k, width, dim)
        moved *= -rate
        moved = moved.astype(np.float64)
    else:  # frozen: no move, and no (rows, dimension) array of zeros kept for it
        moved = np.broadcast_to(np.zeros(1), (k, width, dim))
    weights = _with_last(weights)
    weights, bias = (a.astype(np.float64) for a in (weights, bias))
    return [SoftmaxFit(own, moved[j, : len(own)], weights[j], bias[j], tuple(float(x) for x in losses[j]))
            for j, own in enumerate(rows)]


# Trainings with the same number of sentences (every seed, every learning-curve subset) run as
# one batched problem: stacked arrays, one sparse block-diagonal pooling matrix. The gradient of the
# pooled features has rank classes - 1, so each epoch updates them through
# pooling @ (pooling^T error) @ weights, at a cost linear in the sentences; the trained rows are only
# made at the end, as the start minus pooling^T times the sum over epochs of error @ weights.
class _Features:
    """The pooled features (problems, sentences, dimension) of a batch, with their updates.

    Each epoch moves them by a product of rank `rank` (classes - 1), moved @ weights. Applying it at
    once would pass over the whole array several times an epoch, the bulk of the training's time;
    instead the last few epochs' factors are held, products with the features add their share
    (small arrays), and every few epochs (SPAN) one product applies them. The same factors, with
    the errors in place of the moves, sum error @ weights over the epochs: pooling^T times that is
    how far the trained rows moved.
    """

    SPAN = 8
    HELD_BYTES = 16 << 20  # at most this much held (many classes and sentences hold fewer epochs)

    def __init__(self, base: np.ndarray, rank: int):
        k, n, dim = base.shape
        self.span = int(max(1, min(self.SPAN, self.HELD_BYTES // (16 * k * n * rank))))
        self.base = base
        self.moves = np.zeros((k, n, self.span * rank), dtype=base.dtype)
        self.errors = np.zeros((k, n, self.span * rank), dtype=base.dtype)
        self.weights = np.zeros((k, self.span * rank, dim), dtype=base.dtype)
        self.errors_by_weights = np.zeros((k, n, dim), dtype=base.dtype)
        self.rank, self.held = rank, 0

    def _held(self):
        used = self.held * self.rank
        return self.moves[:, :, :used], self.errors[:, :, :used], self.weights[:, :used]

    def times(self, weights: np.ndarray) -> np.ndarray:
        """weights @ features^T: (problems, rows of weights, sentences)."""
        out = weights @ self.base.transpose(0, 2, 1)
        if self.held:
            moves, _, held = self._held()
            out -= (weights @ held.transpose(0, 2, 1)) @ moves.transpose(0, 2, 1)
        return out

    def weighted_by(self, error: np.ndarray) -> np.ndarray:
        """error @ features, error laid out (problems, rows, sentences): (problems, rows, dimension)."""
        out = error @ self.base
        if self.held:
            moves, _, held = self._held()
            out -= (error @ moves) @ held
        return out

    def move(self, moved: np.ndarray, error: np.ndarray, weights: np.ndarray) -> None:
        """features -= moved @ weights, applied within a few epochs."""
        columns = slice(self.held * self.rank, (self.held + 1) * self.rank)
        self.moves[:, :, columns], self.errors[:, :, columns], self.weights[:, columns] = moved, error, weights
        self.held += 1
        if self.held == self.span:
            self._apply()

    def _apply(self) -> None:
        moves, errors, held = self._held()
        self.base -= moves @ held
        self.errors_by_weights += errors @ held
        self.held = 0

    def error_total(self) -> np.ndarray:
        """The sum over epochs of error @ weights."""
        if self.held:
            self._apply()
        return self.errors_by_weights


def softmax_scores(start_docs: np.ndarray, pooled: sp.csr_matrix, fit: SoftmaxFit) -> np.ndarray:
    """Each sentence's class probabilities: its pooled starting vector, moved by its trained rows."""
    docs = start_docs + pooled[:, fit.rows] @ fit.moved
    return softmax(docs @ fit.weights.T + fit.bias)


@dataclass(frozen=True, eq=False)
class SoftmaxClassifier(KeptClassifier):
    """A trained softmax classifier with the whole vocabulary it started from, to inspect what moved and to
    take each sentence's scores apart word by word (engine.inspect.explain)."""

    labels: tuple[str, ...]  # sorted
    start: WordVectors  # the vectors training started from
    rows: np.ndarray  # vocabulary indices of the trained rows (the labeled sentences' words)
    moved: np.ndarray  # how far training moved them (zero when frozen)
    weights: np.ndarray  # (classes, dimension)
    bias: np.ndarray  # (classes,)
    losses: tuple[float, ...]

    @classmethod
    def of(cls, fit: SoftmaxFit, start: WordVectors, data: LabeledData) -> "SoftmaxClassifier":
        rows = np.array([start.index(data.words[r]) for r in fit.rows], dtype=np.intp)
        return cls(data.labels, start, rows, fit.moved, fit.weights, fit.bias, fit.losses)

    @functools.cached_property
    def trained_rows(self) -> np.ndarray:
        """The trained rows' vectors after training (equal to the start when frozen), made when first
        read: a run keeps three classifiers, and most are never taken apart."""
        return self.start.matrix[self.rows] + self.moved

    @functools.cached_property
    def _trained_row(self) -> dict[int, int]:
        """Vocabulary index -> its row in trained_rows."""
        return {int(r): k for k, r in enumerate(self.rows)}

    def vector(self, word: str) -> np.ndarray | None:
        """Its vector after training (the start's, for a word no labeled sentence has); None for a
        word the start vectors do not know."""
        i = self.start.index(word)
        if i is None:
            return None
        k = self._trained_row.get(i)
        return self.trained_rows[k] if k is not None else self.start.matrix[i]

    def pushes(self, tokens: list[str]) -> dict[str, np.ndarray]:
        """Each known word's part of the logits (W v_w / n per token): they and the bias sum to them."""
        vectors = {t: self.vector(t) for t in dict.fromkeys(tokens)}
        n = sum(vectors[t] is not None for t in tokens)
        return pushes_by_word(tokens, lambda t: None if vectors[t] is None else self.weights @ vectors[t] / n)

    def logits(self, tokens: list[str]) -> np.ndarray:
        """The classifier's own scores, computed as the run does: the mean vector, then the layer."""
        rows = [v for v in (self.vector(t) for t in tokens) if v is not None]
        doc = np.mean(rows, axis=0) if rows else np.zeros(self.weights.shape[1])
        return self.weights @ doc + self.bias

    def vectors(self) -> WordVectors:
        """The whole vocabulary's vectors after training (a full copy: for inspection, not per run)."""
        matrix = np.array(self.start.matrix)
        matrix[self.rows] = self.trained_rows
        return WordVectors(self.start.words, matrix)

    def drift(self) -> tuple[tuple[str, float], ...]:
        """Every trained word with how far its vector moved (Euclidean), farthest first. Distances
        equal to 12 decimals are ties, broken alphabetically, as neighbours' are: words placed alike
        in the labeled set move alike, and the last bits of a float sum are no reason to rank them."""
        moved = np.linalg.norm(self.trained_rows - self.start.matrix[self.rows], axis=1)
        order = sorted(range(len(self.rows)), key=lambda k: (-round(moved[k], 12), self.start.words[self.rows[k]]))
        return tuple((self.start.words[self.rows[k]], float(moved[k])) for k in order)


def train(
    train_set: tuple[LabeledSentence, ...],
    start: WordVectors,
    stopwords: frozenset[str],
    settings: TrainingSettings,
    update_vectors: bool,
) -> SoftmaxClassifier:
    """One classifier on one labeled set, for use outside a run (a notebook, a test)."""
    data = labeled_data(stopwords, train_set, (), None)
    problem = Problem.of(data, restricted(start, data.words), np.arange(len(train_set)))
    (fit,) = train_batch(data, [problem], settings, update_vectors)
    return SoftmaxClassifier.of(fit, start, data)
