"""The vectors as the TensorFlow Embedding Projector reads them (issue 24): vectors.tsv, one word's
vector a line, tab-separated floats, no header; metadata.tsv, the same words in the same order with
a header row (word, group), since it has more than one column. Pretrained and random vectors share
the words and so the metadata file."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..settings import PROJECTOR_MAX_CELLS
from .space import CHOSEN, NEIGHBOUR, PAIR_WORD, _random_matrix, shown_words, unit_rows

PROBE = "probe"  # the metadata's group of a probe in no group


@dataclass(frozen=True)
class ProjectorFiles:
    words: tuple[str, ...]
    whole_vocabulary: bool  # else the map's words and their nearest words
    vectors: dict[str, str]  # by vectors' name, the text of its vectors.tsv
    metadata: str


def _field(text: str) -> str:
    """A metadata cell: no tab or line break may stand in it."""
    return " ".join(text.split())


def exported_words(result, made=None, limit_cells: int = PROJECTOR_MAX_CELLS) -> tuple[tuple[str, ...], bool]:
    """The whole vocabulary when words x dimensions fit in `limit_cells`; else the map's words (and
    the words shown with them) first, then each one's nearest in the pretrained vectors, taken in
    turn, until the cells are used."""
    pretrained = result.vectors["pretrained"]
    room = max(1, limit_cells // max(1, pretrained.dimension))
    if len(pretrained.words) <= room:
        return pretrained.words, True
    first = [w for w, _ in shown_words(result)]
    if made is not None:
        first += [p.word for projection in (made.pretrained, made.random) for p in projection.words]
    chosen = list(dict.fromkeys(first))[:room]
    taken = set(chosen)
    if len(chosen) < room and chosen:
        nearest = [pretrained.nearest(w, room // len(chosen) + 1) for w in chosen]
        for rank in range(max(len(n) for n in nearest)):
            for found in nearest:
                if rank < len(found) and found[rank][0] not in taken and len(chosen) < room:
                    taken.add(found[rank][0])
                    chosen.append(found[rank][0])
    return tuple(chosen), False


def _rows_text(matrix: np.ndarray) -> str:
    return "".join("\t".join(format(float(v), ".6g") for v in row) + "\n" for row in matrix)


def projector_files(result, made=None, limit_cells: int = PROJECTOR_MAX_CELLS) -> ProjectorFiles:
    """Both sets of vectors (rows scaled to unit length, as the map and the cosines see them) and
    the metadata: each word's group, or probe, or its part on the map `made` (chosen, neighbour,
    pair), or nothing."""
    words, whole = exported_words(result, made, limit_cells)
    group = {w: (g if g is not None else PROBE) for w, g in shown_words(result)}
    if made is not None:
        for projection in (made.pretrained, made.random):
            for p in projection.words:
                if p.role in (CHOSEN, NEIGHBOUR, PAIR_WORD) and p.word not in group:
                    group[p.word] = p.role
    vectors = {"pretrained": _rows_text(unit_rows(result.vectors["pretrained"], words)),
               "random": _rows_text(_random_matrix(result, words, result.experiment.seed))}
    metadata = "word\tgroup\n" + "".join(f"{_field(w)}\t{_field(group.get(w, ''))}\n" for w in words)
    return ProjectorFiles(words, whole, vectors, metadata)
