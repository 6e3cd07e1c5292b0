"""The Pretrain Explorer engine: pure Python + numpy, no user interface.

Load an experiment, run it, read the immutable results::

    from engine import load_experiment, run_experiment
    result = run_experiment(load_experiment("corpora/kata"))
    result.neighbors["excellent"]
"""

from engine.errors import ExperimentError, RunCancelled
from engine.experiment import Experiment, builtin_experiment_path, load_experiment
from engine.pipeline import ExperimentResult
from engine.session import Session, run_experiment

__all__ = [
    "Experiment",
    "ExperimentError",
    "ExperimentResult",
    "RunCancelled",
    "Session",
    "builtin_experiment_path",
    "load_experiment",
    "run_experiment",
]
