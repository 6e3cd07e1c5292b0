"""Seeing the space (issue 24): the PCA and the semantic axis of the word map, and the separation
figure, checked against direct computations; the map's words and the report's on held-out."""

import numpy as np
import pytest

from pretrain_explorer.engine import load_experiment, run_experiment
from pretrain_explorer.engine.inspect.space import (AXIS, on_axis, pca, placed_right, random_seeds, separation,
                                                    shown_words, unit_rows, word_map, _random_matrix)


@pytest.fixture(scope="module")
def held_out():
    """held-out's complete result, computed once for the module (its groups: seen and held-out
    sentiment words of both signs)."""
    return run_experiment(load_experiment("held-out"))


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
    assert word_map(held_out) is made  # computed once per result


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
