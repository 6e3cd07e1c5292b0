"""The word map (issue 24): the group words and probes in two dimensions under pretrained and random
vectors side by side, by PCA or along an axis between two groups (x cycles), and below them how well
that axis separates its groups' words when each is left out. A word typed in its input joins the
map with its nearest words in each panel; pairs typed as good-bad, great-awful make an axis; o shows
the axis over the whole vocabulary; e exports. Computed by engine.inspect (space, reach,
typed_axes, projector), worded and drawn by tui.presentation (word_map, map_axes); this screen lays
the pieces out."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Static

from ...engine.inspect.space import AXIS, PAIRS, PCA
from ...engine.inspect.typed_axes import MapRefused, TypedPairs, read_query
from ...engine.run.results import ExperimentResult
from ..presentation import map_axes
from ..presentation import word_map as words
from .live import LiveView

# Rows of the answer that are not the scatter's grid: each panel's y and x lines and its
# not-placed line, and a blank line above the separation sentence (the legend's rows are counted).
FRAME_ROWS = 4
MIN_GRID_ROWS = 5
SIDE_GAP = 2  # .view-answer .side's right margin
SVG_COLUMNS = 100  # the exported picture's width: both panels and their labels, wider than a terminal's


def map_svg(result: ExperimentResult, made) -> str:
    """The map `made` of `result` as the SVG picture its export writes (e here, or the palette)."""
    picture = map_axes.map_picture(made, result.experiment.labels, tuple(g.name for g in result.groups.groups),
                                   SVG_COLUMNS, words.REPORT_GRID_ROWS + 4)
    return map_axes.map_svg(f"{result.experiment.name}: word map", picture, SVG_COLUMNS)


class WordMapView(LiveView):
    TITLE = "Word map: the groups' words under pretrained and random vectors"
    AUTO_FOCUS = None
    BINDINGS = [Binding("x", "next_projection", "Next projection", id="view.map_projection", show=False),
                Binding("slash", "focus_input", "Type a word or pairs", id="view.map_input", show=False),
                Binding("o", "toggle_reach", "The axis over the whole vocabulary", id="view.map_reach", show=False),
                Binding("e", "export", "Export the map", id="view.map_export", show=False),
                Binding("escape", "leave", "Leave the input, or the view", id="view.close")]
    KEYS = (("x", "PCA/axes"), ("/", "word or pairs"), ("o", "vocabulary"), ("e", "export"),
            ("esc", "back"))

    def __init__(self, result: ExperimentResult) -> None:
        super().__init__(result)
        pair = result.space.default_pair
        others = [p for p in result.space.map().pairs if p != pair]
        # PCA first, then the axis between the least alike groups, then every other pair.
        self.projections = [(PCA, pair), *([(AXIS, pair)] if pair else []), *((AXIS, p) for p in others)]
        self.shown = 0
        self.chosen: str | None = None
        self.typed: TypedPairs | None = None
        self.reach_shown = False
        self.refusal: str | None = None

    def explanation(self):
        return words.map_help(self._map())

    def inputs(self) -> ComposeResult:
        typing = Input(placeholder="/ a word (its nearest join the map) or pairs: good-bad, great-awful",
                       id="map-input")
        typing.can_focus = False  # focused only by /, so that x, o and e are keys, not letters typed
        yield typing

    def answer_widgets(self) -> ComposeResult:
        with Horizontal(classes="sides"):
            for name in ("pretrained", "random"):
                yield Static(id=f"map-{name}", classes="side")
        yield Static(id="map-legend")
        yield Static(id="map-separation")

    def _map(self):
        kind, pair = self.projections[self.shown]
        return self.result.space.map(kind, pair, self.chosen, self.typed if kind == PAIRS else None)

    def on_mount(self) -> None:
        self.call_after_refresh(self.show)

    def on_resize(self) -> None:
        self.call_after_refresh(self.show)

    def action_next_projection(self) -> None:
        self.shown = (self.shown + 1) % len(self.projections)
        self.refusal = None  # the help line says what the new projection is
        self.show()

    def action_focus_input(self) -> None:
        typing = self.query_one("#map-input", Input)
        typing.can_focus = True
        typing.focus()

    def _leave_input(self, typing: Input) -> None:
        typing.blur()
        typing.can_focus = False

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.value.startswith("/"):  # the / that focused the input reaches it too; no word starts so
            event.input.value = event.value.lstrip("/")

    def action_leave(self) -> None:
        typing = self.query_one("#map-input", Input)
        if typing.has_focus:
            self._leave_input(typing)
        else:
            self.dismiss(None)

    def action_toggle_reach(self) -> None:
        self.reach_shown = not self.reach_shown
        self.show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """A word: it and its nearest words join the map; pairs: their axis is shown (and joins x's
        cycle); empty: both go. Anything else is refused in one line and the map stays as it was."""
        try:
            asked = read_query(event.value.lstrip("/"), self.result.vectors["pretrained"])
            if isinstance(asked, TypedPairs):
                self.result.space.map(PAIRS, None, self.chosen, asked)  # refused here if it points nowhere
        except MapRefused as exc:
            self.refusal = f"Refused: {exc}."
            self._leave_input(event.input)
            self.show()
            return
        self.refusal = None
        self.projections = [p for p in self.projections if p[0] != PAIRS]
        if isinstance(asked, TypedPairs):
            self.typed = asked
            self.projections.append((PAIRS, self.result.space.default_pair))
            self.shown = len(self.projections) - 1
        elif asked is None:
            self.chosen, self.typed = None, None
            self.shown = min(self.shown, len(self.projections) - 1)
        else:
            self.chosen = asked
            if self.typed is not None:
                self.projections.append((PAIRS, self.result.space.default_pair))
        self._leave_input(event.input)
        self.show()

    def _reach_pair(self):
        kind, pair = self.projections[self.shown]
        return pair if kind == AXIS else self.result.space.default_pair

    def action_export(self) -> None:
        made = self._map()
        self.app.export_map(self.result, made, map_svg(self.result, made))

    def show(self) -> None:
        if not self.is_mounted:
            return
        made = self._map()
        answer = self.query_one(".view-answer", VerticalScroll).size
        width = max(1, (answer.width - 2 * SIDE_GAP) // 2)
        self.query_one(".sides").display = self.query_one("#map-legend").display = not self.reach_shown
        if self.reach_shown:
            below = Text("\n").join(map_axes.reach_lines(self.result.space.reach(self._reach_pair()),
                                                          self.result.experiment.lexicon, max(20, answer.width)))
            below_rows = len(below.plain.split("\n"))
        else:
            below = Text(words.separation_sentence(made.separation))
            below_rows = 1 + len(below.plain) // max(1, answer.width)
        groups = tuple(g.name for g in self.result.groups.groups)
        has_probes = any(p.group is None and not p.role for p in made.pretrained.words)
        legend = words.legend(self.result.experiment.labels, groups, has_probes, words.roles_shown(made))
        legend_rows = 1 + (len(legend.plain) - 1) // max(1, answer.width)
        x_rows = max(len(words.x_lines(p, width)) for p in (made.pretrained, made.random))
        height = max(MIN_GRID_ROWS, answer.height - FRAME_ROWS - (x_rows - 1) - legend_rows - below_rows)
        for projection in (made.pretrained, made.random):
            self.query_one(f"#map-{projection.vectors}", Static).update(
                words.scatter(projection, self.result.experiment.labels, groups, width, height))
        self.query_one("#map-legend", Static).update(legend)
        self.query_one("#map-separation", Static).update(below)
        help_line = Text(self.refusal, "bold") if self.refusal else words.map_help(made)
        self.query_one(".view-help", Static).update(help_line)
