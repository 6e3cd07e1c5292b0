"""Words and tables of the masked language model: its training as it goes, how it did on the
held-out blanks against the unigram baseline, and its words for a blank."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from ...engine.pretraining.masked_lm import MaskedLM, ModelBlank
from ...engine.settings import MLM_MIN_BLANKS_TO_COMPARE
from .style import pct

MODEL_SIDE = "masked LM"
TRAIN_HINT = "ctrl+t (or the palette's Train a masked language model)"


@dataclass(frozen=True)
class TrainingNow:
    """A training under way: how far, how fast, its recent loss (None before the first report)."""

    fraction: float
    tokens_per_second: float
    loss: float | None


def model_progress(now: TrainingNow) -> Text:
    if now.loss is None:
        return Text("Training the masked language model: starting… ctrl+t stops", style="italic")
    return Text(f"Training the masked LM: {pct(now.fraction)} · {now.tokens_per_second:,.0f} tokens/s · "
                f"loss {now.loss:.2f} · ctrl+t stops", style="italic")


def model_missing() -> Text:
    return Text(f"No masked language model of this corpus yet: {TRAIN_HINT} trains one to fill blanks.",
                style="dim")


def held_out_phrase(model: MaskedLM) -> str:
    """The model's accuracy on the held-out blanks beside always guessing the most frequent word;
    which is better is said only over enough blanks."""
    model_part = f"{pct(model.accuracy)} of {model.held_out_blanks:,} held-out blanks right"
    baseline_part = f"always '{model.baseline_word}' {pct(model.baseline_accuracy)}"
    if model.held_out_blanks < MLM_MIN_BLANKS_TO_COMPARE:
        return f"{model_part}, {baseline_part} (too few blanks to tell which is better)"
    verdict = ("better than" if model.accuracy > model.baseline_accuracy
               else "level with" if model.accuracy == model.baseline_accuracy else "worse than")
    return f"{model_part}, {verdict} {baseline_part}"


def model_summary(model: MaskedLM) -> Text:
    first = model.losses[0][1]
    return Text(f"masked LM: {model.tokens_trained:,} tokens, loss {first:.2f} → {model.final_loss:.2f}; "
                f"{held_out_phrase(model)}.", style="dim")


def model_trained_note(model: MaskedLM, stored: bool) -> str:
    how = "Found in the disk cache (trained" if stored else "Trained"
    return (f"{how} on {model.tokens_trained:,} tokens{')' if stored else ''}: {held_out_phrase(model)}. "
            "Fill the blank (f) shows its words.")


def model_blank_table(answer: ModelBlank) -> Table | Text:
    title = Text(MODEL_SIDE, style="bold")
    if not answer.has_blank:
        return Text.assemble(title, "\nPut _ where the missing word goes.")
    table = Table(title=title, title_justify="left", box=None, padding=(0, 1), show_header=False)
    table.add_column(no_wrap=True, overflow="ellipsis")
    table.add_column(justify="right")
    for word, probability in answer.candidates:
        table.add_row(Text(word), f"{probability:.3f}")
    return table
