"""What pretraining captures: average similarity within and between groups of words."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from engine.text import LabeledSentence, preprocess, tokenize
from engine.vectors import WordVectors, cosine


@dataclass(frozen=True)
class WordGroup:
    name: str
    present: tuple[str, ...]  # in the vocabulary, in the manifest's order
    missing: tuple[str, ...]  # skipped, as the lesson skips them
    within: float | None  # average pairwise cosine; None with fewer than two present words


@dataclass(frozen=True)
class GroupPair:
    first: str
    second: str
    between: float | None  # average cosine over every cross pair; None when a side has no present word


@dataclass(frozen=True)
class GroupSimilarity:
    groups: tuple[WordGroup, ...]
    pairs: tuple[GroupPair, ...]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def group_similarity(groups: tuple[tuple[str, tuple[str, ...]], ...], vectors: WordVectors) -> GroupSimilarity:
    result = []
    for name, words in groups:
        present = tuple(w for w in words if w in vectors)
        missing = tuple(w for w in words if w not in vectors)
        sims = [cosine(vectors.vector(a), vectors.vector(b)) for a, b in combinations(present, 2)]
        result.append(WordGroup(name, present, missing, _mean(sims)))
    pairs = []
    for g, h in combinations(result, 2):
        sims = [cosine(vectors.vector(a), vectors.vector(b)) for a in g.present for b in h.present]
        pairs.append(GroupPair(g.name, h.name, _mean(sims)))
    return GroupSimilarity(tuple(result), tuple(pairs))


@dataclass(frozen=True)
class NeighbourAnswer:
    """A word's nearest words in each set of vectors, or, for an unknown word, the closest spellings."""

    word: str
    known: bool
    neighbors: dict[str, tuple[tuple[str, float], ...]]  # by approach name; empty when unknown
    closest: tuple[str, ...]  # vocabulary words spelled like it, when unknown
    vocabulary: int


def query_neighbours(vectors: dict[str, WordVectors], word: str, top_n: int) -> NeighbourAnswer:
    """`word` is tokenized as corpus text is, so "Excellent!" asks for "excellent"."""
    tokens = tokenize(word)
    word = tokens[0] if len(tokens) == 1 else word.strip().lower()
    reference = vectors.get("pretrained") or next(iter(vectors.values()))
    if word not in reference:
        return NeighbourAnswer(word, False, {}, reference.closest_spellings(word), len(reference.words))
    neighbors = {name: v.nearest(word, top_n) for name, v in vectors.items()}
    return NeighbourAnswer(word, True, neighbors, (), len(reference.words))


@dataclass(frozen=True)
class WordOverlap:
    """How many of a set's tokens (stopwords dropped) also occur in the labeled sentences."""

    seen: int
    total: int
    unseen_words: tuple[str, ...]  # distinct, in order of first appearance

    @property
    def share(self) -> float:
        return self.seen / self.total if self.total else 0.0


def word_overlap(sentences, train: tuple[LabeledSentence, ...], stopwords: frozenset[str]) -> WordOverlap:
    labeled = {t for s in train for t in preprocess(s.text, stopwords)}
    tokens = [t for s in sentences for t in preprocess(s.text, stopwords)]
    unseen = tuple(dict.fromkeys(t for t in tokens if t not in labeled))
    return WordOverlap(sum(t in labeled for t in tokens), len(tokens), unseen)
