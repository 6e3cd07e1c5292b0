"""Words and a scatter of one word's occurrences by the masked language model's contextual vectors
(engine.inspect.contextual): the two groups k-means finds, how separate they are, a few lines of
each, the nearest occurrences of one occurrence, and the word's one fixed vector beside them."""

from __future__ import annotations

from rich.text import Text

from ...engine.inspect.contextual import ContextSpread
from ...engine.settings import CONTEXT_CLEAR_SPLIT, CONTEXT_WEAK_SPLIT
from .style import LABEL_COLOURS

GROUP_MARKS = ("1", "2")
CHOSEN_MARK = "@"
BOTH_MARK = "*"  # a cell holding occurrences of both groups


def context_help(word_count: int | None) -> Text:
    known = f" (the model knows {word_count:,})" if word_count else ""
    return Text(f"Type a word{known}: each of its occurrences in the corpus is placed (PCA) by the masked language "
                "model's vector of it in its line, and split in two by k-means. A fixed vector gives every "
                "occurrence the same point.", style="dim")


def group_name(k: int) -> str:
    return f"group {GROUP_MARKS[k]}"


def separation_sentence(spread: ContextSpread) -> str:
    sizes = " and ".join(f"{len(c.members):,} in {group_name(k)}" for k, c in enumerate(spread.clusters))
    s = spread.separation
    reading = ("a clear split" if s >= CONTEXT_CLEAR_SPLIT else "a weak split" if s >= CONTEXT_WEAK_SPLIT
               else "no split to speak of: one cloud")
    placed = (f"{spread.found:,} occurrences" if spread.found == len(spread.occurrences)
              else f"the first {len(spread.occurrences):,} of {spread.found:,} occurrences")
    return (f"'{spread.word}': {placed}, {sizes}. Separation (mean silhouette, -1 to 1) {s:.2f}: {reading} "
            f"(clear from {CONTEXT_CLEAR_SPLIT}, weak from {CONTEXT_WEAK_SPLIT}).")


def scatter(spread: ContextSpread, width: int, height: int, chosen: int) -> Text:
    """The occurrences on the PCA plane, each by its group's mark; the chosen one as @."""
    width, height = max(8, width), max(3, height)
    x, y = spread.points[:, 0], spread.points[:, 1]
    cells: dict[tuple[int, int], set[int]] = {}

    def cell(i: int) -> tuple[int, int]:
        span_x, span_y = (x.max() - x.min()) or 1.0, (y.max() - y.min()) or 1.0
        return (round((x[i] - x.min()) / span_x * (width - 1)), round((y.max() - y[i]) / span_y * (height - 1)))

    for i, k in enumerate(spread.labels.tolist()):
        cells.setdefault(cell(i), set()).add(k)
    text = Text()
    for row in range(height):
        for column in range(width):
            groups = cells.get((column, row))
            if (column, row) == cell(chosen):
                text.append(CHOSEN_MARK, style="bold reverse")
            elif not groups:
                text.append("·" if row == height // 2 and column % 4 == 0 else " ", style="dim")
            elif len(groups) > 1:
                text.append(BOTH_MARK, style="bold")
            else:
                k = next(iter(groups))
                text.append(GROUP_MARKS[k], style=f"bold {LABEL_COLOURS[k]}")
        text.append("\n")
    text.append(f"PCA axes: {100 * spread.explained[0]:.0f}% and {100 * spread.explained[1]:.0f}% of the variance; "
                f"{BOTH_MARK} both groups, {CHOSEN_MARK} occurrence #{chosen + 1}", style="dim")
    return text


def line_of(spread: ContextSpread, index: int, width: int) -> Text:
    """An occurrence's line with the word in brackets, cut around it to `width` characters."""
    o = spread.occurrences[index]
    before, after = " ".join(o.tokens[: o.position]), " ".join(o.tokens[o.position + 1:])
    number = f"#{index + 1} "
    room = max(4, (width - len(number) - len(spread.word) - 4) // 2)  # the brackets and two spaces
    if len(before) > room:  # whole words only: the cut falls at a space where one is in reach
        kept = before[-room + 1:]
        before = "…" + (kept[kept.index(" ") + 1:] if " " in kept else kept)
    if len(after) > room:
        kept = after[: room - 1]
        after = (kept[: kept.rindex(" ")] if " " in kept else kept) + "…"
    return Text.assemble(number, (before + " ").lstrip(), (f"[{spread.word}]", "bold"), " " + after)


def groups_text(spread: ContextSpread, lines: int, width: int) -> Text:
    text = Text()
    for k, cluster in enumerate(spread.clusters):
        words = ", ".join(cluster.context_words) or "none more often than in the other group"
        text.append(f"{group_name(k).capitalize()} ({len(cluster.members):,})", style=f"bold {LABEL_COLOURS[k]}")
        text.append(f": its lines' words: {words}\n")
        for index in cluster.members[:lines]:
            text.append_text(line_of(spread, index, width))
            text.append("\n")
    return text


def nearest_text(spread: ContextSpread, index: int, count: int, width: int) -> Text:
    k = int(spread.labels[index])
    text = Text(f"Occurrence #{index + 1} ({group_name(k)}) and its nearest, by cosine of their vectors:\n",
                style="bold")
    text.append_text(line_of(spread, index, width - 12))
    text.append("\n")
    for j, similarity in spread.nearest(index, count):
        text.append(f"{similarity:+.2f} {GROUP_MARKS[int(spread.labels[j])]} ", style="dim")
        text.append_text(line_of(spread, j, width - 16))
        text.append("\n")
    return text


def fixed_vector_text(spread: ContextSpread, vectors_name: str, neighbours) -> Text:
    """The word's single static vector beside the spread: one point, its nearest words."""
    count = len(spread.occurrences)
    if neighbours is None:
        return Text(f"The {vectors_name} vectors have no '{spread.word}'.", style="dim")
    near = ", ".join(w for w, _ in neighbours)
    return Text(f"Its fixed vector ({vectors_name}) is one point for all {count:,} of these occurrences, whichever "
                f"group: nearest words {near}.")
