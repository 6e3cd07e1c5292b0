"""The five stages of the walk: their titles and what to look at, in the project's own words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from engine.analysis import word_overlap
from engine.pipeline import ExperimentResult


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _pretraining(r: ExperimentResult) -> str:
    c = r.corpus
    return (
        f"A word's vector counts the words within {c.window} of it in {c.sentences:,} unlabeled lines; no labels. "
        "Neighbours share contexts. [b]/[/b] asks for a word; [b]c[/b] compares with random, from-scratch "
        "(labeled sentences only) or fine-tuned vectors."
    )


def _finetuning(r: ExperimentResult) -> str:
    e = r.experiment
    return (
        f"Only {len(e.train)} labeled sentences. The lesson's classifier keeps one centroid per class "
        f"({', '.join(e.labels)}) of mean word vectors. Real fine-tuning trains a softmax layer on them and, in "
        "fine_tuned, moves the word vectors themselves: see the loss fall and which words moved. Only words "
        "of the labeled sentences move; every other word keeps its pretrained vector."
    )


def _accuracy_note(r: ExperimentResult, split: str, opening: str) -> str:
    e = r.experiment
    mean = {name: a.mean_accuracy(split) for name, a in r.approaches.items()}
    overlap = word_overlap(getattr(e, split), e.train, e.stopwords)
    text = (
        f"{opening}. {overlap.seen} of their {overlap.total} words ({_pct(overlap.share)}) also occur in the "
        f"labeled sentences (underlined below). Random features score {_pct(mean['random'])} on average over "
        f"{e.seeds} seeds, pretrained {_pct(mean['pretrained'])}, fine-tuned {_pct(mean['fine_tuned'])}. "
    )
    if mean["random"] >= mean["pretrained"] - 0.05:
        text += (
            "When the deciding words were already in the labeled set, any vectors that tell words apart "
            "put a sentence near its own centroid, so random does as well: pretraining pays off only for "
            "words the labeled set never shows."
        )
    else:
        text += (
            "Pretrained vectors place words the labeled set never shows near words it does show; random "
            "and from-scratch features have nothing to go on for them."
        )
    return text


def _comparison(r: ExperimentResult) -> str:
    return _accuracy_note(r, "test", "Accuracy on the test sentences")


def _transfer(r: ExperimentResult) -> str:
    if r.experiment.transfer is None:
        return "This experiment has no transfer set: add `transfer = \"file.csv\"` under [finetuning]."
    return _accuracy_note(r, "transfer", "The same classifiers, unchanged, on another domain")


def _captures(r: ExperimentResult) -> str:
    within = [g for g in r.groups.groups if g.within is not None]
    pairs = [p for p in r.groups.pairs if p.between is not None]
    if not within or not pairs:
        return "Groups need at least two words in the vocabulary each; add words under [analysis.groups]."
    w = ", ".join(f"{g.name} {g.within:.3f}" for g in within)
    b = ", ".join(f"{p.first}/{p.second} {p.between:.3f}" for p in pairs)
    text = (
        f"Average cosine within groups ({w}) against between them ({b}). Higher within than between "
        "means the counts alone put words of one sentiment closer together."
    )
    if max(g.within for g in within) < 0.5:
        text += " The values stay small because a small corpus gives each word few contexts."
    return text


@dataclass(frozen=True)
class Stage:
    number: int
    title: str
    note: Callable[[ExperimentResult], str]


STAGES = (
    Stage(1, "Pretraining", _pretraining),
    Stage(2, "Fine-tuning data", _finetuning),
    Stage(3, "Comparison", _comparison),
    Stage(4, "Transfer", _transfer),
    Stage(5, "What pretraining captures", _captures),
)
