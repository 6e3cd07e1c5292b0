"""A scrolling area where left and right walk the stages instead of scrolling sideways."""

from textual.binding import Binding
from textual.containers import VerticalScroll


class Scroller(VerticalScroll):
    BINDINGS = [
        Binding("left", "app.previous_stage", "Previous stage", show=False),
        Binding("right", "app.next_stage", "Next stage", show=False),
    ]
