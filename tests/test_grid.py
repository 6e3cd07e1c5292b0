"""Labels against unlabeled text (issue 25): the prefixes' counts are snapshots of one pass equal to
counting each prefix alone; the grid's last row is the learning curve's, its margins are over the
best approach without pretraining; it is kept in the disk cache, and a cancel leaves nothing."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from pretrain_explorer.engine import builtin_experiment_path, load_experiment, run_experiment
from pretrain_explorer.engine.errors import RunCancelled
from pretrain_explorer.engine.inspect.significance import SIGNIFICANCE, PairedTest, paired_test
from pretrain_explorer.engine.pretraining.corpus import Block, read_blocks
from pretrain_explorer.engine.pretraining.counting import count_cooccurrences, count_prefixes
from pretrain_explorer.engine.run import grid as grid_module
from pretrain_explorer.engine.run.grid import grid_from_json, grid_json, grid_unavailable, label_grid
from pretrain_explorer.engine.run.session import MARGIN, Session
from pretrain_explorer.engine.text import tokenize

STOP = frozenset({"the", "of"})


def text_lines(count: int) -> list[str]:
    rng = random.Random(7)
    words = ["the", "of", "cat", "dog", "sat", "ran", "mat", "log", "héllo", "fish"]
    return [" ".join(rng.choices(words, k=rng.randint(1, 9))) + ("." if k % 3 else "") for k in range(count)]


def prefix_of(lines: list[str], tokens: int) -> list[str]:
    """The first lines holding at least `tokens` tokens (before stopwords), counted directly."""
    out, seen = [], 0
    for line in lines:
        if seen >= tokens:
            break
        out.append(line)
        seen += len(tokenize(line))
    return out


def test_snapshots_of_one_pass_are_the_prefixes_counted_alone():
    lines = text_lines(400)
    blocks = [Block("\n".join(lines[:150]) + "\n", 1, 2), Block("\n".join(lines[150:]) + "\n", 2, 2)]
    sizes = (1, 37, 600, 100_000)  # the last beyond the corpus: its whole counts
    snaps = count_prefixes(blocks, STOP, 2, sizes)
    assert len(snaps) == len(sizes)
    for size, snap in zip(sizes, snaps):
        alone = count_cooccurrences([Block("\n".join(prefix_of(lines, size)) + "\n", 1, 1)], STOP, 2)
        assert snap.words == alone.words and snap.tokens == alone.tokens and snap.lines == alone.lines
        assert np.array_equal(snap.word_counts, alone.word_counts)
        assert (snap.counts != alone.counts).nnz == 0
    assert snaps[1].tokens >= 37 and snaps[1].tokens - len(tokenize(prefix_of(lines, 37)[-1])) < 37


def test_a_cancelled_count_of_prefixes_raises():
    with pytest.raises(RunCancelled):
        count_prefixes([Block("cat dog\n", 1, 1)], STOP, 2, (1,), should_stop=lambda: True)


@pytest.fixture
def kata_grid(monkeypatch):
    monkeypatch.setattr(grid_module, "GRID_PREFIX_TOKENS", (60, 10**6))  # the kata's corpus: 137 tokens
    session = Session()
    result = run_experiment(load_experiment(builtin_experiment_path("kata")), session=session)
    events = []
    return label_grid(session, result, on_progress=events.append), result, events


@pytest.mark.warm_kata
def test_the_grid_of_the_kata(kata_grid):
    grid, result, events = kata_grid
    curve = result.learning_curve
    with_names = tuple(n for n in MARGIN[0] if n in curve.mean)
    assert grid.prefixes == (60, result.corpus.tokens) and grid.sizes == curve.sizes and grid.draws == curve.seeds
    assert tuple(grid.accuracy) == with_names
    for n in with_names:  # the whole corpus's row is the learning curve's
        assert grid.accuracy[n][-1] == curve.mean[n]
        assert all(0 <= x <= 1 for x in grid.accuracy[n][0])
    without = [n for n in MARGIN[1] if n in curve.mean]
    for i in range(len(grid.sizes)):
        assert grid.best_without[i] == max(curve.mean[n][i] for n in without)
        assert curve.mean[grid.without[i]][i] == grid.best_without[i]
        assert grid.margin("pretrained", 0, i) == grid.accuracy["pretrained"][0][i] - grid.best_without[i]
    # The prefix row's vocabulary: the words of the first lines holding 60 tokens, as counted directly.
    e = result.experiment
    lines = [line for b in read_blocks(e.corpus_path) for line in b.text.splitlines()]
    counts: dict = {}
    for line in prefix_of(lines, 60):
        for t in tokenize(line):
            if t not in e.stopwords:
                counts[t] = counts.get(t, 0) + 1
    assert grid.vocabulary[0] == sum(1 for n in counts.values() if n >= e.vocabulary.min_count)
    assert events[-1].fraction == 1.0 and all(ev.step == "grid" for ev in events)
    for n in with_names:
        for row in grid.tests[n]:
            assert all(t.first_runs == t.second_runs == curve.seeds for t in row)  # over the curve's draws
    # At the largest size every draw trains on the whole train set: an approach without a seed fits the
    # main run's classifier each time, so the whole corpus's test there is the main runs' own, repeated.
    last, best = len(grid.sizes) - 1, grid.without[-1]
    main_runs = {n: [result.approaches[n].runs("test")[0]] * curve.seeds for n in ("pretrained", best)}
    assert best != "random"  # the kata: a best without pretraining that has no seed
    assert grid.tests["pretrained"][-1][last] == paired_test(main_runs["pretrained"], main_runs[best])
    assert grid_from_json(grid_json(grid)) == grid


@pytest.mark.warm_kata
def test_the_grid_is_loaded_from_the_disk_cache_and_a_cancel_saves_nothing(kata_grid, monkeypatch):
    grid, result, _ = kata_grid

    def no_counting(*args, **kwargs):
        raise AssertionError("counted again")

    monkeypatch.setattr(grid_module, "count_prefixes", no_counting)
    assert label_grid(Session(), result) == grid  # a new process's session: from the disk cache
    monkeypatch.setattr(grid_module, "GRID_PREFIX_TOKENS", (70,))  # another grid: not in the cache
    with pytest.raises(RunCancelled):
        label_grid(Session(), result, should_stop=lambda: True)
    with pytest.raises(AssertionError, match="counted again"):  # nothing was stored for it
        label_grid(Session(), result)


@pytest.mark.warm_kata
def test_grids_need_a_corpus_and_counts():
    import dataclasses

    kata = run_experiment(load_experiment(builtin_experiment_path("kata")))
    e = kata.experiment
    assert grid_unavailable(kata) is None
    assert "trained, not counted" in grid_unavailable(dataclasses.replace(
        kata, experiment=dataclasses.replace(e, weighting="sgns")))
    assert "no corpus" in grid_unavailable(dataclasses.replace(
        kata, experiment=dataclasses.replace(e, vectors_path=e.corpus_path)))


def test_an_empty_row_is_null_in_json_and_the_tests_go_there_and_back():
    import json

    tests = {"pretrained": ((None, None), (PairedTest(0, 0, 1.0, 4, 4), PairedTest(7, 1, 0.03125, 4, 4)))}
    top = {"pretrained": ((None, None), (PairedTest(1, 0, 1.0, 4, 4), PairedTest(7, 1, 0.03125, 4, 4)))}
    g = grid_module.LabelGrid((5, 9), (0, 3), (1, 2), {"pretrained": ((math.nan, math.nan), (0.5, 0.75))},
                              (0.5, 0.5), ("random", "bag_of_words"), 4, tests, top)
    assert grid_json(g)["accuracy"]["pretrained"][0] == [None, None]
    assert grid_json(g)["margin"]["pretrained"][1] == [0.0, 0.25]
    assert grid_json(g)["tests"]["pretrained"][0] == [None, None]
    assert grid_json(g)["tests"]["pretrained"][1][1] == {"first_only": 7, "second_only": 1, "p": 0.03125,
                                                         "first_runs": 4, "second_runs": 4}
    back = grid_from_json(json.loads(json.dumps(grid_json(g))))  # through text, as the disk cache keeps it
    assert math.isnan(back.accuracy["pretrained"][0][0]) and back.accuracy["pretrained"][1] == (0.5, 0.75)
    assert back.tests == tests and back.tests_top == top
    broken = grid_json(g)
    broken["tests"]["pretrained"][1][0] = 0.5  # a p-value where a test belongs: not a grid
    with pytest.raises(ValueError):
        grid_from_json(broken)
    del broken["tests"]  # an entry of the first format: not a grid of this one
    with pytest.raises(KeyError):
        grid_from_json(broken)


@pytest.mark.warm_kata
async def test_the_grid_view_is_a_key_away_and_draws_the_heat_map():
    from helpers import screen_text, settled, until
    from pretrain_explorer.tui.app import PretrainExplorer
    from pretrain_explorer.tui.screens.grid import GridView

    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, GridView) and app.screen.grid is not None)
        grid = app.screen.grid
        text = screen_text(app)
        # The kata's corpus is smaller than every prefix: its one row is the whole corpus's.
        assert grid.prefixes == (app.result.corpus.tokens,)
        assert f"all {grid.prefixes[0]}" in text and "pretrained's test accuracy" in text
        first = f"{100 * grid.accuracy['pretrained'][0][0]:.0f} {100 * grid.margin('pretrained', 0, 0):+.0f}"
        assert first + ("*" if grid.tests["pretrained"][0][0].p < SIGNIFICANCE else " ") in text
        await pilot.press("x")
        assert "fine_tuned's test accuracy" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, GridView))


def synthetic_grid(ps, ps_top) -> grid_module.LabelGrid:
    """A grid of four rows (the first empty) and eight sizes, its tests' p-values given by row and size."""
    sizes = (1, 2, 4, 8, 16, 32, 64, 100)
    accuracy = ((math.nan,) * 8, (0.30, 0.35, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7),
                (0.40, 0.45, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8), (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0))
    best = (0.34, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85)

    def tests(table, against):
        # The discordant sentences lean the way the means do, as they do when made from the same runs.
        return tuple((None,) * 8 if math.isnan(row[0]) else tuple(
            PairedTest(5 if a > b else 1, 1 if a > b else 5, p, 10, 10) for a, b, p in zip(row, against, ps_row))
            for row, ps_row in zip(accuracy, table))

    return grid_module.LabelGrid(
        (10_000, 100_000, 1_000_000, 2_512_345), (0, 4000, 15000, 27000), sizes, {"pretrained": accuracy}, best,
        ("random",) * 4 + ("bag_of_words",) * 4, 10, {"pretrained": tests(ps, best)},
        {"pretrained": tests(ps_top, (best[-1],) * 8)})


