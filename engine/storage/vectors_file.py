"""Pretrained vectors on disk: one .npz holding the words, the matrix and how they were made."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from ..errors import ExperimentError
from ..settings import IMPORTED, LIMITS
from .paths import kind_of
from .atomic import write_atomically
from ..vectors import WordVectors

FORMAT = "pretrain-explorer-vectors"
VERSION = 1
FIELDS = ("format", "version", "words", "matrix", "settings")
MAX_WORDS = 10_000_000
MAX_WORD_CHARS = 10_000
MAX_DIMENSIONS = LIMITS["dim"].maximum  # svd's and sgns's; counts and ppmi stop at MAX_DENSE_WORDS
MAX_SETTINGS_CHARS = 64 << 20
MAX_CELLS = 500_000_000  # numbers in the matrix: 4 GB as float64
# A compressed member (numpy's savez_compressed; `pretrain` stores them uncompressed) may inflate
# at most this many times its compressed size, past a small allowance: a zip bomb (megabytes of
# zeros declaring gigabytes) is refused before any memory is given to it. Real vectors compress
# little (their mantissas are noise); padded words and sparse counts well under this ratio.
MAX_INFLATION = 100
INFLATES_FREELY = 64 << 20  # bytes: a member this small may inflate any amount
# What `pretrain` records of the corpus it counted (engine.pretraining.pretrain.CorpusStats), with types.
CORPUS_KEYS = {"sentences": int, "tokens": int, "kept_tokens": int, "vocabulary": int, "dimension": int,
               "window": int, "weighting": str}


def save_vectors(path: Path, vectors: WordVectors, settings: dict, replace: bool = False) -> None:
    """Write atomically: a half-written file never replaces anything, and an existing one is kept
    unless `replace`. The same .npz as numpy's savez (stored, not compressed), but vectors that
    make their rows a block at a time (weighting.CountVectors) are written so, never whole."""

    def write(out) -> None:
        with zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            _member(archive, "format", np.array(FORMAT))
            _member(archive, "version", np.array(VERSION))
            _member(archive, "words", np.array(vectors.words, dtype=str))
            blocks = getattr(vectors, "row_blocks", None)
            if blocks is None:
                _member(archive, "matrix", vectors.matrix)
            else:
                _matrix_member(archive, (len(vectors.words), vectors.dimension), blocks())
            _member(archive, "settings", np.array(json.dumps(settings)))

    write_atomically(Path(path), write, replace)


def _member(archive: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    with archive.open(f"{name}.npy", "w", force_zip64=True) as member:  # as savez writes each
        npy.write_array(member, np.asanyarray(array), allow_pickle=False)


def _matrix_member(archive: zipfile.ZipFile, shape: tuple[int, int], blocks) -> None:
    """The matrix member from float32 blocks of rows, in order: the header numpy would write for
    the whole array, then each block's bytes as it comes."""
    with archive.open("matrix.npy", "w", force_zip64=True) as member:
        npy.write_array_header_1_0(member, {"descr": npy.dtype_to_descr(np.dtype(np.float32)),
                                            "fortran_order": False, "shape": shape})
        for block in blocks:
            member.write(np.ascontiguousarray(block, dtype=np.float32).reshape(-1).view(np.uint8))


# Loaded with allow_pickle=False, so opening a file never runs code from it, and every field is
# checked (type, shape, order, finite values, the settings' keys) before use: a damaged or foreign
# file gets one line saying what is wrong, never a traceback or a wrong result.
def load_vectors(path: Path, first: int | None = None) -> tuple[WordVectors, dict]:
    """The words, the matrix and the settings, each checked; ExperimentError naming the problem.
    Imported vectors (`pretrain-explorer import`) are stored in their file's order, most frequent
    first: `first` keeps only so many of them, sorted then as every WordVectors is."""
    words, matrix, settings = load_in_file_order(path, first)
    if IMPORTED in settings:
        order = sorted(range(len(words)), key=words.__getitem__)
        words, matrix = tuple(words[i] for i in order), matrix[order]
    return WordVectors(words, np.asarray(matrix, dtype=np.float64)), settings


