"""Text fitted to columns by the cells it takes on screen, not by its characters: a CJK character
or an emoji takes two cells, and a class label may be 10,000 characters long. Numbers are never cut:
only words wider than a whole line, and labels, are shortened."""

from __future__ import annotations

import textwrap

from rich.cells import cell_len, chop_cells

ELLIPSIS = "…"
# A class label or group name shown in running text, a table or a chart takes at most this many
# cells; a longer one is cut and ends in ELLIPSIS (the JSON report keeps it whole).
LABEL_CELLS = 24


def printable(text: str) -> str:
    """The text on one line: a newline or tab from a CSV field shows as a space."""
    return text if text.isprintable() else "".join(c if c.isprintable() else " " for c in text)


def head(text: str, cells: int) -> str:
    """The longest start of `text` that takes at most `cells` cells."""
    if cell_len(text) <= cells:
        return text
    return chop_cells(text, max(cells, 1))[0] if cells > 0 else ""


def clip(text: str, width: int) -> str:
    """`text` on one line of at most `width` cells, cut with an ellipsis where it is wider."""
    text = printable(text)
    if cell_len(text) <= width:
        return text
    kept = head(text, max(0, width - 1))
    return kept + ELLIPSIS if cell_len(kept) < width else kept


def short(label: str) -> str:
    """A class label or group name as tables and sentences show it (LABEL_CELLS at most)."""
    return clip(label, LABEL_CELLS)


def right(text: str, cells: int) -> str:
    """`text` right-aligned in `cells` cells (or as it is where wider)."""
    return " " * max(0, cells - cell_len(text)) + text


def left(text: str, cells: int) -> str:
    """`text` left-aligned in `cells` cells (or as it is where wider)."""
    return text + " " * max(0, cells - cell_len(text))


def pack(words: list[str], width: int, indent: str = "") -> list[str]:
    """Lines of at most `width` cells, each `indent` then as many of `words` as fit, a space
    apart; a word wider than a whole line is cut into pieces that fit."""
    room = max(1, width - cell_len(indent))
    lines: list[str] = []
    line = ""
    for word in words:
        for piece in chop_cells(word, room) if cell_len(word) > room else [word]:
            if line and cell_len(line) + 1 + cell_len(piece) <= room:
                line += " " + piece
            else:
                if line:
                    lines.append(indent + line)
                line = piece
    return lines + [indent + line] if line or not lines else lines


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """`text` wrapped to `width` cells. Python's textwrap counts characters, so it decides where
    every character takes one cell (as it always did); wide characters are packed by cells."""
    text = printable(text)
    lines = textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent) or [""]
    if all(cell_len(line) <= width for line in lines):
        return lines
    return pack(text.split(), width, indent)


def fit_parts(parts: list[str], dropped_first: tuple[int, ...], width: int, separator: str = " · ") -> str:
    """The parts joined by the separator; while the line is wider than `width`, the parts at the
    indices of `dropped_first` are left out, in that order (the rest stay, cut by the caller)."""
    kept = list(range(len(parts)))
    for index in dropped_first:
        if cell_len(separator.join(parts[i] for i in kept)) <= width:
            break
        kept.remove(index)
    return separator.join(parts[i] for i in kept)
