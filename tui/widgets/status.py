"""The settings line: what the current results were computed with, and a job's progress."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar


class StatusLine(Horizontal):
    DEFAULT_CSS = """
    StatusLine { height: 1; }
    StatusLine #settings { width: 1fr; }
    StatusLine #job { width: auto; display: none; }
    StatusLine ProgressBar { width: 30; display: none; }
    StatusLine.-busy #job, StatusLine.-busy ProgressBar { display: block; }
    """

    def compose(self) -> ComposeResult:
        yield Label(id="settings")
        yield Label(id="job")
        yield ProgressBar(total=100, show_eta=False, id="progress")

    def show_settings(self, text: str) -> None:
        self.query_one("#settings", Label).update(Text(text))  # names and paths shown literally

    def show_progress(self, stage: str, fraction: float) -> None:
        self.add_class("-busy")
        self.query_one("#job", Label).update(Text(f"{stage} (esc cancels) "))
        self.query_one(ProgressBar).update(progress=round(fraction * 100))

    def done(self) -> None:
        self.remove_class("-busy")
