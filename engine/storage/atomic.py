"""Writing the files a user asked for: atomically, with the permissions their umask gives."""

from __future__ import annotations

import errno
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from ..errors import ExperimentError
from .paths import kind_of

def check_destination(path: Path, replace: bool = False, to_replace: str = "choose another name") -> None:
    """Refuse, before any work is done, a destination that cannot be written; `to_replace` says how
    to replace an existing file, where the caller offers a way."""
    path = Path(path)
    folder = path.parent
    kind, folder_kind = kind_of(path), kind_of(folder)
    if kind == "folder":
        raise ExperimentError(path, "is a folder; name a file to write")
    if kind == "special":
        raise ExperimentError(path, "is not a regular file (a FIFO, device or socket); name a file to write")
    if kind == "file" and not replace:
        raise ExperimentError(path, f"exists; not replaced ({to_replace})")
    if folder_kind == "missing":
        raise ExperimentError(path, f"cannot be written: the folder {folder} does not exist")
    if folder_kind != "folder":
        raise ExperimentError(path, f"cannot be written: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExperimentError(path, f"cannot be written: the folder {folder} is not writable")


# A temporary file is named `.NAME.PID-RANDOM.part` beside its destination: the PID tells a sweep
# whether its writer is still alive. NAME is cut so that a destination name near the system's
# limit still gets a temporary one.
NAME_CHARS = 100
_PART = re.compile(r"\..+\.(\d+)-[0-9a-f]{8}\.part")


def _temporary_beside(path: Path) -> Path:
    return path.with_name(f".{path.name[:NAME_CHARS]}.{os.getpid()}-{secrets.token_hex(4)}.part")


# Every file the program writes (vectors, exports, screenshots) goes through here: the bytes go to
# a temporary file beside the destination, moved into place only once complete, so a full disk or
# a crash never leaves a half-written file, and a failed write leaves nothing.
def write_atomically(path: Path, write: Callable[[BinaryIO], None], replace: bool = False) -> None:
    """Call `write` on a temporary file beside `path`, then move it into place.

    Without `replace`, the final step refuses to overwrite a file that appeared meanwhile (another
    process writing the same name loses cleanly instead of both claiming success).
    """
    path = Path(path)
    temporary = _temporary_beside(path)
    created = False
    try:
        # os.open with 0o666 lets the kernel apply the umask, as for any new file (0644 under 022);
        # tempfile.mkstemp would leave 0600, which the rename would keep.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
        with os.fdopen(descriptor, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(temporary, path)
        else:
            _link_exclusively(temporary, path)
    except FileExistsError:
        raise ExperimentError(path, "exists; not replaced (another run may have written it)") from None
    except OSError as exc:
        raise ExperimentError(path, f"cannot be written ({exc.strerror or exc})") from None
    finally:
        if created:
            try:
                os.unlink(temporary)
            except FileNotFoundError:  # moved into place by os.replace
                pass


def _link_exclusively(temporary: Path, path: Path) -> None:
    """Put `temporary` at `path` unless something is there already: a hard link fails on an existing
    name, where a rename would replace it. Filesystems without hard links get a checked rename."""
    try:
        os.link(temporary, path)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV):
            raise
        if path.exists():
            raise FileExistsError(path) from None
        os.replace(temporary, path)


def sweep_stale_parts(folder: Path, name: str | None = None) -> None:
    """Remove the temporary files that killed writers left in `folder` (those of `name` only, if
    given): a SIGKILL, or a signal that arrived before the writer could clean up, leaves one. A file
    whose process (the PID in its name) is alive is kept: it may be being written now."""
    pattern = f".{name[:NAME_CHARS]}.*.part" if name is not None else ".*.part"
    try:
        candidates = list(Path(folder).glob(pattern))
    except OSError:
        return
    for candidate in candidates:
        match = _PART.fullmatch(candidate.name)
        if match is None or _alive(int(match.group(1))):
            continue
        try:
            candidate.unlink()
        except OSError:  # gone already (another run swept it), or not ours to remove
            pass




def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OverflowError, OSError):  # another user's process, or not a PID: kept
        return True
    return True


def write_text_atomically(path: Path, text: str, replace: bool = False) -> None:
    write_atomically(path, lambda out: out.write(text.encode("utf-8")), replace)
