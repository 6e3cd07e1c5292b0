"""Which files the explorer may open and write: anywhere on a user's own terminal; when served
(`pretrain-explorer serve`), only inside the folders the server was started with."""

from __future__ import annotations

import os
import shutil
import stat
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
    try:
        target = resolved(path)
    except ValueError:  # a NUL character: no file has that name, and it is refused like any other
        return False
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
            # The same words for every path outside, whatever is there (nothing, a file, a folder,
            # a link): a refusal must not tell a visitor what the server's disk holds.
            raise ExperimentError(path, "is outside the folders this server may open: " + ", ".join(
                str(folder) for folder in self.readable if folder != self.export_folder))
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


# The folders exports go to are named after the process that made them (then a random part), so
# that those of a server or session that was killed (SIGKILL: no `finally` ran) can be swept.
SERVER_PREFIX, SESSION_PREFIX = "pretrain-explorer-exports-", "session-"


def private_exports_folder() -> Path:
    """A new folder for one server's exports: private (mode 0700) and unpredictably named under the
    system's temporary folder, where any local user may have planted a file or link at a name
    known in advance; its sessions' export folders go inside it."""
    sweep_ended(Path(tempfile.gettempdir()), SERVER_PREFIX)  # those of servers that were killed
    folder = resolved(tempfile.mkdtemp(prefix=f"{SERVER_PREFIX}{os.getpid()}-"))
    check_private(folder)
    return folder


def check_private(folder: Path) -> None:
    """ExperimentError unless `folder` is a real folder (not a link), this user's, that no one else
    may enter: a served session writes there, and its visitor downloads what it writes."""
    try:
        status = os.lstat(folder)
    except OSError as exc:
        raise ExperimentError(folder, f"the exports folder cannot be used ({exc.strerror or exc})") from None
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.getuid() or status.st_mode & 0o077:
        raise ExperimentError(folder, "the exports folder must be a folder of this user's that no one else may "
                                      "enter (mode 0700)")


def served_session(allowed: list[Path], exports_in: Path | None = None) -> AccessPolicy:
    """The policy of one browser session: open inside `allowed` and a fresh export folder of its
    own, write only there. The folder goes inside `exports_in` (its server's private folder, checked
    first), else is a private folder of its own under the system's temporary folder. The folders
    of the server's sessions whose process has gone (ended without end_session: killed) go first,
    so they never pile up while the server runs."""
    if exports_in is not None:
        check_private(exports_in)
        sweep_ended_sessions(exports_in)
    export_folder = resolved(tempfile.mkdtemp(prefix=f"{SESSION_PREFIX}{os.getpid()}-" if exports_in else
                                              "pretrain-explorer-session-", dir=exports_in))
    return AccessPolicy(tuple(resolved(folder) for folder in allowed) + (export_folder,), export_folder)


def end_session(policy: AccessPolicy) -> None:
    """Remove a served session's export folder and what was exported into it (the visitor's browser
    has downloaded each export as it was written)."""
    if policy.export_folder is not None:
        shutil.rmtree(policy.export_folder, ignore_errors=True)


def sweep_ended_sessions(base: Path) -> None:
    """Remove the export folders under `base` whose session's process no longer runs."""
    sweep_ended(base, SESSION_PREFIX)


def sweep_ended(base: Path, prefix: str) -> None:
    """Remove the folders PREFIX<pid>-… under `base` that are this user's (never a link, never
    another user's: `base` may be the shared temporary folder) and whose process no longer runs."""
    for folder in base.glob(f"{prefix}*"):
        pid = folder.name[len(prefix):].split("-")[0]
        try:
            status = os.lstat(folder)
        except OSError:
            continue
        if stat.S_ISDIR(status.st_mode) and status.st_uid == os.getuid() and not (pid.isdigit() and _running(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal sent: only whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def served_experiment(location: str | None, allow: list[Path]) -> tuple[str | None, tuple[Path, ...]]:
    """What `serve` opens first (None: the kata) and the folders its visitors may open: the folders
    given with --allow, and the experiment's own folder (only that: a shipped experiment's name
    allows its folder in the package, never the folder the server was started in). With neither,
    the shipped experiments; with --allow alone, the kata if they hold it, else the first
    experiment in them (ExperimentError if they hold none: every visit would fail)."""
    from ..engine.experiment import MANIFEST, builtin_experiment_path, manifest_path
    from ..engine.storage.paths import kind_of

    for folder in allow:
        if kind_of(folder) != "folder":
            raise ExperimentError(folder, "--allow needs an existing folder")
    allowed = tuple(resolved(folder) for folder in allow)
    if location is not None:
        manifest = Path(location) if Path(location).suffix == ".npz" else manifest_path(location)
        return location, allowed + (resolved(manifest.parent),)
    if not allowed:
        return None, (resolved(builtin_experiment_path().parent.parent),)
    if inside(builtin_experiment_path(), allowed):
        return None, allowed
    for folder in allowed:
        candidates = [folder / MANIFEST, *sorted(folder.glob(f"*/{MANIFEST}"))]
        for manifest in candidates:
            if manifest.is_file() and inside(manifest, allowed):
                return str(manifest), allowed
    raise ExperimentError(", ".join(str(folder) for folder in allow),
                          f"no experiment to open (no {MANIFEST} in the folders given with --allow or in a folder "
                          "directly inside them); name one: serve EXPERIMENT --allow DIR")
