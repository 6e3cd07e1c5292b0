"""The word map's words and pictures: each projection as a scatter of character cells with a label
per word (the first letter at the word's place; overlaps moved to a free spot nearby, the words
that find none listed below), the axes named with their share of the variance, and the separation
figure's sentence, whose verdict comes from an explicit rule over its numbers and paired test."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from ...engine.inspect.significance import SIGNIFICANCE
from ...engine.inspect.space import AXIS, CHOSEN, NEIGHBOUR, PAIR_WORD, PAIRS, Projection, Separation, WordMap
from .style import NEUTRAL, approach_colour, group_colour, number, pct
from .widths import clip, pack, short
from .wording import p_value

WORD_CELLS = 12  # a word's label at most: longer ones are cut, the full word is in the list and the JSON
# Free places tried for a label that overlaps another, nearest first: (rows, columns) away.
SHIFTS = tuple(sorted(((dr, dc) for dr in range(-4, 5) for dc in range(-12, 13)),
                      key=lambda s: (abs(s[0]) * 3 + abs(s[1]), s[0], s[1])))


def axis_names(projection: Projection) -> tuple[str, str]:
    """What x and y are, with their share of the shown words' variance."""
    x_share, y_share = (pct(e) for e in projection.explained)
    if projection.kind in (AXIS, PAIRS) and projection.axis:
        first, second = (short(g) for g in projection.axis)
        return f"x ({x_share}): {first} → {second}", f"y: next strongest ({y_share})"
    return f"x: principal axis 1 ({x_share} of variance)", f"y: axis 2 ({y_share})"


def x_lines(projection: Projection, width: int) -> list[str]:
    """x's name in `width` cells: an axis whose name is too long for one line goes on two, broken
    after its arrow, so that both groups stay named at 80 columns."""
    x_name = axis_names(projection)[0]
    if cell_len(x_name) <= width or " → " not in x_name:
        return [clip(x_name, width)]
    head, tail = x_name.split(" → ", 1)
    return [clip(f"{head} →", width), clip(f"  {tail}", width)]


def _spread(values: list[float]) -> tuple[float, float]:
    """The lowest value and the range (1 where all are equal, so they sit at the panel's edge)."""
    return min(values), max(values) - min(values) or 1.0


def _cells(projection: Projection, width: int, height: int):
    """Each word's label placed on a width x height grid: the placed (row, column, label, word)
    and the words with no free place."""
    words = projection.words
    xs, ys = [p.x for p in words], [p.y for p in words]
    (x0, dx), (y0, dy) = _spread(xs or [0.0]), _spread(ys or [0.0])
    taken = [[False] * width for _ in range(height)]
    placed, unplaced = [], []
    for p in words:
        label = clip(p.word, min(WORD_CELLS, width))
        column = round((p.x - x0) / dx * (width - 1))
        row = round((y0 + dy - p.y) / dy * (height - 1))  # the largest y on top
        column = min(column, width - cell_len(label))  # a label at the right edge ends there
        for dr, dc in SHIFTS:
            r, c = row + dr, column + dc
            # a label and a blank cell either side of it, all free and on the grid
            if 0 <= r < height and 0 <= c and c + cell_len(label) <= width and \
                    not any(taken[r][max(0, c - 1):c + cell_len(label) + 1]):
                for k in range(c, c + cell_len(label)):
                    taken[r][k] = True
                placed.append((r, c, label, p))
                break
        else:
            unplaced.append(p)
    return placed, unplaced


def scatter(projection: Projection, labels: tuple[str, ...], groups: tuple[str, ...], width: int,
            height: int) -> Text:
    """The panel: its vectors' name and y's meaning, the grid, x's meaning, and the words not placed."""
    width, height = max(width, WORD_CELLS + 2), max(height, 3)
    placed, unplaced = _cells(projection, width, height)
    rows: list[list[tuple[int, str, str]]] = [[] for _ in range(height)]
    for r, c, label, p in placed:
        rows[r].append((c, label, group_colour(labels, groups, p.group) + ROLE_STYLES.get(p.role, "")))
    y_name = axis_names(projection)[1]
    text = Text.assemble((projection.vectors, f"bold {approach_colour(projection.vectors)}"), "  ",
                         (clip(y_name, max(0, width - len(projection.vectors) - 2)), "dim"), "\n")
    for row in rows:
        at = 0
        for c, label, colour in sorted(row):
            text.append(" " * (c - at))
            text.append(label, colour)
            at = c + cell_len(label)
        text.append("\n")
    text.append("\n".join(x_lines(projection, width)), "dim")
    if unplaced:
        lines = pack(["not placed:", *(p.word + "," for p in unplaced[:-1]), unplaced[-1].word], width)
        text.append("\n" + "\n".join(lines), NEUTRAL)
    return text


# How a word's part on the map shows, beside its group's colour: styles a browser draws as a terminal does.
ROLE_STYLES = {CHOSEN: " bold reverse", NEIGHBOUR: " underline", PAIR_WORD: " bold"}
ROLE_NAMES = {CHOSEN: "chosen word", NEIGHBOUR: "its nearest words", PAIR_WORD: "pair words"}


