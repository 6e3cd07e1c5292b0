"""The baseline a practitioner tries first: logistic regression on the labeled sentences' word counts,
with no word vectors at all."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pushes import KeptClassifier, pushes_by_word
import scipy.sparse as sp

# Multinomial logistic regression on each sentence's raw word counts (stopwords dropped): summed
# cross-entropy plus half the squared weights (the bias not penalised), fitted by L-BFGS (`lbfgs`)
# from zero weights to a tight tolerance, so deterministic. That is scikit-learn's multinomial
# LogisticRegression with C = 1 (with two classes scikit-learn fits one weight vector, and this model
# equals its C = 2). Words no train sentence shows get no weight: a test sentence made only of them
# is scored by the bias alone.
PENALTY = 1.0  # 1 / C
MAX_ITERATIONS = 500
TOLERANCE = 1e-8
DENSE_CELLS = 1 << 20  # sentences x words up to this are fitted as a dense array


@dataclass(frozen=True, eq=False)
class CountsFit:
    """What fitting logistic regression on word counts made (a CountsClassifier puts it to use)."""

    weights: np.ndarray  # (words, classes)
    bias: np.ndarray  # (classes,)
    losses: tuple[float, ...]  # mean cross-entropy on the train sentences, per L-BFGS iteration

    def scores(self, terms: sp.csr_matrix) -> np.ndarray:
        """Each sentence's probability of each class."""
        return _softmax(terms @ self.weights + self.bias)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def fit_on_counts(terms: sp.csr_matrix, label_ids: np.ndarray, classes: int,
                  should_stop=lambda: False, on_progress=lambda fraction: None) -> CountsFit:
    """Fit on `terms` (sentences x words, counts) with labels `label_ids` (0 .. classes - 1);
    `on_progress` gets the iterations done over MAX_ITERATIONS (the fit may end sooner)."""
    terms = sp.csr_matrix(terms, dtype=np.float64)
    # Only the words these sentences show are fitted: from zero weights every other word's gradient
    # is zero at every step, so its weight stays exactly zero. A learning-curve subset of two
    # sentences shows a few dozen of the labeled set's thousands of words.
    shown = np.unique(terms.indices)
    fitted = terms[:, shown]
    if fitted.shape[0] * fitted.shape[1] <= DENSE_CELLS:  # a sparse product's fixed cost outweighs it
        fitted = fitted.toarray()
    weights, bias, losses = _fit(fitted, label_ids, classes, should_stop, on_progress)
    full = np.zeros((terms.shape[1], classes))
    full[shown] = weights
    return CountsFit(full, bias, losses)


def _fit(terms: sp.csr_matrix | np.ndarray, label_ids: np.ndarray, classes: int, should_stop, on_progress):
    n, words = terms.shape
    targets = np.zeros((n, classes))
    targets[np.arange(n), label_ids] = 1.0
    losses: list[float] = []

    def loss_and_gradient(flat: np.ndarray):
        weights, bias = flat[: words * classes].reshape(words, classes), flat[words * classes:]
        logits = terms @ weights + bias
        logits -= logits.max(axis=1, keepdims=True)
        log_normaliser = np.log(np.exp(logits).sum(axis=1, keepdims=True))
        cross_entropy = -np.sum(targets * (logits - log_normaliser))
        last_mean[0] = cross_entropy / n
        error = np.exp(logits - log_normaliser) - targets
        gradient = np.concatenate([(terms.T @ error + PENALTY * weights).ravel(), error.sum(axis=0)])
        return cross_entropy + 0.5 * PENALTY * np.sum(weights * weights), gradient

    last_mean = [0.0]  # the mean cross-entropy at the point evaluated last: the one lbfgs accepts

    def after_iteration(flat: np.ndarray) -> None:
        losses.append(float(last_mean[0]))
        if should_stop():
            raise StopIteration  # the fit ends; the caller checks should_stop and cancels
        if len(losses) % 10 == 0:
            on_progress(len(losses) / MAX_ITERATIONS)

    start = np.zeros(words * classes + classes)
    flat = lbfgs(loss_and_gradient, start, after_iteration)
    return flat[: words * classes].reshape(words, classes), flat[words * classes:], tuple(losses)


