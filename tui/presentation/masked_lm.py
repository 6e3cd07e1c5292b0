"""Words and tables of the masked language model: its training as it goes, how it did on the
held-out blanks against the unigram baseline, and its words for a blank."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from ...engine.pretraining.masked_lm import MaskedLM, ModelBlank
from ...engine.settings import MLM_MIN_BLANKS_TO_COMPARE
from .style import pct

SPARK = "▁▂▃▄▅▆▇█"
SPARK_POINTS = 60  # of the loss curve drawn, the latest

MODEL_SIDE = "masked LM"
TRAIN_HINT = "ctrl+t (or the palette's Train a masked language model)"


@dataclass(frozen=True)
class TrainingNow:
    """A training under way: how far, how fast, its recent loss (None before the first report)."""

    fraction: float
    tokens_per_second: float
    loss: float | None
    budget: int = 0  # tokens
    memory: int | None = None  # bytes, estimated before it started
    trial_rate: float | None = None  # tokens a second of a trial step, before the first step
    resumed_from: int | None = None  # tokens of the checkpoint it went on from (0: from the start)
    held_out: tuple[int, int, float, float] | None = None  # (tokens, blanks, accuracy, baseline's)
    losses: tuple[float, ...] = ()


def model_progress(now: TrainingNow) -> Text:
    if now.loss is None:
        return Text("Training the masked language model: starting… ctrl+t stops", style="italic")
    return Text(f"Training the masked LM: {pct(now.fraction)} · {now.tokens_per_second:,.0f} tokens/s · "
                f"loss {now.loss:.2f} · ctrl+t stops", style="italic")


def estimate_line(now: TrainingNow) -> str:
    """Memory and time as estimated before the first step, said to be estimates."""
    parts = [f"about {now.memory / 2**20:,.0f} MB of memory"] if now.memory is not None else []
    left = now.budget - (now.resumed_from or 0)
    if now.trial_rate:
        parts.append(f"about {duration(left / now.trial_rate)} for {left:,} tokens at the "
                     f"{now.trial_rate:,.0f} tokens/s of a trial step")
    return ("Estimated before training: " + "; ".join(parts) + " (estimates: the rate below is measured)."
            if parts else "")


def duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def training_lines(now: TrainingNow) -> Text:
    """The masked LM view's account of a training under way: estimate, progress, held-out blanks, loss curve."""
    text = Text()
    if now.resumed_from:
        text.append(f"Going on from its checkpoint at {now.resumed_from:,} tokens.\n")
    text.append(estimate_line(now) + "\n" if estimate_line(now) else "")
    if now.loss is None:
        text.append("Starting…", style="italic")
        return text
    done = int(now.fraction * now.budget)
    left = (now.budget - done) / now.tokens_per_second if now.tokens_per_second else 0.0
    text.append(f"{pct(now.fraction)} of {now.budget:,} tokens · {now.tokens_per_second:,.0f} tokens/s · about "
                f"{duration(left)} left at that rate · loss {now.loss:.2f}\n", style="bold")
    if now.held_out is not None:
        tokens, blanks, accuracy, baseline = now.held_out
        text.append(f"Held-out blanks at {tokens:,} tokens: {pct(accuracy)} right of {blanks:,}, always the most "
                    f"frequent word {pct(baseline)}\n")
    text.append("loss " + sparkline(now.losses) + "\n", style="dim")
    return text


def sparkline(values) -> str:
    values = list(values)[-SPARK_POINTS:]
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    return "".join(SPARK[round((v - low) / span * (len(SPARK) - 1))] for v in values) + f" {values[-1]:.2f}"


def model_cancelled_note(now: TrainingNow | None, kept: bool) -> str:
    at = f" at about {pct(now.fraction)} of its {now.budget:,} tokens" if now is not None and now.loss else ""
    if not kept:
        return f"Training the masked language model was cancelled{at}: no model kept."
    return (f"Training the masked language model was cancelled{at}: its last checkpoint is kept, and training "
            "again goes on from there.")


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
