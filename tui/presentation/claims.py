"""The rules that make the notes' claims from a result's numbers and the engine's measurements
(ExperimentResult.evidence): what is said of a split, the pretraining margin as three questions,
and what the learning curve shows. Each rule says when its claim is made; wording.say words it."""

from __future__ import annotations

import math

from ...engine.finetuning.approaches import BY_NAME, MASKED_LM_PRETRAINED, PRETRAINED
from ...engine.inspect.evidence import LESSON
from ...engine.inspect.significance import SIGNIFICANCE
from ...engine.run.results import ExperimentResult
from . import verdicts
from .wording import Claim, say

# Which comparisons a split's note makes, when both approaches ran: the lesson's question first.
# The last asks whether pretraining beats what a practitioner would try first. The lesson's (the
# engine's: the run measures what unseen words did in it) comes first.
PAIRS = (LESSON, ("fine_tuned", "random_fine_tuned"), ("pretrained", "from_scratch"), ("fine_tuned", "bag_of_words"),
         # the masked language model fine-tuned against its from-scratch twin, and against the count vectors
         ("mlm_fine_tuned", "mlm_from_scratch"), ("mlm_fine_tuned", "fine_tuned"))

# The majority class is "within reach" of an approach that is not significantly above always
# guessing it on the same sentences, or above it by less than this many accuracy points.
MAJORITY_REACH = 5.0

# Random Gaussian vectors of this many dimensions or more are nearly orthogonal (typical cosine
# 1/sqrt(d) <= 0.032): each word its own direction, much as each word its own column of a bag of words.
HIGH_DIMENSION = 1_000


def _ran(r: ExperimentResult, *names: str) -> bool:
    return all(n in r.approaches for n in names)


def _measured(r: ExperimentResult, split: str) -> bool:
    """Whether the run has results on `split`: an experiment without transfer sentences has none there."""
    return any(getattr(a, split) is not None for a in r.approaches.values())


def majority(r: ExperimentResult, split: str) -> Claim | None:
    """Always guessing the commonest class, when it is within reach of some approach (MAJORITY_REACH)."""
    m = r.evidence.majority(split)
    near = []
    for name in r.approaches:
        a = verdicts.accuracy(r, name, split)
        test = r.evidence.against_majority(name, split)
        above = test.p < SIGNIFICANCE and test.first_only > test.second_only and a.mean > m.accuracy
        gap = 100 * (a.mean - m.accuracy)
        if not above or gap < MAJORITY_REACH:
            near.append({"name": name, "accuracy": a.mean, "gap_points": gap, "p": test.p})
    if not near or not m.total:
        return None
    return Claim("majority", tuple(w["name"] for w in near),
                 {"label": m.label, "accuracy": m.accuracy, "correct": m.correct, "total": m.total, "tied": m.tied,
                  "reach_points": MAJORITY_REACH, "within_reach": near, "approaches": len(r.approaches)})


def random_baseline(r: ExperimentResult, split: str, lesson: verdicts.Comparison) -> list[Claim]:
    """The random baseline's dimension; and where random wins or ties at a high dimension, how alike
    its predictions are to the bag of words' (against pretrained's)."""
    d = r.vectors["random"].dimension
    out = [Claim("random_dimension", ("random",), {"dimension": d})]
    if lesson.winner != "pretrained" and d >= HIGH_DIMENSION and _ran(r, "bag_of_words"):
        ours = r.evidence.agreement("random", "bag_of_words", split)
        theirs = r.evidence.agreement("pretrained", "bag_of_words", split)
        out.append(Claim("random_like_counts", ("random", "bag_of_words", "pretrained"),
                         {"dimension": d, "typical_cosine": 1 / math.sqrt(d), "random_same": ours.share,
                          "pretrained_same": theirs.share, "total": ours.total, "closer": ours.share > theirs.share}))
    return out


def unseen_help(r: ExperimentResult, split: str, lesson: verdicts.Comparison) -> Claim | None:
    """Where the lesson's comparison is decided: what unseen words did in the sentences the winner
    alone got right, measured in the pretrained vectors."""
    if lesson.winner is None:
        return None
    loser = lesson.second.name if lesson.winner == lesson.first.name else lesson.first.name
    h = r.evidence.unseen_help(lesson.winner, loser, split)
    if not h.sentences:
        return None
    return Claim("unseen_help", (lesson.winner, loser),
                 {"sentences": h.sentences, "with_unseen": h.with_unseen, "split_with_unseen": h.split_with_unseen,
                  "split_total": h.split_total, "words": h.words, "leaning_right": h.leaning_right,
                  "split_words": h.split_words, "split_leaning_right": h.split_leaning_right,
                  "measured": h.measured, "split_measured": h.split_measured})


