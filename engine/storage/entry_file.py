"""A disk-cache entry: named arrays and one JSON document in a .npz, never pickled.

Files in a cache are not trusted (another user, a damaged disk, a killed writer): an entry is read
without pickle, every member is checked against its header before a byte of it is allocated, and
anything unexpected raises DamagedEntry, which the cache treats as a miss.
"""

from __future__ import annotations

import json
import math
import mmap
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from .atomic import write_atomically

DOCUMENT = "document"  # the member holding the JSON, as UTF-8 bytes
KINDS = "biufU"  # booleans, integers, floats, strings: never objects
MAP_FROM = 1 << 20  # bytes: arrays this large are mapped from the file, smaller ones read
CHUNK = 1 << 20  # bytes read at a time to check a member
LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")  # a zip member's local header, before its name and extra field
LOCAL_SIGNATURE = 0x04034B50


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


def load_entry(path: Path, max_bytes: int) -> tuple[dict[str, np.ndarray], dict, set[str]]:
    """The arrays, the document, and the names of the float arrays holding NaN or infinities;
    DamagedEntry for anything but an entry as save_entry writes it, of at most `max_bytes` stored.

    Every member is checked first by reading the file (its zip checksum, its header against its
    size). Arrays of MAP_FROM bytes or more are then mapped from the file, read-only, not read
    into memory: the pages a process touches are shared with every other process loading the same
    entry (a class's visitors), and pages never touched cost nothing."""
    try:
        with open(path, "rb") as file, zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > max_bytes:
                raise DamagedEntry("larger than the cache may hold")
            places = {}
            for member in members:
                name = member.filename.removesuffix(".npy")
                # Stored members only: what is read is what the file holds, so no member inflates.
                if member.compress_type != zipfile.ZIP_STORED or name == member.filename or name in places:
                    raise DamagedEntry(f"unexpected member {member.filename!r}")
                places[name] = _place(file, member)
            mapped = None
            if any(nbytes >= MAP_FROM for _, _, _, nbytes, _ in places.values()):
                mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
            arrays, nonfinite = {}, set()
            for name, (start, shape, dtype, nbytes, finite) in places.items():
                if mapped is not None and nbytes >= MAP_FROM:
                    array = np.frombuffer(mapped, dtype, math.prod(shape), start).reshape(shape)
                else:
                    file.seek(start)
                    array = np.frombuffer(bytearray(_read(file, nbytes)), dtype).reshape(shape)
                arrays[name] = array
                if not finite:
                    nonfinite.add(name)
    except (OSError, EOFError, zipfile.BadZipFile, ValueError, KeyError, struct.error) as exc:
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
    return arrays, document, nonfinite


def _read(file, size: int) -> bytes:
    data = file.read(size)
    if len(data) != size:
        raise DamagedEntry("cut short")
    return data


def _place(file, member: zipfile.ZipInfo) -> tuple[int, tuple, np.dtype, int, bool]:
    """Where a member's array starts in the file, its shape, dtype and size, and whether its
    numbers are all finite; its checksum checked on the way."""
    file.seek(member.header_offset)
    local = _read(file, LOCAL_HEADER.size)
    signature, *_, name_length, extra_length = LOCAL_HEADER.unpack(local)
    if signature != LOCAL_SIGNATURE:
        raise DamagedEntry(f"{member.filename}: no local header")
    data = member.header_offset + LOCAL_HEADER.size + name_length + extra_length
    file.seek(data)
    version = npy.read_magic(file)
    if version not in ((1, 0), (2, 0)):
        raise DamagedEntry(f"{member.filename}: .npy version {version}")
    read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
    shape, fortran, dtype = read(file)
    start = file.tell()
    nbytes = math.prod(shape) * dtype.itemsize
    if (dtype.hasobject or dtype.kind not in KINDS or fortran or start - data + nbytes != member.file_size
            or (start - data) % 64):
        raise DamagedEntry(f"{member.filename}: {dtype} of shape {shape} in {member.file_size} bytes")
    file.seek(data)
    checksum, left, finite, skip = 0, member.file_size, True, start - data
    while left:
        chunk = _read(file, min(left, CHUNK))
        checksum = zlib.crc32(chunk, checksum)
        if dtype.kind == "f" and finite:  # the header is padded to 64 bytes and CHUNK is too: no number is cut
            finite = bool(np.isfinite(np.frombuffer(chunk, dtype, offset=skip)).all())
        left, skip = left - len(chunk), 0
    if checksum != member.CRC:
        raise DamagedEntry(f"{member.filename}: its checksum does not match")
    return start, shape, dtype, nbytes, finite
