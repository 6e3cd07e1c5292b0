"""The five stages of the walk: their titles, and what to look at, by rules over the numbers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ...engine.run.results import ExperimentResult
from . import verdicts
from .approaches import describe, is_trained
from .guidance import where_it_shows
from .style import a_or_an, cosine, pct

# Which comparisons a split's note makes, when both approaches ran: the lesson's question first.
# The last asks whether pretraining beats what a practitioner would try first.
PAIRS = (("pretrained", "random"), ("fine_tuned", "random_fine_tuned"), ("pretrained", "from_scratch"),
         ("fine_tuned", "bag_of_words"))


def weighting_phrase(result: ExperimentResult) -> str:
    """What a pretrained vector is, naming the weighting as it is."""
    c = result.corpus
    return {
        "counts": "its row of co-occurrence counts (length-normalised, the lesson's)",
        "ppmi": "its row of positive PMI over the co-occurrence counts",
        "svd": f"{a_or_an(c.dimension)} {c.dimension}-dimensional SVD of the PPMI of its co-occurrence counts",
        "sgns": f"{a_or_an(c.dimension)} {c.dimension}-dimensional vector trained by skip-gram (word2vec) to "
                "predict its context",
    }.get(c.weighting, f"its {c.weighting} vector")


def vectors_quality(r: ExperimentResult, detailed: bool = False) -> list[str]:
    """Sentences on how the pretrained vectors were made and how they score against people: which
    SVD ran (named with its tolerance when `detailed`, as the report has it; on screen only if it
    fell short), and the experiment's word pairs, pretrained beside random."""
    out = []
    method = getattr(r.pretrained, "svd", None)
    if method is not None and detailed:
        out.append(f"SVD by {method}.")
    elif method is not None and not method.met:
        out.append("The SVD stopped before it was as exact as asked (the text report has the figures).")
    scores = r.word_pairs
    if scores:
        first = scores["pretrained"]
        known = f"{first.covered} of {first.pairs} pairs known ({first.coverage:.0%})"
        if first.spearman is None:
            out.append(f"Word pairs ({Path(first.source).name}): {known}, too few to correlate.")
        else:
            other = scores.get("random")
            versus = f"; random vectors {other.spearman:.2f}" if other is not None and other.spearman is not None else ""
            out.append(f"Word pairs ({Path(first.source).name}): cosines rank them as people do at Spearman "
                       f"{first.spearman:.2f}{versus}; {known}.")
    return out


def _pretraining(r: ExperimentResult) -> str:
    c, e = r.corpus, r.experiment
    source = (f"pretrained once ({e.vectors_path.name})" if e.vectors_path is not None
              else f"over {c.sentences:,} unlabeled lines")
    return (f"A word's vector is {weighting_phrase(r)}: the words within {c.window} of it, {source}; "
            "no labels. Words that keep the same company get similar vectors: neighbours. "
            + " ".join(vectors_quality(r) + [""])
            + "/ a word · c compare · f fill a blank · e why neighbours")


FEW_LABELED = 100  # "only" so many labeled sentences: the lesson's situation (it has 8)
LISTED_CLASSES = 6  # more classes are named by their count, the first two and the last


def class_list(labels: tuple[str, ...]) -> str:
    """The class names, or for many the first two and the last."""
    if len(labels) <= LISTED_CLASSES:
        return ", ".join(labels)
    return f"{labels[0]}, {labels[1]} … {labels[-1]}"


def _finetuning(r: ExperimentResult) -> str:
    e = r.experiment
    trained = [name for name, a in r.approaches.items() if is_trained(a)]
    few = "Only " if len(e.train) <= FEW_LABELED else ""
    classes = f" in {len(e.labels):,} classes" if len(e.labels) > LISTED_CLASSES else ""
    text = (f"{few}{len(e.train):,} labeled sentences{classes} ({class_list(e.labels)}). The lesson's "
            "classifier keeps one centroid per class, the mean of its sentences' word vectors.")
    if trained:
        text += (f" The trained approaches ({', '.join(trained)}) fit a softmax layer by gradient "
                 "descent; where the vectors are trained too, only words of the labeled sentences "
                 "move, and every other word keeps its starting vector.")
    unfinished = verdicts.unfinished_training(r)
    return f"{text} {unfinished}" if unfinished else text


