"""The lesson's ideas as live views over the current result: fill the blank, why are these
neighbours, why this prediction. Each computes in engine.inspect.explain and words in tui.presentation."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...engine.inspect.explain import BLANK, Explainer, fill_blank, shared_contexts
from ...engine.finetuning.approaches import APPROACH_NAMES
from ...engine.run.results import ExperimentResult
from ...engine.pretraining.masked_lm import fill_sentence
from ..presentation import masked_lm, views

BLANK_ROWS = 10
SHARED_ROWS = 8


class LiveView(Screen[None]):
    """A full screen over one result: a title, what it shows, its inputs, its answer; esc leaves."""

    BINDINGS = [Binding("escape", "dismiss", "Back to the stages", id="view.close")]
    TITLE = ""
    KEYS: tuple[tuple[str, str], ...] = (("esc", "back to the stages"),)

    def __init__(self, result: ExperimentResult) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        with Vertical(classes="live-view"):
            yield Label(Text(self.TITLE, style="bold"), classes="view-title")
            yield Static(self.explanation(), classes="view-help")
            yield from self.inputs()
            with VerticalScroll(classes="view-answer"):
                yield from self.answer_widgets()
        # The view's own keys: a Footer would list the explorer's behind them first and cut these off.
        yield Label(Text("  ·  ").join(Text.assemble((key, "bold"), " ", what) for key, what in self.KEYS),
                    classes="view-keys")

    def explanation(self) -> Text:
        raise NotImplementedError

    def inputs(self) -> ComposeResult:
        yield from ()

    def answer_widgets(self) -> ComposeResult:
        yield from ()

    def action_dismiss(self) -> None:
        self.dismiss(None)


class FillBlankView(LiveView):
    TITLE = "Fill the blank: which words fit the context?"
    BINDINGS = [Binding("ctrl+t", "train_model", "Train or stop the masked language model", id="view.masked_lm")]
    KEYS = (("enter", "fill the blank"), ("ctrl+t", "masked LM"), *LiveView.KEYS)

    def explanation(self) -> Text:
        return views.blank_help(self.result)

    def inputs(self) -> ComposeResult:
        # The corpus's first line with its last word blanked: the pretraining task itself.
        lines = self.result.experiment.corpus_preview or tuple(s.text for s in self.result.experiment.train)
        start = lines[0].rsplit(" ", 1)[0] + " _" if lines else "_"
        yield Input(value=start, placeholder="a sentence with _ for the missing word", id="blank-input")

    def answer_widgets(self) -> ComposeResult:
        yield Static(id="blank-context")
        yield Static(id="blank-model-state")
        with Horizontal(classes="sides"):
            for name in views.SIDES:
                yield Static(id=f"blank-{name}", classes="side")
            yield Static(id="blank-model", classes="side")

    def on_mount(self) -> None:
        self.show(self.query_one(Input).value)
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.show(event.value)

    def show(self, sentence: str) -> None:
        e = self.result.experiment
        for name in views.SIDES:
            answer = fill_blank(self.result.vectors[name], sentence, e.stopwords, BLANK_ROWS,
                                views.columns_are_words(self.result, name))
            self.query_one(f"#blank-{name}", Static).update(views.blank_table(name, answer))
        self.query_one("#blank-context", Static).update(views.blank_context(answer))
        self.show_model()

    def show_model(self) -> None:
        """The masked language model's words for the blank, or its training, or how to train one."""
        model = self.app.masked_lm_for(self.result.experiment)
        training = self.app.masked_lm_training()
        state = (masked_lm.model_progress(training) if training is not None
                 else masked_lm.model_summary(model) if model is not None else masked_lm.model_missing())
        self.query_one("#blank-model-state", Static).update(state)
        side = self.query_one("#blank-model", Static)
        side.display = model is not None
        if model is not None:
            answer = fill_sentence(model, self.query_one(Input).value, BLANK, self.result.experiment.stopwords,
                                   BLANK_ROWS)
            side.update(masked_lm.model_blank_table(answer))

    def action_train_model(self) -> None:
        self.app.command_masked_lm()


