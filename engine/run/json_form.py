"""The report of one run as a JSON-ready dict: numbers only. Its wording (notes, text report)
is made by the interface's presentation layer (tui.presentation), never here."""

from __future__ import annotations

import dataclasses
import math

from ..finetuning.centroid import SplitResult
from ..inspect.significance import SIGNIFICANCE
from .results import ExperimentResult, SeedStats


def _neighbors_json(neighbors) -> dict:
    return {probe: [[w, s] for w, s in ns] for probe, ns in neighbors.items()}


def _seed_json(stats: SeedStats) -> dict:
    return {"mean": stats.mean, "std": stats.std, "n": stats.n}


def split_json(split: SplitResult, over_seeds: SeedStats | None) -> dict:
    entry = {
        "accuracy": split.accuracy,
        "predictions": [
            {"text": p.text, "label": p.label, "predicted": p.predicted, "scores": dict(p.scores),
             "seen_words": list(p.seen_words)}
            for p in split.predictions
        ],
    }
    if over_seeds is not None:
        entry["accuracy_over_seeds"] = _seed_json(over_seeds)
    return entry


def word_pairs_json(score) -> dict:
    return {"pairs": score.source, "total": score.pairs, "covered": score.covered, "coverage": score.coverage,
            "spearman": score.spearman, "missing_words": list(score.missing_words)}


def to_json(result: ExperimentResult) -> dict:
    approaches = {}
    for name, approach in result.approaches.items():
        entry = {"test": split_json(approach.test, approach.test_over_seeds)}
        if approach.transfer is not None:
            entry["transfer"] = split_json(approach.transfer, approach.transfer_over_seeds)
        if approach.losses:
            entry["training_loss"] = list(approach.losses)
        approaches[name] = entry
    curve = result.learning_curve
    out = {
        "experiment": result.experiment.name,
        "vocab_size": result.corpus.vocabulary,
        "dimension": result.corpus.dimension,
        "neighbors": _neighbors_json(result.neighbors),
        "groups": {
            "within": {g.name: g.within for g in result.groups.groups},
            "between": [{"groups": [p.first, p.second], "similarity": p.between} for p in result.groups.pairs],
            # The same averages over the same words in the main seed's random vectors.
            "random_within": {g.name: g.random_within for g in result.groups.groups},
            "random_between": [{"groups": [p.first, p.second], "similarity": p.random_between}
                               for p in result.groups.pairs],
            "lexicon": str(result.experiment.lexicon.path) if result.experiment.lexicon is not None else None,
            "picked_by": result.experiment.groups_picked_by or None,
        },
        "approaches": approaches,
        "seen_share": result.seen_share,
        "learning_curve": {
            "sizes": list(curve.sizes),
            "seeds": curve.seeds,
            "approaches": {name: {"mean": list(curve.mean[name]), "std": list(curve.std[name])} for name in curve.mean},
        },
        "drift": {
            "moved": [[w, d] for w, d in result.drift.moved],
            "neighbors_before": _neighbors_json(result.drift.neighbors_before),
            "neighbors_after": _neighbors_json(result.drift.neighbors_after),
        },
        "margin": {
            "with_pretraining": list(result.margin.with_pretraining),
            "without": list(result.margin.without),
            "points": result.margin.points,
        },
    }
    method = getattr(result.pretrained, "svd", None)  # which SVD ran, to what accuracy
    if method is not None:
        out["svd"] = dataclasses.asdict(method)
    if result.memory is not None:  # the peak the run estimated before it allocated, in bytes, by part
        out["memory"] = {"estimate": result.memory.total, "parts": dict(result.memory.parts()),
                         "vocabulary": result.memory.vocabulary, "dimension": result.memory.dimension}
    if result.domain is not None:  # how close the corpus is to the task (engine.inspect.domain)
        d = result.domain
        out["domain"] = {**dataclasses.asdict(d), "train_coverage": d.train_coverage, "test_coverage": d.test_coverage,
                         "supported_share": d.supported_share, "excess_unsupported": d.excess_unsupported}
    if result.word_pairs:
        out["word_pairs"] = {name: word_pairs_json(score) for name, score in result.word_pairs.items()}
    return out


def grid_json(grid) -> dict:
    """engine.run.grid's LabelGrid as JSON-ready numbers (NaN, an empty row's cells, as null), margins and
    paired tests included (a test as PairedTest's fields: p, first_only, second_only, first_runs, second_runs)."""
    def number(x: float) -> float | None:
        return None if math.isnan(x) else x

    def tests(table) -> dict:
        return {n: [[None if t is None else dataclasses.asdict(t) for t in row] for row in rows]
                for n, rows in table.items()}

    return {"prefixes": list(grid.prefixes), "vocabulary": list(grid.vocabulary), "sizes": list(grid.sizes),
            "draws": grid.draws, "best_without": list(grid.best_without), "without": list(grid.without),
            "accuracy": {n: [[number(x) for x in row] for row in rows] for n, rows in grid.accuracy.items()},
            "margin": {n: [[number(grid.margin(n, r, c)) for c in range(len(grid.sizes))] for r in range(len(rows))]
                       for n, rows in grid.accuracy.items()},
            "tests": tests(grid.tests), "tests_top": tests(grid.tests_top), "top": grid.top,
            "significance": SIGNIFICANCE}
