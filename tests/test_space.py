"""Seeing the space (issue 24): the PCA and the semantic axis of the word map, and the separation
figure, checked against direct computations; the map's words and the report's on held-out."""

import numpy as np
import pytest
from rich.cells import cell_len

from pretrain_explorer.engine import load_experiment, run_experiment
from pretrain_explorer.engine.inspect.significance import paired_test
from pretrain_explorer.engine.inspect.space import (AXIS, PCA, PlacedWord, Projection, Separation, _random_matrix,
                                                    on_axis, pca, placed_right, random_seeds, separation, shown_words,
                                                    unit_rows, word_map)
from pretrain_explorer.tui.presentation import word_map as words


@pytest.fixture(scope="module")
def held_out_cache(tmp_path_factory):
    """held-out's complete result, computed once for the module, and the disk cache it is stored in
    (its groups: seen and held-out sentiment words of both signs)."""
    from pretrain_explorer.engine.run.session import Session
    from pretrain_explorer.engine.storage.disk_cache import DiskCache

    folder = tmp_path_factory.mktemp("held-out-results")
    return run_experiment(load_experiment("held-out"), session=Session(disk=DiskCache(folder / "pretrain-explorer"))), folder


@pytest.fixture
def held_out(held_out_cache):
    return held_out_cache[0]


def test_pca_equals_numpys_svd_of_the_centred_matrix():
    rng = np.random.default_rng(3)
    matrix = rng.standard_normal((12, 7)) @ np.diag([5, 3, 1, 1, 0.5, 0.2, 0.1])
    coordinates, explained = pca(matrix)
    u, s, _ = np.linalg.svd(matrix - matrix.mean(axis=0), full_matrices=False)
    for k in range(2):
        expected = u[:, k] * s[k]
        sign = np.sign(coordinates[:, k] @ expected)
        np.testing.assert_allclose(coordinates[:, k], sign * expected, atol=1e-12)
    np.testing.assert_allclose(explained, s[:2] ** 2 / (s ** 2).sum())


def test_adding_a_word_never_flips_an_axis(held_out):
    """held-out's shown words, with each other vocabulary word added at the end in turn: every axis
    that stays the same axis (its old words' coordinates before and after correlate beyond 0.9 in
    size; random vectors' axes are of near-equal variance and may turn into others) keeps its sign."""
    checked = 0
    for name in ("pretrained", "random"):
        vectors = held_out.vectors[name]
        words = [w for w, _ in shown_words(held_out)]
        before, _ = pca(unit_rows(vectors, words))
        for word in (w for w in vectors.words if w not in words):
            after, _ = pca(unit_rows(vectors, [*words, word]))
            for k in range(2):
                r = np.corrcoef(before[:, k], after[:-1, k])[0, 1]
                if abs(r) > 0.9:
                    checked += 1
                    assert r > 0, (name, word, k)
    assert checked > 60


def test_the_axis_runs_from_one_centroid_to_the_other_and_y_is_what_it_leaves():
    rng = np.random.default_rng(5)
    matrix = rng.standard_normal((10, 6))
    first, second = matrix[:4], matrix[4:8]
    coordinates, explained = on_axis(matrix, first, second)
    d = second.mean(axis=0) - first.mean(axis=0)
    d /= np.linalg.norm(d)
    middle = (first.mean(axis=0) + second.mean(axis=0)) / 2
    np.testing.assert_allclose(coordinates[:, 0], (matrix - middle) @ d)
    centred = matrix - matrix.mean(axis=0)
    rest = centred - np.outer(centred @ d, d)
    u, s, _ = np.linalg.svd(rest, full_matrices=False)
    np.testing.assert_allclose(np.abs(coordinates[:, 1]), np.abs(u[:, 0] * s[0]), atol=1e-12)
    total = (centred ** 2).sum()
    np.testing.assert_allclose(explained, [((coordinates[:, 0] - coordinates[:, 0].mean()) ** 2).sum() / total,
                                           s[0] ** 2 / total])


