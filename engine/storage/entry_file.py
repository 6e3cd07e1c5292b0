"""A disk-cache entry: named arrays and one JSON document in a .npz, never pickled.

Files in a cache are not trusted (another user, a damaged disk, a killed writer): an entry is read
without pickle, every member is checked against its header before a byte of it is allocated, and
anything unexpected raises DamagedEntry, which the cache treats as a miss.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from .atomic import write_atomically

DOCUMENT = "document"  # the member holding the JSON, as UTF-8 bytes
KINDS = "biufU"  # booleans, integers, floats, strings: never objects


class DamagedEntry(ValueError):
    """An entry that cannot be what this program wrote."""


def save_entry(path: Path, arrays: dict[str, np.ndarray], document: dict) -> None:
    """Write atomically, stored (not compressed), as numpy's savez lays members out. An entry
    another process wrote first is kept (ExperimentError from write_atomically)."""
    text = json.dumps(document, allow_nan=True).encode()

    def write(out) -> None:
        with zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, array in {**arrays, DOCUMENT: np.frombuffer(text, dtype=np.uint8)}.items():
                with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                    npy.write_array(member, np.ascontiguousarray(array), allow_pickle=False)

    write_atomically(Path(path), write)


def load_entry(path: Path, max_bytes: int) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays and the document; DamagedEntry for anything but an entry as save_entry writes it,
    of at most `max_bytes` stored in all."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > max_bytes:
                raise DamagedEntry("larger than the cache may hold")
            arrays = {}
            for member in members:
                name = member.filename.removesuffix(".npy")
                # Stored members only: what is read is what the file holds, so no member inflates.
                if member.compress_type != zipfile.ZIP_STORED or name == member.filename or name in arrays:
                    raise DamagedEntry(f"unexpected member {member.filename!r}")
                arrays[name] = _array(archive, member)
    except (OSError, EOFError, zipfile.BadZipFile, ValueError, KeyError) as exc:
        raise DamagedEntry(str(exc)) from None
    raw = arrays.pop(DOCUMENT, None)
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise DamagedEntry("no document")

    try:
        document = json.loads(raw.tobytes().decode())
    except (ValueError, RecursionError) as exc:
        raise DamagedEntry(f"the document is not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise DamagedEntry("the document is not an object")
    return arrays, document


def _array(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> np.ndarray:
    with archive.open(member) as stream:
        version = npy.read_magic(stream)
        if version not in ((1, 0), (2, 0)):
            raise DamagedEntry(f"{member.filename}: .npy version {version}")
        read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        shape, fortran, dtype = read(stream)
        stored = member.file_size - stream.tell()
        if dtype.hasobject or dtype.kind not in KINDS or fortran or math.prod(shape) * dtype.itemsize != stored:
            raise DamagedEntry(f"{member.filename}: {dtype} of shape {shape} in {stored} bytes")
        array = np.empty(shape, dtype)
        view, done = memoryview(array.reshape(-1).view(np.uint8)), 0
        while done < stored:
            got = stream.readinto(view[done:])
            if not got:
                raise DamagedEntry(f"{member.filename}: cut short")
            done += got
        if stream.read(1):  # also where the zip's checksum is checked
            raise DamagedEntry(f"{member.filename}: longer than its header says")
    return array