def note_claims(r: ExperimentResult, split: str) -> list[Claim]:
    """A split's note: coverage, the lesson's comparison and what was measured of it, the majority
    class when it is within reach, and "no measurable difference" only when every question says so."""
    if not _measured(r, split):
        return []
    out = [verdicts.coverage_claim(r, split)]
    if not _ran(r, *LESSON):
        return out
    lesson = verdicts.compare(r, *LESSON, split)
    out.append(lesson.claim())
    out += random_baseline(r, split, lesson)
    if (found := unseen_help(r, split, lesson)) is not None:
        out.append(found)
    if (found := majority(r, split)) is not None:
        out.append(found)
    questions = question_claims(r, split)
    spread_in = r.approaches["random"].over_seeds(split) is not None  # once every seed has run
    if questions and spread_in and all(q.figures["verdict"] == "level" for q in questions):
        out.append(Claim("no_difference", tuple(sorted({n for q in questions for n in q.approaches})),
                         {"seen_share": r.overlap[split].share, "questions": len(questions),
                          "sentences": questions[0].figures["sentences"]}))
    return out


def further_claims(r: ExperimentResult, split: str) -> list[Claim]:
    """The comparisons the questions do not make, when both approaches ran."""
    if not _measured(r, split):
        return []
    return [verdicts.compare(r, a, b, split).claim() for a, b in PAIRS[2:] if _ran(r, a, b)]


def _with_pretraining(name: str) -> bool:
    return name in BY_NAME and BY_NAME[name].vectors in (PRETRAINED, MASKED_LM_PRETRAINED)


def question_claims(r: ExperimentResult, split: str) -> list[Claim]:
    """The pretraining margin as three questions, each answered by its paired test: pretrained against
    random features under one classifier; fine-tuning from pretrained against from random vectors;
    the best approach with pretraining against the best without. A question whose approaches did
    not run is not asked."""
    if not _measured(r, split):
        return []
    out = []
    for number, (a, b) in enumerate(PAIRS[:2], start=1):
        if _ran(r, a, b):
            out.append(verdicts.compare(r, a, b, split).claim("question", question=number))
    using = [n for n in r.approaches if _with_pretraining(n)]
    without = [n for n in r.approaches if n in BY_NAME and not _with_pretraining(n)]
    if using and without:
        best = max(using, key=lambda n: r.approaches[n].mean_accuracy(split))
        other = max(without, key=lambda n: r.approaches[n].mean_accuracy(split))
        out.append(verdicts.compare(r, best, other, split).claim("question", question=3, without=without,
                                                                 **{"with": using}))
    return out


# --- the learning curve ---------------------------------------------------------------------------

def _states(first, second, spread, one_sentence) -> list[int]:
    """Per size: +1 where the first is ahead beyond the spread over draws (and one sentence), -1
    where behind, 0 level."""
    out = []
    for a, b, s in zip(first, second, spread):
        gap = a - b
        out.append(0 if abs(gap) <= max(s, one_sentence) + verdicts.SLACK else (1 if gap > 0 else -1))
    return out


def _pattern(states: list[int]) -> str:
    if 1 in states and -1 in states:
        return "crosses"
    if not any(states):
        return "level"
    if states[0] and not states[-1]:
        return "closes"
    if states[-1] and not states[0]:
        return "opens"
    if states[0]:
        return "throughout" if all(states) else "holds"
    return "level at both ends"


STATE_WORDS = {1: "ahead", -1: "behind", 0: "level"}


def curve_gap(r: ExperimentResult, first: str, second: str) -> Claim:
    c = r.learning_curve
    gaps = [100 * (a - b) for a, b in zip(c.mean[first], c.mean[second])]
    spread = [max(a, b) for a, b in zip(c.std[first], c.std[second])]
    sentences = len(r.experiment.test)
    states = _states(c.mean[first], c.mean[second], spread, 1 / sentences if sentences else 1.0)
    runs = []
    for i, state in enumerate(states):
        if runs and runs[-1]["state"] == STATE_WORDS[state]:
            runs[-1].update({"to": c.sizes[i], "gap_to": gaps[i]})
        else:
            runs.append({"state": STATE_WORDS[state], "from": c.sizes[i], "to": c.sizes[i], "gap_from": gaps[i],
                         "gap_to": gaps[i]})
    return Claim("curve_gap", (first, second),
                 {"sizes": list(c.sizes), "gap_points": gaps, "spread_points": [100 * s for s in spread],
                  "states": [STATE_WORDS[s] for s in states], "pattern": _pattern(states), "runs": runs,
                  "draws": c.seeds})


