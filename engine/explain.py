"""The lesson's ideas computed for one question at a time: fill a blank, say why two words are
neighbours, say why a sentence got its label. Pure numpy over WordVectors; frozen results.

For counts and PPMI vectors each dimension is a context word: column j of a row is the weight of
the vocabulary's j-th word near that word (same order as the rows). For SVD or random vectors the
dimensions are not words, and the answers say so by `columns_are_words`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from engine.approaches import APPROACHES, BAG_OF_WORDS, BY_NAME
from engine.bagofwords import fit_on_counts
from engine.finetune import Problem, train_batch
from engine.labeled import labeled_data, restricted
from engine.text import LabeledSentence, preprocess
from engine.vectors import WordVectors

BLANK = "_"


def _ranked(words: tuple[str, ...], scores: np.ndarray, exclude: set[int], top_n: int):
    """The top_n (word, score), best first, ties (to 12 decimals) broken alphabetically."""
    order = sorted((j for j in range(len(words)) if j not in exclude),
                   key=lambda j: (-round(float(scores[j]), 12), words[j]))
    return tuple((words[j], float(scores[j])) for j in order[:top_n])


@dataclass(frozen=True)
class BlankAnswer:
    has_blank: bool
    context: tuple[str, ...]  # the sentence's other words the vectors know, stopwords dropped
    unknown: tuple[str, ...]  # its words the vectors do not know
    candidates: tuple[tuple[str, float], ...]  # best fit first
    columns_are_words: bool  # scores read from the context words' columns, else cosine to their mean


def fill_blank(vectors: WordVectors, sentence: str, stopwords: frozenset[str], top_n: int,
               columns_are_words: bool) -> BlankAnswer:
    """Words that best fit the context of `_`: with counts or PPMI, the words most often found
    near the context words (the mean of their columns), the pretraining task itself; otherwise the
    words whose vectors are closest by cosine to the mean of the context words' vectors."""
    words = preprocess(sentence.replace(BLANK, " "), stopwords)
    known = tuple(dict.fromkeys(w for w in words if w in vectors))
    unknown = tuple(dict.fromkeys(w for w in words if w not in vectors))
    if BLANK not in sentence or not known:
        return BlankAnswer(BLANK in sentence, known, unknown, (), columns_are_words)
    rows = [vectors.index(w) for w in known]
    if columns_are_words:
        scores = vectors.matrix[:, rows].mean(axis=1)
    else:
        target = vectors.matrix[rows].mean(axis=0)
        norms = vectors.norms * float(np.sqrt(target @ target))
        scores = np.divide(vectors.matrix @ target, norms, out=np.zeros(len(vectors.words)), where=norms > 0)
    return BlankAnswer(True, known, unknown, _ranked(vectors.words, scores, set(rows), top_n), columns_are_words)


@dataclass(frozen=True)
class Contribution:
    dimension: int
    context: str | None  # the context word of that dimension, for counts and PPMI
    first: float  # the two words' values there
    second: float
    share: float  # its part of the cosine: first * second / (|a| |b|); the shares sum to it


@dataclass(frozen=True)
class SharedContexts:
    first: str
    second: str
    missing: tuple[str, ...]  # of the two, the words the vectors do not know
    cosine: float
    contributions: tuple[Contribution, ...]  # largest first
    columns_are_words: bool


def shared_contexts(vectors: WordVectors, first: str, second: str, top_n: int,
                    columns_are_words: bool) -> SharedContexts:
    """Why two words are neighbours: the dimensions whose products make their cosine."""
    missing = tuple(w for w in (first, second) if w not in vectors)
    if missing:
        return SharedContexts(first, second, missing, 0.0, (), columns_are_words)
    a, b = vectors.vector(first), vectors.vector(second)
    norm = float(np.sqrt(a @ a) * np.sqrt(b @ b))
    shares = a * b / norm if norm > 0 else np.zeros_like(a)
    order = sorted(np.flatnonzero(shares), key=lambda j: (-shares[j], j))[:top_n]
    contributions = tuple(
        Contribution(int(j), vectors.words[j] if columns_are_words else None, float(a[j]), float(b[j]), float(shares[j]))
        for j in order)
    return SharedContexts(first, second, (), float(shares.sum()), contributions, columns_are_words)


@dataclass(frozen=True)
class WordPush:
    word: str
    known: bool
    push: dict[str, float]  # its part of the cosine to each class centroid (0 when unknown)


@dataclass(frozen=True)
class CentroidExplanation:
    labels: tuple[str, ...]
    words: tuple[WordPush, ...]  # in the sentence's order, each word once, stopwords dropped
    scores: dict[str, float]  # cosine to each centroid: the sum of the words' pushes


