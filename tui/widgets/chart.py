"""A plotext chart as a widget: redrawn at its own size on resize and on theme change."""

from __future__ import annotations

from rich.text import Text
from textual.color import Color
from textual.reactive import reactive
from textual.widget import Widget

from engine.pipeline import ExperimentResult
from tui.charts import chart, chart_height


class Chart(Widget):
    """Draws one of the named charts of tui.charts for the current result."""

    DEFAULT_CSS = "Chart { height: 9; width: 1fr; }"
    result: reactive[ExperimentResult | None] = reactive(None, layout=True)

    def __init__(self, chart_name: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.chart_name = chart_name
        self._drawn_key: tuple | None = None
        self._drawn = Text("")

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh())

    def watch_result(self, result: ExperimentResult | None) -> None:
        if result is not None:
            self.styles.height = chart_height(result, self.chart_name)

    def render(self) -> Text:
        if self.result is None or self.size.width < 20 or self.size.height < 5:
            return Text("")
        primary = Color.parse(self.app.current_theme.primary)
        key = (id(self.result), self.size, primary.rgb)
        # plotext takes milliseconds per chart; redraws of an unchanged chart reuse the last one.
        if key != self._drawn_key:
            self._drawn_key = key
            self._drawn = Text.from_ansi(
                chart(self.result, self.chart_name, width=self.size.width, height=self.size.height,
                      color=True, bar_color=primary.rgb)
            )
        return self._drawn
