"""Wording and tables of the live views: fill the blank, why neighbours, why this prediction, and
the predict-first quiz. Everything from data goes in as Text, so it shows literally."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ...engine.finetuning.approaches import BAG_OF_WORDS, BY_NAME, CENTROID, FINE_TUNE, PROBE
from ...engine.inspect.explain import BlankAnswer, Explanation, SharedContexts
from ...engine.run.results import ExperimentResult
from ...engine.settings import DENSE_WEIGHTINGS
from . import verdicts
from .style import approach_colour, label_colour, score

# The vectors compared side by side in the views: what pretraining gives, and what it replaces.
SIDES = ("pretrained", "random")


def columns_are_words(result: ExperimentResult, name: str) -> bool:
    """Counts and PPMI vectors have one dimension per vocabulary word; SVD and random do not."""
    return name != "random" and result.corpus.weighting in DENSE_WEIGHTINGS


def _title(name: str, extra: str = "") -> Text:
    return Text.assemble((name, f"bold {approach_colour(name)}"), extra)


def blank_help(result: ExperimentResult) -> Text:
    how = ("how often a word occurs near the context words (their columns of the counts), the task "
           "pretraining learns from" if columns_are_words(result, "pretrained")
           else "cosine to the mean of the context words' vectors (these dimensions are not words)")
    return Text(f"Type a sentence with _ for the missing word, then enter. Score: {how}. Random vectors "
                "get the same scoring, read from random numbers.")


def blank_table(name: str, answer: BlankAnswer) -> Table | Text:
    if not answer.has_blank:
        return Text("Put _ where the missing word goes.")
    if not answer.candidates:
        return Text("None of the sentence's words is in the vocabulary: nothing to go on.")
    table = Table(title=_title(name), title_justify="left", box=None, padding=(0, 1), show_header=False)
    table.add_column(no_wrap=True, overflow="ellipsis")
    table.add_column(justify="right")
    for word, value in answer.candidates:
        table.add_row(Text(word), f"{value:.3f}")
    return table


def blank_context(answer: BlankAnswer) -> Text:
    text = Text("context: ") + Text(", ".join(answer.context) or "none")
    if answer.unknown:
        text += Text(" · not in the vocabulary: ", style="dim") + Text(", ".join(answer.unknown), style="dim")
    return text


def shared_table(name: str, answer: SharedContexts) -> Group | Text:
    """The shares of the two words' cosine, largest first. The words head their columns as a and b,
    named above it: a column as wide as a long word left the shares no room at 80 columns."""
    if answer.missing:
        return Text.assemble(_title(name), "\nnot in the vocabulary: ", Text(", ".join(answer.missing)))
    title = _title(name, f" · cosine {answer.cosine:.3f}")
    words = Text.assemble("a: ", Text(answer.first), " · b: ", Text(answer.second), style="dim")
    table = Table(box=None, padding=(0, 1, 0, 0))
    table.add_column("context" if answer.columns_are_words else "dimension", no_wrap=True, min_width=6,
                     overflow="ellipsis")
    for head in ("a", "b"):
        table.add_column(head, justify="right", no_wrap=True, min_width=5)
    table.add_column("share", justify="right", no_wrap=True, min_width=6)
    for c in answer.contributions:
        place = Text(c.context) if c.context is not None else Text(f"dim {c.dimension}", style="dim")
        table.add_row(place, f"{c.first:.2f}", f"{c.second:.2f}", f"{c.share:.3f}")
    return Group(title, words, table)


def shared_help(result: ExperimentResult) -> Text:
    weighting = result.corpus.weighting
    if columns_are_words(result, "pretrained"):
        kind = "counts" if weighting == "counts" else "PPMI"
        how = (f"each row is a word's {kind} with every context word, length-normalised, so the cosine is "
               "the sum over context words of the two values' product: the shares, largest first.")
    else:
        how = ("these svd dimensions are not words, each mixes many contexts; the counts are not kept, so "
               "no context word can be named. Switch the weighting (w) to counts or ppmi to see them.")
    return Text(f"Two words, then enter. Why they are neighbours: {how} Random vectors' dimensions are "
                "random numbers: their cosine comes from no shared context.")


PUSH_WORD_WIDTH = 14
PUSH_GAP = 2


def _push_width(name: str) -> int:
    """A column holds "neg +0.123" (a logit push may reach "neg -12.345") under the approach's name."""
    return max(len(name), 11) + PUSH_GAP


def push_pages(explanations: dict[str, Explanation], width: int) -> list[tuple[str, ...]]:
    """The approaches in pages that fit `width` beside the word column: whole kinds together
    (cosine pushes, then logit pushes) where they fit, else as many as fit."""
    room = max(width - PUSH_WORD_WIDTH - PUSH_GAP, 1)
    kinds: dict[str, list[str]] = {}
    for name, e in explanations.items():
        kinds.setdefault(e.kind, []).append(name)
    pages: list[list[str]] = [[]]
    for names in kinds.values():
        if pages[-1] and sum(map(_push_width, pages[-1] + names)) > room:
            pages.append([])
        for name in names:
            if pages[-1] and sum(map(_push_width, pages[-1] + [name])) > room:
                pages.append([])
            pages[-1].append(name)
    return [tuple(page) for page in pages if page]