def lbfgs(loss_and_gradient, start: np.ndarray, after_iteration, memory: int = 10) -> np.ndarray:
    """Minimise a smooth convex function by L-BFGS (Nocedal and Wright, algorithm 7.4: the two-loop
    recursion over the last `memory` steps, a backtracking line search to the Armijo condition),
    until the gradient's largest component is at most TOLERANCE, the loss stops falling in floating
    point, or after MAX_ITERATIONS; as
    scipy's L-BFGS-B without bounds (tests/test_finetuning.py compares the two). Written here, not
    taken from scipy.optimize, whose import is heavy for every explorer and whose per-iteration
    overhead dominates fits of millions of weights.
    `after_iteration(x)` may raise StopIteration to end the fit early."""
    x = start.copy()
    loss, gradient = loss_and_gradient(x)
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []  # (s, y, 1 / y.s), oldest first
    for _ in range(MAX_ITERATIONS):
        if np.max(np.abs(gradient)) <= TOLERANCE:
            break
        direction = _direction(gradient, steps)
        slope = gradient @ direction
        if slope >= 0:  # not a descent direction (rounding): start again from the gradient
            steps.clear()
            direction, slope = -gradient, -(gradient @ gradient)
        size = 1.0 if steps else min(1.0, 1.0 / np.sum(np.abs(gradient)))
        for _ in range(40):
            moved = x + size * direction
            new_loss, new_gradient = loss_and_gradient(moved)
            if new_loss <= loss + 1e-4 * size * slope:
                break
            size *= 0.5
        else:
            break  # no decrease left at this precision: the minimum, as far as floats can tell
        s, y = moved - x, new_gradient - gradient
        if y @ s > 1e-12:
            steps = steps[-(memory - 1):] + [(s, y, 1.0 / (y @ s))]
        stalled = new_loss >= loss  # the loss no longer falls in floating point: as scipy's ftol = 0
        x, loss, gradient = moved, new_loss, new_gradient
        try:
            after_iteration(x)
        except StopIteration:
            break
        if stalled:
            break
    return x


def _direction(gradient: np.ndarray, steps) -> np.ndarray:
    """The two-loop recursion: minus the inverse-Hessian estimate times the gradient."""
    q = gradient.copy()
    alphas = []
    for s, y, rho in reversed(steps):
        alpha = rho * (s @ q)
        q -= alpha * y
        alphas.append(alpha)
    if steps:
        s, y, _ = steps[-1]
        q *= (s @ y) / (y @ y)
    for (s, y, rho), alpha in zip(steps, reversed(alphas)):
        q += (alpha - rho * (y @ q)) * s
    return -q


@dataclass(frozen=True, eq=False)
class CountsClassifier(KeptClassifier):
    """Logistic regression on word counts, as the run fitted it: logit_c = sum_w count_w W[w, c] + b_c."""

    labels: tuple[str, ...]
    column: dict  # labeled word -> its row of weights
    seen: np.ndarray  # (labeled words,) bool: in the train sentences, so weighted
    weights: np.ndarray  # (labeled words, classes)
    bias: np.ndarray

    @classmethod
    def of(cls, labels, words: tuple[str, ...], train_terms, fit: CountsFit) -> "CountsClassifier":
        seen = np.asarray(train_terms.sum(axis=0)).ravel() > 0
        return cls(labels, {w: j for j, w in enumerate(words)}, seen, fit.weights, fit.bias)

    def pushes(self, tokens: list[str]) -> dict[str, np.ndarray]:
        """Each weighted word's part of the logits (its weights, once per token)."""
        def push(token):
            j = self.column.get(token)
            return self.weights[j] if j is not None and self.seen[j] else None

        return pushes_by_word(tokens, push)

    def logits(self, tokens: list[str]) -> np.ndarray:
        counts = np.zeros(len(self.column))
        for t in tokens:
            if t in self.column:
                counts[self.column[t]] += 1
        return counts @ self.weights + self.bias
