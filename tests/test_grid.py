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


def test_an_empty_row_is_null_in_json():
    g = grid_module.LabelGrid((5, 9), (0, 3), (1, 2), {"pretrained": ((math.nan, math.nan), (0.5, 0.75))},
                              (0.5, 0.5), ("random", "bag_of_words"), 4)
    assert grid_json(g)["accuracy"]["pretrained"][0] == [None, None]
    assert grid_json(g)["margin"]["pretrained"][1] == [0.0, 0.25]
    back = grid_from_json(grid_json(g))
    assert math.isnan(back.accuracy["pretrained"][0][0]) and back.accuracy["pretrained"][1] == (0.5, 0.75)


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
        assert first in text
        await pilot.press("x")
        assert "fine_tuned's test accuracy" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, GridView))


def test_the_heat_map_fits_80_columns_and_says_only_what_its_numbers_hold():
    from pretrain_explorer.tui.presentation.grid import grid_reading, heat_map

    sizes = (1, 2, 4, 8, 16, 32, 64, 100)
    g = grid_module.LabelGrid(
        (10_000, 100_000, 1_000_000, 2_512_345), (900, 4000, 15000, 27000), sizes,
        {"pretrained": ((math.nan,) * 8, (0.30, 0.35, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7),
                        (0.40, 0.45, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8), (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0))},
        (0.34, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85), ("random",) * 4 + ("bag_of_words",) * 4, 10)
    lines = heat_map(g, "pretrained", 80).plain.splitlines()
    assert max(len(line) for line in lines) <= 80 and len(lines) == 6  # one block: header, 4 rows, without
    assert lines[4].split() == ["all", "2.5M", "50", "+16", "60", "+20", "70", "+20", "75", "+15", "80", "+10",
                                "85", "+10", "90", "+10", "100", "+15"]
    assert lines[1].split()[1:] == ["–"] * 8  # min_count left the 10k prefix no word
    reading = grid_reading(g, "pretrained")
    # Ahead in the mean: 10k at no size (no vectors), 100k at none (30 < 34 ...), 1M at 1 and 2 (40 > 34,
    # 45 > 40; 50 = 50 is not ahead, nor what follows), all at every size.
    assert reading[0].endswith("10k tokens: 0, 100k tokens: 0, 1M tokens: 2, all 2.5M tokens: 8.")
    assert reading[1] == ("The best accuracy without pretraining at any size, 85.0%, pretrained reaches at 32 labels "
                          "per class with all 2.5M tokens; at no size with 1M tokens; at no size with 100k tokens; "
                          "at no size with 10k tokens.")
    assert max(len(line) for line in heat_map(g, "pretrained", 40).plain.splitlines()) <= 40  # wrapped in blocks


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
    assert main(["report", "--grid"]) == 0
    text = capsys.readouterr().out
    assert "LABELS AGAINST UNLABELED TEXT" in text and f"all {grid['prefixes'][0]}" in text


def test_report_grid_is_refused_before_the_run_where_there_can_be_none(capsys):
    from pretrain_explorer.tui.cli import main

    assert main(["report", "--grid", "--weighting", "sgns"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no grid for kata: sgns vectors are trained, not counted" in err