def _push_columns(explanations: dict[str, Explanation], show_header: bool) -> Table:
    """The push table's columns at fixed widths, so that its header, shown apart where the rows
    scroll, stands over its rows."""
    table = Table(box=None, padding=(0, PUSH_GAP, 0, 0), expand=False, show_header=show_header)
    table.add_column("word", no_wrap=True, width=PUSH_WORD_WIDTH, overflow="ellipsis")
    for name in explanations:
        table.add_column(Text(name, style=f"bold {approach_colour(name)}"), no_wrap=True,
                         width=_push_width(name) - PUSH_GAP)
    return table


def push_header(explanations: dict[str, Explanation]) -> Table:
    """The push table's header alone: the word column and each approach's name."""
    return _push_columns(explanations, True)


def push_table(result: ExperimentResult, explanations: dict[str, Explanation], show_header: bool = True) -> Table:
    """Each approach's score of each class (the highest in bold wins), then its parts: the bias and
    each word's push; one column per approach, one line per class."""
    labels = result.experiment.labels
    table = _push_columns(explanations, show_header)
    # The score first (what decided), then what it is the sum of: the bias and each word's push.
    table.add_row(Text("score", style="bold"), *(_pushes(e.scores, labels, winner="bold underline")
                                                 for e in explanations.values()))
    table.add_row(Text("= bias", style="dim"), *(_pushes(e.bias, labels, best=False) if e.kind == "logit"
                                                 else Text("none", style="dim") for e in explanations.values()))
    words = next(iter(explanations.values())).words if explanations else ()
    for k, w in enumerate(words):
        table.add_row(Text("+ ") + Text(w.word), *(_pushes(e.words[k].push, labels) if e.words[k].known
                                                   else Text("unknown", style="dim italic")
                                                   for e in explanations.values()))
    return table


def _pushes(push: dict[str, float], labels: tuple[str, ...], best: bool = True, winner: str = "") -> Text:
    """One line per class; the largest in bold (the winner underlined too in the score row), the
    others dim; a bias has no largest."""
    top = max(push.values()) if best else None
    return Text("\n").join(Text.assemble((label[:3], label_colour(labels, label)), " ",
                                          (score(push[label]), (winner or "bold") if push[label] == top
                                           else "" if winner else "dim"))
                            for label in labels)


# What a word's push is, by the kind of classifier: approaches of one kind (or of kinds alike) are
# named together.
_CENTROID_PUSH = "its part of the cosine of the sentence's mean vector to the class's centroid."
_SOFTMAX_PUSH = "its share of the mean vector times the class's trained weights."
PUSH_MEANINGS = {
    CENTROID: _CENTROID_PUSH,
    PROBE: _SOFTMAX_PUSH,
    FINE_TUNE: _SOFTMAX_PUSH,
    BAG_OF_WORDS: "its count times its weight for the class (a word no train sentence has is unknown).",
}


def push_help(explanations: dict[str, Explanation]) -> Text:
    """What a push is, for the kinds of approach on this page."""
    parts = ["Pick a sentence (up/down). Each word's push is its exact part of a class's score: score = "
             "bias + pushes; the highest score wins."]
    named: dict[str, list[str]] = {}
    for name, e in explanations.items():
        kind = BY_NAME[name].classifier if name in BY_NAME else None
        meaning = PUSH_MEANINGS.get(kind) or (_CENTROID_PUSH if e.kind == "cosine" else _SOFTMAX_PUSH)
        named.setdefault(meaning, []).append(name)
    parts += [f"{', '.join(names)}: {meaning}" for meaning, names in named.items()]
    return Text(" ".join(parts))


def push_pager(page: int, pages: list[tuple[str, ...]]) -> Text:
    if len(pages) <= 1:
        return Text("")
    return Text(f"left/right: more approaches (page {page + 1} of {len(pages)})", style="dim")


# --- predict first --------------------------------------------------------------------------------

ANSWERS = {"pretrained": "pretrained will beat random", "random": "random will beat pretrained",
           "level": "they will be level"}


def quiz_question(split: str, asked: bool = False) -> Text:
    """The question; on the stage it says how to answer, in the answer box (`asked`) the choices follow."""
    where = "the test sentences" if split == "test" else "the new domain's sentences"
    how = "" if asked else " Then press a to answer."
    return Text(f"Predict first: will pretrained beat random on {where}? Think about which words the "
                f"labeled sentences show.{how}")


# The answer box's keys: the choices are numbered, and while the box is open its digits mean only them.
ANSWER_KEYS = {"1": "pretrained", "2": "random", "3": "level"}


def quiz_waiting(answer: str) -> Text:
    return Text.assemble("You said: ", ANSWERS[answer], ". The outcome comes with this run's accuracies.")


def quiz_outcome(result: ExperimentResult, split: str, answer: str) -> Text:
    comparison = verdicts.compare(result, "pretrained", "random", split)
    actual = comparison.winner or "level"
    mark = ("✓ right", "bold green") if actual == answer else ("✗ not this time", "bold red")
    return Text.assemble("You said: ", ANSWERS[answer], ". Outcome: ", comparison.sentence(), " ", mark)
