"""The labeled sentences, tokenised once: each split as a sparse document-term matrix."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..settings import MAX_DENSE_WORDS
from ..text import LabeledSentence, tokenize
from ..vectors import WordVectors

SPLITS = ("train", "test", "transfer")
POOLED_MEMO = 8
# From-scratch counts keep as many context columns as dense count vectors may have dimensions.
MAX_SCRATCH_CONTEXTS = MAX_DENSE_WORDS


@dataclass(frozen=True, eq=False)
class Split:
    sentences: tuple[LabeledSentence, ...]
    terms: sp.csr_matrix  # (sentences, labeled words): how often each word occurs in each sentence
    label_ids: np.ndarray  # index into LabeledData.labels; -1 for a label the train set lacks
    seen_words: tuple[tuple[str, ...], ...]  # per sentence: its words the train set also has, once, in order

    def __len__(self) -> int:
        return len(self.sentences)


# Every approach reads the splits through these matrices: pooling a sentence's word vectors is a
# sparse product, so no approach loops over sentences. The columns are the labeled vocabulary (every
# word of the train, test and transfer sentences, stopwords dropped, sorted); a word the vectors do
# not know has a zero row in the vectors restricted to it, and is left out of the mean.
@dataclass(frozen=True, eq=False)
class LabeledData:
    words: tuple[str, ...]  # the labeled vocabulary, sorted
    labels: tuple[str, ...]  # the train set's classes, sorted
    splits: dict[str, Split]  # train, test and (when the experiment has one) transfer
    # Each kept train token in order: its word, its sentence and its line (windows never cross a line).
    train_tokens: tuple[np.ndarray, np.ndarray, np.ndarray]

    @property
    def train(self) -> Split:
        return self.splits["train"]

    def pooled(self, split: str, known: np.ndarray) -> sp.csr_matrix:
        """pooling() of a split, remembered for the last few sets of known words: every seed's
        random vectors and every weighting of one vocabulary know the same words."""
        memo = self.__dict__.setdefault("_pooled", {})
        key = (split, known.tobytes())
        if key not in memo:
            if len(memo) >= POOLED_MEMO:
                memo.pop(next(iter(memo)))
            memo[key] = pooling(self.splits[split].terms, known)
        return memo[key]


def labeled_key(stopwords: frozenset[str], train, test, transfer) -> str:
    """A digest of everything the labeled data depends on, computed once per run."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update("\0".join(sorted(stopwords)).encode())
    for name, sentences in zip(SPLITS, (train, test, transfer)):
        digest.update(f"\1{name}\1{sentences is None}".encode())
        for s in sentences or ():
            digest.update(f"{s.text}\0{s.label}\0".encode())
    return digest.hexdigest()


def _lines(text: str, stopwords: frozenset[str]) -> list[list[str]]:
    """A sentence's kept tokens, line by line, as the corpus counting splits them."""
    return [[t for t in tokenize(line) if t not in stopwords] for line in text.split("\n")]


def labeled_data(stopwords: frozenset[str], train, test, transfer) -> LabeledData:
    named = {"train": train, "test": test, "transfer": transfer}
    tokenised = {name: [_lines(s.text, stopwords) for s in sentences]
                 for name, sentences in named.items() if sentences is not None}
    words = tuple(sorted({t for sentences in tokenised.values() for lines in sentences for line in lines for t in line}))
    column = {w: i for i, w in enumerate(words)}
    labels = tuple(sorted({s.label for s in train}))
    label_id = {label: k for k, label in enumerate(labels)}
    train_words = {t for lines in tokenised["train"] for line in lines for t in line}
    splits = {}
    for name, sentences in tokenised.items():
        flat = [[t for line in lines for t in line] for lines in sentences]
        cols = np.fromiter((column[t] for tokens in flat for t in tokens), dtype=np.int64)
        rows = np.repeat(np.arange(len(flat)), [len(tokens) for tokens in flat])
        terms = sp.csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(flat), len(words)))
        terms.sum_duplicates()
        seen = tuple(tuple(dict.fromkeys(t for t in tokens if t in train_words)) for tokens in flat)
        ids = np.array([label_id.get(s.label, -1) for s in named[name]], dtype=np.int64)
        splits[name] = Split(named[name], terms, ids, seen)
    per_line = [(k, line) for k, lines in enumerate(tokenised["train"]) for line in lines]
    token_words = np.fromiter((column[t] for _, line in per_line for t in line), dtype=np.int64)
    token_sentences = np.repeat([k for k, _ in per_line], [len(line) for _, line in per_line]).astype(np.int64)
    token_lines = np.repeat(np.arange(len(per_line)), [len(line) for _, line in per_line]).astype(np.int64)
    return LabeledData(words, labels, splits, (token_words, token_sentences, token_lines))