def test_leaving_one_out_places_each_word_on_an_axis_built_without_it():
    rng = np.random.default_rng(8)
    matrix = rng.standard_normal((7, 5))
    sides = np.array([0, 0, 0, 1, 1, 1, 1])
    right = placed_right(matrix, sides)
    for i in range(len(matrix)):
        keep = np.arange(len(matrix)) != i
        a, b = matrix[keep & (sides == 0)].mean(axis=0), matrix[keep & (sides == 1)].mean(axis=0)
        place = (matrix[i] - (a + b) / 2) @ (b - a)
        assert right[i] == (place > 0 if sides[i] else place < 0)


def test_the_random_vectors_of_every_seed_are_the_runs_own(held_out):
    """The run's seed's rows drawn for the shown words alone equal the run's own random vectors."""
    from pretrain_explorer.engine.vectors import random_vectors
    words = [w for w, _ in shown_words(held_out)]
    pretrained = held_out.vectors["pretrained"]
    later = random_seeds(held_out)[1]
    whole = random_vectors(pretrained.words, pretrained.dimension, later)
    np.testing.assert_allclose(_random_matrix(held_out, words, later), unit_rows(whole, words), atol=1e-12)
    np.testing.assert_allclose(unit_rows(held_out.vectors["random"], words),
                               unit_rows(random_vectors(pretrained.words, pretrained.dimension,
                                                        held_out.experiment.seed), words), atol=1e-12)


def test_the_map_is_the_pca_of_the_shown_words_unit_rows(held_out):
    shown = shown_words(held_out)
    assert [w for w, _ in shown[:4]] == list(held_out.groups.groups[0].present[:4])
    made = word_map(held_out)
    coordinates, explained = pca(unit_rows(held_out.vectors["pretrained"], [w for w, _ in shown]))
    np.testing.assert_allclose([(p.x, p.y) for p in made.pretrained.words], coordinates)
    assert made.pretrained.explained == pytest.approx(tuple(explained))
    assert held_out.space.map() is held_out.space.map() and held_out.space.map() == made


def test_held_out_words_fall_on_their_side_under_pretrained_vectors_not_random(held_out):
    """On held-out, sentiment words of opposite sign, each left out of the axis, land on their own
    side under pretrained vectors far more often than under the random vectors of any seed."""
    positive, negative = "positive held out", "negative held out"
    figure = separation(held_out, (positive, negative))
    assert len(figure.words) == len(held_out.groups.groups[1].present) + len(held_out.groups.groups[3].present)
    assert len(figure.random_right) == len(random_seeds(held_out)) == held_out.experiment.seeds
    assert figure.pretrained_share > max(figure.random_shares)
    assert figure.test.significant and figure.test.first_only > figure.test.second_only
    axis = word_map(held_out, AXIS, (positive, negative))
    assert axis.pretrained.axis == (positive, negative) and axis.separation == figure


# --- the view's words and pictures (tui/presentation/word_map.py) and the view itself ---------------


def test_every_word_is_drawn_or_listed_and_no_label_leaves_its_panel():
    """Thirty words on one spot and two at opposite corners of a 30 x 6 panel: the corners' words
    stand there (first letter at the place, the highest y on top), the crowd fills the free places
    near its spot, and whatever finds none is listed below; no line is wider than the panel."""
    crowd = [PlacedWord(f"word{k}", "g", 0.5, 0.5) for k in range(30)]
    corners = [PlacedWord("topleft", "g", 0.0, 1.0), PlacedWord("bottomright", "h", 1.0, 0.0)]
    projection = Projection("pretrained", PCA, (*corners, *crowd), (0.6, 0.3))
    text = words.scatter(projection, (), ("g", "h"), 30, 6).plain
    lines = text.split("\n")
    assert all(cell_len(line) <= 30 for line in lines)
    grid = lines[1:7]
    assert grid[0].startswith("topleft") and grid[-1].endswith("bottomright")
    listed = " ".join(lines[8:])
    assert listed.startswith("not placed:")
    for p in crowd:
        on_grid = sum(f" {p.word} " in f" {row} " for row in grid)
        assert on_grid + (f" {p.word}," in f" {listed}," or listed.endswith(p.word)) == 1, p.word
    assert "x: principal axis 1 (60%" in text and "y: axis 2 (30%)" in text


