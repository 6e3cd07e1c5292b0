"""The lesson's ideas for one question at a time: fill a blank, say why two words are neighbours, say
why a sentence got its label."""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..finetuning.approaches import BY_NAME, CENTROID
from ..finetuning.pushes import KeptClassifier, pushes_by_word
from ..text import LabeledSentence, preprocess
from ..vectors import WordVectors

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


# For counts and PPMI vectors each dimension is a context word: column j of a row is the weight of
# the vocabulary's j-th word near that word. For SVD or random vectors the dimensions are not words,
# and the answers say so by `columns_are_words`.
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
    push: dict[str, float]  # its part of each class's score (0 when unknown)


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


def _explanation(name, labels, tokens, totals, bias: np.ndarray, kind: str) -> Explanation:
    classes = len(labels)
    summed = sum(totals.values(), np.zeros(classes)) + bias
    words = tuple(WordPush(t, t in totals, {label: float(totals[t][k]) if t in totals else 0.0
                                           for k, label in enumerate(labels)})
                  for t in dict.fromkeys(tokens))
    return Explanation(name, labels, words, dict(zip(labels, bias.tolist())), dict(zip(labels, summed.tolist())),
                       kind)


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
                    text: str, approach: str = "nearest centroid") -> Explanation:
    """Each word's push toward each class under the lesson's nearest-centroid classifier. The
    sentence's vector is the mean of its n known words, so its cosine to a centroid c splits
    exactly into one term per word: v·c / (n |d| |c|)."""
    labels = tuple(sorted({s.label for s in train}))
    centroids = np.array([np.mean([_document(preprocess(s.text, stopwords), vectors)[0]
                                   for s in train if s.label == label], axis=0) for label in labels])
    tokens = preprocess(text, stopwords)
    doc, rows = _document(tokens, vectors)
    scale = float(np.sqrt(doc @ doc)) * np.sqrt(np.einsum("ij,ij->i", centroids, centroids)) * max(len(rows), 1)

    def push(token: str) -> np.ndarray | None:
        i = vectors.index(token)
        if i is None:
            return None
        return np.divide(_rows(vectors, [i])[0] @ centroids.T, scale, out=np.zeros(len(labels)), where=scale > 0)

    return _explanation(approach, labels, tokens, pushes_by_word(tokens, push), np.zeros(len(labels)), "cosine")


# --- every approach: the trained ones are linear in the pooled features -------------------------

class Explainer:
    """Each word's push toward each class under every approach of a run's result: a trained one
    from the classifier the run kept (ApproachResult.kept_classifier), a nearest-centroid one from
    its vectors."""

    def __init__(self, result):
        self.stopwords, self.result = result.experiment.stopwords, result
        self.kept: dict[str, KeptClassifier] = {name: a.kept_classifier for name, a in result.approaches.items()
                                                 if a.kept_classifier is not None}

    def can_explain(self, name: str) -> bool:
        """A nearest-centroid approach once its vectors are in; any other once its kept classifier is."""
        if name in BY_NAME and BY_NAME[name].classifier is CENTROID:
            return name in self.result.vectors
        return name in self.kept

    def tokens(self, text: str) -> list[str]:
        return preprocess(text, self.stopwords)

    def explain(self, name: str, text: str) -> Explanation:
        """The pushes of `name` on `text`."""
        tokens = self.tokens(text)
        if name in self.kept:
            kept = self.kept[name]
            return _explanation(name, kept.labels, tokens, kept.pushes(tokens), kept.bias, "logit")
        e = self.result.experiment
        return centroid_pushes(self.result.vectors[name], e.train, e.stopwords, text, name)

    def logits(self, name: str, text: str) -> np.ndarray:
        """A trained approach's own scores of `text`, computed without the decomposition."""
        return self.kept[name].logits(self.tokens(text))


# --- what unseen words did for a win, measured --------------------------------------------------

@dataclass(frozen=True)
class UnseenWordHelp:
    """Of the sentences one approach got right and another wrong, how many have words the labeled
    set never shows (but the vectors know), against the split as a whole; and of those words, how
    many have as nearest labeled word (by cosine in the vectors) one that leans to the sentence's
    class: the class in whose labeled sentences it is most frequent, per sentence of that class."""

    sentences: int  # the first right, the second wrong
    with_unseen: int  # of them, those with an unseen word the vectors know
    split_with_unseen: int  # of the whole split, those with such a word
    split_total: int
    words: int  # the unseen words of those sentences, each sentence's once
    leaning_right: int  # of them, those whose nearest labeled word leans to the sentence's class
    split_words: int  # the same two counts over the split's sentences
    split_leaning_right: int
    measured: int = 0  # how many sentences of each kind the last four counts read (MAX_MEASURED at most)
    split_measured: int = 0