@dataclass(frozen=True, eq=False)
class Features:
    """Word vectors restricted to the labeled vocabulary: a row per labeled word (zero for a word
    the vectors do not know), and which words they know. Dense, or sparse for from-scratch counts."""

    matrix: np.ndarray | sp.csr_matrix  # (labeled words, dimension)
    known: np.ndarray  # (labeled words,) bool


def restricted(vectors: WordVectors, words: tuple[str, ...]) -> Features:
    index = np.array([-1 if (i := vectors.index(w)) is None else i for w in words], dtype=np.int64)
    known = index >= 0
    matrix = np.zeros((len(words), vectors.dimension))
    matrix[known] = vectors.matrix[index[known]]
    return Features(matrix, known)


def pooling(terms: sp.csr_matrix, known: np.ndarray) -> sp.csr_matrix:
    """Each sentence's mean over its known tokens, as weights on the words: a sentence's pooled
    vector is pooling @ vectors. A sentence without a known token gets an all-zero row."""
    keep = known[terms.indices]
    rows = np.repeat(np.arange(terms.shape[0]), np.diff(terms.indptr))[keep]
    counts = np.bincount(rows, weights=terms.data[keep], minlength=terms.shape[0])
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=terms.shape[0]))])
    return sp.csr_matrix((terms.data[keep] / counts[rows], terms.indices[keep], indptr), shape=terms.shape)


def window_pairs(data: LabeledData, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sentence, first word, second word) for every pair of train tokens 1..window apart in a line,
    as the corpus counting finds them."""
    words, sentences, lines = data.train_tokens
    firsts, seconds, owners = [], [], []
    for d in range(1, min(window, max(len(words) - 1, 0)) + 1):
        same = lines[:-d] == lines[d:]
        firsts.append(words[:-d][same])
        seconds.append(words[d:][same])
        owners.append(sentences[:-d][same])
    if not firsts:
        return (np.zeros(0, dtype=np.int64),) * 3
    return np.concatenate(owners), np.concatenate(firsts), np.concatenate(seconds)


def from_scratch_features(data: LabeledData, pairs, subset: np.ndarray) -> Features:
    """The lesson's counts over the chosen train sentences alone, each row L2-normalised, kept
    sparse. Past MAX_SCRATCH_CONTEXTS words only the most frequent count as contexts (columns):
    every word keeps its row, and a sentence vector stays bounded however large the labeled set."""
    owners, firsts, seconds = pairs
    chosen = np.zeros(len(data.train), dtype=bool)
    chosen[subset] = True
    pick = chosen[owners]
    a, b = firsts[pick], seconds[pick]
    n = len(data.words)
    frequency = np.asarray(data.train.terms[subset].sum(axis=0)).ravel()
    rows, cols = np.concatenate([a, b]), np.concatenate([b, a])
    if np.count_nonzero(frequency) > MAX_SCRATCH_CONTEXTS:
        # Most frequent first; among equal counts the alphabetically first (the words are sorted).
        contexts = np.zeros(n, dtype=bool)
        contexts[np.argsort(-frequency, kind="stable")[:MAX_SCRATCH_CONTEXTS]] = True
        rows, cols = rows[contexts[cols]], cols[contexts[cols]]
    # Each pair counts for both words, as in the lesson: [a, b] and [b, a] (twice on the diagonal).
    counts = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    counts.sum_duplicates()
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
    counts.data /= np.repeat(norms, np.diff(counts.indptr))  # divided, as the lesson's dense rows are
    return Features(counts, frequency > 0)


def scratch_vectors(data: LabeledData, pairs) -> WordVectors:
    """The from-scratch vectors of the whole train set, over its own words (sparse rows)."""
    features = from_scratch_features(data, pairs, np.arange(len(data.train)))
    words = tuple(w for w, known in zip(data.words, features.known) if known)
    return WordVectors(words, features.matrix[features.known][:, features.known].tocsr())
