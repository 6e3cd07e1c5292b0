"""What pretraining captures: average similarity within and between groups of words, in the
pretrained vectors and, over the same words, in random ones (what no pretraining gives)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from itertools import combinations

from ..vectors import WordVectors, cosine


@dataclass(frozen=True)
class WordGroup:
    name: str
    present: tuple[str, ...]  # in the vocabulary, in the manifest's order
    missing: tuple[str, ...]  # skipped, as the lesson skips them
    within: float | None  # average pairwise cosine; None with fewer than two present words
    random_within: float | None = None  # the same over random vectors, when they were given


@dataclass(frozen=True)
class GroupPair:
    first: str
    second: str
    between: float | None  # average cosine over every cross pair; None when a side has no present word
    random_between: float | None = None


@dataclass(frozen=True)
class GroupSimilarity:
    groups: tuple[WordGroup, ...]
    pairs: tuple[GroupPair, ...]
    has_random: bool = False  # random vectors' figures are in


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _within(words: tuple[str, ...], vectors: WordVectors) -> float | None:
    return _mean([cosine(vectors.vector(a), vectors.vector(b)) for a, b in combinations(words, 2)])


def _between(first: tuple[str, ...], second: tuple[str, ...], vectors: WordVectors) -> float | None:
    return _mean([cosine(vectors.vector(a), vectors.vector(b)) for a in first for b in second])


def group_similarity(groups: tuple[tuple[str, tuple[str, ...]], ...], vectors: WordVectors) -> GroupSimilarity:
    result = []
    for name, words in groups:
        present = tuple(w for w in words if w in vectors)
        missing = tuple(w for w in words if w not in vectors)
        result.append(WordGroup(name, present, missing, _within(present, vectors)))
    pairs = [GroupPair(g.name, h.name, _between(g.present, h.present, vectors)) for g, h in combinations(result, 2)]
    return GroupSimilarity(tuple(result), tuple(pairs))


def beside_random(similarity: GroupSimilarity, random: WordVectors) -> GroupSimilarity:
    """The same averages over the same words in random vectors (of the same vocabulary), beside them."""
    def known(words: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(w for w in words if w in random)

    present = {g.name: known(g.present) for g in similarity.groups}
    groups = tuple(dataclasses.replace(g, random_within=_within(present[g.name], random)) for g in similarity.groups)
    pairs = tuple(dataclasses.replace(p, random_between=_between(present[p.first], present[p.second], random))
                  for p in similarity.pairs)
    return GroupSimilarity(groups, pairs, has_random=True)
