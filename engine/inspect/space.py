"""Seeing the space: the group words and probes placed in two dimensions, by an exact PCA of the
shown words or along a semantic axis from one group's centroid to another's, under pretrained and
random vectors; and how well such an axis separates words it was not built from (leave-one-out),
pretrained against random over the run's random seeds, with a paired test on the same words.

Every vector is first scaled to unit length: the lesson compares words by cosine, so a word's
length (its frequency, under counts) is no part of where it stands."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from ..settings import MAP_MAX_WORDS
from ..vectors import WordVectors, l2_normalize_rows, random_rows
from .significance import PairedTest, paired_test
from .typed_axes import TypedPairs, typed_axis

PCA = "pca"
AXIS = "axis"
PAIRS = "pairs"  # the axis of word pairs typed by the user (typed_axes.py)
# What a word is on the map besides its group: the word chosen by the user, one of its nearest
# words in the panel's vectors, or a word of the typed pairs.
CHOSEN, NEIGHBOUR, PAIR_WORD = "chosen", "neighbour", "pair"


@dataclass(frozen=True)
class PlacedWord:
    word: str
    group: str | None  # None for a probe that is in no group
    x: float
    y: float
    role: str = ""  # CHOSEN, NEIGHBOUR or PAIR_WORD; "" for a group word or probe and nothing more


@dataclass(frozen=True)
class Projection:
    """The shown words in two dimensions under one set of vectors."""

    vectors: str  # "pretrained" or "random"
    kind: str  # PCA or AXIS
    words: tuple[PlacedWord, ...]
    explained: tuple[float, float]  # the share of the shown words' variance along x and along y
    axis: tuple[str, str] | None = None  # the groups the axis runs from and to (AXIS), or its ends' words (PAIRS)


@dataclass(frozen=True)
class Separation:
    """Leave-one-out: each word of the two groups placed on an axis built without it, and whether
    it falls on its own group's side (of the midpoint between the two centroids)."""

    groups: tuple[str, str]
    words: tuple[str, ...]  # the words placed, the first group's then the second's
    pretrained_right: tuple[bool, ...]
    random_right: tuple[tuple[bool, ...], ...]  # one row per random seed
    random_seeds: tuple[int, ...]
    test: PairedTest  # pretrained against random on the same words (over the seeds when several)

    @property
    def pretrained_share(self) -> float:
        return sum(self.pretrained_right) / len(self.words)

    @property
    def random_shares(self) -> tuple[float, ...]:
        return tuple(sum(row) / len(self.words) for row in self.random_right)

    @property
    def random_mean(self) -> float:
        return float(np.mean(self.random_shares))

    @property
    def random_std(self) -> float:
        return float(np.std(self.random_shares))  # population, as SeedStats


@dataclass(frozen=True)
class WordMap:
    pretrained: Projection
    random: Projection
    separation: Separation | None  # None when the axis's groups have too few words to leave one out
    pairs: tuple[tuple[str, str], ...]  # every pair of groups with words, the axes one may ask for
    chosen: str | None = None  # the word chosen by the user, placed with its nearest words in each panel


def shown_words(result) -> tuple[tuple[str, str | None], ...]:
    """(word, group) for the group words present in the pretrained vectors, then the probes not
    among them, in the manifest's order, at most MAP_MAX_WORDS: a word added to the manifest is
    added at the end, so the words before it keep their places in the order."""
    vectors = result.vectors["pretrained"]
    seen, shown = set(), []
    for group in result.groups.groups:
        for word in group.present:
            if word not in seen and word in vectors:
                seen.add(word)
                shown.append((word, group.name))
    for word in result.experiment.probes:
        if word not in seen and word in vectors:
            seen.add(word)
            shown.append((word, None))
    return tuple(shown[:MAP_MAX_WORDS])


def unit_rows(vectors: WordVectors, words) -> np.ndarray:
    rows = np.array([vectors.index(w) for w in words], dtype=np.intp)
    matrix = vectors.matrix[rows]
    matrix = matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix, dtype=float)
    return l2_normalize_rows(matrix)


def _fix_sign(coordinates: np.ndarray) -> np.ndarray:
    """Point the axis so that the words in their shown order, each weighing half the one before,
    stand on the positive side: the first words decide. A word added at the end moves the axis a
    little and weighs least, so the picture does not flip (a rule by the furthest word alone would
    flip whenever a new word went further out on the other side)."""
    weights = 0.5 ** np.minimum(np.arange(len(coordinates)), 1000)
    return -coordinates if float(coordinates @ weights) < 0 else coordinates


