"""A word's nearest neighbours under every set of vectors a run has, or the closest spellings."""

from __future__ import annotations

from dataclasses import dataclass

from ..text import tokenize
from ..vectors import WordVectors


@dataclass(frozen=True)
class NeighbourAnswer:
    """A word's nearest words in each set of vectors, or, for an unknown word, the closest spellings."""

    word: str
    known: bool
    neighbors: dict[str, tuple[tuple[str, float], ...]]  # by approach name; empty when unknown
    closest: tuple[str, ...]  # vocabulary words spelled like it, when unknown
    vocabulary: int
    missing: tuple[str, ...] = ()  # an analogy's words outside the vocabulary (engine.inspect.analogy)


def query_neighbours(vectors: dict[str, WordVectors], word: str, top_n: int,
                     found: dict | None = None) -> NeighbourAnswer:
    """`word` is tokenized as corpus text is, so "Excellent!" asks for "excellent". Lists in `found`
    (a result's probe_neighbors, at the same top_n: by vectors, then word) are read, not computed."""
    tokens = tokenize(word)
    word = tokens[0] if len(tokens) == 1 else word.strip().lower()
    reference = vectors.get("pretrained") or next(iter(vectors.values()))
    if word not in reference:
        return NeighbourAnswer(word, False, {}, reference.closest_spellings(word), len(reference.words))
    found = found or {}
    neighbors = {name: found[name][word] if word in found.get(name, {}) else v.nearest(word, top_n)
                 for name, v in vectors.items()}
    return NeighbourAnswer(word, True, neighbors, (), len(reference.words))
