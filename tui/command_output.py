"""What the commands write: a line to standard output, its failure seen at once, and a progress bar on stderr."""

from __future__ import annotations

import sys
import time

from ..engine.progress import ProgressEvent


class OutputFailed(Exception):
    """Standard output could not be written (a full disk, a closed terminal)."""


def print_out(text: str) -> None:
    """Print to standard output now, so that a failure to write is seen here, not at exit."""
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputFailed(exc.strerror or str(exc)) from None


class ProgressBar:
    """A one-line progress bar on stderr with tokens per second; plain lines when not a terminal."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, event: ProgressEvent) -> None:
        fraction = event.fraction  # the step's own, as `pretrain` runs one step after another
        now = time.monotonic()
        if now - self.last < (0.1 if self.tty else 5.0) and fraction < 1.0:
            return
        self.last = now
        filled = round(30 * fraction)
        line = f"[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {event.label}"
        print(f"\r{line:<100}" if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr)
