"""Which words the vocabulary keeps: min_count and max_vocab, applied to word counts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .counting import Cooccurrence
from ..errors import ExperimentError
from ..settings import DEFAULTS

@dataclass(frozen=True)
class VocabularySettings:
    min_count: int = DEFAULTS["min_count"]  # words kept fewer times than this (after stopwords) are dropped
    max_vocab: int = DEFAULTS["max_vocab"]  # keep only the most frequent words; 0 keeps all


def kept_indices(word_counts: np.ndarray, settings: VocabularySettings) -> np.ndarray:
    """Which of the (alphabetical) words the vocabulary keeps, in increasing order."""
    keep = np.flatnonzero(word_counts >= settings.min_count)
    if settings.max_vocab and len(keep) > settings.max_vocab:
        # Most frequent first; among equal counts the alphabetically first (the words are sorted).
        by_count = keep[np.argsort(-word_counts[keep], kind="stable")]
        keep = np.sort(by_count[: settings.max_vocab])
    return keep


def vocabulary_keep(settings: VocabularySettings):
    """For count_cooccurrences(keep=...): the choice of words, or None where every word is kept
    (then nothing is gained by counting the words before the pairs)."""
    if settings.min_count <= 1 and not settings.max_vocab:
        return None
    return lambda _words, word_counts: kept_indices(word_counts, settings)


def prune(co: Cooccurrence, settings: VocabularySettings, source) -> tuple[tuple[str, ...], sp.csr_matrix]:
    """The kept words (alphabetical) and their rows and columns of the counts."""
    keep = kept_indices(co.word_counts, settings)
    if len(keep) == 0:
        raise ExperimentError(source, f"min_count {settings.min_count} leaves no word in the vocabulary "
                                      f"(the most frequent occurs {int(co.word_counts.max(initial=0))} times)")
    if len(keep) == len(co.words):  # counted with keep=: nothing to cut, and no copy of the counts
        return co.words, co.counts
    return tuple(co.words[i] for i in keep), co.counts[keep][:, keep].tocsr()
