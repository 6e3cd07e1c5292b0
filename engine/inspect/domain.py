"""How close the unlabeled corpus is to the task: the domain figure.

Whether pretraining on this corpus can help this task (issue 25): how many of the labeled (train) and
test tokens the corpus's vocabulary covers, how many of the task's distinct words have a pretrained
vector seen often enough to mean something (min_count), and, the figure the notes' close/far rests
on, how many of the task's tokens the corpus has seen fewer than min_count times, against the same
share for random lines of the corpus itself as many tokens as the task, measured against the rest of
the corpus (a size-matched baseline). A word distribution's distance (the Jensen–Shannon divergence,
kept as a number) cannot say it: it grows as the task's text shrinks, and both shipped real tasks,
one in-domain and one not, read 0.5 from their corpora, 1.7 to 1.8 times a same-size sample's. The
share of tokens without support is a per-token rate, whose expectation does not depend on the
task's size, and the baseline says how much of any text of this corpus's own kind would lack support.
All after the experiment's preprocessing (tokens, stopwords).
"""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from ..finetuning.labeled import LabeledData
from ..settings import DOMAIN_SAMPLE_SEED, DOMAIN_SAMPLES
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
    unsupported: float = 0.0  # share of the task's tokens seen fewer than min_count times in the corpus
    # The same share for random lines of the corpus, as many tokens as the task, against the rest of
    # the corpus, the mean over `samples` disjoint samples; None where the corpus is too small beside
    # the task (sample_unsupported).
    sample_unsupported: float | None = None
    samples: int = 0

    @property
    def train_coverage(self) -> float:
        return self.train_covered / self.train_tokens if self.train_tokens else 0.0

    @property
    def test_coverage(self) -> float:
        return self.test_covered / self.test_tokens if self.test_tokens else 0.0

    @property
    def supported_share(self) -> float:
        return self.supported / self.words if self.words else 0.0

    @property
    def excess_unsupported(self) -> float | None:
        """How many more of the task's tokens lack support than of the corpus's own text (a share)."""
        return None if self.sample_unsupported is None else self.unsupported - self.sample_unsupported


@dataclass(frozen=True)
class CorpusSurvey:
    """What one pass over the corpus gives the domain figure."""

    counts: Counter  # every kept word's count
    tokens: int  # kept tokens in all
    sample: tuple[tuple[str, ...], ...]  # random lines (kept tokens), in random order, past `budget` tokens if the corpus has them


def task_words(data: LabeledData) -> frozenset[str]:
    """Every word the train and test sentences hold (stopwords dropped)."""
    total = sum(np.asarray(data.splits[s].terms.sum(axis=0)).ravel() for s in TASK_SPLITS)
    return frozenset(w for w, n in zip(data.words, total) if n > 0)


def task_tokens(data: LabeledData) -> int:
    return int(sum(data.splits[s].terms.sum() for s in TASK_SPLITS))


def sample_budget(tokens: int) -> int:
    """The tokens of random lines survey_corpus keeps for DOMAIN_SAMPLES samples of `tokens` each: one
    sample more, since each ends with the line that reaches its size (a long line overshoots it)."""
    return (DOMAIN_SAMPLES + 1) * tokens


def survey_corpus(texts: Iterable[str], stopwords: frozenset[str], budget: int,
                  between_blocks: Callable[[], None] = lambda: None) -> CorpusSurvey:
    """Every word's count and the kept tokens of the texts (blocks of lines), and the first lines of a
    random order of all the corpus's lines (each line a random key, the smallest kept: a uniform
    sample without a second pass) holding at least `budget` tokens. between_blocks may raise to stop
    (a cancelled run): nothing partial is returned."""
    counts: Counter = Counter()
    kept = 0
    draw = random.Random(DOMAIN_SAMPLE_SEED).random
    heap: list[tuple[float, int, tuple[str, ...]]] = []  # (-key, order, tokens): the largest key on top
    held = 0  # tokens in the heap
    order = 0
    for text in texts:
        between_blocks()
        for line in text.splitlines():
            tokens = tuple(t for t in tokenize(line) if t not in stopwords)
            if not tokens:
                continue
            counts.update(tokens)
            kept += len(tokens)
            key = draw()
            if held < budget or key < -heap[0][0]:
                heapq.heappush(heap, (-key, order, tokens))
                held += len(tokens)
                while heap and held - len(heap[0][2]) >= budget:  # the largest key is not needed to reach it
                    held -= len(heapq.heappop(heap)[2])
            order += 1
    sample = tuple(tokens for _, _, tokens in sorted(heap, reverse=True))  # smallest key first
    return CorpusSurvey(counts, kept, sample)


def domain_figure(data: LabeledData, survey: CorpusSurvey, vector_words: Callable[[str], bool],
                  min_count: int) -> DomainFigure:
    """The figure from the labeled data and the corpus survey. vector_words says whether a word has a
    pretrained vector."""
    corpus_counts = survey.counts
    per_split = {s: np.asarray(data.splits[s].terms.sum(axis=0)).ravel() for s in TASK_SPLITS}
    seen = np.array([corpus_counts.get(w, 0) for w in data.words], dtype=np.int64)
    in_corpus = seen > 0
    task = per_split["train"] + per_split["test"]
    present = task > 0
    supported = sum(1 for w, here in zip(data.words, present)
                    if here and corpus_counts.get(w, 0) >= min_count and vector_words(w))
    total = int(task.sum())
    baseline, samples = sample_unsupported(survey, total, min_count)
    return DomainFigure(
        train_tokens=int(per_split["train"].sum()), train_covered=int(per_split["train"][in_corpus].sum()),
        test_tokens=int(per_split["test"].sum()), test_covered=int(per_split["test"][in_corpus].sum()),
        words=int(present.sum()), supported=supported, min_count=min_count,
        divergence=_divergence(seen[present].tolist(), task[present], survey.tokens),
        unsupported=float(task[seen < min_count].sum()) / total if total else 0.0,
        sample_unsupported=baseline, samples=samples)


def sample_unsupported(survey: CorpusSurvey, size: int, min_count: int) -> tuple[float | None, int]:
    """The share of tokens seen fewer than min_count times in the rest of the corpus, for DOMAIN_SAMPLES
    disjoint random samples of the corpus's lines of `size` tokens each (whole lines, until they reach
    it): their mean, and how many were measured. (None, 0) where the corpus holds fewer than
    DOMAIN_SAMPLES + 1 times `size` tokens: the samples would be much of the corpus, their rest no
    longer the corpus a task is measured against."""
    if size <= 0 or survey.tokens // size - 1 < DOMAIN_SAMPLES:  # too small a corpus beside the task
        return None, 0
    shares, lines = [], iter(survey.sample)
    for _ in range(DOMAIN_SAMPLES):
        taken: Counter = Counter()
        n = 0
        for tokens in lines:
            taken.update(tokens)
            n += len(tokens)
            if n >= size:
                break
        if n < size:
            break
        rare = sum(k for w, k in taken.items() if survey.counts[w] - k < min_count)
        shares.append(rare / n)
    return (sum(shares) / len(shares), len(shares)) if shares else (None, 0)


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
