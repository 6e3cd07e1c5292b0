"""What each approach is, in one line: the one table every screen and the report name them from.

To be replaced by the engine's approach registry (its one-line descriptions) once that is merged;
until then the names here follow engine.pipeline.APPROACHES.
"""

from __future__ import annotations

from engine.pipeline import ApproachResult, ExperimentResult

DESCRIPTIONS = {
    "random": "random vectors, nearest class centroid (the lesson's baseline)",
    "pretrained": "vectors pretrained on the corpus, nearest class centroid",
    "from_scratch": "vectors counted over the labeled sentences alone, nearest centroid",
    "linear_probe": "pretrained vectors kept frozen, a softmax layer trained on them",
    "fine_tuned": "pretrained vectors and a softmax layer, trained together",
    "random_fine_tuned": "random vectors and a softmax layer, trained together",
}


def names(result: ExperimentResult) -> tuple[str, ...]:
    """The approaches of this result, in the order the engine ran them."""
    return tuple(result.approaches)


def describe(name: str) -> str:
    return DESCRIPTIONS.get(name, f"{name} (no description yet)")


def is_trained(approach: ApproachResult) -> bool:
    return bool(approach.losses)


def score_kind(approach: ApproachResult) -> str:
    """What its scores are: cosine to each class centroid, or each class's probability."""
    return "probability" if is_trained(approach) else "cosine"
