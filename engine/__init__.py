"""The Pretrain Explorer engine: pure Python + numpy, no user interface."""

# Load an experiment, run it, read the immutable results:
#     from pretrain_explorer.engine import load_experiment, run_experiment
#     result = run_experiment(load_experiment("corpora/kata"))
#     result.neighbors["excellent"]
from .errors import ExperimentError, RunCancelled
from .experiment import Experiment, builtin_experiment_path, load_experiment
from .run.complete_run import run_experiment
from .run.results import ExperimentResult
from .run.session import Session

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