def pca(matrix: np.ndarray, components: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The rows' coordinates on their first principal axes (centred, by numpy's SVD), signs fixed,
    and each axis's share of the total variance. Fewer rows than axes: the missing ones are zero."""
    centred = matrix - matrix.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    total = float((s ** 2).sum())
    coordinates = np.zeros((len(matrix), components))
    explained = np.zeros(components)
    for k in range(min(components, len(s))):
        coordinates[:, k] = _fix_sign(u[:, k] * s[k])
        explained[k] = s[k] ** 2 / total if total > 0 else 0.0
    return coordinates, explained


def _direction(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The unit direction from the first rows' centroid to the second's, and their midpoint."""
    a, b = first.mean(axis=0), second.mean(axis=0)
    d = b - a
    length = np.linalg.norm(d)
    return (d / length, (a + b) / 2) if length > 0 else None


def on_axis(matrix: np.ndarray, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x: each row's place along the axis from the first rows' centroid to the second's, 0 at their
    midpoint; y: the strongest direction of what the axis leaves (the PCA of the rows with their
    axis component removed). And each one's share of the rows' total variance."""
    found = _direction(first, second)
    if found is None:
        return np.zeros((len(matrix), 2)), np.zeros(2)
    return along(matrix, *found)


def along(matrix: np.ndarray, direction: np.ndarray, middle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x: each row's place along the unit `direction`, 0 at `middle`; y: the strongest direction of
    what x leaves (the PCA of the rows with their x component removed); each one's share of the
    rows' total variance."""
    centred = matrix - matrix.mean(axis=0)
    total = float((centred ** 2).sum())
    x = (matrix - middle) @ direction
    rest = centred - np.outer(centred @ direction, direction)
    y, _ = pca(rest, 1)
    shares = np.array([float(((x - x.mean()) ** 2).sum()), float((y[:, 0] ** 2).sum())])
    return np.column_stack([x, y[:, 0]]), shares / total if total > 0 else np.zeros(2)


def placed_right(matrix: np.ndarray, sides: np.ndarray) -> tuple[bool, ...]:
    """Leave-one-out over rows of two groups (sides 0 and 1): each row placed on the axis built from
    the others; right when it falls on its own group's side of the midpoint."""
    right = []
    for i in range(len(matrix)):
        others = np.arange(len(matrix)) != i
        found = _direction(matrix[others & (sides == 0)], matrix[others & (sides == 1)])
        if found is None:
            right.append(False)
            continue
        d, middle = found
        place = float((matrix[i] - middle) @ d)
        right.append(place > 0 if sides[i] == 1 else place < 0)
    return tuple(right)


def group_pairs(result) -> tuple[tuple[str, str], ...]:
    """Every pair of groups, in the manifest's order, each with at least two shown words (one to
    leave out and one to build its side from)."""
    counts: dict[str, int] = {}
    for _, group in shown_words(result):
        if group is not None:
            counts[group] = counts.get(group, 0) + 1
    named = [g.name for g in result.groups.groups if counts.get(g.name, 0) >= 2]
    return tuple(combinations(named, 2))


def default_pair(result) -> tuple[str, str] | None:
    """The pair of groups least alike under the pretrained vectors (the lowest average cosine
    between them), the manifest's order breaking ties: the axis most worth looking along."""
    pairs = group_pairs(result)
    between = {(p.first, p.second): p.between for p in result.groups.pairs}
    scored = [(between.get(pair) if between.get(pair) is not None else float("inf"), k, pair)
              for k, pair in enumerate(pairs)]
    return min(scored)[2] if scored else None


def random_seeds(result) -> tuple[int, ...]:
    e = result.experiment
    return tuple(range(e.seed, e.seed + max(1, e.seeds)))


def _random_matrix(result, words, seed: int) -> np.ndarray:
    """The shown words' random vectors of `seed`, exactly as the run draws them (the run's own for
    its seed; the rest drawn for these rows only)."""
    pretrained = result.vectors["pretrained"]
    if not len(words):
        return np.zeros((0, pretrained.dimension))
    if seed == result.experiment.seed and "random" in result.vectors:
        return unit_rows(result.vectors["random"], words)
    rows = np.array([pretrained.index(w) for w in words], dtype=np.intp)
    return l2_normalize_rows(random_rows(len(pretrained.words), pretrained.dimension, seed, rows))


def _project(name: str, matrix: np.ndarray, shown, kind: str, pair, roles=None, typed=None) -> Projection:
    """The panel of one set of vectors: `shown` (word, group) with their unit rows `matrix`, `roles`
    by word; `typed`, for PAIRS, the typed axis's (direction, middle) in these vectors."""
    roles = roles or {}
    if kind == PAIRS and typed is not None and len(matrix):
        coordinates, explained = along(matrix, *typed[1])
        placed = tuple(PlacedWord(w, g, float(x), float(y), roles.get(w, ""))
                       for (w, g), (x, y) in zip(shown, coordinates))
        return Projection(name, PAIRS, placed, (float(explained[0]), float(explained[1])), typed[0].ends)
    if not len(matrix):
        return Projection(name, kind if pair else PCA, (), (0.0, 0.0), pair if kind == AXIS else None)
    if kind == AXIS and pair is not None:
        groups = np.array([g for _, g in shown], dtype=object)
        coordinates, explained = on_axis(matrix, matrix[groups == pair[0]], matrix[groups == pair[1]])
    else:
        kind, pair = PCA, None
        coordinates, explained = pca(matrix)
    placed = tuple(PlacedWord(w, g, float(x), float(y), roles.get(w, "")) for (w, g), (x, y) in zip(shown, coordinates))
    return Projection(name, kind, placed, (float(explained[0]), float(explained[1])), pair)


def separation(result, pair: tuple[str, str], shown=None) -> Separation | None:
    shown = shown if shown is not None else shown_words(result)
    kept = [(w, 0 if g == pair[0] else 1) for w, g in shown if g in pair]
    words = tuple(w for w, _ in kept)
    sides = np.array([s for _, s in kept])
    if min((sides == 0).sum(), (sides == 1).sum()) < 2:
        return None
    pretrained = placed_right(unit_rows(result.vectors["pretrained"], words), sides)
    seeds = random_seeds(result)
    random = tuple(placed_right(_random_matrix(result, words, s), sides) for s in seeds)
    return Separation(pair, words, pretrained, random, seeds, paired_test([pretrained], list(random)))


def panel_words(result, name: str, chosen: str | None, typed: TypedPairs | None):
    """The shown words of one panel and their roles: the groups' and probes', then the typed pairs'
    words and the chosen word with its nearest words in these vectors (top_n), each once."""
    shown = list(shown_words(result))
    roles: dict[str, str] = {}
    present = {w for w, _ in shown}
    extra = [(w, PAIR_WORD) for pair in (typed.pairs if typed else ()) for w in pair]
    if chosen is not None:
        extra.append((chosen, CHOSEN))
        extra += [(w, NEIGHBOUR) for w, _ in result.vectors[name].nearest(chosen, result.experiment.top_n)]
    for word, role in extra:
        roles.setdefault(word, role)
        if word not in present:
            present.add(word)
            shown.append((word, None))
    return tuple(shown), roles


def word_map(result, kind: str = PCA, pair: tuple[str, str] | None = None, chosen: str | None = None,
             typed: TypedPairs | None = None, figures: dict | None = None) -> WordMap:
    """The shown words under pretrained and random vectors (the run's seed), by PCA, along the
    axis of `pair` (the least alike pair by default) or along the typed pairs' axis (PAIRS), with
    the chosen word and its nearest words in each panel; and the separation figure of `pair`."""
    pair = pair or default_pair(result)
    seed = result.experiment.seed
    rows_of = {"pretrained": lambda ws: unit_rows(result.vectors["pretrained"], ws),
               "random": lambda ws: _random_matrix(result, ws, seed)}
    panels = {}
    for name, rows in rows_of.items():
        shown, roles = panel_words(result, name, chosen, typed)
        axis = (typed, typed_axis(rows, typed)) if kind == PAIRS and typed is not None else None
        panels[name] = _project(name, rows([w for w, _ in shown]), shown, kind, pair, roles, axis)
    figures = {} if figures is None else figures  # separation figures by pair, kept between maps
    if pair and pair not in figures:
        figures[pair] = separation(result, pair)
    figure = figures[pair] if pair else None
    return WordMap(panels["pretrained"], panels["random"], figure, group_pairs(result), chosen)