def legend(labels: tuple[str, ...], groups: tuple[str, ...], has_probes: bool, roles: tuple[str, ...] = ()) -> Text:
    """Each group's name in its colour (as stage 5 colours it), the probes', and the marks of the
    chosen word, its nearest words and the typed pairs' words where the map has them."""
    parts = [Text(short(g), group_colour(labels, groups, g)) for g in groups]
    if has_probes:
        parts.append(Text("probe", NEUTRAL))
    parts += [Text(ROLE_NAMES[r], NEUTRAL + ROLE_STYLES[r]) for r in (CHOSEN, NEIGHBOUR, PAIR_WORD) if r in roles]
    return Text("  ").join(parts)


def roles_shown(made: WordMap) -> tuple[str, ...]:
    return tuple({p.role for projection in (made.pretrained, made.random) for p in projection.words if p.role})


def separation_figures(s: Separation) -> dict:
    """The separation figure's numbers, JSON-ready: the words, each side's share placed right, the
    spread over the random seeds, the paired test, and the verdict the rule gives them."""
    return {"groups": list(s.groups), "words": len(s.words), "pretrained_share": s.pretrained_share,
            "pretrained_right": sum(s.pretrained_right), "random_share": s.random_mean,
            "random_std": s.random_std, "random_seeds": len(s.random_seeds),
            "test": "paired permutation" if s.test.over_seeds else "exact McNemar",
            "p": s.test.p, "verdict": separation_verdict(s)}


def separation_verdict(s: Separation) -> str:
    """'pretrained' or 'random' separates better only when the paired test says so (p below
    SIGNIFICANCE); otherwise 'level'."""
    if s.test.p >= SIGNIFICANCE or s.pretrained_share == s.random_mean:
        return "level"
    return "pretrained" if s.pretrained_share > s.random_mean else "random"


def separation_sentence(s: Separation | None) -> str:
    if s is None:
        return ("No separation figure: the axis needs two groups with at least two words each in the "
                "vocabulary (one left out, one to build its side from).")
    f = separation_figures(s)
    first, second = (short(g) for g in s.groups)
    random = pct(f["random_share"])
    if f["random_seeds"] > 1:
        random += f" ± {number(100 * f['random_std'])} over {f['random_seeds']} seeds"
    how = (f"paired over the {f['words']} words, each by its share of seeds right" if s.test.over_seeds
           else f"paired over the {f['words']} words")
    numbers = f"{p_value(s.test.p)}, {how}"
    verdict = {"pretrained": f"pretrained vectors separate the two groups better ({numbers}).",
               "random": f"random vectors separate the two groups better ({numbers}).",
               "level": f"level: a difference this size comes by chance too often to call ({numbers})."}
    return (f"Each word left out of the axis {first} → {second} and placed on it: pretrained vectors put "
            f"{f['pretrained_right']} of {f['words']} ({pct(f['pretrained_share'])}) on their own group's "
            f"side, random {random}; " + verdict[f["verdict"]])


def map_help(made: WordMap) -> str:
    how = (f"along the axis from one group's centroid to another's (x: the next of {len(made.pairs)} pairs)"
           if made.pretrained.kind == AXIS else
           "along the mean of the typed pairs' differences (x: back to PCA)" if made.pretrained.kind == PAIRS
           else "by PCA of the shown words (x: an axis between two groups)")
    return f"Each word's vector squeezed to two dimensions {how}; a word's first letter stands at its place."


def map_json(made: WordMap) -> dict:
    """The projections' coordinates and the separation figure, for the JSON report."""
    def projection(p: Projection) -> dict:
        return {"kind": p.kind, "axis": list(p.axis) if p.axis else None, "explained": list(p.explained),
                "words": [{"word": w.word, "group": w.group, "x": w.x, "y": w.y, **({"role": w.role} if w.role else {})}
                          for w in p.words]}

    figure = made.separation
    return {"pretrained": projection(made.pretrained), "random": projection(made.random),
            "separation": None if figure is None else {**separation_figures(figure),
                                                      "text": separation_sentence(figure)}}


REPORT_GRID_ROWS = 12  # the printed report's scatters: tall enough for the kata's and held-out's words


def side_by_side(made: WordMap, labels: tuple[str, ...], groups: tuple[str, ...], width: int,
                 height: int = REPORT_GRID_ROWS) -> list[Text]:
    """The pretrained and random scatters as lines of one picture, `width` cells in all."""
    panel = max(1, (width - 2) // 2)
    columns = [words.split("\n") for words in (scatter(p, labels, groups, panel, height)
                                                 for p in (made.pretrained, made.random))]
    rows = max(len(c) for c in columns)
    lines = []
    for k in range(rows):
        first, second = (c[k] if k < len(c) else Text("") for c in columns)
        lines.append(Text.assemble(first, " " * (panel + 2 - cell_len(first.plain)), second))
    return lines


def coordinate_lines(made: WordMap, width: int) -> list[str]:
    """Each shown word's place under both sets of vectors, to three decimals."""
    word_cells = min(WORD_CELLS, max([cell_len(p.word) for p in made.pretrained.words] or [4]))
    header = f"  {'word':<{word_cells}}  {'pretrained x':>12} {'y':>7}  {'random x':>9} {'y':>7}"
    lines = [header]
    for p, r in zip(made.pretrained.words, made.random.words):
        lines.append(f"  {clip(p.word, word_cells):<{word_cells}}  {p.x:>12.3f} {p.y:>7.3f}  {r.x:>9.3f} {r.y:>7.3f}")
    return [clip(line, width) for line in lines]
