"""Training the experiment's masked language model in a worker (the palette's "Train a masked
language model", ctrl+t in the fill-the-blank view and in the masked LM view, l): refused in one
line when its memory estimate is over the budget, its time estimated from a trial step, cancellable
(its checkpoint kept in the disk cache, so the next training goes on from it), its progress shown
in those views, each model kept for the session by what it was trained on."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from contextlib import ExitStack

from textual import work
from textual.app import SystemCommand
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

from ..engine import Experiment, ExperimentError, RunCancelled
from ..engine.experiment import MASKED_LM_NEEDS_CORPUS
from ..engine.finetuning.masked_lm_classifier import one_blas_thread
from ..engine.pretraining.corpus import CorpusFiles
from ..engine.pretraining.masked_lm import FIRST_WORD, MaskedLM, trial_rate
from ..engine.pretraining.masked_lm_store import SHIPPED_MODEL, stored_model, trained_or_stored
from ..engine.run.masked_lm_time import estimate_fine_tuning
from ..engine.run.memory import check_masked_lm_memory
from ..engine.settings import MASKED_LM, MLM_LOOKUP_MAX_BYTES
from .controls import Controls
from .messages import MaskedModelDone, MaskedModelNews
from .presentation.approaches import masked_lm_added
from .presentation.masked_lm import TrainingNow, model_cancelled_note, model_trained_note


class MaskedLMRuns:
    """Mixed into the App: its `result`, `session` (whose disk cache keeps the models), notify and post_message."""

    mlm_budget: int | None = None  # tokens a training sees, set here (tests); else the experiment's or the settings'
    _mlm_worker: Worker | None = None
    _mlm_progress: TrainingNow | None = None
    mlm_stopped_at: TrainingNow | None = None  # how far the last training had got when it was cancelled

    @property
    def _mlm_models(self) -> dict[tuple, MaskedLM]:
        if "_mlm_kept" not in self.__dict__:
            self._mlm_kept: dict[tuple, MaskedLM] = {}
        return self._mlm_kept

    def _mlm_key(self, experiment: Experiment) -> tuple | None:
        """What a model is trained from: the corpus as it is now, the stopwords, the seed and the budget."""
        if experiment.corpus_path is None:
            return None
        return (CorpusFiles.of(experiment.corpus_path).identity, experiment.stopwords, experiment.pretraining_seed,
                self.masked_lm_budget(experiment), MASKED_LM)

    def action_toggle_masked_lm(self) -> None:
        """k: the masked language model's three approaches added to stages 3 and 4 (or taken away):
        the run goes on from fine-tuning, the pretrained vectors kept."""
        if self.base.vectors_path is not None:
            self.notify(MASKED_LM_NEEDS_CORPUS, severity="warning", markup=False)
            return
        controls = dataclasses.replace(self.controls, masked_lm=not self.controls.masked_lm)
        if controls.masked_lm:
            experiment = controls.apply(self.base)
            model = self.masked_lm_for(experiment)
            # Estimated before it is spent (a trial step, some 0.1 s): the class knows how long to wait.
            self.notify(masked_lm_added(model is not None, estimate_fine_tuning(experiment)),
                        title="Masked language model", timeout=12, markup=False)
        self._change(controls)

    def blas_threads_for(self, controls: Controls | None) -> None:
        """numpy's BLAS on one thread while the masked language model's approaches are on, as it was
        when they are off (engine.finetuning.masked_lm_classifier.one_blas_thread says why). Set here,
        on the main thread, before the run's worker starts: OpenBLAS ignores a worker thread's setting
        once its threads have run (measured: the run's curve took 7 minutes on two threads, not 2)."""
        wanted = controls is not None and controls.masked_lm
        held = self.__dict__.get("_blas_held")  # one_blas_thread entered here and held while wanted
        if wanted and held is None:
            self._blas_held = ExitStack()
            self._blas_held.enter_context(one_blas_thread())
        elif not wanted and held is not None:
            held.close()
            self._blas_held = None

    def masked_lm_budget(self, experiment: Experiment) -> int:
        return self.mlm_budget or experiment.mlm_tokens or MASKED_LM.token_budget

    def masked_lm_for(self, experiment: Experiment) -> MaskedLM | None:
        """The model of the experiment as it is now: trained this session, or shipped beside its
        manifest or in the disk cache (looked for once a key, for a corpus of at most
        MLM_LOOKUP_MAX_BYTES: a hash of its bytes and a read, on the caller's thread)."""
        key = self._mlm_key(experiment)
        if key is None:
            return None
        if (key not in self._mlm_models and key not in self._mlm_looked_for
                and CorpusFiles.of(experiment.corpus_path).stored_size <= MLM_LOOKUP_MAX_BYTES):
            self._mlm_looked_for.add(key)
            found = stored_model(experiment.corpus_path, experiment.stopwords, experiment.pretraining_seed,
                                 self.masked_lm_budget(experiment), self.session.disk,
                                 shipped=experiment.manifest.parent / SHIPPED_MODEL)
            if found is not None:
                self._mlm_models[key] = found
        return self._mlm_models.get(key)

    @property
    def _mlm_looked_for(self) -> set[tuple]:
        if "_mlm_looked" not in self.__dict__:
            self._mlm_looked: set[tuple] = set()
        return self._mlm_looked

    def masked_lm_training(self) -> TrainingNow | None:
        """The training under way, if any, and how far it has got."""
        return self._mlm_progress if self._mlm_worker is not None and self._mlm_worker.is_running else None

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Masked language model", "Watch it train on the corpus: tokens/s, loss, held-out blanks (l)",
                            lambda: self.action_view("masked_lm"))
        yield SystemCommand("A word in context", "A word's occurrences by the masked language model's vectors (o)",
                            lambda: self.action_view("context"))
        if self.masked_lm_training() is None:
            yield SystemCommand("Train a masked language model",
                                "A small transformer learns to fill the corpus's blanks; Fill the blank shows its words",
                                self.command_masked_lm)
        else:
            yield SystemCommand("Stop training the masked language model",
                                "Cancel it; its last checkpoint is kept, and the next training goes on from it",
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
        # Here already (shipped, cached or trained): trained again from the start, to watch it learn,
        # reading and writing no stored model; the same seed and budget end at the same model.
        again = self.masked_lm_for(experiment) is not None
        try:
            memory = check_masked_lm_memory(experiment, MASKED_LM)
        except ExperimentError as exc:
            self.notify(exc.brief(), title="Not training the masked language model", severity="error", markup=False)
            return
        budget = self.masked_lm_budget(experiment)
        self._mlm_progress = TrainingNow(0.0, 0.0, None, budget=budget, memory=memory)
        self._mlm_worker = self._train_masked_lm(experiment, key, again)
        self._mlm_changed()
        if again:
            self.notify(f"The model is here already; training it again from the start on {budget:,} tokens, to "
                        "watch it learn in its view (l). The same seed ends at the same model; ctrl+t stops.",
                        markup=False)
        else:
            self.notify(f"Training a masked language model on {budget:,} tokens of the corpus. Its view (l) and "
                        "Fill the blank (f) show its progress and then its words.", markup=False)

    @work(thread=True, exclusive=True, group="masked_lm", exit_on_error=False, description="masked language model")
    def _train_masked_lm(self, experiment: Experiment, key: tuple, again: bool = False) -> None:
        worker = get_current_worker()

        def news(**changes) -> None:
            self.post_message(MaskedModelNews(worker, **changes))

        def before_training(tokens_done: int) -> None:  # not when the model is shipped or cached
            news(resumed_from=tokens_done, trial_rate=trial_rate(MASKED_LM, MASKED_LM.max_words + FIRST_WORD))

        try:
            model, stored = trained_or_stored(
                experiment.corpus_path, experiment.stopwords, experiment.pretraining_seed,
                self.masked_lm_budget(experiment),
                None if again else self.session.disk, should_stop=lambda: worker.is_cancelled,
                on_progress=lambda done, rate, loss: news(fraction=done, tokens_per_second=rate, loss=loss),
                shipped=None if again else experiment.manifest.parent / SHIPPED_MODEL,
                on_held_out=lambda tokens, blanks, accuracy, baseline: news(held_out=(tokens, blanks, accuracy,
                                                                                      baseline)),
                before_training=before_training)
            self.post_message(MaskedModelDone(worker, key, model, stored=stored))
        except RunCancelled:
            self.post_message(MaskedModelDone(worker, key))
        except ExperimentError as exc:
            self.post_message(MaskedModelDone(worker, key, problem=exc.brief()))

    def on_masked_model_news(self, message: MaskedModelNews) -> None:
        if message.worker is self._mlm_worker and self._mlm_progress is not None:
            changes = dict(message.changes)
            if "loss" in changes:
                changes["losses"] = (*self._mlm_progress.losses, changes["loss"])
            self._mlm_progress = dataclasses.replace(self._mlm_progress, **changes)
            self._mlm_changed()

    def on_masked_model_done(self, message: MaskedModelDone) -> None:
        if message.worker is not self._mlm_worker:
            return
        self.mlm_stopped_at = self._mlm_progress if message.model is None and message.problem is None else None
        self._mlm_worker = self._mlm_progress = None
        if message.model is not None:
            self._mlm_models[message.key] = message.model
            self.notify(model_trained_note(message.model, message.stored), title="Masked language model", markup=False)
        elif message.problem is not None:
            self.notify(message.problem, title="Could not train the masked language model", severity="error",
                        markup=False)
        else:
            self.notify(model_cancelled_note(self.mlm_stopped_at, self.session.disk is not None), title="Cancelled",
                        markup=False)
        self._mlm_changed()

    def _mlm_changed(self) -> None:
        """The fill-the-blank or masked LM view on screen, if it is, shows the model's state anew."""
        refresh = getattr(self.screen, "show_model", None)
        if refresh is not None:
            refresh()
