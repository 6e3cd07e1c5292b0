"""One result's word maps and reaches, computed when first asked for and kept with the result: above
space.py (the maps) and reach.py (an axis over the whole vocabulary), which it calls."""

from __future__ import annotations

import weakref

from .reach import reach
from .space import PAIRS, PCA, Separation, WordMap, default_pair, word_map
from .typed_axes import TypedPairs


class Space:
    """One result's word maps, each computed when first asked for and kept with the result
    (ExperimentResult.space), so the stored result is unchanged and a view toggling between
    projections computes each once."""

    def __init__(self, result) -> None:
        # Weakly: the result holds its Space, and a cycle would keep a cancelled run's vectors in
        # memory until the cycle collector ran.
        self._result = weakref.ref(result)
        self._maps: dict[tuple, WordMap] = {}
        self._figures: dict[tuple[str, str], Separation | None] = {}

    def map(self, kind: str = PCA, pair: tuple[str, str] | None = None, chosen: str | None = None,
            typed: TypedPairs | None = None) -> WordMap:
        result = self._result()
        key = (kind, pair or default_pair(result), chosen, typed if kind == PAIRS else None)
        if key not in self._maps:
            self._maps[key] = word_map(result, *key, figures=self._figures)
        return self._maps[key]

    def reach(self, pair: tuple[str, str] | None = None):
        """The axis of `pair` (the least alike by default) over the whole vocabulary (reach.py)."""
        result = self._result()
        pair = pair or default_pair(result)
        key = ("reach", pair)
        if key not in self._maps:
            self._maps[key] = reach(result, pair) if pair else None
        return self._maps[key]

    @property
    def default_pair(self) -> tuple[str, str] | None:
        return default_pair(self._result())