def load_in_file_order(path: Path, first: int | None = None) -> tuple[tuple[str, ...], np.ndarray, dict]:
    """The words, the matrix (as stored, float32 or float64) and the settings, checked, in the
    file's order: sorted, or an imported file's own (gensim's restrict_vocab counts on it). Of an
    imported file, only the `first` rows (all when None) are read from disk."""
    path = Path(path)
    if kind_of(path) == "missing":
        raise ExperimentError(path, "file not found")
    if kind_of(path) != "file" or not zipfile.is_zipfile(path):
        raise ExperimentError(path, "is not a readable .npz file (an .npz is a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            headers = {name: _header(path, archive, name) for name in FIELDS if f"{name}.npy" in archive.namelist()}
            if headers.get("format") != ((), np.dtype(f"<U{len(FORMAT)}")):
                raise ExperimentError(path, "is not a vectors file written by `pretrain-explorer pretrain`")
            _check_headers(path, headers)
        with np.load(path, allow_pickle=False) as data:  # members are read as they are asked for
            fields = {name: data[name] for name in FIELDS if name != "matrix"}
            imported = _is_imported(str(fields["settings"]))
            rows = headers["matrix"][0][0] if first is None or not imported else min(first, headers["matrix"][0][0])
            fields["matrix"] = data["matrix"] if rows == headers["matrix"][0][0] else _first_rows(path, rows)
            fields["words"] = fields["words"][:rows]
    except ExperimentError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
        raise ExperimentError(path, f"is not a readable .npz file ({exc})") from None
    if str(fields["format"]) != FORMAT:
        raise ExperimentError(path, "is not a vectors file written by `pretrain-explorer pretrain`")
    if int(fields["version"]) != VERSION:
        raise ExperimentError(path, f"is vectors format version {int(fields['version'])}; this version reads {VERSION}")
    settings = _checked_settings(path, str(fields["settings"]))
    words = _checked_words(path, fields["words"], ordered=IMPORTED not in settings)
    return words, _checked_matrix(path, fields["matrix"], len(words)), settings


def _is_imported(settings: str) -> bool:
    """Whether settings (not yet checked: a damage is reported by _checked_settings) say imported."""
    try:
        return IMPORTED in settings and IMPORTED in json.loads(settings)
    except (ValueError, RecursionError, TypeError):
        return False


def _first_rows(path: Path, rows: int) -> np.ndarray:
    """The first `rows` rows of the matrix, read alone from the stored member (an imported file of
    400,000 words need not be read whole for the 50,000 a run keeps)."""
    with zipfile.ZipFile(path) as archive, archive.open("matrix.npy") as member:
        version = npy.read_magic(member)
        read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        shape, fortran, dtype = read(member)
        if fortran:
            raise ExperimentError(path, "is damaged: its matrix is stored column by column, not row by row")
        wanted = rows * shape[1] * dtype.itemsize
        data = member.read(wanted)
    if len(data) != wanted:
        raise ExperimentError(path, f"is damaged: its matrix ends after {len(data):,} of {wanted:,} bytes")
    return np.frombuffer(data, dtype=dtype).reshape(rows, shape[1])


def _header(path: Path, archive: zipfile.ZipFile, name: str) -> tuple[tuple, np.dtype]:
    """A member's shape and dtype, read from its .npy header alone, before any data is loaded (so a
    header claiming an absurd size is refused instead of allocated)."""
    info = archive.getinfo(f"{name}.npy")
    _check_inflation(path, name, info)  # before a byte of it is inflated
    with archive.open(info) as member:
        version = npy.read_magic(member)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"{name}: .npy format version {version} is not read")
        read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        shape, _, dtype = read(member)
        stored = info.file_size - member.tell()
    if not dtype.hasobject and math.prod(shape) * dtype.itemsize != stored:  # objects are refused by type
        raise ExperimentError(path, f"is damaged: its {name} field's header claims {dtype} of shape {shape}, "
                                    f"but {stored:,} bytes are stored")
    return shape, dtype


