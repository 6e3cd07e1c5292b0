"""Pretrained vectors of large corpora kept on disk, so reopening a corpus does not count it again."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
import zipfile
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..errors import ExperimentError, stop_if_asked
from ..progress import ProgressEvent
from ..settings import DISK_CACHE_MAX_BYTES
from .atomic import sweep_stale_parts
from .entry_file import DamagedEntry, load_entry, save_entry
from .paths import kind_of
from .vectors_file import load_vectors, save_vectors
from ..vectors import WordVectors

ENTRY_VERSION = 1  # bump when what an entry means changes, so old entries are never read
CHUNK = 4 << 20
LOCK_WAIT = 1800.0  # seconds a run waits for another computing the same entry (counting a large corpus)
LOCK_POLL = 0.05  # seconds between tries of the lock: short enough for a cancel to be felt at once


def default_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pretrain-explorer"


# Entries live in the user's cache folder ($XDG_CACHE_HOME/pretrain-explorer, else
# ~/.cache/pretrain-explorer): one vectors file (storage.vectors_file) per corpus content and
# settings, the corpus's statistics beside it as a plain dict (storage imports no higher layer);
# and one entry (storage.entry_file: arrays and JSON) per run's results, which engine.run lays out.
# Writes are atomic; the folder is bounded in size, least recently used entries going first, so
# deleting it loses nothing but time. An entry is checked when read (format, key, shape, finite
# numbers) and removed if it fails.
class DiskCache:
    def __init__(self, folder: Path | None = None, max_bytes: int = DISK_CACHE_MAX_BYTES,
                 min_corpus_bytes: int = 1 << 20, lock_wait: float = LOCK_WAIT):
        self.folder = Path(folder) if folder is not None else default_folder()
        self.max_bytes, self.min_corpus_bytes, self.lock_wait = max_bytes, min_corpus_bytes, lock_wait

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
                                              "Pretraining: checking the disk cache"))
        return digest.hexdigest()

    def key(self, content: str, settings: dict) -> str:
        text = json.dumps({"version": ENTRY_VERSION, "content": content, "settings": settings}, sort_keys=True)
        return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def load(self, key: str) -> tuple[WordVectors, dict] | None:
        """The entry's vectors and the corpus statistics saved with them, or None: an entry that is
        missing, damaged or not a file (a folder in its place) is counted again, never an error."""
        path = self._path(key)
        try:
            if kind_of(path) == "missing":
                return None
            vectors, settings = load_vectors(path)
            stats = dict(settings["corpus"])
            if (settings.get("cache_key") != key or stats["vocabulary"] != len(vectors.words)
                    or stats["dimension"] != vectors.dimension or not np.isfinite(vectors.matrix).all()):
                raise ValueError("the entry does not match its key")
        except (ExperimentError, OSError, EOFError, zipfile.BadZipFile, KeyError, TypeError, ValueError):
            self._discard(path)
            return None
        try:
            os.utime(path)  # recently used: evicted last
        except OSError:  # a read-only cache still serves
            pass
        return vectors, stats

    def save(self, key: str, vectors: WordVectors, stats: dict) -> None:
        """Best effort: a cache that cannot be written (unwritable, full, a file where its folder
        should be, an entry another run wrote first) costs time, never the run."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            sweep_stale_parts(self.folder)
            save_vectors(self._path(key), vectors, {"cache_key": key, "corpus": stats})
        except (OSError, ExperimentError):
            pass
        self.evict()

    def load_entry(self, key: str) -> tuple[dict, dict, set] | None:
        """An entry's arrays, JSON document and non-finite arrays' names (entry_file.load_entry), or
        None: missing, damaged (then removed) or not a file is a miss, never an error."""
        path = self._path(key)
        try:
            if kind_of(path) != "file":
                self._discard(path)
                return None
            arrays, document, nonfinite = load_entry(path, self.max_bytes)
            if document.get("cache_key") != key:
                raise DamagedEntry("the entry does not match its key")
        except (DamagedEntry, OSError):
            self._discard(path)
            return None
        self._touch(path)
        return arrays, document, nonfinite

    def save_entry(self, key: str, arrays: dict, document: dict) -> None:
        """Best effort, as save: the run goes on whatever happens to its entry."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            sweep_stale_parts(self.folder)
            save_entry(self._path(key), arrays, {**document, "cache_key": key})
        except (OSError, ExperimentError, ValueError):
            pass
        self.evict()

    def discard(self, key: str) -> None:
        self._discard(self._path(key))

    @staticmethod
    def _touch(path: Path) -> None:
        try:
            os.utime(path)  # recently used: evicted last
        except OSError:  # a read-only cache still serves
            pass

    def entries(self) -> list[tuple[int, int, Path]]:
        """(last used in ns, size, path) of each entry, oldest first; entries going meanwhile are skipped."""
        entries = []
        try:
            for path in self.folder.glob("*.npz"):
                try:
                    found = path.stat()
                except OSError:
                    continue
                entries.append((found.st_mtime_ns, found.st_size, path))
        except OSError:
            pass
        return sorted(entries)

    def clear(self) -> int:
        """Remove every entry (lock files are left: a run holding one still excludes the others,
        and one computing an entry just writes it again). Returns how many were removed."""
        removed = 0
        for _, _, path in self.entries():
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:  # another process removed it meanwhile
                pass
        try:
            sweep_stale_parts(self.folder)
        except OSError:
            pass
        return removed

    @contextmanager
    def claimed(self, key: str, should_stop=lambda: False, on_wait=lambda: None):
        """Hold the entry's lock (KEY.lock beside it) while it is looked up, computed and saved, so
        that runs of the same key in other processes wait for this one and then load its entry
        instead of computing it again. Waits at most `lock_wait` seconds, polling should_stop
        (RunCancelled) and calling on_wait once; then, or where no lock can be had, goes on unlocked."""
        descriptor = self._lock(self.folder / f"{key}.lock", should_stop, on_wait)
        try:
            yield
        finally:
            if descriptor is not None:
                self._unlock(self.folder / f"{key}.lock", descriptor)

    def _lock(self, path: Path, should_stop, on_wait) -> int | None:
        deadline, waited = time.monotonic() + self.lock_wait, False
        while True:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError:  # an unwritable cache: no lock, and no entry will be written either
                return None
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                if not waited:
                    on_wait()
                    waited = True
                stop_if_asked(should_stop)
                if time.monotonic() > deadline:  # a run that never ends must not hold up this one
                    return None
                time.sleep(LOCK_POLL)
                continue
            except OSError:  # a file system without locks
                os.close(descriptor)
                return None
            # The holder before us unlinked the file as it let go (_unlock): a lock on that file
            # excludes no one who opens the name now, so take the lock again on the file there.
            try:
                held, there = os.fstat(descriptor), os.stat(path)
                if (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino):
                    return descriptor
            except OSError:
                pass
            os.close(descriptor)

    @staticmethod
    def _unlock(path: Path, descriptor: int) -> None:
        # Unlinked before it is let go, so the folder keeps no lock files; a process that killed
        # leaves one, unlocked by the kernel, which the next run takes and removes.
        try:
            os.unlink(path)
        except OSError:
            pass
        os.close(descriptor)

    @staticmethod
    def _discard(path: Path) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError:  # a folder in the entry's place is the user's: left, and the entry not cached
            pass

    def evict(self) -> None:
        """Remove the least recently used entries until the folder fits in max_bytes. Other runs
        may remove or add entries meanwhile: an entry gone is skipped, never an error."""
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        for _, size, path in entries[:-1]:  # the newest stays, even alone over the bound
            if total <= self.max_bytes:
                break
            total -= size
            self._discard(path)
