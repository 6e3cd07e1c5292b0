"""The five stages of the walk: their titles, and what to look at, by rules over the numbers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ...engine.experiment import Experiment
from ...engine.run.results import ExperimentResult
from ...engine.settings import IMPORTED, IMPORTED_WORDS, MANY_CLASSES
from . import verdicts
from .approaches import describe, encoder_training, is_trained, on_encoder
from .claims import LESSON, further_claims, note_claims, question_claims
from .domain import domain_sentence
from .guidance import where_it_shows
from .style import a_or_an, cosine
from .widths import short
from .wording import say


def weighting_phrase(result: ExperimentResult) -> str:
    """What a pretrained vector is, naming the weighting as it is."""
    c = result.corpus
    return {
        "counts": "its row of co-occurrence counts (length-normalised, the lesson's)",
        "ppmi": "its row of positive PMI over the co-occurrence counts",
        "svd": f"{a_or_an(c.dimension)} {c.dimension}-dimensional SVD of the PPMI of its co-occurrence counts",
        "sgns": f"{a_or_an(c.dimension)} {c.dimension}-dimensional vector trained by skip-gram (word2vec) to "
                "predict its context",
        IMPORTED: "the row a published vectors file gives it (brought in by `pretrain-explorer import`)",
    }.get(c.weighting, f"its {c.weighting} vector")


def imported_note(result: ExperimentResult) -> str | None:
    """What stage 1 says of imported vectors in place of a corpus: which file, how many of its words."""
    e, c = result.experiment, result.corpus
    if c.weighting != IMPORTED:
        return None
    return (f"Vectors imported from {e.vectors_path.name}: no corpus was counted here. The first {c.vocabulary:,} "
            f"words of the file are used (a run keeps at most the first {IMPORTED_WORDS:,} of an imported file, "
            "its most frequent), for neighbours, maps and the random baseline alike.")


def dimension_note(r: ExperimentResult) -> str | None:
    """Where the dimension asked for (dim) is more than the vocabulary allows: an SVD of n words
    has at most n components, so it made fewer; n sgns vectors span at most n dimensions."""
    c, e = r.corpus, r.experiment
    if e.vectors_path is not None:  # the file's own dimension, asked for by nobody here
        return None
    if c.weighting == "svd" and c.dimension < e.dim:
        return (f"dim {e.dim:,} was asked for, but an SVD of {c.vocabulary:,} words has at most {c.dimension:,} "
                f"dimensions: the vectors have {c.dimension:,}.")
    if c.weighting == "sgns" and c.vocabulary < c.dimension:
        return (f"The {c.vocabulary:,} words' vectors span at most {c.vocabulary:,} of their {c.dimension:,} "
                f"dimensions: a dim above the vocabulary adds time, not room.")
    return None


def _ran_lesson(r: ExperimentResult) -> bool:
    return all(name in r.approaches for name in LESSON)


def vectors_quality(r: ExperimentResult, detailed: bool = False) -> list[str]:
    """Sentences on how the pretrained vectors were made and how they score against people: which
    SVD ran (named with its tolerance when `detailed`, as the report has it; on screen only if it
    fell short), and the experiment's word pairs, pretrained beside random."""
    out = [note] if (note := dimension_note(r)) else []
    if r.domain is not None:
        out.append(domain_sentence(r.domain, detailed))
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
    if c.weighting == IMPORTED:  # no window, no corpus here: the file's makers chose them
        return (f"A word's vector is {weighting_phrase(r)}, {e.vectors_path.name}; no labels. Words that keep the "
                "same company get similar vectors: neighbours. " + " ".join(vectors_quality(r))).rstrip()
    return (f"A word's vector is {weighting_phrase(r)}: the words within {c.window} of it, {source}; "
            "no labels. Words that keep the same company get similar vectors: neighbours. "
            + " ".join(vectors_quality(r))).rstrip()


# The explorer's keys for a stage, shown after its note there; never in the report or its JSON.
PRETRAINING_KEYS = "/ a word · c compare · f fill a blank · e why neighbours"
CAPTURES_KEYS = "v a map of the groups' words, pretrained beside random"


