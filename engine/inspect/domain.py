"""How close the unlabeled corpus is to the task: the domain figure.

Three numbers say whether pretraining on this corpus can help this task (issue 25): how many of the
labeled (train) and test tokens the corpus's vocabulary covers, how many of the task's distinct
words have a pretrained vector seen often enough to mean something (min_count), and how far the
corpus's word distribution is from the task's (Jensen–Shannon divergence, base 2: 0 the same
distribution, 1 no word in common). All after the experiment's preprocessing (tokens, stopwords).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from ..finetuning.labeled import LabeledData
from ..text import tokenize

TASK_SPLITS = ("train", "test")  # the task's text: what the classifier learns from and is scored on


@dataclass(frozen=True)
class DomainFigure:
    train_tokens: int  # the labeled (train) sentences' kept tokens
    train_covered: int  # of them, those whose word occurs in the corpus
    test_tokens: int
    test_covered: int
    words: int  # the task's distinct words (train and test)
    supported: int  # of them, those with a pretrained vector and seen at least min_count times in the corpus
    min_count: int
    divergence: float  # Jensen–Shannon divergence (base 2, in [0, 1]), not its square root (scipy's distance)

    @property
    def train_coverage(self) -> float:
        return self.train_covered / self.train_tokens if self.train_tokens else 0.0

    @property
    def test_coverage(self) -> float:
        return self.test_covered / self.test_tokens if self.test_tokens else 0.0

    @property
    def supported_share(self) -> float:
        return self.supported / self.words if self.words else 0.0


def task_words(data: LabeledData) -> frozenset[str]:
    """Every word the train and test sentences hold (stopwords dropped)."""
    total = sum(np.asarray(data.splits[s].terms.sum(axis=0)).ravel() for s in TASK_SPLITS)
    return frozenset(w for w, n in zip(data.words, total) if n > 0)


def corpus_word_counts(texts: Iterable[str], stopwords: frozenset[str], wanted: frozenset[str],
                       between_blocks: Callable[[], None] = lambda: None) -> tuple[Counter, int]:
    """How often each of the `wanted` words occurs in the texts (blocks of lines), and the kept
    tokens in all: the only corpus figures the domain figure needs (see domain_figure).
    between_blocks may raise to stop (a cancelled run): nothing partial is returned."""
    counts: Counter = Counter()
    kept = 0
    for text in texts:
        between_blocks()
        tokens = [t for t in tokenize(text) if t not in stopwords]
        kept += len(tokens)
        counts.update(t for t in tokens if t in wanted)
    return counts, kept


def domain_figure(data: LabeledData, corpus_counts: Mapping[str, int], corpus_tokens: int,
                  vector_words: Callable[[str], bool], min_count: int) -> DomainFigure:
    """The figure from the labeled data and the corpus's counts of the task's words (others may be
    given too; they are ignored) among corpus_tokens kept tokens in all. vector_words says whether
    a word has a pretrained vector."""
    per_split = {s: np.asarray(data.splits[s].terms.sum(axis=0)).ravel() for s in TASK_SPLITS}
    in_corpus = np.array([corpus_counts.get(w, 0) > 0 for w in data.words], dtype=bool)
    task = per_split["train"] + per_split["test"]
    present = task > 0
    supported = sum(1 for w, here in zip(data.words, present)
                    if here and corpus_counts.get(w, 0) >= min_count and vector_words(w))
    return DomainFigure(
        train_tokens=int(per_split["train"].sum()), train_covered=int(per_split["train"][in_corpus].sum()),
        test_tokens=int(per_split["test"].sum()), test_covered=int(per_split["test"][in_corpus].sum()),
        words=int(present.sum()), supported=supported, min_count=min_count,
        divergence=_divergence([corpus_counts.get(w, 0) for w, here in zip(data.words, present) if here],
                               task[present], corpus_tokens))


def _divergence(corpus_counts: list[int], task_counts: np.ndarray, corpus_tokens: int) -> float:
    """JS(P, Q) = ½ Σ p log2(2p / (p + q)) + ½ Σ q log2(2q / (p + q)), over the union vocabulary,
    P the corpus's distribution and Q the task's. A corpus word the task lacks (q = 0) adds ½ p,
    so only the task's words are summed one by one: the rest add ½ of the corpus's mass they hold."""
    q_total = float(task_counts.sum())
    if corpus_tokens == 0 or q_total == 0:
        return 1.0
    p = np.asarray(corpus_counts, dtype=float) / corpus_tokens
    q = task_counts / q_total
    m = (p + q) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        p_part = np.where(p > 0, p * np.log2(p / m), 0.0).sum()
        q_part = np.where(q > 0, q * np.log2(q / m), 0.0).sum()
    rest = max(0.0, 1.0 - float(p.sum()))  # the corpus's mass on words the task lacks
    js = 0.5 * (float(p_part) + rest) + 0.5 * float(q_part)
    return min(1.0, max(0.0, js)) if math.isfinite(js) else 1.0
