"""Progress as typed events: one timetable places them, for the engine's run and the explorer's bar alike."""

import dataclasses

import pytest

from pretrain_explorer.engine import load_experiment, run_experiment
from pretrain_explorer.engine import progress
from pretrain_explorer.engine.progress import PHASES, TIMETABLE, ProgressEvent
from pretrain_explorer.engine.run import complete_run
from pretrain_explorer.tui.presentation.progress import RunProgress

# A run as the explorer's bar sees it: (step, fraction) reports, None where a phase's results arrive.
RUN = [("starting", 0.0), ("counting", 0.5), ("counting", 1.0), ("weighting", 1.0), ("ppmi", 0.5), ("svd", 0.0),
       ("svd", 0.5), ("neighbours", 1.0), None, ("training", 0.0), ("training", 0.5), None, ("seeds", 1.0), None,
       ("curve", 0.5), None]
# Where the bar stands after each: reading is 60% of pretraining (0 to 0.4), the weighting starts
# from the reading's end and its second step (svd) does not take it back, and no phase shows its
# end before its results arrive.
EXPECTED = [0.0, 0.12, 0.24, 0.24, 0.32, 0.32, 0.32, 0.39, 0.4, 0.4, 0.475, 0.55, 0.69, 0.7, 0.85, 1.0]


def bar_values(label_of) -> list[float]:
    bar = RunProgress()
    return [bar.phase_done() if report is None else bar.report(ProgressEvent(report[0], report[1], label_of(*report)))
            for report in RUN]


@pytest.mark.parametrize("label_of", [
    lambda step, fraction: "",
    lambda step, fraction: "Counting: 12 tokens",  # once what made the bar treat a report as reading
    lambda step, fraction: "Pretraining: reading" if step != "counting" else "PPMI",
    lambda step, fraction: f"{fraction:.0%} of something",
])
def test_the_bar_follows_the_timetable_by_step_whatever_the_labels_say(label_of):
    assert bar_values(label_of) == pytest.approx(EXPECTED)


def test_an_event_takes_its_phase_from_the_timetable():
    assert ProgressEvent("svd", 0.5, "SVD (ARPACK)").phase == "pretraining"
    assert [ProgressEvent(step, 0.0, "").phase for step in ("training", "seeds", "curve")] == list(PHASES[1:])
    assert dataclasses.replace(ProgressEvent("seeds", 0.0, "Seeds: 3"), fraction=1.0).phase == "seeds"
    with pytest.raises(KeyError):
        ProgressEvent("Counting", 0.5, "Counting: 12 tokens")  # a step is an identifier, never the words
    assert tuple(TIMETABLE.phases) == PHASES
    assert {phase for phase, _, _ in TIMETABLE.steps.values()} == set(PHASES)


def test_the_engine_and_the_bar_share_one_timetable():
    assert complete_run.TIMETABLE is progress.TIMETABLE  # run_experiment places its overall progress by it
    assert RunProgress().timetable is progress.TIMETABLE


@pytest.mark.parametrize("weighting", ["counts", "svd"])
def test_run_experiment_lays_the_steps_end_to_end_by_the_timetable(weighting):
    seen = []
    run_experiment(dataclasses.replace(load_experiment(), weighting=weighting),
                   on_progress=lambda event, overall: seen.append((event, overall)))
    reached = 0.0
    for event, overall in seen:
        reached = max(reached, TIMETABLE.position(event))
        assert overall == reached  # never back, though svd's own fraction starts again after PPMI's
    assert {event.phase for event, _ in seen} == set(PHASES)
    assert seen[0][1] == 0.0 and seen[-1] == (ProgressEvent("done", 1.0, "Done"), 1.0)
    steps = [event.step for event, _ in seen]
    expected = ["starting", "counting", "weighting"] + (["ppmi", "svd"] if weighting == "svd" else []) + [
        "neighbours", "training", "seeds", "curve", "done"]
    assert list(dict.fromkeys(steps)) == expected  # each step's reports together, in this order
