"""How long the masked language model's approaches take in a run, estimated before it starts (k,
`report --masked-lm`): the end-to-end trainings a run makes (each seed of the spread, each draw and
size of the learning curve, as engine.run.session and engine.run.learning_curve choose them), their
steps (training_steps), and the sentences encoded to score them, at the pace of a trial step measured here
and now (fine_tuning_pace). The pretrained model's own training, when nothing stores it, is not counted
here: its wait is said apart (tui.presentation.approaches.masked_lm_wait)."""

from __future__ import annotations

from dataclasses import dataclass

from ..experiment import Experiment
from ..finetuning.approaches import MASKED_LM_APPROACHES, approaches_of
from ..finetuning.labeled import LabeledData, labeled_data
from ..finetuning.masked_lm_classifier import fine_tuning_pace, sentence_ids, training_steps
from ..pretraining.masked_lm import FIRST_WORD
from ..pretraining.transformer import Shape
from ..settings import MASKED_LM, MASKED_LM_FINE_TUNING
from .context import curve_draws, curve_subset_sizes, spread_seeds


@dataclass(frozen=True)
class FineTuningWork:
    trainings: int  # end-to-end trainings (the encoder and its layer), fine-tuned and from-scratch twin
    steps: int  # their steps of `batch` sentences (fewer in a small subset)
    encoded: int  # sentences encoded to score them, and once for the frozen encoder
    step_seconds: float  # of one step, measured by a trial
    encode_seconds: float  # of encoding one sentence, measured by the same trial

    @property
    def seconds(self) -> float:
        return self.steps * self.step_seconds + self.encoded * self.encode_seconds


def fine_tuning_work(e: Experiment, data: LabeledData) -> FineTuningWork:
    """The masked language model's approaches' work in a run of `e` (whose labeled data is `data`), timed by a trial."""
    t = MASKED_LM_FINE_TUNING
    approaches = approaches_of(True)
    end_to_end = sum(a.classifier.update_vectors for a in MASKED_LM_APPROACHES)
    splits = {name: len(split.sentences) for name, split in data.splits.items()}
    scored = splits["test"] + splits.get("transfer", 0)
    train = len(data.train.sentences)
    seeds = spread_seeds(data, e.seeds, approaches)
    draws = curve_draws(data, e.seeds, approaches)
    subsets = curve_subset_sizes(data)
    # Each seed's training on every train sentence; the curve's smaller subsets for each draw, and its
    # whole train set for the draws beyond the seeds (the others are the seeds' trainings, reused).
    sizes = [train] * seeds + [n for n in subsets if n < train] * draws + [train] * max(0, draws - seeds)
    steps = end_to_end * sum(training_steps(n, t) for n in sizes)
    encoded = (end_to_end * (seeds * scored + (len(sizes) - seeds) * splits["test"])
               + train + scored)  # the frozen encoder pools every sentence once
    # The trial's sentences: the train set's, its labeled words standing for the model's (as many rows learn).
    words = ("",) * FIRST_WORD + data.words[: MASKED_LM.max_words]
    ids = sentence_ids(words, (s.text for s in data.train.sentences), e.stopwords, MASKED_LM.max_length)
    shape = Shape(MASKED_LM.max_words + FIRST_WORD, MASKED_LM.max_length, MASKED_LM.dim, MASKED_LM.heads,
                  MASKED_LM.hidden, MASKED_LM.layers)
    step_seconds, encode_seconds = fine_tuning_pace(shape, ids, e.seed)
    return FineTuningWork(end_to_end * len(sizes), steps, encoded, step_seconds, encode_seconds)


def estimate_fine_tuning(e: Experiment) -> FineTuningWork:
    """fine_tuning_work of the experiment's labeled data as a run reads it (some 0.1 s on reviews)."""
    return fine_tuning_work(e, labeled_data(e.stopwords, e.train, e.test, e.transfer))