def class_leans(train: tuple[LabeledSentence, ...], stopwords: frozenset[str]) -> dict[str, str]:
    """Each labeled word's class: the one whose sentences contain it at the highest rate (sentences
    with it / sentences of the class); a word with a tie for the highest has none."""
    sizes: dict[str, int] = {}
    found: dict[str, dict[str, int]] = {}
    for s in train:
        sizes[s.label] = sizes.get(s.label, 0) + 1
        for word in set(preprocess(s.text, stopwords)):
            counts = found.setdefault(word, {})
            counts[s.label] = counts.get(s.label, 0) + 1
    leans = {}
    for word, counts in found.items():
        rates = sorted(((n / sizes[label], label) for label, n in counts.items()), reverse=True)
        if len(rates) == 1 or rates[0][0] > rates[1][0]:
            leans[word] = rates[0][1]
    return leans


# A chunk of queries is scored against every word at once in arrays of words x queries (the dot
# products, then the cosines): at most this many bytes each. A fixed 256 queries took four arrays of
# 45 MiB on a 22,000-word vocabulary, the peak of a run's memory (engine/run/memory.py counts these).
NEAREST_CHUNK_BYTES = 8 << 20


def nearest_chunk(words: int) -> int:
    """How many queries _nearest_rows scores at once against `words` rows."""
    return max(1, NEAREST_CHUNK_BYTES // (8 * max(words, 1)))


def _nearest_rows(vectors: WordVectors, queries: list[int], candidates: list[int]) -> list[int]:
    """For each query row, the candidate row of highest cosine (the first of equals), a chunk of
    queries at a time against the whole matrix, the other rows masked (no copy of the candidates)."""
    if not candidates or not queries:
        return [None] * len(queries)
    mask = np.full(len(vectors.words), -np.inf)
    mask[candidates] = 0.0
    chunk = nearest_chunk(len(vectors.words))
    out = []
    for start in range(0, len(queries), chunk):
        rows = queries[start:start + chunk]
        dots = vectors.matrix @ _rows(vectors, rows).T  # (words, queries)
        dots = dots.toarray() if sp.issparse(dots) else np.asarray(dots)
        scale = np.outer(vectors.norms, vectors.norms[rows])
        cos = np.divide(dots, scale, out=np.zeros(dots.shape), where=scale > 0)
        del dots, scale
        cos += mask[:, None]
        out += np.argmax(cos, axis=0).tolist()
    return out


# The nearest labeled word of each unseen word is looked up for at most this many sentences of a
# split (its first, in file order), so a large split is measured in a second or two; the counts of
# sentences with unseen words cover every sentence.
MAX_MEASURED = 2_000

# What was computed of a set of vectors for a labeled set (its words' classes, unseen words'
# nearest labeled words), kept while the vectors live: each phase's result asks again.
_KNOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _memo(vectors: WordVectors, train, stopwords) -> dict:
    found = _KNOWN.setdefault(vectors, {})
    return found.setdefault((train, stopwords), {"nearest": {}})


def unseen_word_help(vectors: WordVectors, train: tuple[LabeledSentence, ...], stopwords: frozenset[str],
                     predictions, chosen) -> UnseenWordHelp:
    """UnseenWordHelp of the `predictions` (a split's, each with its text, label and seen words)
    flagged in `chosen` (one boolean a prediction: the first approach right, the second wrong); the
    nearest labeled words of the first MAX_MEASURED sentences of each kind."""
    memo = _memo(vectors, train, stopwords)
    if "leans" not in memo:
        memo["leans"] = class_leans(train, stopwords)
    leans, nearest = memo["leans"], memo["nearest"]
    unseen_of = []
    for p in predictions:
        seen = set(p.seen_words)
        unseen_of.append([w for w in dict.fromkeys(preprocess(p.text, stopwords)) if w not in seen and w in vectors])
    picked = [(p, words) for p, words, pick in zip(predictions, unseen_of, chosen) if pick]
    everyone = list(zip(predictions, unseen_of))
    measured = picked[:MAX_MEASURED] + everyone[:MAX_MEASURED]
    queries = sorted({w for _, words in measured for w in words} - set(nearest))
    if queries:
        if "candidates" not in memo:
            memo["candidates"] = [vectors.index(w) for w in sorted(leans) if w in vectors]
        rows = _nearest_rows(vectors, [vectors.index(w) for w in queries], memo["candidates"])
        nearest.update((w, None if i is None else vectors.words[i]) for w, i in zip(queries, rows))

    def leaning(rows) -> tuple[int, int]:
        words = [(w, p.label) for p, found in rows for w in found]
        return len(words), sum(1 for w, label in words if leans.get(nearest[w]) == label)

    words, right = leaning(picked[:MAX_MEASURED])
    split_words, split_right = leaning(everyone[:MAX_MEASURED])
    return UnseenWordHelp(
        sentences=len(picked), with_unseen=sum(1 for _, found in picked if found),
        split_with_unseen=sum(1 for found in unseen_of if found), split_total=len(unseen_of), words=words,
        leaning_right=right, split_words=split_words, split_leaning_right=split_right,
        measured=min(len(picked), MAX_MEASURED), split_measured=min(len(everyone), MAX_MEASURED))