def _rows(vectors: WordVectors, rows: list[int]) -> np.ndarray:
    """Those rows of the matrix, dense (from-scratch vectors are kept sparse)."""
    block = vectors.matrix[rows]
    return block.toarray() if sp.issparse(block) else np.asarray(block)


def _document(tokens: list[str], vectors: WordVectors) -> tuple[np.ndarray, list[int]]:
    rows = [i for i in (vectors.index(t) for t in tokens) if i is not None]
    if not rows:
        return np.zeros(vectors.dimension), rows
    return _rows(vectors, rows).sum(axis=0) / len(rows), rows


def centroid_pushes(vectors: WordVectors, train: tuple[LabeledSentence, ...], stopwords: frozenset[str],
                    text: str) -> CentroidExplanation:
    """Each word's push toward each class under the lesson's nearest-centroid classifier. The
    sentence's vector is the mean of its n known words, so its cosine to a centroid c splits
    exactly into one term per word: v·c / (n |d| |c|)."""
    labels = tuple(sorted({s.label for s in train}))
    centroids = np.array([np.mean([_document(preprocess(s.text, stopwords), vectors)[0]
                                   for s in train if s.label == label], axis=0) for label in labels])
    tokens = preprocess(text, stopwords)
    doc, rows = _document(tokens, vectors)
    scale = float(np.sqrt(doc @ doc)) * np.sqrt(np.einsum("ij,ij->i", centroids, centroids)) * max(len(rows), 1)
    per_row = np.divide(_rows(vectors, rows) @ centroids.T, scale, out=np.zeros((len(rows), len(labels))),
                        where=scale > 0) if rows else np.zeros((0, len(labels)))
    totals: dict[str, np.ndarray] = {}
    for i, push in zip(rows, per_row):
        word = vectors.words[i]
        totals[word] = totals.get(word, 0) + push
    words = tuple(WordPush(t, t in totals, {label: float(totals[t][k]) if t in totals else 0.0
                                           for k, label in enumerate(labels)})
                  for t in dict.fromkeys(tokens))
    scores = {label: float(per_row[:, k].sum()) for k, label in enumerate(labels)}
    return CentroidExplanation(labels, words, scores)


# --- every approach: the trained ones are linear in the pooled features -------------------------

@dataclass(frozen=True)
class Explanation:
    """Each word's push toward each class under one approach; the pushes and the bias sum to the
    classifier's scores exactly. `kind` says what those scores are: "cosine" (nearest centroid, no
    bias) or "logit" (a softmax over them gives the class probabilities)."""

    approach: str
    labels: tuple[str, ...]
    words: tuple[WordPush, ...]  # in the sentence's order, each word once, stopwords dropped
    bias: dict[str, float]
    scores: dict[str, float]  # the sum of the pushes and the bias; the highest wins
    kind: str

    @property
    def predicted(self) -> str:
        """The highest score; a tie goes to the alphabetically first label, as in the run."""
        return max(self.labels, key=lambda label: (self.scores[label], -self.labels.index(label)))


def _pushes_by_word(tokens: list[str], per_token) -> dict[str, np.ndarray]:
    """Each known word's summed push over its tokens (per_token gives None for an unknown one)."""
    totals: dict[str, np.ndarray] = {}
    for token in tokens:
        push = per_token(token)
        if push is not None:
            totals[token] = totals.get(token, 0) + push
    return totals


def _explanation(name, labels, tokens, totals, bias: np.ndarray, kind: str) -> Explanation:
    classes = len(labels)
    summed = sum(totals.values(), np.zeros(classes)) + bias
    words = tuple(WordPush(t, t in totals, {label: float(totals[t][k]) if t in totals else 0.0
                                           for k, label in enumerate(labels)})
                  for t in dict.fromkeys(tokens))
    return Explanation(name, labels, words, dict(zip(labels, bias.tolist())), dict(zip(labels, summed.tolist())),
                       kind)