def comparison_keys(r: ExperimentResult) -> str:
    e = r.experiment
    if e.corpus_path is None:  # vectors pretrained once: no corpus for the masked language model
        return ""
    return "k removes the masked LM's approaches" if e.masked_lm else "k adds the masked LM's approaches"


FEW_LABELED = 100  # "only" so many labeled sentences: the lesson's situation (it has 8)
LISTED_CLASSES = 6  # more classes are named by their count, the first two and the last


def class_list(labels: tuple[str, ...]) -> str:
    """The class names, or for many the first two and the last."""
    if len(labels) <= LISTED_CLASSES:
        return ", ".join(map(short, labels))
    return f"{short(labels[0])}, {short(labels[1])} … {short(labels[-1])}"


def many_classes(e: Experiment) -> str | None:
    """A warning, before training, for an experiment whose classes make it long (MANY_CLASSES)."""
    if len(e.labels) < MANY_CLASSES:
        return None
    return (f"{len(e.labels):,} classes: fine-tuning, the seeds and the learning curve grow with the number of "
            f"classes, so this run may take minutes.")


def _finetuning(r: ExperimentResult) -> str:
    e = r.experiment
    trained = [name for name, a in r.approaches.items() if is_trained(a) and not on_encoder(name)]
    few = "Only " if len(e.train) <= FEW_LABELED else ""
    classes = f" in {len(e.labels):,} classes" if len(e.labels) > LISTED_CLASSES else ""
    text = (f"{few}{len(e.train):,} labeled sentences{classes} ({class_list(e.labels)}). The lesson's "
            "classifier keeps one centroid per class, the mean of its sentences' word vectors.")
    if trained:
        text += (f" The trained approaches ({', '.join(trained)}) fit a softmax layer by gradient "
                 "descent; where the vectors are trained too, only words of the labeled sentences "
                 "move, and every other word keeps its starting vector.")
    if encoder := encoder_training(list(r.approaches)):
        text += f" {encoder}"
    if warning := many_classes(e):
        text += f" {warning}"
    unfinished = verdicts.unfinished_training(r)
    return f"{text} {unfinished}" if unfinished else text


def accuracy_note(r: ExperimentResult, split: str) -> str:
    """Coverage, the lesson's question (pretrained against random) and what was measured of its
    outcome; the other comparisons and the three questions are listed under the chart."""
    opening = ("Accuracy on the test sentences." if split == "test"
               else "The same classifiers, unchanged, on sentences from another domain.")
    claims = note_claims(r, split)
    onward = ""
    if _ran_lesson(r) and any(getattr(a, split) is not None for a in r.approaches.values()):
        margin = [c for c in question_claims(r, split) if c.figures.get("question") == 3]
        best_with_won = not margin or margin[0].figures["winner"] in margin[0].figures["with"]
        onward = where_it_shows(r, split, verdicts.compare(r, *LESSON, split).winner, best_with_won)
    return " ".join([opening] + [say(c) for c in claims] + ([onward] if onward else []))


def further_comparisons(r: ExperimentResult, split: str) -> list[str]:
    """Under a split's chart: the comparisons the note does not make; on the transfer split also the
    three questions (the test split's are the margin's, claims.margin)."""
    found = further_claims(r, split) + (question_claims(r, split) if split != "test" else [])
    return [say(c) for c in found]


def _transfer(r: ExperimentResult) -> str:
    if r.experiment.transfer is None:
        return 'This experiment has no transfer set: add transfer = "file.csv" under [finetuning].'
    return accuracy_note(r, "transfer")


