"""The domain figure in words: how much of the task the corpus covers and how close it is."""

from __future__ import annotations

from ...engine.inspect.domain import DomainFigure
from ...engine.settings import DOMAIN_CLOSE_EXCESS, DOMAIN_FAR_EXCESS


def part(n: int, total: int) -> str:
    """n of total as a percentage that reads 100% only when it is all and 0% only when it is none."""
    if total and n == total:
        return "all"
    fraction = n / total if total else 0.0
    return f"{min(99.0, max(1.0, 100 * fraction)) if n else 0:.0f}%"


def distance(figure: DomainFigure) -> str:
    """close, far or neither, by how many more of the task's tokens than of the corpus's own lines
    lack support, against the settings' thresholds; neither where there is no baseline."""
    excess = figure.excess_unsupported
    if excess is None:
        return "neither close to nor far from"
    if excess <= DOMAIN_CLOSE_EXCESS:
        return "close to"
    if excess >= DOMAIN_FAR_EXCESS:
        return "far from"
    return "neither close to nor far from"


def domain_sentence(figure: DomainFigure, detailed: bool = False) -> str:
    """The figure in a sentence; `detailed` (the report) adds the Jensen–Shannon divergence and why it
    does not decide."""
    f = figure
    seen = "at least once" if f.min_count == 1 else f"at least {f.min_count:,} times"
    head = (f"The corpus knows {part(f.train_covered, f.train_tokens)} of the labeled tokens and "
            f"{part(f.test_covered, f.test_tokens)} of the test tokens; {part(f.supported, f.words)} of the task's "
            f"{f.words:,} words have a vector seen {seen} in the corpus.")
    share = f"{100 * f.unsupported:.1f}% of the task's tokens"
    rare = f"{share} never occur in it" if f.min_count == 1 else f"{share} occur in it fewer than {f.min_count:,} times"
    if f.sample_unsupported is None:
        body = (f" {rare}; the corpus is too small beside the task to measure its own lines the "
                "same way, so it is called neither close nor far.")
    else:
        body = (f" {rare}, against {100 * f.sample_unsupported:.1f}% of random lines of its own "
                f"as large: the task's text is {distance(f)} the corpus's.")
    js = (f" (Jensen–Shannon divergence of their word frequencies {f.divergence:.2f}, 0 the same and 1 nothing "
          "shared; it grows as the task's text shrinks, so it is not what decides.)") if detailed else ""
    return head + body + js