@dataclass(frozen=True, eq=False)
class _Softmax:
    """A trained softmax layer over mean-pooled vectors: logit_c = sum_w (n_w / n) v_w . W_c + b_c."""

    start: WordVectors  # the vectors training started from
    column: dict  # labeled word -> its row in `trained`
    trained: np.ndarray  # (labeled words, dimension): start vectors plus what training moved
    known: np.ndarray  # (labeled words,) bool
    weights: np.ndarray  # (classes, dimension)
    bias: np.ndarray

    def vector(self, word: str) -> np.ndarray | None:
        j = self.column.get(word)
        if j is not None:
            return self.trained[j] if self.known[j] else None
        return self.start.vector(word)  # a word no labeled sentence has keeps its start vector

    def explain(self, name: str, labels, tokens: list[str]) -> Explanation:
        vectors = {t: self.vector(t) for t in dict.fromkeys(tokens)}
        n = sum(vectors[t] is not None for t in tokens)
        totals = _pushes_by_word(tokens, lambda t: None if vectors[t] is None else self.weights @ vectors[t] / n)
        return _explanation(name, labels, tokens, totals, self.bias, "logit")

    def logits(self, tokens: list[str]) -> np.ndarray:
        """The model's own scores, computed as the run does: the mean vector, then the layer."""
        rows = [v for v in (self.vector(t) for t in tokens) if v is not None]
        doc = np.mean(rows, axis=0) if rows else np.zeros(self.weights.shape[1])
        return self.weights @ doc + self.bias


@dataclass(frozen=True, eq=False)
class _Counts:
    """Logistic regression on word counts: logit_c = sum_w count_w W[w, c] + b_c."""

    column: dict  # labeled word -> its row of weights
    seen: np.ndarray  # (labeled words,) bool: in the train sentences, so weighted
    weights: np.ndarray  # (labeled words, classes)
    bias: np.ndarray

    def explain(self, name: str, labels, tokens: list[str]) -> Explanation:
        def push(token):
            j = self.column.get(token)
            return self.weights[j] if j is not None and self.seen[j] else None

        return _explanation(name, labels, tokens, _pushes_by_word(tokens, push), self.bias, "logit")

    def logits(self, tokens: list[str]) -> np.ndarray:
        counts = np.zeros(len(self.column))
        for t in tokens:
            if t in self.column:
                counts[self.column[t]] += 1
        return counts @ self.weights + self.bias


class Explainer:
    """Each word's push toward each class under every approach of a run's result.

    A result keeps no trained weights, so the linear ones are refitted here once, as the run fitted
    them (both fits are deterministic: gradient descent and L-BFGS from zero, the same starting
    vectors, the same labeled data), the three softmax layers in one batch as the run trains them."""

    # The approaches refitted here; the others are nearest centroids, read from their vectors.
    REFITTED = frozenset(a.name for a in APPROACHES if a.classifier.trained or a.classifier is BAG_OF_WORDS)

    def __init__(self, result, should_stop=lambda: False, refit: bool = True):
        e = result.experiment
        self.stopwords, self.result = e.stopwords, result
        self.models: dict[str, object] = {}
        if not refit:
            return
        data = labeled_data(e.stopwords, e.train, e.test, e.transfer)
        self.labels = data.labels
        column = {w: j for j, w in enumerate(data.words)}
        names = [n for n in result.approaches if n in BY_NAME]
        trained = [n for n in names if BY_NAME[n].classifier.trained]
        if trained:
            start = {n: result.vectors[BY_NAME[n].vectors.name] for n in trained}
            problems = [Problem(restricted(start[n], data.words), np.arange(len(data.train))) for n in trained]
            models = train_batch(data, problems, e.training, [BY_NAME[n].classifier.update_vectors for n in trained],
                                 should_stop)
            for n, problem, model in zip(trained, problems, models):
                rows = np.array(problem.features.matrix)
                rows[model.rows] += model.moved
                self.models[n] = _Softmax(start[n], column, rows, problem.features.known, model.weights, model.bias)
        if "bag_of_words" in names:
            train = data.train
            model = fit_on_counts(train.terms, train.label_ids, len(data.labels), should_stop)
            seen = np.asarray(train.terms.sum(axis=0)).ravel() > 0
            self.models["bag_of_words"] = _Counts(column, seen, model.weights, model.bias)

    @classmethod
    def centroids(cls, result) -> "Explainer":
        """One that explains the nearest-centroid approaches only, at once (nothing to fit)."""
        return cls(result, refit=False)

    def tokens(self, text: str) -> list[str]:
        return preprocess(text, self.stopwords)

    def explain(self, name: str, text: str) -> Explanation:
        """The pushes of `name` on `text`; a nearest-centroid approach is read from its vectors."""
        if name in self.REFITTED:
            return self.models[name].explain(name, self.labels, self.tokens(text))
        e = self.result.experiment
        c = centroid_pushes(self.result.vectors[name], e.train, e.stopwords, text)
        bias = np.zeros(len(c.labels))
        return Explanation(name, c.labels, c.words, dict(zip(c.labels, bias.tolist())), c.scores, "cosine")

    def logits(self, name: str, text: str) -> np.ndarray:
        """A trained approach's own scores of `text`, computed without the decomposition."""
        return self.models[name].logits(self.tokens(text))
