"""An axis of the word map from word pairs typed by the user (issue 24), WordEmbeddingDemo's way:
`good-bad, great-awful` runs along the mean of the pairs' differences (of unit rows), from the
second words toward the first; and the one-line refusals of what cannot make an axis or be placed."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..text import tokenize
from ..vectors import WordVectors


class MapRefused(ValueError):
    """What was typed cannot make an axis or a chosen word: one line saying why."""


@dataclass(frozen=True)
class TypedPairs:
    """Word pairs typed as `good-bad, great-awful`: the axis runs from the second words to the first."""

    pairs: tuple[tuple[str, str], ...]

    @property
    def ends(self) -> tuple[str, str]:
        """The axis's names: its low end's words, then its high end's."""
        return ", ".join(b for _, b in self.pairs), ", ".join(a for a, _ in self.pairs)


def parse_pairs(text: str, vocabulary: WordVectors) -> TypedPairs:
    """Pairs `a-b` separated by commas; each word one word of letters in the vocabulary."""
    pairs = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        halves = [h.strip().lower() for h in re.split(r"\s*-\s*", part)]
        if len(halves) != 2 or not all(halves):
            raise MapRefused(f"{part!r} is not a pair: write two words joined by -, like good-bad")
        for word in halves:
            if tokenize(word) != [word]:
                raise MapRefused(f"{word!r} is not one word of letters, as the corpus is split into")
            if word not in vocabulary:
                raise MapRefused(f"{word!r} is not in the pretrained vectors' vocabulary "
                                 f"({len(vocabulary.words):,} words), so it has no place")
        if halves[0] == halves[1]:
            raise MapRefused(f"{part!r} pairs a word with itself: it gives no direction")
        pairs.append((halves[0], halves[1]))
    if not pairs:
        raise MapRefused("no pairs: write two words joined by -, pairs separated by commas (good-bad, great-awful)")
    return TypedPairs(tuple(pairs))


def pair_direction(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The unit mean of the differences first[k] - second[k] (unit rows), and the pairs' centre;
    None when the differences cancel."""
    d = (first - second).mean(axis=0)
    length = float(np.linalg.norm(d))
    return (d / length, (first + second).mean(axis=0) / 2) if length > 1e-12 else None


def chosen_word(text: str, vocabulary: WordVectors) -> str:
    """A typed word, tokenized as the corpus is (so "Superb!" is superb), if the vocabulary has it."""
    tokens = tokenize(text)
    if len(tokens) != 1:
        raise MapRefused(f"{text.strip()!r} is not one word: type a word, or pairs like good-bad, great-awful")
    word = tokens[0]
    if word not in vocabulary:
        close = vocabulary.closest_spellings(word, 3)
        hint = f" (spelled like it: {', '.join(close)})" if close else ""
        raise MapRefused(f"{word!r} is not in the pretrained vectors' vocabulary "
                         f"({len(vocabulary.words):,} words){hint}")
    return word


def read_query(text: str, vocabulary: WordVectors) -> str | TypedPairs | None:
    """What the map's input asks for: pairs (a text with -), a chosen word, or nothing (empty)."""
    if not text.strip():
        return None
    return parse_pairs(text, vocabulary) if "-" in text else chosen_word(text, vocabulary)


def typed_axis(rows_of, typed: TypedPairs) -> tuple[np.ndarray, np.ndarray]:
    """The typed pairs' direction and centre in one set of vectors (`rows_of(words)` gives their
    unit rows); refused when the differences cancel."""
    found = pair_direction(rows_of([a for a, _ in typed.pairs]), rows_of([b for _, b in typed.pairs]))
    if found is None:
        raise MapRefused("the pairs' differences cancel out: they point nowhere")
    return found
