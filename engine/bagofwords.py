"""The baseline a practitioner tries first: logistic regression on the word counts of the labeled
sentences, with no word vectors at all.

Multinomial logistic regression (softmax) on each sentence's raw word counts (stopwords dropped):
the summed cross-entropy plus half the squared weights (the bias is not penalised), fitted by
L-BFGS to a tight tolerance from zero weights, so deterministic, no seed. That is scikit-learn's
multinomial LogisticRegression with C = 1 (checked to 1e-7 on three classes); with two classes
scikit-learn fits one weight vector, and this model equals its C = 2. Words the train sentences never show get no weight, so a test
sentence made of them is scored by the bias alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

PENALTY = 1.0  # 1 / C
MAX_ITERATIONS = 500
TOLERANCE = 1e-8


@dataclass(frozen=True, eq=False)
class BagOfWords:
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
                  should_stop=lambda: False, on_progress=lambda fraction: None) -> BagOfWords:
    """Fit on `terms` (sentences x words, counts) with labels `label_ids` (0 .. classes - 1);
    `on_progress` gets the iterations done over MAX_ITERATIONS (the fit may end sooner)."""
    terms = sp.csr_matrix(terms, dtype=np.float64)
    # Only the words these sentences show are fitted: from zero weights every other word's gradient
    # is zero at every step, so its weight stays exactly zero. A learning-curve subset of two
    # sentences shows a few dozen of the labeled set's thousands of words.
    shown = np.unique(terms.indices)
    weights, bias, losses = _fit(terms[:, shown], label_ids, classes, should_stop, on_progress)
    full = np.zeros((terms.shape[1], classes))
    full[shown] = weights
    return BagOfWords(full, bias, losses)


def _fit(terms: sp.csr_matrix, label_ids: np.ndarray, classes: int, should_stop, on_progress):
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
        error = np.exp(logits - log_normaliser) - targets
        gradient = np.concatenate([(terms.T @ error + PENALTY * weights).ravel(), error.sum(axis=0)])
        return cross_entropy + 0.5 * PENALTY * np.sum(weights * weights), gradient

    def after_iteration(flat: np.ndarray) -> None:
        weights, bias = flat[: words * classes].reshape(words, classes), flat[words * classes:]
        probabilities = _softmax(terms @ weights + bias)
        losses.append(float(-np.mean(np.log(np.sum(probabilities * targets, axis=1) + 1e-12))))
        if should_stop():
            raise StopIteration  # scipy ends the fit; the caller checks should_stop and cancels
        if len(losses) % 10 == 0:
            on_progress(len(losses) / MAX_ITERATIONS)

    from scipy.optimize import minimize  # here: 18 MB and 0.1 s that `pretrain` and `report` of counts need not pay

    start = np.zeros(words * classes + classes)
    fitted = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B", callback=after_iteration,
                      options={"maxiter": MAX_ITERATIONS, "gtol": TOLERANCE, "ftol": 0.0})
    flat = fitted.x
    return flat[: words * classes].reshape(words, classes), flat[words * classes:], tuple(losses)
