"""Similarity groups pane: within- and between-group average cosine, and each group's words."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from engine.pipeline import ExperimentResult
from tui.widgets.chart import Chart
from tui.widgets.corpus import GROUP_STYLES


class GroupsPane(Vertical):
    DEFAULT_CSS = """
    GroupsPane { height: auto; border-title-align: left; }
    GroupsPane #group-members { height: auto; margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Chart("groups")
        yield Static(id="group-members")

    def on_mount(self) -> None:
        self.border_title = "Similarity groups"

    def show(self, result: ExperimentResult) -> None:
        self.query_one(Chart).result = result
        members = Text()
        for group, style in zip(result.groups.groups, GROUP_STYLES * 10):
            within = "n/a (needs two words)" if group.within is None else f"{group.within:.4f}"
            members.append(f"{group.name}", style=style)
            members.append(f" within {within}: ")
            members.append(", ".join(group.present))
            for word in group.missing:
                members.append(", ")
                members.append(f"{word} (missing)", style="dim strike")
            members.append("\n")
        for pair in result.groups.pairs:
            between = "n/a" if pair.between is None else f"{pair.between:.4f}"
            members.append(f"{pair.first} vs {pair.second} between {between}\n")
        self.query_one("#group-members", Static).update(members.rstrip() or members)
