"""The domain figure in words: how much of the task the corpus covers and how close it is."""

from __future__ import annotations

from ...engine.inspect.domain import DomainFigure
from ...engine.settings import DOMAIN_CLOSE_JS, DOMAIN_FAR_JS


def part(n: int, total: int) -> str:
    """n of total as a percentage that reads 100% only when it is all and 0% only when it is none."""
    if total and n == total:
        return "all"
    fraction = n / total if total else 0.0
    return f"{min(99.0, max(1.0, 100 * fraction)) if n else 0:.0f}%"


def distance(figure: DomainFigure) -> str:
    """close, far or neither, by the divergence against the settings' thresholds."""
    js = figure.divergence
    if js <= DOMAIN_CLOSE_JS:
        return "close to"
    if js >= DOMAIN_FAR_JS:
        return "far from"
    return "neither close to nor far from"


def domain_sentence(figure: DomainFigure, detailed: bool = False) -> str:
    """The figure in a sentence; `detailed` (the report) says what the divergence's scale means."""
    f = figure
    scale = ": 0 the same, 1 nothing shared" if detailed else ""
    seen = "at least once" if f.min_count == 1 else f"at least {f.min_count:,} times"
    return (f"The corpus knows {part(f.train_covered, f.train_tokens)} of the labeled tokens and "
            f"{part(f.test_covered, f.test_tokens)} of the test tokens; {part(f.supported, f.words)} of the task's "
            f"{f.words:,} words have a vector seen {seen} in the corpus; its word frequencies are "
            f"{distance(f)} the task's "
            f"(Jensen–Shannon divergence {f.divergence:.2f}{scale}).")