def test_the_heat_map_fits_80_columns_and_marks_only_the_margins_its_tests_hold():
    from pretrain_explorer.tui.presentation.grid import CELL, heat_map

    ps = ((1,) * 8, (0.01, 0.5, 0.01, 0.01, 0.5, 0.5, 0.5, 0.01), (0.5, 0.5, 1, 1, 0.01, 0.5, 0.5, 0.5),
          (0.01, 0.01, 0.2, 0.01, 0.01, 0.01, 0.01, 0.01))
    g = synthetic_grid(ps, ((1,) * 8,) * 4)
    lines = heat_map(g, "pretrained", 80).plain.splitlines()
    assert max(len(line) for line in lines) <= 80 and len(lines) == 6  # one block: header, 4 rows, without
    label = len("all 2.5M") + 1
    # Each cell in CELL columns, the mark (or a space) its last: beside a full cell, a mark touches it.
    cells = [lines[4][label + c * CELL:label + (c + 1) * CELL] for c in range(8)]
    assert cells == [" 50 +16*", " 60 +20*", " 70 +20 ", " 75 +15*", " 80 +10*", " 85 +10*", " 90 +10*", "100 +15*"]
    assert lines[1].split()[1:] == ["–"] * 8  # min_count left the 10k prefix no word: no test, no mark
    for row in (1, 2, 3):  # a mark after each cell whose test gives p below the level, either way
        marks = [lines[row + 1][label + (c + 1) * CELL - 1] for c in range(8)]
        assert marks == ["*" if p < SIGNIFICANCE else " " for p in ps[row]]
    assert max(len(line) for line in heat_map(g, "pretrained", 40).plain.splitlines()) <= 40  # wrapped in blocks


