"""One of the presentation layer's charts as a widget, redrawn at its own width."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ...engine.run.results import ExperimentResult
from ..presentation.charts import chart, chart_height


class Chart(Widget):
    DEFAULT_CSS = "Chart { height: auto; width: 1fr; }"
    result: reactive[ExperimentResult | None] = reactive(None, layout=True)

    def __init__(self, chart_name: str, hint: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.chart_name = chart_name
        self.hint = hint  # a line under the chart, for the explorer only: the report prints the chart alone
        self._drawn_key: tuple | None = None
        self._drawn = Text("")

    def _draw(self, width: int) -> Text:
        key = (id(self.result), width)
        # plotext takes milliseconds per chart; redraws of an unchanged chart reuse the last one.
        if key != self._drawn_key:
            self._drawn_key = key
            if self.hint:  # within the chart's own height
                height = chart_height(self.result, self.chart_name, width) - 1
                self._drawn = chart(self.result, self.chart_name, width, height) + Text("\n" + self.hint, style="dim")
            else:
                self._drawn = chart(self.result, self.chart_name, width)  # at the chart's own height
        return self._drawn

    def get_content_height(self, container, viewport, width: int) -> int:
        if self.result is None or width < 20:
            return 1
        return len(self._draw(width).plain.splitlines())

    def render(self) -> Text:
        if self.result is None or self.size.width < 20:
            return Text("")
        return self._draw(self.size.width)
