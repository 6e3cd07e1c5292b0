"""A bounded in-memory cache of a session's stages, least recently used first out."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable

import numpy as np
import scipy.sparse as sp


DEFAULT_MAX_BYTES = 768 << 20

def nbytes(value, depth: int = 0) -> int:
    """A rough size of a cached value: the arrays it holds, a few levels down (a long tuple is
    estimated from its first item)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if sp.issparse(value):
        return sum(getattr(value, a).nbytes for a in ("data", "indices", "indptr") if hasattr(value, a))
    if depth > 3:
        return 0
    if isinstance(value, dict):
        return 64 + sum(nbytes(v, depth + 1) for v in value.values())
    if isinstance(value, (tuple, list)):
        return 64 + len(value) * nbytes(value[0], depth + 1) if value else 64
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return 64 + sum(nbytes(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    return 64



class StageCache:
    """Values by (stage, key), bounded by `max_bytes`. `stats` counts each stage's computations
    (hits are not counted), so a caller can see what a change recomputed. Safe to share between threads."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES):
        self.max_bytes = max_bytes
        self.stats: Counter = Counter()
        self._entries: OrderedDict = OrderedDict()
        self._sizes: dict = {}
        self._lock = threading.Lock()

    def peek(self, stage: str, key: Hashable):
        with self._lock:
            entry = self._entries.get((stage, key))
            if entry is not None:
                self._entries.move_to_end((stage, key))
            return entry

    def put(self, stage: str, key: Hashable, value) -> None:
        """Keep `value`, counted as one computation of `stage`; the least recently used go past max_bytes."""
        size = nbytes(value)
        with self._lock:
            self.stats[stage] += 1
            self._entries[(stage, key)] = value
            self._sizes[(stage, key)] = size
            total = sum(self._sizes.values())
            while total > self.max_bytes and len(self._entries) > 1:
                old, _ = self._entries.popitem(last=False)
                total -= self._sizes.pop(old)

    def cached(self, stage: str, key: Hashable, compute: Callable):
        found = self.peek(stage, key)
        if found is None:
            found = compute()
            self.put(stage, key, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