def test_the_reading_calls_ahead_only_what_the_tests_hold():
    from pretrain_explorer.tui.presentation.grid import grid_help, grid_reading

    # 100k: behind at every size, significantly at 1, 4, 8 and 100 (a reading that took a test alone for
    # "ahead" would count them); 1M: ahead in the mean at 1 and 2, neither significant (a reading of the
    # means would count 2), significantly behind at 16; all: ahead at every size, significantly at all but 4.
    ps = ((1,) * 8, (0.01, 0.5, 0.01, 0.01, 0.5, 0.5, 0.5, 0.01), (0.5, 0.5, 1, 1, 0.01, 0.5, 0.5, 0.5),
          (0.01, 0.01, 0.2, 0.01, 0.01, 0.01, 0.01, 0.01))
    # Against the best without pretraining at any size (85 at 100 per class): `all` equals it at 32 (a
    # p below the level there must not make it "above"), is above it in the mean at 64 but not
    # significantly, and significantly at 100; 1M's 80 at 100 is below it, significantly.
    ps_top = ((1,) * 8, (1,) * 8, (1,) * 7 + (0.01,), (1,) * 5 + (0.01, 0.3, 0.01))
    g = synthetic_grid(ps, ps_top)
    level = f"p < {SIGNIFICANCE:g}"
    reading = grid_reading(g, "pretrained")
    assert reading[0] == (f"Sizes (of 8) at which pretrained is significantly ahead/behind the best without "
                          f"pretraining ({level}, paired test over 10 draws): 10k tokens no vectors, 100k 0/4, 1M 0/1, "
                          "all 2.5M 7/0.")
    assert reading[1] == ("The best without pretraining at any size, 85.0% (bag_of_words, 100 labels per class): "
                          "pretrained's mean is at least that first at 32 labels per class with all 2.5M tokens, at "
                          f"no size with 1M, 100k or 10k; significantly above it ({level}) first at 100 labels per "
                          "class with all 2.5M tokens, at no size with 1M, 100k or 10k.")
    assert f"* where a paired test on the test sentences gives {level}" in grid_help(
        g, "pretrained").replace("\n", " ")
    # Nothing significant: no size is called ahead, whatever the means.
    none = grid_reading(synthetic_grid(((1,) * 8,) * 4, ((1,) * 8,) * 4), "pretrained")
    assert none[0].endswith("all 2.5M 0/0.") and none[1].endswith(f"above it ({level}) at no size with all 2.5M, 1M, "
                                                                   "100k or 10k tokens.")


