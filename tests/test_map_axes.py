"""The word map's typed axes, chosen word, axis over the whole vocabulary and exports (issue 24):
numbers checked against direct numpy and scipy computations on small made-up vectors, refusals,
Projector TSV files parsed back, and the map view's keys on the kata."""

import csv
import io
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp
from pretrain_explorer.engine.inspect.lexicon import Lexicon
from pretrain_explorer.engine.inspect.projector import projector_files
from pretrain_explorer.engine.inspect.reach import furthest, lexicon_fit, places, reach, spearman
from pretrain_explorer.engine.inspect.space import (AXIS, CHOSEN, NEIGHBOUR, PAIRS, PCA, pca, shown_words, unit_rows,
                                                     word_map)
from pretrain_explorer.engine.inspect.typed_axes import MapRefused, TypedPairs, parse_pairs, read_query
from pretrain_explorer.engine.vectors import WordVectors, random_vectors
from pretrain_explorer.tui.presentation import map_axes
from pretrain_explorer.tui.presentation import word_map as map_words
from scipy.stats import spearmanr


def made_up_result(matrix: np.ndarray, words, groups, lexicon_scores=(), seeds=20, top_n=3):
    """A stand-in for a run's result over made-up vectors: what the map's functions read of one."""
    words = tuple(words)
    pretrained = WordVectors(words, matrix)
    lexicon = (Lexicon(Path("lexicon.csv"), True, len(lexicon_scores), 20, (), tuple(lexicon_scores))
               if lexicon_scores else None)
    experiment = SimpleNamespace(seed=42, seeds=seeds, probes=(), top_n=top_n, lexicon=lexicon, labels=("a", "b"))
    group_list = tuple(SimpleNamespace(name=name, present=tuple(members)) for name, members in groups)
    result = SimpleNamespace(experiment=experiment, groups=SimpleNamespace(groups=group_list, pairs=()),
                             vectors={"pretrained": pretrained,
                                      "random": random_vectors(words, matrix.shape[1], experiment.seed)})
    return result