class WhyNeighboursView(LiveView):
    TITLE = "Why are these neighbours? The contexts two words share"
    KEYS = (("tab", "the other word"), ("enter", "ask"), *LiveView.KEYS)

    def explanation(self) -> Text:
        return views.shared_help(self.result)

    def inputs(self) -> ComposeResult:
        first, second = self._start()
        with Horizontal(classes="pair"):
            yield Input(value=first, placeholder="a word", id="first-word")
            yield Input(value=second, placeholder="another word", id="second-word")

    def _start(self) -> tuple[str, str]:
        for probe, ns in self.result.neighbors.items():
            if ns:
                return probe, ns[0][0]
        return "", ""

    def answer_widgets(self) -> ComposeResult:
        with Horizontal(classes="sides"):
            for name in views.SIDES:
                yield Static(id=f"shared-{name}", classes="side")

    def on_mount(self) -> None:
        self.show()
        self.query_one("#first-word", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.show()

    def show(self) -> None:
        first = self.query_one("#first-word", Input).value.strip().lower()
        second = self.query_one("#second-word", Input).value.strip().lower()
        for name in views.SIDES:
            answer = shared_contexts(self.result.vectors[name], first, second, SHARED_ROWS,
                                     views.columns_are_words(self.result, name))
            self.query_one(f"#shared-{name}", Static).update(views.shared_table(name, answer))


class WhyPredictionView(LiveView):
    """Every approach of the result, in pages as wide as the screen (left/right): the trained ones
    from the classifiers the run kept, the nearest-centroid ones from their vectors."""

    TITLE = "Why this prediction? Each word's push toward each class"
    # Page up and down scroll the pushes, not the sentence list (whose up/down pick a sentence).
    BINDINGS = [Binding("left", "page(-1)", "Approaches", id="view.previous", show=False),
                Binding("right", "page(1)", "More approaches", id="view.next", show=False),
                Binding("pageup", "scroll_pushes(-1)", "Scroll the pushes", show=False, priority=True),
                Binding("pagedown", "scroll_pushes(1)", "Scroll the pushes", show=False, priority=True)]
    KEYS = (("up/down", "sentence"), ("pgup/pgdn", "scroll"), ("left/right", "approaches"), ("esc", "back"))

    def __init__(self, result: ExperimentResult, transfer_first: bool = False) -> None:
        super().__init__(result)
        self.explainer = Explainer(result)
        # From the transfer stage, its sentences (after the test ones in the list) come first.
        first = len(result.experiment.test) if transfer_first and result.experiment.transfer else 0
        self.page, self.index = 0, first
        self.shown_sentence: int | None = None  # the sentence whose pushes show, scrolled to its top

    def explanation(self) -> Text:
        return Text("")

    def inputs(self) -> ComposeResult:
        e = self.result.experiment
        sentences = [*e.test, *(e.transfer or ())]
        yield OptionList(*(Option(Text(s.text), id=str(k)) for k, s in enumerate(sentences)), id="sentences")
        self.sentences = sentences
        # The pager and the table's header stay while its rows scroll below them.
        yield Static(id="push-pager")
        yield Static(id="push-header")

    def answer_widgets(self) -> ComposeResult:
        yield Static(id="pushes")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self.index
        options.focus()
        self.show(self.index)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show(event.option_index)

    def on_resize(self) -> None:
        self.show(self.index)

    def action_scroll_pushes(self, step: int) -> None:
        answer = self.query_one(".view-answer", VerticalScroll)
        answer.scroll_page_down() if step > 0 else answer.scroll_page_up()

    def action_page(self, step: int) -> None:
        self.page += step
        self.show(self.index)

    def _names(self) -> list[str]:
        """The approaches to explain: every one of the result, or (before training) the centroid ones."""
        return [n for n in APPROACH_NAMES if self.explainer.can_explain(n)]

    def show(self, index: int) -> None:
        if not self.sentences or not self.is_mounted:
            return
        self.index = index
        text = self.sentences[index].text
        explained = {n: self.explainer.explain(n, text) for n in self._names()}
        if not explained:
            return
        pages = views.push_pages(explained, self.query_one(".view-answer").size.width or self.size.width)
        page = self.page = min(max(self.page, 0), len(pages) - 1)
        shown = {n: explained[n] for n in pages[page]}
        self.query_one(".view-help", Static).update(views.push_help(shown))
        self.query_one("#push-header", Static).update(views.push_header(shown))
        self.query_one("#pushes", Static).update(views.push_table(self.result, shown, show_header=False))
        if index != self.shown_sentence:  # a new sentence starts at its score
            self.query_one(".view-answer", VerticalScroll).scroll_home(animate=False)
            self.shown_sentence = index
        pager = self.query_one("#push-pager", Static)
        line = views.push_pager(page, pages)
        pager.update(line)
        pager.display = bool(line.plain)
