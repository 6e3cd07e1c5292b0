"""Words that guide a user through the explorer: what a refused run means and what to do, what a
key did out of sight, where the lesson goes next."""

from __future__ import annotations

from rich.text import Text

from ...engine.experiment import ShippedExperiment
from ...engine.run.results import ExperimentResult
from .domain import distance


FIRST_RUN_HINT = ("Five stages, from pretraining to what it captures: n or → goes on, p or ← back, 1 to 5 jump. "
                  "? lists every key; ctrl+p opens another experiment.")


def refused_note(name: str, problem: str) -> str:
    """Stage 1's note when the first run was refused: there are no results to go back to."""
    return (f"{name} was not run. {problem}.\n\nWhat to do: ctrl+p, then Open experiment, opens another "
            "(or this one as it ships); or q quits, to start it again with other settings "
            "(pretrain-explorer --help lists them).")


def seed_change(seed: int, seeds: int) -> str:
    """What `r` changes: the random vectors, and the seeds the seeded approaches are averaged over
    (all but one as before, so their means move little). One status line at 80 columns."""
    if seeds == 1:
        return f"Seed {seed}: new random vectors (stage 1 shows their neighbours)."
    last = seed + seeds - 1
    return f"Seed {seed}: new random vectors; stages 3-4 now average seeds {seed} to {last}."


# The shipped experiment made to show what pretraining adds: its test words never occur in training.
SHOWS_THE_GAIN = "held-out"
# The real one where it shows: an in-domain corpus (docs/real-text.md has its measured curve).
SHOWS_IT_ON_REAL_TEXT = "packages"


def where_it_shows(r: ExperimentResult, split: str, winner: str | None, best_with_won: bool = True) -> str:
    """Where the lesson goes next, or "": when pretraining did not win the lesson's comparison on the
    test split (winner), or the best approach with pretraining did not beat the best without
    (best_with_won, the margin's third question)."""
    real = f"pretrain-explorer {SHOWS_IT_ON_REAL_TEXT}"
    if split != "test" or r.experiment.name in (SHOWS_THE_GAIN, SHOWS_IT_ON_REAL_TEXT):
        return ""
    if winner != "pretrained":
        return (f"Where it does: {SHOWS_THE_GAIN}, whose test sentiment words never occur in the labeled "
                f"ones, and {SHOWS_IT_ON_REAL_TEXT}, on real text (pretrain-explorer {SHOWS_THE_GAIN}; {real}).")
    if not best_with_won:
        return (f"Here the best approach with pretraining did not beat the best without; {SHOWS_IT_ON_REAL_TEXT} "
                f"shows real text where it does, its corpus of the same kind as its labeled sentences ({real})."
                + why_here(r))
    return ""


def why_here(r: ExperimentResult) -> str:
    """The domain figure's reason, where it gives one: the corpus is far from the task's text."""
    figure = getattr(r, "domain", None)
    if figure is None or distance(figure) != "far from":
        return ""
    fewer = "never" if figure.min_count == 1 else f"fewer than {figure.min_count:,} times"
    return (f" One reason here: the corpus has seen {100 * figure.unsupported:.0f}% of the task's tokens {fewer}, "
            f"against {100 * figure.sample_unsupported:.0f}% of random lines of its own (stage 1).")


def shipped_line(experiment: ShippedExperiment, current: bool) -> Text:
    """A shipped experiment in the Open list: its name, size and expected cost, then what it shows."""
    size = experiment.corpus_bytes
    shown = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(1, round(size / 1e3))} KB"
    packed = " gzip" if experiment.corpus_name.endswith(".gz") else ""
    head = Text.assemble((experiment.name, "bold"), f" · corpus {shown}{packed}",
                         f" · {experiment.expected}" if experiment.expected else "",
                         (" (open now)" if current else "", "dim"))
    return head + Text("\n" + experiment.summary, style="dim")
