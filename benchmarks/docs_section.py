"""A benchmark's section of docs/benchmarks.md, rewritten in place between its markers."""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(heading: str, begin: str, end: str, section: str, docs: Path = DOCS) -> None:
    """`section` between the `begin` and `end` markers, replacing what was there; where the markers
    are missing, appended at the end under `heading`."""
    text = docs.read_text()
    block = f"{begin}\n\n{section}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + f"\n\n{heading}\n\n{block}\n"
    docs.write_text(text)


def publish(section: str, write: bool, heading: str, begin: str, end: str) -> None:
    """The section printed, and written into docs/benchmarks.md when asked (--write)."""
    print(section)
    if write:
        write_section(heading, begin, end, section)
