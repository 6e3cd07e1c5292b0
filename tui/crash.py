"""A bug's crash report: its traceback goes to a file, and the user sees one line saying where."""

from __future__ import annotations

import os
import platform
import sys
import traceback
from datetime import datetime
from pathlib import Path

from ..engine.errors import ExperimentError
from ..engine.storage.atomic import write_text_atomically

# Reports go to the user's state folder ($XDG_STATE_HOME/pretrain-explorer, else
# ~/.local/state/pretrain-explorer), written atomically; only the newest KEEP stay, so a bug hit
# over and over cannot fill a disk.
KEEP = 20


def crash_folder() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "pretrain-explorer"


def write_crash_report(error: BaseException) -> Path | None:
    """The report's path, or None when it could not be written (a crash report never adds a failure)."""
    folder = crash_folder()
    path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S-%f}-{os.getpid()}.txt"
    text = (f"pretrain-explorer {_version()} on Python {platform.python_version()}, {platform.platform()}\n"
            f"command: {' '.join(sys.argv)}\n\n" + "".join(traceback.format_exception(error)))
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_text_atomically(path, text)
        _keep_newest(folder)
    except (OSError, ExperimentError):
        return None
    return path


def crash_line(error: BaseException, report: Path | None) -> str:
    """What the user reads: the error in one line and where its report is."""
    what = f"{type(error).__name__}: {error}".splitlines()[0] if str(error) else type(error).__name__
    where = f"crash report in {report}" if report is not None else "no crash report could be written"
    return f"internal error: {what} ({where}); please report it"


def _keep_newest(folder: Path) -> None:
    reports = sorted(folder.glob("crash-*.txt"))  # the names sort by time
    for old in reports[:-KEEP]:
        old.unlink(missing_ok=True)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pretrain-explorer")
    except PackageNotFoundError:
        return "(version unknown)"
