"""What kind of thing a path names, asked once, with a clear error for a path the system refuses."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import ExperimentError

def kind_of(path: Path) -> str:
    """"file", "folder", "missing", or "special" (a FIFO, device or socket, which could block or
    never end); ExperimentError for a path the system will not look up (too long, a loop of links)."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError as exc:
        raise ExperimentError(path, f"cannot be read ({exc.strerror or exc})") from None
    except ValueError:  # a NUL character in the path
        raise ExperimentError(path, "is not a usable path (it holds a NUL character)") from None
    if stat.S_ISREG(mode):
        return "file"
    return "folder" if stat.S_ISDIR(mode) else "special"
