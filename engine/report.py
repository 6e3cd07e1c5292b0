"""The report of one run: a JSON-ready dict, and text sections in the lesson's order.

Charts are not drawn here (the engine draws nothing): a section names the charts that belong
after its lines, and the caller draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.classify import SplitResult
from engine.pipeline import ApproachResult, ExperimentResult, SeedStats

RANDOM_NOTE = (
    "The lesson does not give its random generator, so its random-feature figures cannot be "
    "reproduced; these come from numpy's PCG64 seeded with [random] seed."
)
SCORES_NOTE = "Scores: cosine to each class centroid for random, pretrained and from_scratch; class probability for the trained approaches."


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
    return {
        "experiment": result.experiment.name,
        "vocab_size": result.corpus.vocabulary,
        "dimension": result.corpus.dimension,
        "neighbors": _neighbors_json(result.neighbors),
        "groups": {
            "within": {g.name: g.within for g in result.groups.groups},
            "between": [{"groups": [p.first, p.second], "similarity": p.between} for p in result.groups.pairs],
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


@dataclass(frozen=True)
class TextSection:
    title: str
    lines: tuple[str, ...]
    charts: tuple[str, ...] = ()  # names understood by tui.charts.chart, drawn after the lines


def _fmt(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def seeds_text(stats: SeedStats | None) -> str:
    if stats is None:
        return ""
    return f" (over {stats.n} seeds: {stats.mean:.0%} ± {stats.std * 100:.0f} points)"


def _predictions(approach: ApproachResult, split: str, labels: tuple[str, ...]) -> list[str]:
    scores_of = getattr(approach, split)
    lines = [f"--- {approach.name} ---"]
    for p in scores_of.predictions:
        mark = "   OK" if p.correct else "WRONG"
        scores = " ".join(f"{label[:3]}={p.scores[label]:+.3f}" for label in labels)
        lines.append(f"  [{mark}] pred={p.predicted:>8} true={p.label:>8}  {scores}  {p.text[:45]}")
    stats = approach.over_seeds(split)
    lines.append(f"  Accuracy: {scores_of.correct}/{len(scores_of.predictions)} = {scores_of.accuracy:.0%}{seeds_text(stats)}")
    return lines + [""]


def _neighbor_line(probe, ns) -> str:
    return f'  "{probe}" --> ' + (", ".join(f"{w} ({s:.3f})" for w, s in ns) if ns else "not in the vocabulary")


def _seen_lines(result: ExperimentResult, split: str) -> list[str]:
    """Which words of each sentence the labeled set shows (the same for every approach)."""
    lines = ["Words of each sentence that also occur in the labeled sentences:"]
    for p in getattr(result.approaches["pretrained"], split).predictions:
        lines.append(f"  {p.text[:50]:<50}  seen: {', '.join(p.seen_words) or 'none'}")
    return lines + [""]


def text_sections(result: ExperimentResult) -> list[TextSection]:
    e, c = result.experiment, result.corpus
    labels = e.labels
    from_scratch = result.vectors["from_scratch"]
    sections = [
        TextSection(
            "1 Pretraining on the general corpus",
            (
                f"Experiment: {e.name} ({e.title})",
                (f"Vectors pretrained once: {e.vectors_path}, from {c.sentences} lines, {c.tokens} tokens, "
                 f"{c.kept_tokens} kept" if e.vectors_path is not None else
                 f"Corpus: {c.sentences} lines, {c.tokens} tokens, {c.kept_tokens} after removing "
                 f"{len(e.stopwords)} stopwords"),
                f"Vocabulary: {c.vocabulary} words; dimension {c.dimension}; window {c.window}"
                + ("" if c.weighting == "counts" else f"; weighting {c.weighting}"),
                "",
                f"Nearest neighbours (pretrained, top {e.top_n}):",
                *(_neighbor_line(probe, ns) for probe, ns in result.neighbors.items()),
                "",
                f"Nearest neighbours from scratch (counts over the {len(e.train)} labeled sentences alone, "
                f"{len(from_scratch.words)} words):",
                *(_neighbor_line(probe, from_scratch.nearest(probe, e.top_n)) for probe in e.probes),
            ),
        ),
    ]
    trained = [a for a in result.approaches.values() if a.losses]
    fine_tuning = [
        f"Labeled sentences: {len(e.train)} in {len(labels)} classes ({', '.join(labels)})",
        *(f"  [{s.label:>8}] {s.text}" for s in e.train),
        "",
        f"Training: {e.training.epochs} epochs of full-batch gradient descent, learning rate "
        f"{e.training.learning_rate:g}, L2 {e.training.l2:g} (mean-pooled vectors, softmax, cross-entropy)",
        *(f"  {a.name:>18}: loss {a.losses[0]:.4f} -> {a.losses[-1]:.4f}" for a in trained),
        "",
        "Words whose vectors fine-tuning moved most (Euclidean distance):",
        "  " + ", ".join(f"{w} ({d:.3f})" for w, d in result.drift.moved),
        "",
        "Neighbours before -> after fine-tuning:",
    ]
    for probe in e.probes:
        before = ", ".join(w for w, _ in result.drift.neighbors_before[probe]) or "not in the vocabulary"
        after = ", ".join(w for w, _ in result.drift.neighbors_after[probe]) or "not in the vocabulary"
        fine_tuning += [f'  "{probe}": {before}', f"  {'':>{len(probe) + 2}}  -> {after}"]
    sections.append(TextSection("2 Fine-tuning", tuple(fine_tuning), charts=("loss",)))

    comparison = [f"Test sentences: {len(e.test)}", RANDOM_NOTE, SCORES_NOTE, "",
                  f"{result.seen_share:.0%} of the test sentences' words also occur in the labeled sentences.", ""]
    comparison += _seen_lines(result, "test")
    for approach in result.approaches.values():
        comparison += _predictions(approach, "test", labels)
    m = result.margin
    comparison.append(
        f"Pretraining margin: {' and '.join(m.with_pretraining)} beat {' and '.join(m.without)} by "
        f"{m.points:.1f} points of test accuracy (the worst of the first against the best of the second, "
        f"averaged over {e.seeds} seeds where a random draw matters)."
    )
    curve = result.learning_curve
    comparison += ["", f"Learning curve: test accuracy (%) by labeled examples per class, mean over {curve.seeds} seeds",
                   "  " + f"{'':>18}" + "".join(f"{size:>8}" for size in curve.sizes)]
    comparison += ["  " + f"{name:>18}" + "".join(f"{100 * v:>8.1f}" for v in curve.mean[name]) for name in curve.mean]
    sections.append(TextSection("3 Comparison", tuple(comparison), charts=("accuracy:test", "curve")))

    if e.transfer is not None:
        transfer = [f"New-domain sentences: {len(e.transfer)}, classified by the same trained classifiers", ""]
        transfer += _seen_lines(result, "transfer")
        for approach in result.approaches.values():
            transfer += _predictions(approach, "transfer", labels)
        sections.append(TextSection("4 Transfer to a new domain", tuple(transfer), charts=("accuracy:transfer",)))
    captures = ["Average cosine within each group (higher = the group's words behave alike):"]
    for g in result.groups.groups:
        missing = f"  (not in the vocabulary: {', '.join(g.missing)})" if g.missing else ""
        captures += [f"  {g.name:>10} within: {_fmt(g.within)}", f"             words: {', '.join(g.present)}{missing}"]
    captures.append("Average cosine between groups:")
    captures += [f"  {p.first} vs {p.second}: {_fmt(p.between)}" for p in result.groups.pairs]
    sections.append(TextSection("5 What pretraining captures", tuple(captures), charts=("groups",)))
    return sections
