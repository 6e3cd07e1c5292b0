"""The report of one run: a JSON-ready dict, and text sections in the lesson's order.

Charts are not drawn here (the engine draws nothing): a section names the chart that belongs
after its lines, and the caller draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.classify import SplitResult
from engine.pipeline import ExperimentResult

RANDOM_NOTE = (
    "The lesson does not give its random generator, so its random-feature figures cannot be "
    "reproduced; these come from numpy's PCG64 seeded with [random] seed."
)


def split_json(split: SplitResult) -> dict:
    return {
        "accuracy": split.accuracy,
        "predictions": [
            {"text": p.text, "label": p.label, "predicted": p.predicted, "scores": dict(p.scores)}
            for p in split.predictions
        ],
    }


def to_json(result: ExperimentResult) -> dict:
    approaches = {}
    for name, approach in result.approaches.items():
        entry = {"test": split_json(approach.test)}
        if approach.transfer is not None:
            entry["transfer"] = split_json(approach.transfer)
        approaches[name] = entry
    return {
        "experiment": result.experiment.name,
        "vocab_size": result.corpus.vocabulary,
        "dimension": result.corpus.dimension,
        "neighbors": {probe: [[w, s] for w, s in ns] for probe, ns in result.neighbors.items()},
        "groups": {
            "within": {g.name: g.within for g in result.groups.groups},
            "between": [{"groups": [p.first, p.second], "similarity": p.between} for p in result.groups.pairs],
        },
        "approaches": approaches,
    }


@dataclass(frozen=True)
class TextSection:
    title: str
    lines: tuple[str, ...]
    chart: str | None = None  # "accuracy:test", "accuracy:transfer" or "groups", drawn after the lines


def _fmt(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _predictions(split: SplitResult, labels: tuple[str, ...]) -> list[str]:
    lines = []
    for p in split.predictions:
        mark = "   OK" if p.correct else "WRONG"
        scores = " ".join(f"{label[:3]}={p.scores[label]:+.3f}" for label in labels)
        lines.append(f"  [{mark}] pred={p.predicted:>8} true={p.label:>8}  {scores}  {p.text[:45]}")
    lines.append(f"  Accuracy: {split.correct}/{len(split.predictions)} = {split.accuracy:.0%}")
    return lines


def text_sections(result: ExperimentResult) -> list[TextSection]:
    e, c = result.experiment, result.corpus
    labels = e.labels
    sections = [
        TextSection(
            "1 Pretraining on the general corpus",
            (
                f"Experiment: {e.name} ({e.title})",
                f"Corpus: {c.sentences} lines, {c.tokens} tokens, {c.kept_tokens} after removing "
                f"{len(e.stopwords)} stopwords",
                f"Vocabulary: {c.vocabulary} words; dimension {c.dimension}; window {c.window}",
                "",
                f"Nearest neighbours (pretrained, top {e.top_n}):",
                *(
                    f'  "{probe}" --> '
                    + (", ".join(f"{w} ({s:.3f})" for w, s in ns) if ns else "not in the vocabulary")
                    for probe, ns in result.neighbors.items()
                ),
            ),
        ),
        TextSection(
            "2 Fine-tuning data",
            (
                f"Labeled sentences: {len(e.train)} in {len(labels)} classes ({', '.join(labels)})",
                *(f"  [{s.label:>8}] {s.text}" for s in e.train),
            ),
        ),
    ]
    comparison = [f"Test sentences: {len(e.test)}", RANDOM_NOTE, ""]
    for name, approach in result.approaches.items():
        comparison += [f"--- {name} features ---", *_predictions(approach.test, labels), ""]
    sections.append(TextSection("3 Comparison: random vs pretrained", tuple(comparison), chart="accuracy:test"))
    if e.transfer is not None:
        transfer = [f"New-domain sentences: {len(e.transfer)}, classified with the same centroids", ""]
        for name, approach in result.approaches.items():
            transfer += [f"--- {name} features ---", *_predictions(approach.transfer, labels), ""]
        sections.append(TextSection("4 Transfer to a new domain", tuple(transfer), chart="accuracy:transfer"))
    captures = ["Average cosine within each group (higher = the group's words behave alike):"]
    for g in result.groups.groups:
        missing = f"  (not in the vocabulary: {', '.join(g.missing)})" if g.missing else ""
        captures += [f"  {g.name:>10} within: {_fmt(g.within)}", f"             words: {', '.join(g.present)}{missing}"]
    captures.append("Average cosine between groups:")
    captures += [f"  {p.first} vs {p.second}: {_fmt(p.between)}" for p in result.groups.pairs]
    sections.append(TextSection("5 What pretraining captures", tuple(captures), chart="groups"))
    return sections
