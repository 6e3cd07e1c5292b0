"""What each approach is, in one line, and what its scores are: from the engine's registry, so a
new approach is named on every screen and in the report without an edit here."""

from __future__ import annotations

from ...engine.finetuning.approaches import BY_NAME, MASKED_LM_APPROACHES
from ...engine.experiment import Experiment
from ...engine.settings import MASKED_LM, MASKED_LM_FINE_TUNING, MLM_TOKENS_PER_SECOND
from ...engine.run.masked_lm_time import FineTuningWork
from ...engine.run.results import ApproachResult, ExperimentResult
from .masked_lm import duration


def names(result: ExperimentResult) -> tuple[str, ...]:
    """The approaches of this result, in the order the engine ran them."""
    return tuple(result.approaches)


def describe(name: str) -> str:
    return BY_NAME[name].description if name in BY_NAME else name


def is_trained(approach: ApproachResult) -> bool:
    return bool(approach.losses)


def score_kind(approach: ApproachResult) -> str:
    """What its scores are: cosine to each class centroid, or each class's probability."""
    kind = BY_NAME[approach.name].classifier.scores if approach.name in BY_NAME else ""
    return "probability" if "probability" in kind else "cosine"


def on_encoder(name: str) -> bool:
    """One of the masked language model's approaches: trained by Adam in batches, not as the softmax layers are."""
    return any(a.name == name for a in MASKED_LM_APPROACHES)


def encoder_training(names: list[str]) -> str:
    """How the masked language model's approaches among `names` were trained, or ""."""
    names = [n for n in names if on_encoder(n)]
    if not names:
        return ""
    t = MASKED_LM_FINE_TUNING
    return (f"The masked language model's approaches ({', '.join(names)}) put a softmax layer on the mean of the "
            f"transformer's last hidden states over a sentence, trained by Adam for {t.epochs} epochs in batches of "
            f"{t.batch} sentences (end to end at most {t.max_steps} steps: fewer epochs on a large train set; learning rate {t.head_learning_rate:g} for the layer, {t.learning_rate:g} for the "
            "encoder where it is trained too: every weight of it moves, not only the labeled words).")


def masked_lm_wait(e: Experiment, work: FineTuningWork | None = None) -> str | None:
    """Before a run with the masked language model's approaches: the training it may start with, and
    the fine-tuning's estimated time where `work` gives it."""
    if not e.masked_lm:
        return None
    budget = getattr(e, "mlm_tokens", None) or MASKED_LM.token_budget  # [pretraining] mlm_tokens, where set
    minutes = round(budget / MLM_TOKENS_PER_SECOND / 60)
    wait = "under a minute" if minutes < 1 else f"about {minutes:,} minute{'s' if minutes > 1 else ''}"
    return (f"the masked language model's approaches first train it on the corpus, unless the experiment ships it "
            f"or the disk cache has it: {budget:,} tokens, {wait} at {MLM_TOKENS_PER_SECOND:,} tokens a second "
            f"(measured on one core)." + (f" Then {fine_tuning_time(work)}." if work is not None else ""))


def fine_tuning_time(work: FineTuningWork) -> str:
    """The masked language model's approaches' time in a run, as estimated before it (engine.run.masked_lm_time)."""
    return (f"{work.trainings} end-to-end trainings ({work.steps:,} steps) and {work.encoded:,} sentences encoded: "
            f"about {duration(work.seconds)}, timed by a trial step here and now ({work.step_seconds * 1000:.0f} ms; "
            "longer on a busier machine)")


def masked_lm_added(model_ready: bool, work: FineTuningWork | None = None) -> str:
    """The note when k adds the masked language model's approaches to the explorer's run."""
    first = ("The masked language model is here already (shipped with the experiment, or trained before): "
             "fine-tuning starts now."
             if model_ready else "The model is trained on the corpus first (its progress on the bar); then "
             "the approaches are fine-tuned.")
    cost = f": {fine_tuning_time(work)}" if work is not None else ", so this run takes longer"
    return (f"{first} The three are trained for every seed and learning-curve subset{cost}. The bar shows how far; "
            "esc stops it; k again takes them away.")