def _captures(r: ExperimentResult) -> str:
    groups = {g.name: g for g in r.groups.groups if g.within is not None}
    pairs = [p for p in r.groups.pairs if p.between is not None and p.first in groups and p.second in groups]
    if not pairs:
        advice = ("Groups need at least two words in the vocabulary each; add words under [analysis.groups], or "
                  "name a lexicon file of word,class or word,score lines ([analysis] lexicon).")
        return " ".join([*groups_source(r.experiment), advice])
    sentences, closer = [], []
    for p in pairs:
        g, h = groups[p.first], groups[p.second]
        # Compared as shown: "closer" beside two equal figures would read as untrue.
        apart = [x for x in (g, h) if float(cosine(x.within)) <= float(cosine(p.between))]
        if not apart:
            closer.append((g, h, p))
        for x in apart:
            other = h if x is g else g
            sentences.append(f"{short(x.name)} words are no closer to each other ({cosine(x.within)}) than to "
                             f"{short(other.name)} words ({cosine(p.between)}).")
    if len(pairs) == 1 and closer:
        g, h, p = closer[0]
        sentences.insert(0, f"{short(g.name)} words ({cosine(g.within)}) and {short(h.name)} words "
                            f"({cosine(h.within)}) are each closer among themselves than across the two "
                            f"({cosine(p.between)}).")
    elif closer:  # many pairs: each group's figure once, then the pairs that hold, by their figure across
        inside = ", ".join(f"{short(g.name)} {cosine(g.within)}" for g in groups.values())
        across = "; ".join(f"{short(g.name)} – {short(h.name)} {cosine(p.between)}" for g, h, p in closer)
        sentences.insert(0, f"Within each group: {inside}. Each group of these pairs is closer among itself than "
                            f"across the pair: {across}.")
    opening = f"Average cosine of the {r.corpus.weighting} vectors within and between groups."
    return " ".join([*groups_source(r.experiment), opening, *sentences, *random_groups(r),
                     "No labels were used to make these vectors."])


def groups_source(e: Experiment) -> list[str]:
    """Where the groups come from, when no person wrote them into the manifest."""
    if e.lexicon is not None:
        lexicon = e.lexicon
        how = ("by the sign of its scores, the largest first" if lexicon.scored else "by its classes, in its order")
        return [(f"The groups come from the lexicon {lexicon.path.name} ({lexicon.words:,} words; grouped {how}, "
                 f"at most {lexicon.kept} a group).")]
    if e.groups_picked_by:
        return [(f"These groups were picked automatically, by {e.groups_picked_by}: check that they mean what "
                 "their names say.")]
    return []


def random_groups(r: ExperimentResult) -> list[str]:
    """The same averages in random vectors, over the same words: what the vectors give without pretraining.
    Two groups are named; more are given as ranges (each figure is listed beside the pretrained one)."""
    if not r.groups.has_random:
        return []
    within = [(g.name, g.random_within) for g in r.groups.groups if g.random_within is not None]
    between = [(f"{p.first} vs {p.second}", p.random_between) for p in r.groups.pairs if p.random_between is not None]
    if len(within) + len(between) <= 3:
        figures = [f"{name} within {cosine(x)}" for name, x in within] + [f"{n} {cosine(x)}" for n, x in between]
    else:
        def spread(kind: str, values: list[float]) -> list[str]:
            return [f"{kind} {cosine(min(values))} to {cosine(max(values))}"] if values else []

        figures = (spread("within groups", [x for _, x in within]) + spread("between groups", [x for _, x in between])
                   + ["each beside the pretrained figure below"])
    return [f"Random vectors, over the same words: {'; '.join(figures)}."] if figures else []


@dataclass(frozen=True)
class Stage:
    number: int
    title: str
    short: str  # for an 80-column stage bar
    words: Callable[[ExperimentResult], str]
    keys: str | Callable[[ExperimentResult], str] = ""  # the explorer's keys for this stage

    def note(self, result: ExperimentResult, keys: bool = True) -> str:
        """The stage's note; with its keys, as the explorer shows it (the report leaves them out)."""
        text = self.words(result)
        shown = self.keys(result) if callable(self.keys) else self.keys
        return f"{text} {shown}" if keys and shown else text


STAGES = (
    Stage(1, "Pretraining", "Pretrain", _pretraining, PRETRAINING_KEYS),
    Stage(2, "Fine-tuning data", "Labels", _finetuning),
    Stage(3, "Comparison", "Compare", lambda r: accuracy_note(r, "test"), comparison_keys),
    Stage(4, "Transfer", "Transfer", _transfer),
    Stage(5, "What pretraining captures", "Captures", _captures, CAPTURES_KEYS),
)


def approach_key(r: ExperimentResult) -> list[tuple[str, str]]:
    """Every approach on screen with what it is."""
    return [(name, describe(name)) for name in r.approaches]


def more_sentences(shown: int, total: int) -> str:
    """Under a prediction table cut short: how many are left and the key that shows more."""
    return f"… {total - shown:,} more of {total:,} sentences (m shows {min(2 * shown, total):,})"