def _monotone(mean, std) -> bool:
    """Never falling by more than the spread over draws from one size to the next."""
    return all(b >= a - max(s, t) - verdicts.SLACK for a, b, s, t in zip(mean, mean[1:], std, std[1:]))


def _reached_at(sizes, theirs, target: float, after: int) -> tuple[float, list[int]] | None:
    """Where a curve first reaches `target` after size `after`, interpolated in log size between the
    two measured sizes around it (and those sizes); None where no measured size after it reaches it."""
    for j in range(after + 1, len(sizes)):
        if theirs[j] >= target:
            low, high = theirs[j - 1], theirs[j]
            t = min(1.0, max(0.0, (target - low) / (high - low))) if high > low else 1.0
            size = math.exp(math.log(sizes[j - 1]) + t * (math.log(sizes[j]) - math.log(sizes[j - 1])))
            return round(size, 1), [sizes[j - 1], sizes[j]]
    return None


def label_efficiency(r: ExperimentResult, gap: Claim) -> Claim | None:
    """ULMFiT's reading: at the smallest size where `first` is ahead beyond the spread over draws (the
    difference there is larger than either curve's spread, and than one test sentence), how many labels
    per class `second` needs to score as much, interpolated in log size between the two measured sizes
    around it, and the same for `first`'s score less and more its spread (the range the reading has
    over the draws). Made only where it is supported: `second`'s curve rises (never falls beyond its
    spread), and either it reaches the score at a measured size after that one, or it stays below it
    at every size measured (then the reading says so, and names no size)."""
    first, second = gap.approaches
    c = r.learning_curve
    if "ahead" not in gap.figures["states"] or not _monotone(c.mean[second], c.std[second]):
        return None
    i = gap.figures["states"].index("ahead")
    target, theirs, spread = c.mean[first][i], c.mean[second], c.std[first][i]
    figures = {"size": c.sizes[i], "accuracy": target, "spread": spread, "largest": c.sizes[-1],
               "second_best": max(theirs), "matched_size": None, "between": None, "range": None}
    reached = _reached_at(c.sizes, theirs, target, i)
    if reached is None:
        # "more than at any size measured" holds only if no size, before this one either, reaches it.
        return Claim("label_efficiency", (first, second), figures) if max(theirs) < target else None
    figures.update(matched_size=reached[0], between=reached[1])
    low = _reached_at(c.sizes, theirs, target - spread, i)
    high = _reached_at(c.sizes, theirs, target + spread, i)
    figures["range"] = [low[0] if low else None, high[0] if high else None]
    return Claim("label_efficiency", (first, second), figures)


def curve_claims(r: ExperimentResult) -> list[Claim]:
    """For each pair of PAIRS on the curve, where the gap opens, closes or crosses, and the
    label-efficiency reading where it holds."""
    if r.learning_curve is None:
        return []
    out = []
    for a, b in PAIRS:
        if a in r.learning_curve.mean and b in r.learning_curve.mean:
            gap = curve_gap(r, a, b)
            out.append(gap)
            if (reading := label_efficiency(r, gap)) is not None:
                out.append(reading)
    return out


def all_claims(r: ExperimentResult) -> dict[str, list[Claim]]:
    """Every claim of every split, as the JSON carries them: a split's note, its further
    comparisons and its three questions; then the learning curve's."""
    splits = [s for s in ("test", "transfer") if s in r.overlap and (s == "test" or r.experiment.transfer is not None)]
    out = {s: note_claims(r, s) + further_claims(r, s) + question_claims(r, s) for s in splits}
    out["learning_curve"] = curve_claims(r)
    return out


def margin(result: ExperimentResult) -> str:
    """The pretraining margin as three answers on the test sentences, one line each, then what the
    learning curve shows, as the text report prints them."""
    return "\n".join(say(c) for c in question_claims(result, "test") + curve_claims(result))