@pytest.mark.warm_kata
def test_report_grid_prints_the_heat_map_and_its_json(capsys):
    import json

    from pretrain_explorer.tui.cli import main

    assert main(["report", "--grid", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    grid = out["grid"]
    curve = out["learning_curve"]
    assert len(grid["prefixes"]) == 1 and grid["shown"] == "pretrained"  # the kata: its whole corpus only
    assert grid["sizes"] == curve["sizes"] and len(grid["reading"]) == 2
    assert grid["accuracy"]["pretrained"] == [curve["approaches"]["pretrained"]["mean"]]
    assert grid["significance"] == SIGNIFICANCE and grid["top"] == grid["best_without"].index(max(grid["best_without"]))
    for name in ("tests", "tests_top"):
        assert all(0 <= t["p"] <= 1 and t["first_runs"] == grid["draws"] for t in grid[name]["pretrained"][0])
    assert main(["report", "--grid"]) == 0
    text = capsys.readouterr().out
    assert "LABELS AGAINST UNLABELED TEXT" in text and f"all {grid['prefixes'][0]}" in text


def test_report_grid_is_refused_before_the_run_where_there_can_be_none(capsys):
    from pretrain_explorer.tui.cli import main

    assert main(["report", "--grid", "--weighting", "sgns"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no grid for kata: sgns vectors are trained, not counted" in err


def test_a_margin_that_rounds_to_nothing_is_plus_zero_never_minus_zero():
    from types import SimpleNamespace

    from pretrain_explorer.tui.presentation.grid import _cell

    grid = SimpleNamespace(accuracy={"pretrained": ((0.52,),)}, margin=lambda approach, row, column: -0.003)
    assert _cell(grid, "pretrained", 0, 0).split() == ["52", "+0"]
