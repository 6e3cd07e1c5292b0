"""The grid of labels against unlabeled text (engine/run/grid.py) as a heat map that reads at 80x24:
a row per corpus prefix, a column per labels-per-class size (the learning curve's), each cell the
approach's accuracy and its margin over the best approach without pretraining, shaded by the
margin and marked where its paired test holds it; and what the grid says, by explicit rules over its
numbers and tests."""

from __future__ import annotations

import math

from rich.text import Text

from ...engine.inspect.significance import SIGNIFICANCE
from ...engine.run.grid import LabelGrid
from .wording import per_class

CELL = 8  # columns a cell takes: "100 +15" and a space or MARK; 8 sizes and a row name fit 80 columns
MARK = "*"  # after a cell whose margin holds in its paired test
SHADE_FULL = 0.2  # a margin of this many points (20) or more shades its cell fully
AHEAD, BEHIND, EMPTY = (46, 158, 68), (208, 52, 44), "#8a8a8a"  # green, red; a row min_count left empty


def tokens(n: int) -> str:
    """A prefix's size in few characters: 10k, 1.5M."""
    for size, unit in ((10**6, "M"), (10**3, "k")):
        if n >= size:
            value = n / size
            return f"{value:.0f}{unit}" if value >= 10 or value == int(value) else f"{value:.1f}{unit}"
    return str(n)


def row_name(grid: LabelGrid, row: int) -> str:
    last = row == len(grid.prefixes) - 1
    return f"all {tokens(grid.prefixes[row])}" if last else tokens(grid.prefixes[row])


def _shade(margin: float) -> str:
    """A background between the terminal's own (no margin) and full green or red, by the margin."""
    if math.isnan(margin):
        return EMPTY
    strength = min(1.0, abs(margin) / SHADE_FULL)
    base = AHEAD if margin > 0 else BEHIND
    # Mixed with a dark grey, so that white numbers read on every shade.
    r, g, b = (round(40 + (c - 40) * strength) for c in base)
    return f"#{r:02x}{g:02x}{b:02x}"


def _cell(grid: LabelGrid, approach: str, row: int, column: int) -> str:
    accuracy = grid.accuracy[approach][row][column]
    if math.isnan(accuracy):
        return "–".rjust(CELL - 1)
    margin = 100 * grid.margin(approach, row, column)
    return f"{100 * accuracy:.0f} {round(margin):+d}".rjust(CELL - 1)  # round(): never "-0"


def _holds(test) -> bool:
    """A paired test's p below SIGNIFICANCE (None, an empty row's, holds nothing)."""
    return test is not None and test.p < SIGNIFICANCE


def significant(grid: LabelGrid, approach: str, row: int, column: int) -> bool:
    """Whether the cell's margin holds in its paired test."""
    return _holds(grid.tests[approach][row][column])


def ahead(grid: LabelGrid, approach: str, row: int, column: int) -> bool:
    """Significantly ahead of the best without pretraining at the cell's size: a positive margin its test holds."""
    return significant(grid, approach, row, column) and grid.margin(approach, row, column) > 0


def behind(grid: LabelGrid, approach: str, row: int, column: int) -> bool:
    return significant(grid, approach, row, column) and grid.margin(approach, row, column) < 0


def above_top(grid: LabelGrid, approach: str, row: int, column: int) -> bool:
    """Significantly above the best accuracy without pretraining at any size (its own test, tests_top)."""
    return (_holds(grid.tests_top[approach][row][column])
            and grid.accuracy[approach][row][column] > grid.best_without[grid.top])