def _check_inflation(path: Path, name: str, info: zipfile.ZipInfo) -> None:
    """Refuse a member whose declared size the file cannot back: stored bytes that are not all
    there, or compressed ones inflating more than MAX_INFLATION times (the zip's declared size is
    what numpy allocates, so it is checked against the bytes really in the file)."""
    size, packed = info.file_size, info.compress_size
    if info.compress_type == zipfile.ZIP_STORED and size != packed:
        raise ExperimentError(path, f"is damaged: its {name} field declares {size:,} bytes but stores {packed:,}")
    if info.compress_type != zipfile.ZIP_STORED and size > max(INFLATES_FREELY, MAX_INFLATION * packed):
        raise ExperimentError(path, f"its {name} field would inflate from {packed:,} to {size:,} bytes, more than "
                                    f"{MAX_INFLATION} times (as a zip bomb does): refused unread; save the vectors "
                                    "uncompressed (numpy.savez, or `pretrain-explorer pretrain`)")


def _check_headers(path: Path, headers: dict[str, tuple[tuple, np.dtype]]) -> None:
    missing = [name for name in FIELDS if name not in headers]
    if missing:
        raise ExperimentError(path, f"is damaged: it has no {', '.join(missing)} field")
    expected = {
        "version": lambda shape, dtype: shape == () and dtype.kind in "iu",
        "words": lambda shape, dtype: len(shape) == 1 and 1 <= shape[0] <= MAX_WORDS and dtype.kind == "U"
        and dtype.itemsize <= 4 * MAX_WORD_CHARS,
        "matrix": lambda shape, dtype: len(shape) == 2 and 1 <= shape[1] <= MAX_DIMENSIONS
        and shape[0] * shape[1] <= MAX_CELLS and dtype.kind == "f" and dtype.itemsize in (4, 8),
        "settings": lambda shape, dtype: shape == () and dtype.kind == "U" and dtype.itemsize <= 4 * MAX_SETTINGS_CHARS,
    }
    allowed = {
        "version": "a whole number",
        "words": f"a list of 1 to {MAX_WORDS:,} strings of at most {MAX_WORD_CHARS:,} characters",
        "matrix": f"a float32 or float64 matrix of 1 to {MAX_DIMENSIONS:,} columns and at most {MAX_CELLS:,} numbers",
        "settings": "one JSON string",
    }
    for name, fits in expected.items():
        shape, dtype = headers[name]
        if not fits(shape, dtype):
            raise ExperimentError(path, f"is damaged: its {name} field holds {dtype} of shape {shape}, "
                                        f"expected {allowed[name]}")
    words, rows = headers["words"][0][0], headers["matrix"][0][0]
    if words != rows:  # before either is read: a matrix of the wrong height is refused unallocated
        raise ExperimentError(path, f"is damaged: {words} words for a matrix of shape {headers['matrix'][0]}")


def _checked_words(path: Path, words: np.ndarray, ordered: bool = True) -> tuple[str, ...]:
    out = tuple(str(w) for w in words)
    if not all(out):
        raise ExperimentError(path, "is damaged: one of its words is empty")
    if len(set(out)) != len(out):
        raise ExperimentError(path, "is damaged: a word appears twice")
    if ordered and list(out) != sorted(out):
        raise ExperimentError(path, "is damaged: its words are not in order")
    return out


def _checked_matrix(path: Path, matrix: np.ndarray, words: int) -> np.ndarray:
    if matrix.shape[0] != words:
        raise ExperimentError(path, f"is damaged: {words} words for a matrix of shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ExperimentError(path, "is damaged: its matrix holds NaN or infinite values")
    return matrix


def _checked_settings(path: Path, text: str) -> dict:
    """The settings object, with the corpus statistics the explorer shows."""

    def refuse(constant: str):
        raise ValueError(f"{constant} is not a JSON number")

    try:
        settings = json.loads(text, parse_constant=refuse)
    except (ValueError, RecursionError) as exc:
        raise ExperimentError(path, f"is damaged: its settings are not valid JSON ({exc})") from None
    corpus = settings.get("corpus") if isinstance(settings, dict) else None
    if not isinstance(corpus, dict) or set(corpus) != set(CORPUS_KEYS):
        raise ExperimentError(path, f"is damaged: its settings need a corpus object with the keys "
                                    f"{', '.join(CORPUS_KEYS)}")
    for key, kind in CORPUS_KEYS.items():
        value = corpus[key]
        if not isinstance(value, kind) or isinstance(value, bool) or (kind is int and value < 0):
            wanted = "a whole number, at least 0" if kind is int else "a string"
            raise ExperimentError(path, f"is damaged: its settings' corpus {key} must be {wanted}, got {value!r}")
    return settings
