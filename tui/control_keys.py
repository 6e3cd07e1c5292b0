"""The keys that change the run's settings (weighting, window, stopwords, seed) and the neighbour
lists' length, which the engine answers without running."""

from __future__ import annotations

import dataclasses

from textual import work

from ..engine import ExperimentResult
from ..engine.pretraining.sgns import INSTALL_HINT, runnable_weightings
from ..engine.settings import LIMITS, MAX_DENSE_WORDS
from .controls import Controls
from .messages import NeighbourListsChanged
from .presentation.guidance import seed_change
from .widgets.finetuning import FineTuningPane
from .widgets.neighbours import NeighboursPane


class ControlKeys:
    """Mixed into the App: its `base`, `controls`, `result`, `session`, start_run, explain and notify."""

    def _change(self, controls: Controls) -> None:
        self.controls = controls
        self.start_run(self.base, controls)

    def _pretrained_once(self) -> bool:
        """Vectors loaded from a .npz keep the settings they were made with."""
        if self.base.vectors_path is not None:
            self.notify(f"{self.base.vectors_path.name} was pretrained once with its own window, stopwords and "
                        "weighting; pretrain again to change them.", severity="warning", markup=False)
            return True
        return False

    def action_next_weighting(self) -> None:
        if self._pretrained_once():
            return
        vocabulary = self.result.corpus.vocabulary if self.result is not None else None
        controls, capped = self.controls.next_weighting(self.base, vocabulary, runnable_weightings())
        skipped = self.controls.next_weighting(self.base, vocabulary)[0].weighting
        if skipped != controls.weighting:  # not installed here: say how to get it, and go on
            self.notify(f"{INSTALL_HINT}. Next: {controls.weighting}.", title=f"{skipped} skipped", markup=False)
        if capped:
            self.notify(f"{controls.weighting} gives each word a dimension of its own: it keeps the "
                        f"{MAX_DENSE_WORDS:,} most frequent words (max_vocab); svd and sgns keep them all.",
                        markup=False)
        self._change(controls)

    def action_window(self, step: int) -> None:
        if self._pretrained_once():
            return
        controls = self.controls.stepped("window", step)
        if controls is not None:
            self._change(controls)
        else:
            allowed = LIMITS["window"]
            self.explain(f"The window stays between {allowed.minimum} and {allowed.maximum}.")

    def action_toggle_stopwords(self) -> None:
        if self._pretrained_once():
            return
        if not self.base.manifest_stopwords:
            self.explain("This experiment lists no stopwords: s has nothing to leave out.")
            return
        self._change(dataclasses.replace(self.controls, stopwords=not self.controls.stopwords))

    def action_new_seed(self) -> None:
        controls = self.controls.stepped("seed", 1)
        if controls is None:
            self.explain(f"The seed stays at most {LIMITS['seed'].maximum:,}.")
            return
        self._change(controls)
        self.notify(seed_change(controls.seed, self.base.seeds), timeout=6, markup=False)

    def action_top_n(self, step: int) -> None:
        """Neighbour lists at another length, from the vectors on screen: the engine does not run."""
        controls = self.controls.stepped("top_n", step)
        if controls is None:
            allowed = LIMITS["top_n"]
            self.explain(f"Neighbour lists stay between {allowed.minimum} and {allowed.maximum:,} words.")
            return
        self.controls = controls
        if self.result is not None:  # and a run under way applies it to each phase it brings
            self._change_top_n(self.result, controls.top_n)
        if self.stage != 1:  # the lists are out of sight
            self.explain(f"Neighbour lists of {controls.top_n:,} words, on stage 1.")

    @work(thread=True, exclusive=True, group="top_n", exit_on_error=False, description="neighbour lists")
    def _change_top_n(self, result: ExperimentResult, top_n: int) -> None:
        self.post_message(NeighbourListsChanged(result, self.session.with_top_n(result, top_n)))

    def on_neighbour_lists_changed(self, message: NeighbourListsChanged) -> None:
        if message.source is self.result and message.result.experiment.top_n == self.controls.top_n:
            self.result = message.result
            if message.result.complete:
                self._complete = (self.base, message.result)
            self._show_settings(message.result)
            if message.result.drift is not None:
                self.query_one(FineTuningPane).show(message.result)
            self.find_neighbours(self.query_one(NeighboursPane).words)
