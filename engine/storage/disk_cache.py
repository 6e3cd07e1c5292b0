"""Pretrained vectors of large corpora kept on disk, so reopening a corpus does not count it again."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ExperimentError, stop_if_asked
from ..progress import ProgressEvent
from .vectors_file import load_vectors, save_vectors
from ..vectors import WordVectors

ENTRY_VERSION = 1  # bump when what an entry means changes, so old entries are never read
CHUNK = 4 << 20


def default_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pretrain-explorer"


# Entries live in the user's cache folder ($XDG_CACHE_HOME/pretrain-explorer, else
# ~/.cache/pretrain-explorer): one vectors file (storage.vectors_file) per corpus content and
# settings, the corpus's statistics beside it as a plain dict (storage imports no higher layer).
# Writes are atomic; the folder is bounded in size, least recently used entries going first, so
# deleting it loses nothing but time. An entry is checked when read (format, key, shape, finite
# numbers) and removed if it fails.
class DiskCache:
    def __init__(self, folder: Path | None = None, max_bytes: int = 2 << 30, min_corpus_bytes: int = 1 << 20):
        self.folder = Path(folder) if folder is not None else default_folder()
        self.max_bytes, self.min_corpus_bytes = max_bytes, min_corpus_bytes

    def wants(self, stored_bytes: int) -> bool:
        """Small corpora (of `stored_bytes` in all) are counted again faster than an entry is read."""
        return stored_bytes >= self.min_corpus_bytes

    def content_hash(self, files: Sequence[Path], stored_bytes: int, should_stop=lambda: False,
                     on_progress=lambda event: None) -> str:
        """A digest of the files' names and bytes, in order (`stored_bytes`, their total size, for progress)."""
        total = max(stored_bytes, 1)
        digest, done = hashlib.blake2b(digest_size=20), 0
        for file in files:
            digest.update(f"\0{file.name}\0".encode())
            with open(file, "rb") as stream:
                while chunk := stream.read(CHUNK):
                    stop_if_asked(should_stop)
                    digest.update(chunk)
                    done += len(chunk)
                    on_progress(ProgressEvent("hashing", done / total,
                                              "Pretraining: reading the corpus to look for it in the disk cache"))
        return digest.hexdigest()

    def key(self, content: str, settings: dict) -> str:
        text = json.dumps({"version": ENTRY_VERSION, "content": content, "settings": settings}, sort_keys=True)
        return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def load(self, key: str) -> tuple[WordVectors, dict] | None:
        """The entry's vectors and the corpus statistics saved with them, or None."""
        path = self._path(key)
        if not path.exists():
            return None
        try:
            vectors, settings = load_vectors(path)
            stats = dict(settings["corpus"])
            if (settings.get("cache_key") != key or stats["vocabulary"] != len(vectors.words)
                    or stats["dimension"] != vectors.dimension or not np.isfinite(vectors.matrix).all()):
                raise ValueError("the entry does not match its key")
        except (ExperimentError, KeyError, TypeError, ValueError):
            path.unlink(missing_ok=True)
            return None
        os.utime(path)  # recently used: evicted last
        return vectors, stats

    def save(self, key: str, vectors: WordVectors, stats: dict) -> None:
        """Best effort: a cache that cannot be written costs time, never the run."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            save_vectors(self._path(key), vectors, {"cache_key": key, "corpus": stats})
            self.evict()
        except OSError:
            pass

    def evict(self) -> None:
        """Remove the least recently used entries until the folder fits in max_bytes."""
        entries = sorted(self.folder.glob("*.npz"), key=lambda p: p.stat().st_mtime_ns)
        total = sum(p.stat().st_size for p in entries)
        for path in entries[:-1]:  # the newest stays, even alone over the bound
            if total <= self.max_bytes:
                break
            total -= path.stat().st_size
            path.unlink(missing_ok=True)
