"""What each approach is, in one line, and what its scores are: from the engine's registry, so a
new approach is named on every screen and in the report without an edit here."""

from __future__ import annotations

from ...engine.finetuning.approaches import BY_NAME
from ...engine.run.results import ApproachResult, ExperimentResult


def names(result: ExperimentResult) -> tuple[str, ...]:
    """The approaches of this result, in the order the engine ran them."""
    return tuple(result.approaches)


def describe(name: str) -> str:
    return BY_NAME[name].description if name in BY_NAME else name


def is_trained(approach: ApproachResult) -> bool:
    return bool(approach.losses)


def score_kind(approach: ApproachResult) -> str:
    """What its scores are: cosine to each class centroid, or each class's probability."""
    kind = BY_NAME[approach.name].classifier.scores if approach.name in BY_NAME else ""
    return "probability" if "probability" in kind else "cosine"
