"""The word map (issue 24): the group words and probes in two dimensions under pretrained and random
vectors side by side, by PCA or along an axis between two groups (x cycles), and below them how well
that axis separates its groups' words when each is left out. Computed by engine.inspect.space,
worded and drawn by tui.presentation.word_map; this screen lays the pieces out."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from ...engine.inspect.space import AXIS, PCA
from ...engine.run.results import ExperimentResult
from ..presentation import word_map as words
from .live import LiveView

# Rows of the answer that are not the scatter's grid: each panel's y and x lines and its
# not-placed line, the legend, and a blank line above the separation sentence.
FRAME_ROWS = 5
MIN_GRID_ROWS = 5
SIDE_GAP = 2  # .view-answer .side's right margin


class WordMapView(LiveView):
    TITLE = "Word map: the groups' words under pretrained and random vectors"
    BINDINGS = [Binding("x", "next_projection", "Next projection", id="view.map_projection", show=False)]
    KEYS = (("x", "PCA / axis between groups"), *LiveView.KEYS)

    def __init__(self, result: ExperimentResult) -> None:
        super().__init__(result)
        pair = result.space.default_pair
        others = [p for p in result.space.map().pairs if p != pair]
        # PCA first, then the axis between the least alike groups, then every other pair.
        self.projections = [(PCA, pair), *([(AXIS, pair)] if pair else []), *((AXIS, p) for p in others)]
        self.shown = 0

    def explanation(self):
        return words.map_help(self._map())

    def answer_widgets(self) -> ComposeResult:
        with Horizontal(classes="sides"):
            for name in ("pretrained", "random"):
                yield Static(id=f"map-{name}", classes="side")
        yield Static(id="map-legend")
        yield Static(id="map-separation")

    def _map(self):
        kind, pair = self.projections[self.shown]
        return self.result.space.map(kind, pair)

    def on_mount(self) -> None:
        self.call_after_refresh(self.show)

    def on_resize(self) -> None:
        self.call_after_refresh(self.show)

    def action_next_projection(self) -> None:
        self.shown = (self.shown + 1) % len(self.projections)
        self.show()

    def show(self) -> None:
        if not self.is_mounted:
            return
        made = self._map()
        answer = self.query_one(".view-answer", VerticalScroll).size
        width = max(1, (answer.width - 2 * SIDE_GAP) // 2)
        sentence = words.separation_sentence(made.separation)
        sentence_rows = 1 + len(sentence) // max(1, answer.width)
        height = max(MIN_GRID_ROWS, answer.height - FRAME_ROWS - sentence_rows)
        groups = tuple(g.name for g in self.result.groups.groups)
        for projection in (made.pretrained, made.random):
            self.query_one(f"#map-{projection.vectors}", Static).update(
                words.scatter(projection, self.result.experiment.labels, groups, width, height))
        has_probes = any(p.group is None for p in made.pretrained.words)
        self.query_one("#map-legend", Static).update(words.legend(self.result.experiment.labels, groups, has_probes))
        self.query_one("#map-separation", Static).update(sentence)
        self.query_one(".view-help", Static).update(words.map_help(made))
