"""Number formats and colours: one colour per class label and one per approach, everywhere."""

from __future__ import annotations

# Class labels, by their place among the experiment's sorted labels (negative, positive on the
# kata): the same label always gets the same colour within an experiment.
# Mid-tones, to read on light and dark backgrounds alike; Textual and Rich bring them down to the
# nearest of 256 colours where the terminal has no more.
LABEL_COLOURS = ("#d0342c", "#2e9e44", "#c98a00", "#8e44ad", "#1f8fb8", "#a0522d")
# Approaches by name; an approach added later takes the next spare colour.
APPROACH_COLOURS = {
    "random": "#8a8a8a",
    "pretrained": "#3b82f6",  # the lesson's bar colour
    "from_scratch": "#d97706",
    "linear_probe": "#0e9f9a",
    "fine_tuned": "#8b5cf6",
    "random_fine_tuned": "#db2777",
    "bag_of_words": "#65a30d",
}
SPARE_COLOURS = ("#a16207", "#0369a1", "#be123c", "#4d7c0f")
# Line-chart markers: each approach's initial, so the lines read without colour too.
MARKERS = {"random": "R", "pretrained": "P", "from_scratch": "S", "linear_probe": "L",
           "fine_tuned": "F", "random_fine_tuned": "X", "bag_of_words": "B",
           "mlm_fine_tuned": "M", "mlm_from_scratch": "T", "mlm_frozen": "Z"}  # T: the twin; Z: frozen
NEUTRAL = "#8a8a8a"


def label_colour(labels: tuple[str, ...], label: str) -> str:
    return LABEL_COLOURS[labels.index(label) % len(LABEL_COLOURS)] if label in labels else NEUTRAL


def approach_colour(name: str, names: tuple[str, ...] = ()) -> str:
    if name in APPROACH_COLOURS:
        return APPROACH_COLOURS[name]
    extra = [n for n in names if n not in APPROACH_COLOURS]
    return SPARE_COLOURS[extra.index(name) % len(SPARE_COLOURS)] if name in extra else NEUTRAL


def marker(name: str) -> str:
    return MARKERS.get(name, name[:1].upper() or "*")


def rgb(colour: str) -> tuple[int, int, int]:
    """'#rrggbb' as a tuple, for plotext."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def pct(fraction: float) -> str:
    """A share as a whole percentage: 0.5 -> '50%'."""
    return f"{100 * fraction:.0f}%"


def number(x: float) -> str:
    """At most one decimal, none when it is whole: 4.0 -> '4', 49.17 -> '49.2'."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def points(x: float) -> str:
    """Accuracy points, always positive in words (the sign is said by who beat whom)."""
    value = number(abs(x))
    return f"{value} point" if value == "1" else f"{value} points"


def cosine(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def similarity(x: float | None) -> str:
    """A group's average cosine as the lesson prints it, to four decimals."""
    return "n/a" if x is None else f"{x:.4f}"


def score(x: float) -> str:
    return f"{x:+.3f}"


def a_or_an(n: int) -> str:
    """The article before a number as it is read: an 8, an 11, an 18, an 86, an 800, an 11,000; a 100."""
    digits = str(n)
    return "an" if digits.startswith("8") or (len(digits) % 3 == 2 and digits[:2] in ("11", "18")) else "a"


def seeds(n: int) -> str:
    return "1 seed" if n == 1 else f"{n} seeds"


def group_colour(labels: tuple[str, ...], group_names: tuple[str, ...], name: str) -> str:
    """A word group named like a class label takes that label's colour; others the next spare ones."""
    if name in labels:
        return label_colour(labels, name)
    others = [g for g in group_names if g not in labels]
    return SPARE_COLOURS[others.index(name) % len(SPARE_COLOURS)] if name in others else NEUTRAL
