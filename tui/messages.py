"""The messages the explorer's workers post to the app: a run's progress, phases, failure or stop,
and the answers of the neighbour lookups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message
from textual.worker import Worker

from ..engine import Experiment, ExperimentResult
from ..engine.inspect.neighbours import NeighbourAnswer
from ..engine.progress import ProgressEvent

if TYPE_CHECKING:
    from .controls import Controls


class ProgressReported(Message):
    """How far the engine's run has got (a report the ReportGate let through)."""

    def __init__(self, worker: Worker, event: ProgressEvent) -> None:
        super().__init__()
        self.worker, self.event = worker, event


class RunResults(Message):
    """A phase of a run is in (the last one when result.complete)."""

    def __init__(self, worker: Worker, base: Experiment, controls: Controls, result: ExperimentResult) -> None:
        super().__init__()
        self.worker, self.base, self.controls, self.result = worker, base, controls, result


class NeighbourListsChanged(Message):
    def __init__(self, source: ExperimentResult, result: ExperimentResult) -> None:
        super().__init__()
        self.source, self.result = source, result


class RunFailed(Message):
    def __init__(self, worker: Worker, problem: str) -> None:
        super().__init__()
        self.worker, self.problem = worker, problem


class RunStopped(Message):
    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.worker = worker


class NeighboursFound(Message):
    def __init__(self, answers: tuple[NeighbourAnswer, ...]) -> None:
        super().__init__()
        self.answers = answers


class MaskedModelNews(Message):
    """How far the masked language model's training has got: the fields of its TrainingNow that changed."""

    def __init__(self, worker: Worker, **changes) -> None:
        super().__init__()
        self.worker, self.changes = worker, changes


class MaskedModelDone(Message):
    """The masked language model's training ended: its model, or the problem (None when cancelled)."""

    def __init__(self, worker: Worker, key: tuple, model=None, problem: str | None = None,
                 stored: bool = False) -> None:
        super().__init__()
        self.worker, self.key, self.model, self.problem = worker, key, model, problem
        self.stored = stored  # the model was found in the disk cache, not trained
