"""Claims as data, and their words: each note is a list of claims (what is claimed, of which
approaches, on which figures, with what p), made by the rules (verdicts, claims) and said here.
The explorer, the text report and the JSON all read the same claims, so they say the same."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...engine.inspect.significance import SIGNIFICANCE
from .style import number, pct, points


@dataclass(frozen=True)
class Claim:
    kind: str
    approaches: tuple[str, ...]
    figures: dict = field(default_factory=dict)  # JSON-ready numbers, names and lists
    p: float | None = None  # the paired test's, where the claim rests on one

    def as_json(self) -> dict:
        return {"kind": self.kind, "approaches": list(self.approaches), "figures": self.figures, "p": self.p,
                "text": say(self)}


def listed(names) -> str:
    """a; a and b; a, b and c."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def share(fraction: float) -> str:
    """A share to one decimal: accuracies a point apart must not read the same."""
    return f"{100 * fraction:.1f}%"


def p_value(p: float) -> str:
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}".replace("1.00", "1")


def per_class(size: float) -> str:
    return "1 label per class" if size == 1 else f"{size:,.0f} labels per class"


def _accuracy(f: dict, side: str) -> str:
    seeds = f[f"{side}_seeds"]
    if seeds == 1:
        return share(f[f"{side}_accuracy"])
    return f"{share(f[f'{side}_accuracy'])} ± {number(100 * f[f'{side}_std'])} over {seeds} seeds"


def _comparison(c: Claim) -> str:
    f = c.figures
    lead, other = ("first", "second") if f["gap_points"] >= 0 else ("second", "first")
    a, b = f[lead], f[other]
    scores = f"{_accuracy(f, lead)} against {_accuracy(f, other)}"
    test = (f"paired over the {f['sentences']:,} sentences, each by its share of seeds right"
            if f["test"] != "exact McNemar" else f"paired over the {f['sentences']:,} sentences")
    evidence = f"{scores}; {p_value(c.p)}, {test}"
    if f["verdict"] == "beat":
        return f"{a} beat {b} by {points(f['gap_points'])} ({evidence})."
    if f["gap_points"] == 0:
        return f"{a} and {b} are level ({evidence})."
    reasons = []
    if not f["significant"]:
        reasons.append(f"not significant at {SIGNIFICANCE:g}")
    if not f["beyond_spread"]:
        by_seeds = f["spread_points"] > 100 / max(f["sentences"], 1)
        reasons.append(f"within the spread over seeds (± {number(f['spread_points'])})" if by_seeds
                       else f"within one sentence of {f['sentences']:,}")
    return f"{a} and {b} are level: {points(f['gap_points'])} apart ({evidence}), {' and '.join(reasons)}."


QUESTIONS = {
    1: "Do pretrained features beat random ones under the same classifier (nearest centroid)?",
    2: "Does fine-tuning from pretrained vectors beat fine-tuning from random ones?",
}


def _question(c: Claim) -> str:
    f = c.figures
    if f["question"] == 3:
        asked = (f"Is the best approach with pretraining ({f['first']}, the best of {listed(f['with'])}) better "
                 f"than the best without ({f['second']}, the best of {listed(f['without'])})?")
    else:
        asked = QUESTIONS[f["question"]]
    answer = "Yes" if f["winner"] == f["first"] else "No"
    return f"{f['question']}. {asked} {answer} — {_comparison(c)}"


def _coverage(c: Claim) -> str:
    seen, total = c.figures["seen"], c.figures["total"]
    if total == 0:
        return "These sentences have no words left once the stopwords are removed."
    if seen == total:
        return f"Every one of their {total:,} words also occurs in the labeled sentences."
    if seen == 0:
        return f"None of their {total:,} words occurs in the labeled sentences."
    return f"{seen:,} of their {total:,} words ({pct(seen / total)}) also occur in the labeled sentences."


# More approaches within reach than this are named without their figures.
LISTED_NEAR = 3


def _majority(c: Claim) -> str:
    f = c.figures
    near = f["within_reach"]
    if len(near) <= LISTED_NEAR:
        named = ", ".join(f"{w['name']} {share(w['accuracy'])} ({p_value(w['p'])})" for w in near)
    else:
        named = f"{listed(w['name'] for w in near)} (smallest {p_value(min(w['p'] for w in near))})"
    which = "the commonest class here" if f.get("tied", 1) == 1 else "tied for the commonest class here"
    guess = (f"Always guessing {f['label']} ({which}) scores {share(f['accuracy'])} "
             f"({f['correct']:,} of {f['total']:,})")
    if len(near) == f["approaches"] > 1:  # every approach: said once, not listed
        return (f"{guess}; none of the {len(near)} approaches is significantly above it by "
                f"{points(f['reach_points'])} or more (smallest {p_value(min(w['p'] for w in near))}).")
    return f"{guess}; not significantly above it, or less than {points(f['reach_points'])} above: {named}."


