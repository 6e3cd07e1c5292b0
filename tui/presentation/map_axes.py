"""The word map's axis over the whole vocabulary in words (issue 24): the words furthest toward each
end under pretrained and random vectors, and the lexicon's Spearman figure, whose verdict comes from
an explicit rule over its numbers; and the map drawn as an SVG picture for the export."""

from __future__ import annotations

import io

from rich.console import Console
from rich.terminal_theme import DEFAULT_TERMINAL_THEME
from rich.text import Text

from ...engine.inspect.reach import LexiconFit, Reach
from ...engine.inspect.significance import SIGNIFICANCE
from ...engine.inspect.space import WordMap
from .style import approach_colour, number, pct
from .widths import pack, short, wrap
from .word_map import legend, roles_shown, separation_sentence, side_by_side
from .wording import p_value


def least_seeds() -> int:
    """The fewest random seeds with which the rank test's least p, 1 / (seeds + 1), is below SIGNIFICANCE."""
    seeds = 1
    while 1 / (seeds + 1) >= SIGNIFICANCE:
        seeds += 1
    return seeds


def lexicon_verdict(fit: LexiconFit) -> str:
    """'carries over' only when the axis's groups say which end scores higher, the pretrained rho
    leans that way, and the rank test among the random seeds gives p below SIGNIFICANCE; 'too few
    seeds' when the test cannot reach it; else 'level'."""
    if fit.expected_sign == 0:
        return "no direction"
    if len(fit.random) < least_seeds():
        return "too few seeds"
    if fit.expected_sign * fit.pretrained > 0 and fit.p < SIGNIFICANCE:
        return "carries over"
    return "level"


def lexicon_sentence(reach: Reach, lexicon) -> str:
    """What the lexicon says of the axis, or why it says nothing."""
    if lexicon is None:
        return ("No lexicon is named in the experiment ([analysis] lexicon, lines of word,score), so no "
                "correlation with scores is given.")
    if not lexicon.scored:
        return f"The lexicon {lexicon.path.name} gives classes, not scores: no correlation with scores to give."
    fit = reach.lexicon
    if fit is None:
        return (f"Fewer than three of the lexicon {lexicon.path.name}'s words, beside the axis's own, have vectors: "
                "no correlation.")
    first, second = (short(g) for g in reach.groups)
    random = f"{fit.random_mean:+.2f}"
    if len(fit.random) > 1:
        random += f" ± {number(fit.random_std)} over {len(fit.random)} seeds"
    figures = (f"The lexicon {lexicon.path.name}: {fit.with_vectors:,} of its {fit.listed:,} words have vectors "
               f"({pct(fit.with_vectors / fit.listed)}); the {fit.used:,} not among the axis's own, by their place "
               f"along {first} → {second} against their scores: Spearman ρ = {fit.pretrained:+.2f} under pretrained "
               f"vectors, {random} under random; ")
    test = f"rank among the seeds, {p_value(fit.p)}"
    verdict = {
        "no direction": "the axis's own words' scores do not say which end scores higher, so no verdict.",
        "too few seeds": f"with {len(fit.random)} random seed(s) the rank test cannot reach "
                         f"p < {SIGNIFICANCE} (it needs {least_seeds()}): no verdict.",
        "carries over": f"the direction carries over: pretrained vectors order the lexicon's other words by their "
                        f"scores further than random vectors do ({test}).",
        "level": f"level: pretrained vectors' order is not beyond the random seeds' ({test})."}
    return figures + verdict[lexicon_verdict(fit)]


def reach_lines(reach: Reach | None, lexicon, width: int) -> list[Text]:
    """The furthest words toward each end, pretrained above random, and the lexicon's sentence."""
    if reach is None:
        return [Text("No axis over the vocabulary: it needs two groups with words in the vocabulary.")]
    first, second = (short(g) for g in reach.groups)
    lines = [Text(line) for line in wrap(
        f"Along {first} → {second} over the whole vocabulary ({reach.vocabulary:,} words), the "
        f"{len(reach.built_from)} words the axis is built from left out, the furthest words:", width)]
    for k, end in enumerate(reach.groups):
        lines.append(Text(f"toward {short(end)}", "bold"))
        for name in ("pretrained", "random"):
            words = reach.toward[name][k]
            packed = pack([w + "," for w in words[:-1]] + list(words[-1:]) or ["(none)"], width - 13)
            for n, line in enumerate(packed):
                lines.append(Text.assemble((("  " + (name if n == 0 else "")).ljust(13), approach_colour(name)), line))
    return lines + [Text("")] + [Text(line) for line in wrap(lexicon_sentence(reach, lexicon), width)]


def reach_json(reach: Reach | None, lexicon) -> dict | None:
    if reach is None:
        return None
    fit = reach.lexicon
    return {"groups": list(reach.groups), "built_from": list(reach.built_from), "vocabulary": reach.vocabulary,
            "toward": {name: {reach.groups[0]: list(low), reach.groups[1]: list(high)}
                       for name, (low, high) in reach.toward.items()},
            "lexicon": None if fit is None else {
                "listed": fit.listed, "with_vectors": fit.with_vectors, "used": fit.used,
                "spearman_pretrained": fit.pretrained, "spearman_random": list(fit.random),
                "spearman_random_mean": fit.random_mean, "spearman_random_std": fit.random_std,
                "expected_sign": fit.expected_sign, "p": fit.p, "test": "rank among the random seeds",
                "verdict": lexicon_verdict(fit)},
            "text": lexicon_sentence(reach, lexicon)}


def map_svg(title: str, picture: list[Text], width: int) -> str:
    """The map's lines (both panels, the legend, the figure) as an SVG picture, drawn as the
    handout's charts are."""
    console = Console(record=True, width=width, file=io.StringIO(), color_system="truecolor", force_terminal=True)
    for line in picture:
        console.print(line, soft_wrap=True)
    return console.export_svg(title=title, theme=DEFAULT_TERMINAL_THEME)


def map_picture(made: WordMap, labels, groups, width: int, height: int) -> list[Text]:
    """Both panels side by side, the legend and the separation sentence, as lines."""
    has_probes = any(p.group is None and not p.role for p in made.pretrained.words)
    lines = side_by_side(made, labels, groups, width, height)
    lines.append(legend(labels, groups, has_probes, roles_shown(made)))
    return lines + [Text(line) for line in wrap(separation_sentence(made.separation), width)]