def _separation(pretrained: list[bool], random: list[list[bool]]) -> Separation:
    words_ = tuple(f"w{k}" for k in range(len(pretrained)))
    return Separation(("a", "b"), words_, tuple(pretrained), tuple(map(tuple, random)),
                      tuple(range(len(random))), paired_test([pretrained], random))


def test_the_separation_sentence_says_better_only_on_a_significant_paired_test():
    clear = _separation([True] * 10, [[False] * 10])
    assert clear.test.p < 0.05 and words.separation_verdict(clear) == "pretrained"
    assert "pretrained vectors separate the two groups better" in words.separation_sentence(clear)
    close = _separation([True] * 3 + [False] * 7, [[True] + [False] * 9])
    assert close.test.p >= 0.05 and words.separation_verdict(close) == "level"
    sentence = words.separation_sentence(close)
    assert "level" in sentence and "better" not in sentence and "3 of 10 (30%)" in sentence
    seeds = _separation([True] * 10, [[False] * 10, [True] * 2 + [False] * 8])
    assert "random 10% ± 10 over 2 seeds" in words.separation_sentence(seeds)
    assert words.separation_figures(seeds)["test"] == "paired permutation"


def test_the_json_form_carries_every_word_and_the_figure(held_out):
    made = word_map(held_out)
    form = words.map_json(made)
    assert [w["word"] for w in form["pretrained"]["words"]] == [w for w, _ in shown_words(held_out)]
    assert form["random"]["words"][0]["x"] == made.random.words[0].x
    assert form["separation"]["pretrained_right"] == sum(made.separation.pretrained_right)
    assert form["separation"]["text"] == words.separation_sentence(made.separation)


async def test_the_word_map_at_80x24_shows_both_sides_and_the_separation(held_out_cache, own_cache_dir):
    """held-out at 80x24: v opens the map; every shown word is drawn or listed in both panels, and
    the separation sentence is the one the presentation makes of the map; x switches to the axis
    between the least alike groups; esc leaves; the palette lists the view. held-out's results are
    found stored, as the kata's are in warm_kata tests: this looks at what the view shows."""
    import shutil
    from helpers import screen_text, settled, until
    from pretrain_explorer.tui.app import PretrainExplorer
    from pretrain_explorer.tui.screens.word_map import WordMapView

    shutil.copytree(held_out_cache[1], own_cache_dir, dirs_exist_ok=True)
    app = PretrainExplorer(load_experiment("held-out"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot, timeout=120)
        assert "Word map" in [c.title for c in app.get_system_commands(app.screen)]
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, WordMapView))
        await pilot.pause(0.1)
        text = screen_text(app)
        flat = " ".join(text.split())
        made = app.result.space.map()
        assert "pretrained" in text and "random" in text and "principal axis 1" in text
        assert " ".join(words.separation_sentence(made.separation).split()) in flat
        for word, _ in shown_words(app.result):
            assert flat.count(word) >= 2, word  # once in each panel (on the grid or listed)
        await pilot.press("x")
        await pilot.pause(0.1)
        first, second = app.screen.projections[1][1]
        assert f"{first} → {second}" in " ".join(screen_text(app).split())
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, WordMapView))


def test_the_report_and_its_json_carry_the_map_and_the_figure(held_out):
    """Stage 5 of the text report draws the map, lists every word's coordinates and says the
    separation figure; the JSON holds the PCA's and the axis's coordinates and figures."""
    import json

    from pretrain_explorer.tui.presentation.printed_report import render_json, render_text

    made, axis = held_out.space.map(), held_out.space.map(AXIS)
    text = render_text(held_out, width=72)
    stage = text[text.index("5 WHAT PRETRAINING CAPTURES"):]
    assert all(cell_len(line) <= 72 for line in stage.splitlines())
    assert " ".join(words.separation_sentence(made.separation).split()) in " ".join(stage.split())
    first = made.pretrained.words[0]
    assert f"{first.word}" in stage and f"{first.x:.3f}" in stage and f"{made.random.words[0].y:.3f}" in stage
    form = json.loads(render_json(held_out))["word_map"]
    assert form["pca"] == json.loads(json.dumps(words.map_json(made)))
    assert form["axis"]["pretrained"]["axis"] == list(held_out.space.default_pair) == list(axis.pretrained.axis)
    assert form["axis"]["separation"]["p"] == axis.separation.test.p
