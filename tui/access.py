"""Which files the explorer may open and write: anywhere on a user's own terminal; in served mode
(`pretrain-explorer serve`), where the person at the keyboard is a web visitor, only inside the
folders the server was started with.

Paths are resolved first (`..` removed, every symbolic link followed), so neither a `..` nor a link
inside an allowed folder reaches a file outside it.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from engine.errors import ExperimentError


def resolved(path: str | Path) -> Path:
    """The absolute path with `..` and every symbolic link resolved, existing or not."""
    return Path(os.path.realpath(os.path.abspath(path)))


def inside(path: str | Path, folders: tuple[Path, ...]) -> bool:
    """Whether `path`, resolved, is one of `folders` (resolved) or lies under one."""
    target = resolved(path)
    return any(target.is_relative_to(resolved(folder)) for folder in folders)


@dataclass(frozen=True)
class AccessPolicy:
    """`readable`: the folders files may be opened from (None: anywhere); `export_folder`: the one
    folder exports and screenshots go to (None: anywhere, relative names from the current folder)."""

    readable: tuple[Path, ...] | None = None
    export_folder: Path | None = None

    @property
    def limited(self) -> bool:
        return self.readable is not None

    def check_read(self, path: str | Path) -> Path:
        """`path` if it may be opened; ExperimentError naming it otherwise."""
        if self.readable is not None and not inside(path, self.readable):
            raise ExperimentError(path, "is outside the folders this server may open: "
                                        + ", ".join(str(folder) for folder in self.readable))
        return Path(path)

    def check_write(self, path: str | Path) -> Path:
        """Where to write `path` (a bare name goes into the export folder), if it may be written."""
        path = Path(path)
        if self.export_folder is None:
            return path
        if not path.is_absolute():
            path = self.export_folder / path
        if not inside(path, (self.export_folder,)):
            raise ExperimentError(path, f"is outside the folder this server writes to: {self.export_folder}")
        return resolved(path)


ANYWHERE = AccessPolicy()


def served_session(allowed: list[Path]) -> AccessPolicy:
    """The policy of one browser session: open inside `allowed` and a fresh export folder of its
    own (under the system's temporary folder), write only there."""
    base = Path(tempfile.gettempdir()) / "pretrain-explorer-exports"
    base.mkdir(mode=0o700, exist_ok=True)
    export_folder = resolved(tempfile.mkdtemp(prefix="session-", dir=base))
    return AccessPolicy(tuple(resolved(folder) for folder in allowed) + (export_folder,), export_folder)
