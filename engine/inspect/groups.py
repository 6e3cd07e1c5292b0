"""What pretraining captures: average similarity within and between groups of words."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from ..vectors import WordVectors, cosine


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