def letters(name: str) -> str:
    """p0 as paa, w12 as wam: words are letters only, as the corpus is split into them."""
    number = int(name[1:])
    return name[0] + chr(97 + number // 26) + chr(97 + number % 26)


def sentiment_like(rng, n_other=40, dimension=12):
    """Words whose first coordinate is their score (plus noise): the groups' words at the ends, the
    lexicon's other words spread between them."""
    scores = {f"p{k}": 1.0 + k / 10 for k in range(4)} | {f"n{k}": -1.0 - k / 10 for k in range(4)}
    scores |= {f"w{k}": float(s) for k, s in enumerate(np.linspace(-1, 1, n_other))}
    scores = {letters(w): s for w, s in scores.items()}
    words = sorted(scores)
    matrix = rng.standard_normal((len(words), dimension)) * 0.3
    matrix[:, 0] += [3 * scores[w] for w in words]
    groups = (("neg", [letters(f"n{k}") for k in range(4)]), ("pos", [letters(f"p{k}") for k in range(4)]))
    return matrix, words, groups, scores


def test_typed_pairs_make_the_mean_of_their_differences_the_x_axis():
    rng = np.random.default_rng(1)
    matrix, words, groups, _ = sentiment_like(rng)
    result = made_up_result(matrix, words, groups)
    typed = parse_pairs("paa-naa, pab - nab", result.vectors["pretrained"])
    assert typed.pairs == (("paa", "naa"), ("pab", "nab")) and typed.ends == ("naa, nab", "paa, pab")
    made = word_map(result, PAIRS, None, None, typed)
    shown = [p.word for p in made.pretrained.words]
    rows = unit_rows(result.vectors["pretrained"], shown)
    a = unit_rows(result.vectors["pretrained"], ["paa", "pab"])
    b = unit_rows(result.vectors["pretrained"], ["naa", "nab"])
    d = (a - b).mean(axis=0)
    d /= np.linalg.norm(d)
    middle = (a + b).mean(axis=0) / 2
    np.testing.assert_allclose([p.x for p in made.pretrained.words], (rows - middle) @ d, atol=1e-12)
    centred = rows - rows.mean(axis=0)
    rest = centred - np.outer(centred @ d, d)
    u, s, _ = np.linalg.svd(rest, full_matrices=False)
    np.testing.assert_allclose(np.abs([p.y for p in made.pretrained.words]), np.abs(u[:, 0] * s[0]), atol=1e-12)
    assert made.pretrained.axis == typed.ends and made.pretrained.kind == PAIRS
    assert made.pretrained.explained[0] == pytest.approx(((rows - middle) @ d).var() * len(rows) / (centred ** 2).sum())


@pytest.mark.parametrize("typed, why", [("paa-zz", "'zz' is not in the pretrained vectors' vocabulary"),
                                        ("paa-paa", "pairs a word with itself"),
                                        ("paa-naa-nab", "is not a pair"), ("paa-", "is not a pair"),
                                        ("zz", "'zz' is not in the pretrained vectors' vocabulary"),
                                        ("two words", "is not one word")])
def test_what_cannot_be_placed_is_refused_in_one_line(typed, why):
    vectors = WordVectors(("naa", "paa"), np.eye(2))
    with pytest.raises(MapRefused) as refused:
        read_query(typed, vectors)
    assert why in str(refused.value) and "\n" not in str(refused.value)


def test_a_chosen_word_joins_each_panel_with_its_own_nearest_words():
    rng = np.random.default_rng(2)
    matrix, words, groups, _ = sentiment_like(rng)
    result = made_up_result(matrix, words, groups, top_n=3)
    made = word_map(result, PCA, None, "waf")
    for name, projection in (("pretrained", made.pretrained), ("random", made.random)):
        nearest = [w for w, _ in result.vectors[name].nearest("waf", 3)]
        roles = {p.word: p.role for p in projection.words}
        assert roles["waf"] == CHOSEN
        assert all(roles[w] == NEIGHBOUR for w in nearest)
        rows = unit_rows(result.vectors["pretrained"], [p.word for p in projection.words]) if name == "pretrained" \
            else unit_rows(result.vectors["random"], [p.word for p in projection.words])
        coordinates, _ = pca(rows)
        np.testing.assert_allclose([(p.x, p.y) for p in projection.words], coordinates, atol=1e-12)
    assert [p.word for p in made.pretrained.words][:8] == [w for w, _ in shown_words(result)]


def test_spearman_equals_scipys_with_ties():
    rng = np.random.default_rng(3)
    x, y = rng.integers(0, 6, 50).astype(float), rng.standard_normal(50)
    assert spearman(x, y) == pytest.approx(spearmanr(x, y).statistic, abs=1e-12)
    assert spearman(np.ones(5), y[:5]) == 0.0


def test_places_over_the_vocabulary_are_of_unit_rows_dense_or_sparse():
    rng = np.random.default_rng(4)
    matrix = rng.standard_normal((30, 6))
    matrix[3] = 0
    d, middle = rng.standard_normal(6), rng.standard_normal(6)
    d /= np.linalg.norm(d)
    words = tuple(f"w{k:02d}" for k in range(30))
    direct = unit_rows(WordVectors(words, matrix), words) @ d - middle @ d
    np.testing.assert_allclose(places(WordVectors(words, matrix), d, middle), direct, atol=1e-12)
    np.testing.assert_allclose(places(WordVectors(words, sp.csr_matrix(matrix)), d, middle), direct, atol=1e-12)
    low, high = furthest(words, direct, {words[int(np.argmin(direct))]}, 3)
    order = [words[i] for i in np.argsort(direct)]
    assert list(low) == order[1:4] and list(high) == order[::-1][:3]


def test_the_lexicon_fit_is_spearman_of_the_other_words_against_every_seed():
    """The lexicon's words other than the axis's own, ranked along the groups' axis: rho equals
    scipy's on a direct computation; every random seed's likewise; the rank test's p is counted;
    pretrained vectors that encode the scores carry over, by the stated rule."""
    rng = np.random.default_rng(5)
    matrix, words, groups, scores = sentiment_like(rng)
    lexicon = [(w, s) for w, s in scores.items()] + [("absent", 0.5)]
    result = made_up_result(matrix, words, groups, lexicon)
    found = reach(result, ("neg", "pos"))
    fit = found.lexicon
    assert (fit.listed, fit.with_vectors, fit.used) == (len(lexicon), len(scores), len(scores) - 8)
    others = [w for w in scores if w[0] not in "pn"]
    rows = unit_rows(result.vectors["pretrained"], words)
    index = {w: i for i, w in enumerate(words)}
    a = rows[[index[w] for w in groups[0][1]]].mean(axis=0)
    b = rows[[index[w] for w in groups[1][1]]].mean(axis=0)
    positions = (rows[[index[w] for w in others]] - (a + b) / 2) @ (b - a)
    assert fit.pretrained == pytest.approx(spearmanr(positions, [scores[w] for w in others]).statistic, abs=1e-12)
    assert len(fit.random) == 20 and fit.expected_sign == 1
    assert fit.p == (1 + sum(r >= fit.pretrained for r in fit.random)) / 21
    assert map_axes.lexicon_verdict(fit) == "carries over" and fit.pretrained > 0.9
    assert "the direction carries over" in map_axes.lexicon_sentence(found, result.experiment.lexicon)
    few = lexicon_fit(made_up_result(matrix, words, groups, lexicon, seeds=5), found.built_from,
                      np.array([0] * 4 + [1] * 4))
    assert map_axes.lexicon_verdict(few) == "too few seeds"
    # random vectors in place of the pretrained ones: no verdict beyond chance
    noise = made_up_result(rng.standard_normal(matrix.shape), words, groups, lexicon)
    assert map_axes.lexicon_verdict(reach(noise, ("neg", "pos")).lexicon) == "level"
    assert found.toward["pretrained"][1][0] in {w for w in others if scores[w] > 0.5}


def test_projector_files_parse_back_to_the_unit_vectors_and_their_groups():
    rng = np.random.default_rng(6)
    matrix, words, groups, _ = sentiment_like(rng)
    result = made_up_result(matrix, words, groups)
    made = word_map(result, PCA, None, "waf")
    files = projector_files(result, made)
    assert files.whole_vocabulary and files.words == tuple(words)
    for name in ("pretrained", "random"):
        back = np.loadtxt(io.StringIO(files.vectors[name]), delimiter="\t")
        np.testing.assert_allclose(back, unit_rows(result.vectors[name], words), atol=1e-5)
    table = list(csv.reader(io.StringIO(files.metadata), delimiter="\t"))
    assert table[0] == ["word", "group"] and [r[0] for r in table[1:]] == list(words)
    groups_of = dict(table[1:])
    assert groups_of["naa"] == "neg" and groups_of["pad"] == "pos" and groups_of["waf"] == CHOSEN
    cut = projector_files(result, made, limit_cells=12 * 20)
    assert not cut.whole_vocabulary and len(cut.words) == 20
    assert cut.words[:8] == tuple(w for w, _ in shown_words(result))


def test_an_axis_name_too_long_for_its_panel_goes_on_two_lines_naming_both_groups():
    projection = SimpleNamespace(kind=AXIS, axis=("positive held out", "negative seen"), explained=(0.81, 0.12))
    whole = map_words.axis_names(projection)[0]
    assert map_words.x_lines(projection, len(whole)) == [whole]
    first, second = map_words.x_lines(projection, 38)  # a panel's width at 80 columns
    assert first.endswith("positive held out →") and second.strip() == "negative seen"
    assert first + " " + second.strip() == whole and max(len(first), len(second)) <= 38


@pytest.mark.warm_kata
async def test_the_map_keys_on_the_kata(tmp_path, monkeypatch):
    """On the kata at 80x24: / and a word mark it and its nearest words; an unknown word is refused
    in one line; pairs make an axis; o shows the axis over the vocabulary; e writes the Projector's
    files and the SVG into the current folder, naming them, and never over a file; so does the palette's
    Export word map (the map as shown over the view, the one it opens on from a stage), and its Word map
    opens the view."""
    from helpers import KATA, notifications, screen_text, settled, until
    from pretrain_explorer.engine import load_experiment
    from pretrain_explorer.tui.app import PretrainExplorer
    from pretrain_explorer.tui.screens.word_map import WordMapView
    from textual.command import CommandPalette

    def commands(screen) -> dict:
        return {c.title: c.callback for c in app.get_system_commands(screen)}

    monkeypatch.chdir(tmp_path)
    app = PretrainExplorer(load_experiment(KATA))
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, WordMapView))
        await pilot.pause(0.1)
        await pilot.press("slash", *"superb", "enter")
        await pilot.pause(0.1)
        view = app.screen
        assert view.chosen == "superb" and "chosen word" in screen_text(app)
        await pilot.press("slash", *"zzzq", "enter")
        await pilot.pause(0.1)
        assert "Refused: 'zzzq' is not in the pretrained vectors' vocabulary" in screen_text(app)
        await pilot.press("slash", "ctrl+u", *"excellent-terrible", "enter")
        await pilot.pause(0.1)
        assert view.typed == TypedPairs((("excellent", "terrible"),))
        assert "terrible → excellent" in screen_text(app)
        await pilot.press("o")
        await pilot.pause(0.1)
        assert "over the whole vocabulary" in " ".join(screen_text(app).split())
        await pilot.press("e")
        await until(pilot, lambda: len(list(tmp_path.iterdir())) == 4)
        written = sorted(p.name for p in tmp_path.iterdir())
        assert {n.split("-map-", 1)[1][19:] for n in written} == {"-metadata.tsv", "-pretrained-vectors.tsv",
                                                                   "-random-vectors.tsv", ".svg"}
        assert all(str(tmp_path / n) in notifications(app) for n in written)
        svg = next(tmp_path.glob("*.svg")).read_text()
        assert svg.startswith("<svg") and "superb" in svg
        before = {p: p.read_text() for p in tmp_path.iterdir()}
        await pilot.press("e")  # in the same second: the names exist, nothing is replaced
        await pilot.pause(0.2)
        assert {p: p.read_text() for p in tmp_path.iterdir() if p in before} == before
        # ctrl+p over the map: its export writes the map as shown; opening the map is not offered again.
        assert "Word map" not in commands(app.screen)
        clear(tmp_path)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"xport w")
        await pilot.pause(0.2)  # the palette's search runs as the letters come
        await pilot.press("enter")
        await until(pilot, lambda: len(list(tmp_path.iterdir())) == 4)
        assert legend_says_chosen(tmp_path) and isinstance(app.screen, WordMapView)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, WordMapView))
        # From a stage, the palette's export writes the map the view opens on (no word chosen), and
        # its Word map opens the view.
        clear(tmp_path)
        commands(app.screen)["Export word map"]()
        await until(pilot, lambda: len(list(tmp_path.iterdir())) == 4)
        assert not legend_says_chosen(tmp_path)
        commands(app.screen)["Word map"]()
        await until(pilot, lambda: isinstance(app.screen, WordMapView))


def clear(folder: Path) -> None:
    for path in folder.iterdir():
        path.unlink()


def legend_says_chosen(folder: Path) -> bool:
    """The exported SVG's legend marks a chosen word (the SVG writes spaces as &#160;)."""
    return "chosen&#160;word" in next(folder.glob("*.svg")).read_text()

