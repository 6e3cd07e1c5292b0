"""The learning curve: each approach's test accuracy at growing train sizes, over draws of train subsets."""

from __future__ import annotations

import numpy as np

from ..finetuning.approaches import Task
from .context import RunContext, curve_draws, curve_sizes, curve_subset, share_right
from .results import LearningCurve


def learning_curve(run: RunContext, progress) -> LearningCurve:
    """The run's curve over as many draws as its seeds allow (seeds_within: fewer on a large set)."""
    e, data = run.experiment, run.data
    sizes = curve_sizes(data)
    draws = curve_draws(data, e.seeds, run.approaches)
    mean, std = curve_values(run, sizes, draws, run.approaches, progress)
    return LearningCurve(sizes, mean, std, draws)


def curve_values(run: RunContext, sizes: tuple[int, ...], draws: int, approaches, progress) -> tuple[dict, dict]:
    """Each approach's test accuracy at each size, mean and std over `draws` draws of train subsets:
    the learning curve's, and the grid's on a corpus prefix's vectors (engine.run.grid)."""
    return curve_stats(curve_runs(run, sizes, draws, approaches, progress), sizes, [a.name for a in approaches])


def curve_runs(run: RunContext, sizes: tuple[int, ...], draws: int, approaches, progress) -> dict:
    """By (approach name, index of the size), which test sentences each of `draws` draws of train
    subsets got right (a boolean array a draw): what the curve's accuracies are made of, and what the
    grid's paired tests compare (engine.run.grid)."""
    e, data = run.experiment, run.data
    tasks, where = [], []
    # Draw s (s = seed .. seed + seeds - 1) is seed s's: its train subsets and, for a seeded
    # approach, its random vectors, as the seeds phase pairs them. A new seed (seed + 1) thus
    # shares all its draws but one with the previous, and only that one is fitted.
    for i, size in enumerate(sizes):
        for draw in range(e.seed, e.seed + draws):
            subset = curve_subset(data, size, np.random.default_rng([draw, size]))
            subset = None if len(subset) == len(data.train) else subset
            for a in approaches:
                tasks.append(Task(a, draw if a.seeded else None, subset))
                where.append((a.name, i))
    outcomes = run.fit(tasks, ("test",), progress, keep_fits=False)
    runs: dict[tuple[str, int], list[np.ndarray]] = {}
    for place, outcome in zip(where, outcomes):
        runs.setdefault(place, []).append(run.correct(outcome, "test"))
    return runs


def curve_stats(runs: dict, sizes: tuple[int, ...], names) -> tuple[dict, dict]:
    """curve_runs' accuracies, mean and std over the draws, by approach name then size."""
    values = {place: [share_right(c) for c in correct] for place, correct in runs.items()}
    return ({n: tuple(float(np.mean(values[n, i])) for i in range(len(sizes))) for n in names},
            {n: tuple(float(np.std(values[n, i])) for i in range(len(sizes))) for n in names})
