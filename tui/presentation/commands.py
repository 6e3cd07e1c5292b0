"""The command line's own results in words and JSON: word-pair scores, a new experiment's survey."""

from __future__ import annotations

from ...engine.new_experiment import SURVEY_BYTES
from ...engine.run.json_form import word_pairs_json as engine_word_pairs_json
from ...engine.inspect.word_pairs import WordPairScore

MISSING_SHOWN = 10
SURVEY_MB = SURVEY_BYTES >> 20


def word_pairs_text(score: WordPairScore, vectors: str) -> str:
    coverage = f"{score.covered} of {score.pairs} pairs have both words in the vocabulary ({score.coverage:.0%})"
    if score.spearman is None:
        verdict = ("no correlation can be computed: it needs at least two covered pairs whose cosines and "
                   "human scores both vary")
    else:
        verdict = f"Spearman correlation {score.spearman:.3f} over those pairs"
    lines = [f"{score.source} against {vectors}:", f"  {coverage};", f"  {verdict}."]
    if score.missing_words:
        shown = ", ".join(score.missing_words[:MISSING_SHOWN])
        more = len(score.missing_words) - MISSING_SHOWN
        lines.append(f"  Unknown words: {shown}" + (f" and {more} more" if more > 0 else ""))
    return "\n".join(lines)


def word_pairs_json(score: WordPairScore, vectors: str) -> dict:
    return {"vectors": vectors, **engine_word_pairs_json(score)}


def analogies_text(scores, questions: str, vectors: str, searched: int) -> str:
    """Each section's accuracy over the questions asked, and its coverage; the total last."""
    lines = [f"{questions} against {vectors} (3CosAdd; answers among the first {searched:,} words; questions with a "
             "word outside them skipped):"]
    width = max(len(s.name) for s in scores)
    for s in scores:
        accuracy = f"{s.accuracy:6.1%} ({s.correct:,} of {s.asked:,})" if s.accuracy is not None else "  none asked"
        lines.append(f"  {s.name:<{width}}  accuracy {accuracy:<22}  coverage {s.coverage:6.1%} "
                     f"({s.asked:,} of {s.questions:,})")
    return "\n".join(lines)


def analogies_json(scores, questions: str, vectors: str, searched: int) -> dict:
    return {"vectors": vectors, "analogies": questions, "method": "3CosAdd", "words_searched": searched,
            "sections": [{"section": s.name, "questions": s.questions, "asked": s.asked, "correct": s.correct,
                          "accuracy": s.accuracy, "coverage": s.coverage} for s in scores]}


def _classes(survey) -> str:
    total = len(survey.sentences)
    return ", ".join(f"{label} {n:,} ({n / total:.0%})" for label, n in survey.classes)


def new_experiment_text(folder, corpus, labeled: dict, choice) -> str:
    counted = "counted" if corpus.exact else f"estimated from the first {SURVEY_MB} MB"
    lines = [f"Corpus {corpus.path}: {corpus.bytes / 1e6:,.1f} MB, {corpus.tokens:,} tokens ({counted})"]
    for name, survey in labeled.items():
        lines.append(f"{name}: {survey.path}, {len(survey.sentences):,} sentences in {len(survey.classes)} classes: "
                     f"{_classes(survey)}")
    train_labels = {label for label, _ in labeled["train"].classes}
    for name, survey in labeled.items():
        unseen = sorted({label for label, _ in survey.classes} - train_labels)
        if unseen:
            lines.append(f"  Note: {name} has classes the train set lacks ({', '.join(unseen)}): "
                         "no classifier can predict them")
    largest, smallest = labeled["train"].classes[0][1], labeled["train"].classes[-1][1]
    if largest > 2 * smallest:
        lines.append(f"  Note: the train set is unbalanced ({largest:,} against {smallest:,}); accuracy alone "
                     "will flatter a classifier that always says the largest class")
    why = ("one dimension per word fits" if choice.weighting == "ppmi"
           else "too many for one dimension per word")
    lines.append(f"Chosen: weighting {choice.weighting} ({choice.vocabulary:,} words at min_count "
                 f"{choice.min_count}: {why})" + (f", dim {choice.dim}" if choice.weighting == "svd" else "")
                 + f", window {choice.window}")
    lines.append(f"Probes: {', '.join(choice.probes) or 'none (no word is typical of a class: see below)'}")
    lines += choice.groups_explained()  # as the manifest's comment says it
    lines += [f"Wrote {folder / 'experiment.toml'}. Open it with:", f"  pretrain-explorer {folder}"]
    return "\n".join(lines)
