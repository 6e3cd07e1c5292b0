"""The status line's settings: what the results on screen were computed with, as parts a narrow
terminal can drop some of."""

from __future__ import annotations

from ...engine import ExperimentResult
from ...engine.settings import DEFAULTS, IMPORTED
from .memory import memory_phrase


def settings_parts(result: ExperimentResult) -> tuple[list[str], tuple[int, ...]]:
    """The settings' parts, and which of them to leave out, in that order, while the line is too wide:
    those a key changes least (the neighbour lists' length, then the stopwords)."""
    e, corpus = result.experiment, result.corpus
    stopwords = f"stopwords {'on' if e.stopwords else 'off'}"
    parts = ([e.name] + ([e.vectors_path.name] if e.vectors_path is not None else [])
             + ([] if corpus.weighting == IMPORTED else [f"window {corpus.window}"])
             + [stopwords, f"seed {e.seed}", f"top {e.top_n}", f"vocab {corpus.vocabulary:,}"]
             + ([] if corpus.weighting == DEFAULTS["weighting"] else [corpus.weighting])
             + (["masked LM"] if e.masked_lm else [])
             + ([memory_phrase(result.memory)] if result.memory is not None else []))
    return parts, (parts.index(f"top {e.top_n}"), parts.index(stopwords))
