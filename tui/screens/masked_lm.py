"""Stage 1's masked language model: its training to watch (l: estimate, progress, held-out blanks
against the unigram baseline, the loss curve; ctrl+t trains, stops, goes on from the checkpoint),
and context changes the vector (o: a typed word's occurrences by the model's contextual vectors).
Computed by engine.pretraining.masked_lm and engine.inspect.contextual, worded in tui.presentation."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from ...engine.inspect.contextual import context_spread
from ...engine.pretraining.masked_lm import FIRST_WORD, corpus_texts, parameter_count
from ...engine.pretraining.transformer import Shape
from ...engine.settings import MASKED_LM
from ..presentation import contextual as words
from ..presentation import masked_lm
from .live import LiveView

GROUP_LINES = 3  # lines of each group shown
NEAREST = 5  # occurrences listed nearest the chosen one
SCATTER_ROWS = 7
STATIC_NEIGHBOURS = 5


class MaskedLMView(LiveView):
    TITLE = "Masked language model: pretraining by filling blanks"
    BINDINGS = [Binding("ctrl+t", "train_model", "Train, stop or go on training the masked language model",
                        id="view.masked_lm_train")]
    KEYS = (("ctrl+t", "train / stop"), ("o", "a word in context"), *LiveView.KEYS)

    def explanation(self) -> Text:
        s, budget = MASKED_LM, self.app.masked_lm_budget(self.result.experiment)
        model = self.app.masked_lm_for(self.result.experiment)
        if model is not None:  # its own size: the corpus's words, as many as the cap keeps
            size = f"{parameter_count(model.shape):,} parameters over its {len(model.words):,} words"
        else:
            largest = parameter_count(Shape(s.max_words + FIRST_WORD, s.max_length, s.dim, s.heads, s.hidden,
                                            s.layers))
            size = f"up to {largest:,} parameters, at most {s.max_words:,} words"
        kept = self.result.corpus.kept_tokens
        # The budget counts tokens read: past the corpus's size the lines are read again.
        again = f" (the corpus holds {kept:,}: it reads its lines again and again)" if budget > kept else ""
        return Text(f"A transformer encoder ({s.layers} layers, dimension {s.dim}, {s.heads} heads; {size}) "
                    f"learns from the corpus by filling blanks: {s.mask_share:.0%} of each line's words hidden. "
                    f"It trains on {budget:,} tokens{again}; {s.held_out_share:.0%} of the lines are kept out to "
                    "score its blanks.", style="dim")

    def answer_widgets(self) -> ComposeResult:
        yield Static(id="mlm-state")

    def on_mount(self) -> None:
        self.show_model()

    def show_model(self) -> None:
        model = self.app.masked_lm_for(self.result.experiment)
        training = self.app.masked_lm_training()
        if training is not None:
            state = masked_lm.training_lines(training)
        elif model is not None:
            state = Text.assemble(masked_lm.model_summary(model), "\n",
                                  ("loss " + masked_lm.sparkline(loss for _, loss in model.losses), "dim"),
                                  "\nf fills a blank with it; o shows a word's occurrences by its vectors; "
                                  "ctrl+t trains it again from the start, to watch it learn.")
        else:
            stopped = self.app.mlm_stopped_at
            state = Text.assemble(masked_lm.model_missing(), *(
                ("\n", masked_lm.model_cancelled_note(stopped, self.app.session.disk is not None))
                if stopped is not None else ()))
        self.query_one("#mlm-state", Static).update(state)

    def action_train_model(self) -> None:
        self.app.command_masked_lm()


class ContextView(LiveView):
    TITLE = "Context changes the vector: one word's occurrences"
    KEYS = (("tab", "occurrence #"), ("enter", "show"), *LiveView.KEYS)

    def explanation(self) -> Text:
        model = self.app.masked_lm_for(self.result.experiment)
        return words.context_help(len(model.words) - FIRST_WORD if model is not None else None)

    def inputs(self) -> ComposeResult:
        with Horizontal(classes="pair"):
            yield Input(value=self._start(), placeholder="a word", id="context-word")
            yield Input(value="1", placeholder="occurrence #", id="context-occurrence", type="integer")

    def _start(self) -> str:
        model = self.app.masked_lm_for(self.result.experiment)
        known = set(model.words) if model is not None else set()
        return next((p for p in self.result.experiment.probes if p in known), "")

    def answer_widgets(self) -> ComposeResult:
        yield Static(id="context-summary")
        yield Static(id="context-scatter")
        yield Static(id="context-static")
        yield Static(id="context-nearest")
        yield Static(id="context-groups")

    def on_mount(self) -> None:
        self.spread = None
        self.query_one("#context-word", Input).focus()
        self.ask()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "context-word" or self.spread is None or self.spread.word != self._word():
            self.ask()
        else:
            self.show()

    def _word(self) -> str:
        return self.query_one("#context-word", Input).value.strip().lower()

    def ask(self) -> None:
        model = self.app.masked_lm_for(self.result.experiment)
        summary = self.query_one("#context-summary", Static)
        if model is None:
            self.spread = None
            self._clear()
            summary.update(Text("No masked language model of this corpus yet: l shows its training (ctrl+t "
                                "there trains it), then this view places a word's occurrences.", style="dim"))
            return
        summary.update(Text(f"Finding '{self._word()}' in the corpus…", style="italic"))
        self._place(model, self._word())

    @work(thread=True, exclusive=True, group="context", exit_on_error=False)
    def _place(self, model, word: str) -> None:
        e = self.result.experiment
        spread = context_spread(model, word, corpus_texts(e.corpus_path), e.stopwords) if word else None
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._placed, word, spread)

    def _placed(self, word: str, spread) -> None:
        self.spread = spread
        if spread is None:
            self._clear()
            self.query_one("#context-summary", Static).update(Text(
                f"'{word}' occurs fewer than twice in the corpus (as the model reads it): nothing to place."
                if word else "Type a word, then enter.", style="dim"))
            return
        self.show()

    def _clear(self) -> None:
        for name in ("scatter", "static", "nearest", "groups"):
            self.query_one(f"#context-{name}", Static).update("")

    def show(self) -> None:
        spread, width = self.spread, max(20, self.size.width - 4)
        try:
            chosen = min(max(int(self.query_one("#context-occurrence", Input).value) - 1, 0),
                         len(spread.occurrences) - 1)
        except ValueError:
            chosen = 0
        self.query_one("#context-summary", Static).update(words.separation_sentence(spread))
        self.query_one("#context-scatter", Static).update(words.scatter(spread, width, SCATTER_ROWS, chosen))
        vectors = self.result.vectors.get("pretrained")
        neighbours = (vectors.nearest(spread.word, STATIC_NEIGHBOURS)
                      if vectors is not None and spread.word in vectors else None)
        self.query_one("#context-static", Static).update(words.fixed_vector_text(spread, "pretrained", neighbours))
        self.query_one("#context-nearest", Static).update(words.nearest_text(spread, chosen, NEAREST, width))
        self.query_one("#context-groups", Static).update(words.groups_text(spread, GROUP_LINES, width))
