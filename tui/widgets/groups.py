"""Similarity groups pane: within- and between-group average cosine, and each group's words."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ...engine.run.results import ExperimentResult
from .chart import Chart
from ..presentation.style import cosine, group_colour


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
        e = result.experiment
        names = tuple(g.name for g in result.groups.groups)
        for group in result.groups.groups:
            within = "n/a (needs two words)" if group.within is None else cosine(group.within)
            members.append(group.name, style=f"bold {group_colour(e.labels, names, group.name)}")
            members.append(f" within {within}")
            if group.random_within is not None:
                members.append(f" (random {cosine(group.random_within)})", style="dim")
            members.append(": ")
            members.append(", ".join(group.present))
            for word in group.missing:
                members.append(", ")
                members.append(f"{word} (missing)", style="dim strike")
            members.append("\n")
        for pair in result.groups.pairs:
            between = cosine(pair.between)
            members.append(f"{pair.first} vs {pair.second} between {between}")
            if pair.random_between is not None:
                members.append(f" (random {cosine(pair.random_between)})", style="dim")
            members.append("\n")
        self.query_one("#group-members", Static).update(members.rstrip() or members)
