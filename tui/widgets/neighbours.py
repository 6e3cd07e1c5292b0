"""Neighbours pane: the experiment's probes and any word typed, each with its nearest words, pretrained
and random side by side, with bars; as many words as the pane's height holds, the rest a key away."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static

from ...engine.inspect.neighbours import NeighbourAnswer

BAR_WIDTH = 8


def bar(score: float) -> Text:
    """A bar for a cosine in [-1, 1]: its length shows the magnitude, red when negative (an
    analogy's 3CosMul ratio, which may pass 1, fills it there)."""
    cells = round(min(abs(score), 1.0) * BAR_WIDTH * 8)
    full, part = divmod(cells, 8)
    text = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
    return Text(text.ljust(BAR_WIDTH), style="red" if score < 0 else "green")


def neighbour_table(title: str, rows: tuple[tuple[str, float], ...]) -> Table:
    # Padding on the right only: at 120 columns each table gets 29, where a word of 10 letters was cut.
    table = Table(title=Text(title), title_justify="left", box=None, padding=(0, 1, 0, 0), expand=True,
                  show_header=False)
    table.add_column("word", ratio=1, min_width=12, no_wrap=True, overflow="ellipsis")
    table.add_column("cosine", justify="right", width=6)
    table.add_column("bar", width=BAR_WIDTH)
    for word, score in rows:
        table.add_row(Text(word), f"{score:.3f}", bar(score))
    return table


class NeighbourTables(VerticalScroll):
    """The lists' frame: how many words, and rows of each, fit depends on its height, so a change of
    it (the pane's own size may stay) draws the page again."""

    def on_resize(self) -> None:
        pane = self.parent
        if isinstance(pane, NeighboursPane):
            pane.call_after_refresh(pane._show_page)


class NeighboursPane(Vertical):
    """Asks the app for a word's neighbours (a worker computes them) and shows the answer."""

    DEFAULT_CSS = """
    NeighboursPane { height: 1fr; border-title-align: left; }
    NeighboursPane Input, NeighboursPane Input:focus { border: none; height: 1; padding: 0 1; margin: 0; }
    NeighboursPane Input:focus { background: $boost; }
    NeighboursPane #neighbour-message { height: auto; }
    NeighboursPane #neighbour-tables { height: 1fr; }
    NeighboursPane #neighbour-pages { height: 1; color: $text-muted; }
    NeighboursPane Horizontal { height: auto; }
    NeighboursPane .neighbour-table { width: 1fr; height: auto; display: none; }
    NeighboursPane #neighbours-pretrained { display: block; }
    NeighboursPane.-compare-random #neighbours-random,
    NeighboursPane.-compare-from_scratch #neighbours-from_scratch,
    NeighboursPane.-compare-fine_tuned #neighbours-fine_tuned { display: block; }
    """

    # What the right-hand column can show beside the pretrained neighbours; `c` cycles through them.
    COMPARE = ("random", "from_scratch", "fine_tuned")
    TITLES = {"pretrained": "pretrained", "random": "random", "from_scratch": "from scratch",
              "fine_tuned": "fine-tuned"}

    class Query(Message):
        def __init__(self, word: str) -> None:
            super().__init__()
            self.word = word

    def compose(self) -> ComposeResult:
        yield Input(placeholder="a word, then enter  (/ to type here, esc to leave)", id="neighbour-input")
        yield Static(id="neighbour-message")
        # The lists scroll within the pane's share of the screen, so a long top-N never pushes
        # the corpus off it.
        with NeighbourTables(id="neighbour-tables", can_focus=False):
            with Horizontal():
                for name in ("pretrained", *self.COMPARE):
                    yield Static(classes="neighbour-table", id=f"neighbours-{name}")
        yield Static(id="neighbour-pages")

    probes: tuple[str, ...] = ()  # the experiment's, shown below a word typed
    answers: tuple[NeighbourAnswer, ...] = ()  # for `words`, in their order
    page = 0
    pages = 1  # how many pages the words on screen take, as last drawn

    def on_mount(self) -> None:
        self.border_title = "Neighbours"
        self.compare = self.COMPARE[0]
        self.add_class(f"-compare-{self.compare}")

    def cycle_compare(self) -> str:
        """Show the next approach beside the pretrained one; returns its name."""
        self.remove_class(f"-compare-{self.compare}")
        self.compare = self.COMPARE[(self.COMPARE.index(self.compare) + 1) % len(self.COMPARE)]
        self.add_class(f"-compare-{self.compare}")
        self.border_title = f"Neighbours · c: compare with {self.TITLES[self.compare]}"
        return self.compare

    @property
    def word(self) -> str:
        return self.query_one(Input).value.strip().lower()

    @property
    def words(self) -> tuple[str, ...]:
        """What the pane shows, page by page: the word typed, then the experiment's probes."""
        return tuple(dict.fromkeys(w for w in (self.word, *self.probes) if w))

    def set_word(self, word: str) -> None:
        self.query_one(Input).value = word

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.page = 0
        self.post_message(self.Query(self.word))  # an empty word: back to the probes alone

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_page)

    def on_descendant_focus(self) -> None:
        self._show_page()  # the hint names the key that leaves the input first

    def on_descendant_blur(self) -> None:
        self._show_page()

    def show(self, answers: tuple[NeighbourAnswer, ...]) -> None:
        self.answers = answers
        message = self.query_one("#neighbour-message", Static)
        typed = next((a for a in answers if a.word == self.word), None)
        if typed is not None and not typed.known:
            hint = f" Closest spellings in it: {', '.join(typed.closest)}." if typed.closest else ""
            unknown = typed.missing[0] if typed.missing else typed.word  # an analogy's word, or the word
            message.update(
                Text.assemble((f"“{unknown}”", "bold"), f" is not in the vocabulary ({typed.vocabulary} words).{hint}")
            )
        message.display = typed is not None and not typed.known
        self.call_after_refresh(self._show_page)  # once the message has taken its lines

    def next_page(self) -> bool:
        """The next words that fit (round to the first); `m` on stage 1. False when all fit on one page."""
        self.page += 1
        self._show_page()
        return self.pages > 1

    def _show_page(self) -> None:
        # Known words once each: "Excellent!" typed asks for the probe excellent.
        known = list({a.word: a for a in self.answers if a.known}.values())
        tables = {name: self.query_one(f"#neighbours-{name}", Static) for name in ("pretrained", *self.COMPARE)}
        pages = self.query_one("#neighbour-pages", Static)
        self.pages = 1
        if not known:
            for table in tables.values():
                table.update("")
            pages.update("")
            return
        # A word's block is its title and its rows, then a blank line: as many blocks as the lists' height holds.
        rows = 1 + max(len(a.neighbors.get(name, ())) for a in known for name in tables)
        height = self.query_one("#neighbour-tables").size.height
        fit = max(1, (height + 1) // (rows + 1)) if height else len(known)
        # Not even one word's whole list fits (80x24): its first rows, and the hint says so.
        cut = max(1, height - 1) if 0 < height < rows else None
        count = self.pages = -(-len(known) // fit)
        self.page %= count
        shown = known[self.page * fit:(self.page + 1) * fit]
        for name, table in tables.items():
            blocks = []
            for answer in shown:
                title = f"{self.TITLES[name]} · “{answer.word}”"
                found = answer.neighbors.get(name, ())[:cut]
                block = (neighbour_table(title, found) if found
                         else Text(f"{title}\nnot in this vocabulary", style="dim"))
                blocks += [block, Text("\n" * (rows - max(len(found), 1)), end="")]
            table.update(Group(*blocks))
        hint = page_hint(known, self.page, fit, len(self.probes), self.query_one(Input).has_focus)
        if cut is not None:
            hint.append(f" · {cut} of {rows - 1} neighbours fit here")
        pages.update(hint)


def page_hint(known: list[NeighbourAnswer], page: int, fit: int, probes: int, typing: bool) -> Text:
    """Which words are on screen and, when some are not, the key that shows them (after esc while typing)."""
    if len(known) <= fit:
        return Text(f"{probes} probe{'s' * (probes != 1)} of this experiment · / looks up another word"
                    if probes else "/ looks up a word", no_wrap=True, overflow="ellipsis")
    first = page * fit
    last = min(first + fit, len(known))
    following = known[last:last + fit] if last < len(known) else known[:fit]
    shown = f"{first + 1}" if last == first + 1 else f"{first + 1}–{last}"
    return Text(f"{shown} of {len(known)} words · {'esc, then m' if typing else 'm'} shows "
                + ", ".join(a.word for a in following), no_wrap=True, overflow="ellipsis")
