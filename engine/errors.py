"""Errors the engine reports to people, rather than tracebacks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


class ExperimentError(Exception):
    """Bad input: names the file, the line where there is one, and the problem."""

    def __init__(self, path: str | Path | None, problem: str, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or "experiment"
        if self.line is not None:
            where = f"{where}, line {self.line}"
        return _printable(f"{where}: {self.problem}")

    def brief(self) -> str:
        """As str(), for a screen too narrow for a long path: only the file's name and its folder's,
        after "…/" (never a shorter path that reads as another, relative one)."""
        where = "experiment"
        if self.path:
            parts = Path(self.path).parts
            where = str(self.path) if len(str(self.path)) <= BRIEF_PATH or len(parts) <= 2 else \
                "…/" + str(Path(*parts[-2:]))
        return _printable(f"{where}{f', line {self.line}' if self.line is not None else ''}: {self.problem}")


BRIEF_PATH = 40  # characters: a path this long is shown whole in a brief message


def _printable(text: str) -> str:
    """One printable line: a control character quoted from a file (a NUL, an escape, a newline) is
    shown as its escape, never sent to the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class RunCancelled(Exception):
    """Raised inside a run when the caller asked it to stop; no partial result is returned."""


def stop_if_asked(should_stop: Callable[[], bool]) -> None:
    """Raise RunCancelled if the caller asked the run to stop: every long loop checks this way."""
    if should_stop():
        raise RunCancelled()
