"""Word-pair evaluation: do the vectors' cosines rank word pairs as people rank them?"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ExperimentError
from ..text import read_text
from ..vectors import WordVectors, cosine


@dataclass(frozen=True)
class WordPair:
    first: str
    second: str
    human: float  # the similarity people gave the pair
    line: int


@dataclass(frozen=True)
class WordPairScore:
    source: str
    pairs: int  # in the file
    covered: int  # both words in the vocabulary
    spearman: float | None  # over the covered pairs; None with fewer than two, or no variation
    missing_words: tuple[str, ...]  # distinct, in order of first appearance

    @property
    def coverage(self) -> float:
        return self.covered / self.pairs


def read_word_pairs(path: Path) -> tuple[WordPair, ...]:
    """Lines `word1 word2 score`, separated by tabs (or spaces); `#` starts a comment line."""
    pairs = []
    for number, line in enumerate(read_text(Path(path)).splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) < 3:
            raise ExperimentError(path, f"expected two words and a score, found {len(fields)} field(s)", number)
        try:
            human = float(fields[2])
        except ValueError:
            raise ExperimentError(path, f"the score {fields[2].strip()!r} is not a number", number) from None
        if not math.isfinite(human):
            raise ExperimentError(path, f"the score {fields[2].strip()} is not a finite number", number)
        pairs.append(WordPair(fields[0].strip().lower(), fields[1].strip().lower(), human, number))
    if not pairs:
        raise ExperimentError(path, "holds no word pairs (lines of two words and a score)")
    return tuple(pairs)


# As gensim's `evaluate_word_pairs`: Spearman's rank correlation between each pair's cosine and the
# human similarity score, over the pairs whose two words the vectors know, with the coverage.
def score_word_pairs(vectors: WordVectors, pairs: tuple[WordPair, ...], source: str) -> WordPairScore:
    known = [p for p in pairs if p.first in vectors and p.second in vectors]
    missing = dict.fromkeys(w for p in pairs for w in (p.first, p.second) if w not in vectors)
    correlation = None
    if len(known) >= 2:
        cosines = np.array([cosine(vectors.vector(p.first), vectors.vector(p.second)) for p in known])
        humans = np.array([p.human for p in known])
        if np.ptp(cosines) > 0 and np.ptp(humans) > 0:  # a constant side has no ranking to compare
            from scipy.stats import spearmanr  # here, not at the top: a heavy import every command would pay

            correlation = float(spearmanr(cosines, humans).statistic)
    return WordPairScore(source, len(pairs), len(known), correlation, tuple(missing))