def _random_dimension(c: Claim) -> str:
    return f"random: Gaussian vectors of {c.figures['dimension']:,} dimensions."


def _random_like_counts(c: Claim) -> str:
    f = c.figures
    start = (f"At {f['dimension']:,} dimensions two random vectors are nearly orthogonal (typical cosine "
             f"± {f['typical_cosine']:.3f})")
    same = f"random's predictions (main seed) match bag_of_words' on {share(f['random_same'])} of the sentences"
    if f["closer"]:
        return (f"{start}, so each word keeps a direction of its own, as in a bag of words: {same}, "
                f"pretrained's on {share(f['pretrained_same'])}.")
    return f"{start}; yet {same}, no more than pretrained's ({share(f['pretrained_same'])})."


def _unseen_help(c: Claim) -> str:
    f = c.figures
    won, lost = c.approaches
    text = (f"Of the {f['sentences']:,} sentences {won} got right and {lost} wrong (main seed), {f['with_unseen']:,} "
            f"({share(f['with_unseen'] / f['sentences'])}) have words the labeled set never shows, against "
            f"{f['split_with_unseen']:,} of all {f['split_total']:,} "
            f"({share(f['split_with_unseen'] / max(f['split_total'], 1))})")
    if not f["words"]:
        return text + "."
    within = f" (in the first {f['measured']:,} of them)" if f["measured"] < f["sentences"] else ""
    among = f" (in the first {f['split_measured']:,})" if f["split_measured"] < f["split_total"] else ""
    return (text + f"; of those {f['words']:,} words{within}, {f['leaning_right']:,} "
            f"({share(f['leaning_right'] / f['words'])}) are nearest, in the pretrained vectors, to a labeled word "
            "most frequent in the sentence's class, against "
            f"{share(f['split_leaning_right'] / max(f['split_words'], 1))} "
            f"of the unseen words of all the sentences{among}.")


def _no_difference(c: Claim) -> str:
    f = c.figures
    # Said after the coverage sentence, which gives the share of words new to the labeled set.
    return (f"Pretraining made no measurable difference on these {f['sentences']:,} sentences (all "
            f"{f['questions']} questions below: level).")


def _signed(points: float) -> str:
    """Points with their sign, one decimal; a gap that rounds to nothing is +0.0, never -0.0."""
    return f"{round(points, 1) or 0.0:+.1f}"


def _runs(f: dict) -> str:
    """Each run of sizes with the same state, with its gaps."""
    parts = []
    for run in f["runs"]:
        where = (per_class(run["from"]) if run["from"] == run["to"]
                 else f"{run['from']:,} to {per_class(run['to'])}")
        gaps = (_signed(run["gap_from"]) if run["from"] == run["to"]
                else f"{_signed(run['gap_from'])} to {_signed(run['gap_to'])}")
        parts.append(f"{run['state']} at {where} ({gaps} points)")
    return "; ".join(parts)


CURVE_PATTERNS = {"opens": "the gap opens", "closes": "the gap closes", "crosses": "the curves cross",
                  "holds": "the same side at both ends, level between", "level at both ends": "level at both ends"}


def _curve_gap(c: Claim) -> str:
    f = c.figures
    first, second = c.approaches
    noise = f"ahead or behind: beyond the spread over {f['draws']} draws"
    if len(f["runs"]) == 1:
        run = f["runs"][0]
        return (f"Learning curve, {first} against {second}: {run['state']} at every size, {run['from']:,} to "
                f"{per_class(run['to'])} ({run['gap_from']:+.1f} to {run['gap_to']:+.1f} points; {noise}).")
    return f"Learning curve, {first} against {second}: {CURVE_PATTERNS[f['pattern']]}; {_runs(f)} ({noise})."


def _label_efficiency(c: Claim) -> str:
    f = c.figures
    first, second = c.approaches
    if f["matched_size"] is None:
        return (f"{first} at {per_class(f['size'])} ({share(f['accuracy'])}) scores more than {second} at any size "
                f"measured, up to {per_class(f['largest'])} (at best {share(f['second_best'])}).")
    low, high = f["range"] or (None, None)
    if low is not None and high is not None:
        spread = f"; {low:g} to {high:g} for its score ± its spread over draws"
    elif low is not None:
        spread = f"; {low:g} to more than {f['largest']:,} for its score ± its spread over draws"
    else:
        spread = ""
    return (f"{first} at {per_class(f['size'])} ({share(f['accuracy'])}) scores as {second} at about "
            f"{per_class(f['matched_size'])} (interpolated between {f['between'][0]:,} and {f['between'][1]:,}"
            f"{spread}).")


SAY = {"comparison": _comparison, "question": _question, "coverage": _coverage, "majority": _majority,
       "random_dimension": _random_dimension, "random_like_counts": _random_like_counts,
       "unseen_help": _unseen_help, "no_difference": _no_difference, "curve_gap": _curve_gap,
       "label_efficiency": _label_efficiency}


def say(claim: Claim) -> str:
    return SAY[claim.kind](claim)