def heat_map(grid: LabelGrid, approach: str, width: int = 80, shaded: bool = True) -> Text:
    """The grid as lines of at most `width` columns: the sizes as a header, a row per prefix, then the
    best approach without pretraining at each size; more sizes than fit continue in a block below.
    A cell whose margin holds in its paired test is followed by MARK (in the column between cells)."""
    label = max(len("corpus"), len("without"), *(len(row_name(grid, r)) for r in range(len(grid.prefixes))))
    per_row = max(1, (width - label - 1) // CELL)
    out = Text()
    for start in range(0, len(grid.sizes), per_row):
        columns = range(start, min(start + per_row, len(grid.sizes)))
        if start:
            out.append("\n")
        out.append("corpus".ljust(label) + " " + "".join(f"{grid.sizes[c]:>{CELL - 1}} " for c in columns) + "\n",
                   style="bold")
        for row in range(len(grid.prefixes)):
            out.append(row_name(grid, row).ljust(label) + " ")
            for c in columns:
                style = f"white on {_shade(grid.margin(approach, row, c))}" if shaded else ""
                out.append(_cell(grid, approach, row, c), style=style)
                out.append(MARK if significant(grid, approach, row, c) else " ", style="bold" if shaded else "")
            out.append("\n")
        out.append("without".ljust(label) + " " + "".join(f"{100 * grid.best_without[c]:>{CELL - 1}.0f} "
                                                          for c in columns) + "\n", style="dim")
    return out


def grid_help(grid: LabelGrid, approach: str) -> str:
    """What a cell holds and how the rows were made."""
    withouts = ", ".join(dict.fromkeys(grid.without))
    return (f"Each cell: {approach}'s test accuracy (%), mean over {grid.draws} draws of labeled sentences, and "
            f"its margin (points) over the best approach without pretraining at that size ({withouts}: last line), "
            f"green where positive, red where negative; {MARK} where a paired test on the test sentences gives "
            f"p < {SIGNIFICANCE:g}. Rows: vectors from the corpus's first so many tokens (same settings, counted in "
            "one pass), and from all of it; columns: labeled sentences per class.")


def _firsts(grid: LabelGrid, rule) -> str:
    """Per row, from the whole corpus down, the fewest labels per class whose cell `rule` holds, if any."""
    found = [(r, next((c for c in range(len(grid.sizes)) if rule(r, c)), None))
             for r in reversed(range(len(grid.prefixes)))]
    reached = [(r, c) for r, c in found if c is not None]
    parts = [f"first at {per_class(grid.sizes[c])} with {row_name(grid, r)} tokens" if k == 0
             else f"at {grid.sizes[c]:,} with {row_name(grid, r)}" for k, (r, c) in enumerate(reached)]
    missing = [row_name(grid, r) for r, c in found if c is None]
    if missing:
        names = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " or " + missing[-1]
        parts.append(f"at no size with {names}" + ("" if reached else " tokens"))
    return ", ".join(parts)


def grid_reading(grid: LabelGrid, approach: str) -> list[str]:
    """What the grid says, on any grid, by its paired tests (p < SIGNIFICANCE): for each row, at how many
    sizes the approach is significantly ahead of the best without pretraining at that size, and behind;
    where each row's mean first comes to the best accuracy without pretraining at any size, and where it
    is first significantly above it. Only the tests' cells are called ahead or above."""
    columns = range(len(grid.sizes))

    def counts(r: int) -> str:
        if grid.vocabulary[r] == 0:
            return "no vectors"
        return (f"{sum(ahead(grid, approach, r, c) for c in columns)}/"
                f"{sum(behind(grid, approach, r, c) for c in columns)}")

    level = f"p < {SIGNIFICANCE:g}"
    rows = [f"{row_name(grid, r)}{' tokens' if r == 0 else ''} {counts(r)}" for r in range(len(grid.prefixes))]
    target = grid.best_without[grid.top]
    return [f"Sizes (of {len(grid.sizes)}) at which {approach} is significantly ahead/behind the best without "
            f"pretraining ({level}, paired test over {grid.draws} draws): " + ", ".join(rows) + ".",
            f"The best without pretraining at any size, {100 * target:.1f}% ({grid.without[grid.top]}, "
            f"{per_class(grid.sizes[grid.top])}): {approach}'s mean is at least that "
            + _firsts(grid, lambda r, c: grid.accuracy[approach][r][c] >= target)
            + f"; significantly above it ({level}) " + _firsts(grid, lambda r, c: above_top(grid, approach, r, c))
            + "."]


GRID_TITLE = "Labels against unlabeled text"
GRID_APPROACH = "pretrained"  # the heat map's: the corpus's vectors as they are, no training of them


def grid_lines(grid: LabelGrid, width: int = 80, color: bool = False) -> list[Text]:
    """The report's grid section: what a cell holds, the heat map, what it says."""
    from .widths import wrap

    approach = GRID_APPROACH if GRID_APPROACH in grid.accuracy else next(iter(grid.accuracy))
    out = [Text(line) for line in wrap(grid_help(grid, approach), width)] + [Text("")]
    out += heat_map(grid, approach, width, shaded=color).split("\n")
    for sentence in grid_reading(grid, approach):
        out += [Text(line) for line in wrap(sentence, width)]
    return out
