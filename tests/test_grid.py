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
