"""A lexicon file as word groups: lines `word,class` or `word,score` (a tab instead of the comma
in a .tsv), named by a manifest's `[analysis] lexicon` instead of hand-written [analysis.groups]."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExperimentError
from ..text import read_text, tokenize

POSITIVE, NEGATIVE = "positive", "negative"  # the groups of a score lexicon: the scores' signs


@dataclass(frozen=True)
class Lexicon:
    path: Path
    scored: bool  # word,score lines (groups by the score's sign) rather than word,class
    words: int  # listed in the file
    kept: int  # per group at most, as the groups show them
    groups: tuple[tuple[str, tuple[str, ...]], ...]
    scores: tuple[tuple[str, float], ...] = ()  # every word's score, in the file's order (score lexicons)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def read_lexicon(path: Path, labels: tuple[str, ...], kept: int) -> Lexicon:
    """The groups of a lexicon. A header line starting `word` and lines starting `#` are skipped.
    The first line decides the kind: a second field that is a number and no class of the train set
    makes a score lexicon (groups `positive` and `negative`, by the sign, largest magnitude first),
    else a class lexicon (a group per class, in the file's order). At most `kept` words a group."""
    path = Path(path)
    entries: list[tuple[str, str, int]] = []
    for number, raw in enumerate(read_text(path).splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in (line.split("\t") if "\t" in line else line.split(","))]
        if not entries and fields[0].lower() == "word":
            continue  # the header
        if len(fields) != 2:
            raise ExperimentError(path, f"expected a word and a class or score, found {len(fields)} field(s)", number)
        word, value = fields[0].lower(), fields[1]
        if tokenize(word) != [word]:
            raise ExperimentError(path, f"{fields[0]!r} is not one word of letters, as the corpus is split into; "
                                        "no vector could match it", number)
        if not value:
            raise ExperimentError(path, f"{word} has no class or score", number)
        entries.append((word, value, number))
    if not entries:
        raise ExperimentError(path, "holds no words (lines of a word and a class or score)")
    first = entries[0][1]
    scored = _number(first) is not None and first not in labels
    seen: dict[str, int] = {}
    for word, value, number in entries:
        if word in seen:
            raise ExperimentError(path, f"{word} is listed already, on line {seen[word]}", number)
        seen[word] = number
        if scored:
            score = _number(value)
            if score is None or not math.isfinite(score):
                raise ExperimentError(path, f"the score {value!r} is not a finite number (line {entries[0][2]} "
                                            "gives a score, so every line does)", number)
    if scored:
        scores = [(word, float(value)) for word, value, _ in entries]
        groups = ((POSITIVE, [w for w, s in sorted(scores, key=lambda p: -p[1]) if s > 0]),
                  (NEGATIVE, [w for w, s in sorted(scores, key=lambda p: p[1]) if s < 0]))
    else:
        by_class: dict[str, list[str]] = {}
        for word, value, _ in entries:
            by_class.setdefault(value, []).append(word)
        groups = tuple(by_class.items())
    kept_groups = tuple((name, tuple(words[:kept])) for name, words in groups if words)
    if not kept_groups:
        raise ExperimentError(path, "every score is 0: no word leans either way, so there are no groups")
    return Lexicon(path, scored, len(entries), kept, kept_groups, tuple(scores) if scored else ())
