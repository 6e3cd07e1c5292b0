"""Which files the explorer may open and write: anywhere on a user's own terminal; when served
(`pretrain-explorer serve`), only inside the folders the server was started with."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..engine.errors import ExperimentError

EXPORT_QUOTA = 64 << 20  # bytes one served session may keep in its export folder: no visitor fills the disk


# Paths are resolved first (`..` removed, every symbolic link followed), so neither a `..` nor a
# link inside an allowed folder reaches a file outside it.
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
        held = folder_bytes(self.export_folder)
        if held >= EXPORT_QUOTA:
            raise ExperimentError(path, f"not written: this session's exports hold {held >> 20} MiB, "
                                        f"the most a served session keeps is {EXPORT_QUOTA >> 20} MiB")
        return resolved(path)


def folder_bytes(folder: Path) -> int:
    """The bytes of the files directly in `folder` (exports are written there, never below)."""
    try:
        return sum(entry.stat().st_size for entry in os.scandir(folder) if entry.is_file(follow_symlinks=False))
    except OSError:
        return 0


ANYWHERE = AccessPolicy()


def exports_base() -> Path:
    """Where served sessions' export folders go: one folder under the system's temporary folder."""
    return Path(tempfile.gettempdir()) / "pretrain-explorer-exports"


def served_session(allowed: list[Path]) -> AccessPolicy:
    """The policy of one browser session: open inside `allowed` and a fresh export folder of its
    own (under the system's temporary folder, named after this process), write only there. The
    folders of sessions whose process has gone (ended without end_session: killed) go first, so
    they never pile up."""
    base = exports_base()
    base.mkdir(mode=0o700, exist_ok=True)
    sweep_ended_sessions(base)
    export_folder = resolved(tempfile.mkdtemp(prefix=f"session-{os.getpid()}-", dir=base))
    return AccessPolicy(tuple(resolved(folder) for folder in allowed) + (export_folder,), export_folder)


def end_session(policy: AccessPolicy) -> None:
    """Remove a served session's export folder and what was exported into it (the visitor's browser
    has downloaded each export as it was written)."""
    if policy.export_folder is not None:
        shutil.rmtree(policy.export_folder, ignore_errors=True)


def sweep_ended_sessions(base: Path) -> None:
    """Remove the export folders under `base` whose session's process no longer runs."""
    for folder in base.glob("session-*"):
        pid = folder.name.split("-")[1]
        if not (pid.isdigit() and _running(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal sent: only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
