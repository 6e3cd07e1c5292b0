"""Training the experiment's masked language model in a worker (the palette's "Train a masked
language model", ctrl+t in the fill-the-blank view): cancellable, its progress shown in that view,
each model kept for the session by what it was trained on."""

from __future__ import annotations

from collections.abc import Iterable

from textual import work
from textual.app import SystemCommand
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

from ..engine import Experiment, ExperimentError, RunCancelled
from ..engine.pretraining.corpus import CorpusFiles
from ..engine.pretraining.masked_lm import MaskedLM
from ..engine.pretraining.masked_lm_store import trained_or_stored
from ..engine.settings import MASKED_LM
from .messages import MaskedModelDone, MaskedModelProgress
from .presentation.masked_lm import TrainingNow, model_trained_note


class MaskedLMRuns:
    """Mixed into the App: its `result`, `session` (whose disk cache keeps the models), notify and post_message."""

    mlm_budget = MASKED_LM.token_budget  # tokens a training sees
    _mlm_worker: Worker | None = None
    _mlm_progress: TrainingNow | None = None

    @property
    def _mlm_models(self) -> dict[tuple, MaskedLM]:
        if "_mlm_kept" not in self.__dict__:
            self._mlm_kept: dict[tuple, MaskedLM] = {}
        return self._mlm_kept

    def _mlm_key(self, experiment: Experiment) -> tuple | None:
        """What a model is trained from: the corpus as it is now, the stopwords, the seed and the budget."""
        if experiment.corpus_path is None:
            return None
        return (CorpusFiles.of(experiment.corpus_path).identity, experiment.stopwords, experiment.seed,
                self.mlm_budget, MASKED_LM)

    def masked_lm_for(self, experiment: Experiment) -> MaskedLM | None:
        key = self._mlm_key(experiment)
        return self._mlm_models.get(key) if key is not None else None

    def masked_lm_training(self) -> TrainingNow | None:
        """The training under way, if any, and how far it has got."""
        return self._mlm_progress if self._mlm_worker is not None and self._mlm_worker.is_running else None

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if self.masked_lm_training() is None:
            yield SystemCommand("Train a masked language model",
                                "A small transformer learns to fill the corpus's blanks; Fill the blank shows its words",
                                self.command_masked_lm)
        else:
            yield SystemCommand("Stop training the masked language model", "Cancel it; nothing is kept",
                                self.command_masked_lm)

    def command_masked_lm(self) -> None:
        """Train the current experiment's model, or stop the training under way."""
        if self.masked_lm_training() is not None:
            self._mlm_worker.cancel()
            return
        if self.result is None:
            self.notify("Nothing to train on yet: the first run is still going.", severity="warning")
            return
        experiment = self.result.experiment
        key = self._mlm_key(experiment)
        if key is None:
            self.notify("This experiment's vectors were pretrained once and it has no corpus here: nothing to "
                        "train a masked language model on.", severity="warning", markup=False)
            return
        if key in self._mlm_models:
            self.notify("The masked language model of this corpus, stopwords and seed is trained already: "
                        "f shows its words for a blank.", markup=False)
            return
        self._mlm_progress = TrainingNow(0.0, 0.0, None)
        self._mlm_worker = self._train_masked_lm(experiment, key)
        self._mlm_changed()
        self.notify(f"Training a masked language model on {self.mlm_budget:,} tokens of the corpus. Fill the "
                    "blank (f) shows its progress and then its words.", markup=False)

    @work(thread=True, exclusive=True, group="masked_lm", exit_on_error=False, description="masked language model")
    def _train_masked_lm(self, experiment: Experiment, key: tuple) -> None:
        worker = get_current_worker()
        try:
            model, stored = trained_or_stored(
                experiment.corpus_path, experiment.stopwords, experiment.seed, self.mlm_budget, self.session.disk,
                should_stop=lambda: worker.is_cancelled,
                on_progress=lambda done, rate, loss: self.post_message(MaskedModelProgress(worker, done, rate, loss)))
            self.post_message(MaskedModelDone(worker, key, model, stored=stored))
        except RunCancelled:
            self.post_message(MaskedModelDone(worker, key))
        except ExperimentError as exc:
            self.post_message(MaskedModelDone(worker, key, problem=exc.brief()))

    def on_masked_model_progress(self, message: MaskedModelProgress) -> None:
        if message.worker is self._mlm_worker:
            self._mlm_progress = TrainingNow(message.fraction, message.tokens_per_second, message.loss)
            self._mlm_changed()

    def on_masked_model_done(self, message: MaskedModelDone) -> None:
        if message.worker is not self._mlm_worker:
            return
        self._mlm_worker = self._mlm_progress = None
        if message.model is not None:
            self._mlm_models[message.key] = message.model
            self.notify(model_trained_note(message.model, message.stored), title="Masked language model", markup=False)
        elif message.problem is not None:
            self.notify(message.problem, title="Could not train the masked language model", severity="error",
                        markup=False)
        else:
            self.notify("Training the masked language model was cancelled: no model kept.", title="Cancelled")
        self._mlm_changed()

    def _mlm_changed(self) -> None:
        """The fill-the-blank view on screen, if it is, shows the model's state anew."""
        refresh = getattr(self.screen, "show_model", None)
        if refresh is not None:
            refresh()