def _meaning(r: ExperimentResult, split: str, lesson: verdicts.Comparison) -> str:
    """What the pretrained-against-random outcome means, given the measured coverage."""
    share = r.overlap[split].share
    winner = lesson.winner
    if winner == "pretrained":
        if share >= 1.0:
            return ("Every word was seen in training, so the gain does not come from unseen words: "
                    "pretrained vectors also make related words agree, which steadies the centroids.")
        return ("Pretrained vectors place the words the labeled set never shows near words it does "
                "show; random vectors cannot.")
    if winner == "random":
        return ("Random vectors did better here: some words of different classes are close in the "
                "pretrained vectors (y shows each word's push).")
    if share >= 1.0:
        return ("With every word seen in training, vectors that merely tell words apart are enough: "
                "this split cannot show what pretraining adds.")
    return (f"Pretraining made no measurable difference here, although {pct(1 - share)} of the words "
            "are new to the labeled set.")


def comparisons(r: ExperimentResult, split: str) -> list[verdicts.Comparison]:
    return [verdicts.compare(r, a, b, split) for a, b in PAIRS if a in r.approaches and b in r.approaches]


def accuracy_note(r: ExperimentResult, split: str) -> str:
    """Coverage, the lesson's question (pretrained against random) and what its outcome means;
    the other comparisons are listed under the chart (further_comparisons)."""
    opening = ("Accuracy on the test sentences." if split == "test"
               else "The same classifiers, unchanged, on sentences from another domain.")
    parts = [opening, verdicts.coverage(r, split)]
    found = comparisons(r, split)
    if found and (found[0].first.name, found[0].second.name) == PAIRS[0]:
        parts += [found[0].sentence(), _meaning(r, split, found[0]), where_it_shows(r, split, found[0].winner)]
    parts = [part for part in parts if part]
    return " ".join(parts)


def further_comparisons(r: ExperimentResult, split: str) -> list[str]:
    return [c.sentence() for c in comparisons(r, split) if (c.first.name, c.second.name) != PAIRS[0]]


def _transfer(r: ExperimentResult) -> str:
    if r.experiment.transfer is None:
        return 'This experiment has no transfer set: add transfer = "file.csv" under [finetuning].'
    return accuracy_note(r, "transfer")


def _captures(r: ExperimentResult) -> str:
    groups = {g.name: g for g in r.groups.groups if g.within is not None}
    pairs = [p for p in r.groups.pairs if p.between is not None and p.first in groups and p.second in groups]
    if not pairs:
        return "Groups need at least two words in the vocabulary each; add words under [analysis.groups]."
    sentences = []
    for p in pairs:
        g, h = groups[p.first], groups[p.second]
        apart = [x for x in (g, h) if x.within <= p.between]
        if not apart:
            sentences.append(f"{g.name} words ({cosine(g.within)}) and {h.name} words ({cosine(h.within)}) are "
                             f"each closer among themselves than across the two ({cosine(p.between)}).")
        for x in apart:
            other = h if x is g else g
            sentences.append(f"{x.name} words are no closer to each other ({cosine(x.within)}) than to "
                             f"{other.name} words ({cosine(p.between)}).")
    return (f"Average cosine of the {r.corpus.weighting} vectors within and between groups. "
            + " ".join(sentences) + " No labels were used to make these vectors.")


@dataclass(frozen=True)
class Stage:
    number: int
    title: str
    short: str  # for an 80-column stage bar
    note: Callable[[ExperimentResult], str]


STAGES = (
    Stage(1, "Pretraining", "Pretrain", _pretraining),
    Stage(2, "Fine-tuning data", "Labels", _finetuning),
    Stage(3, "Comparison", "Compare", lambda r: accuracy_note(r, "test")),
    Stage(4, "Transfer", "Transfer", _transfer),
    Stage(5, "What pretraining captures", "Captures", _captures),
)


def approach_key(r: ExperimentResult) -> list[tuple[str, str]]:
    """Every approach on screen with what it is."""
    return [(name, describe(name)) for name in r.approaches]


def more_sentences(shown: int, total: int) -> str:
    """Under a prediction table cut short: how many are left and the key that shows more."""
    return f"… {total - shown:,} more of {total:,} sentences (m shows {min(2 * shown, total):,})"
