"""Pretrained vectors on disk: one .npz holding the words, the matrix and how they were made.

It loads with numpy's allow_pickle=False, so opening a file never runs code from it.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from engine.errors import ExperimentError
from engine.files import write_atomically
from engine.vectors import WordVectors

FORMAT = "pretrain-explorer-vectors"
VERSION = 1


def save_vectors(path: Path, vectors: WordVectors, settings: dict, replace: bool = False) -> None:
    """Write atomically: a half-written file never replaces anything, and an existing one is kept
    unless `replace`."""

    def write(out) -> None:
        np.savez(out, format=np.array(FORMAT), version=np.array(VERSION),
                 words=np.array(vectors.words, dtype=str), matrix=vectors.matrix,
                 settings=np.array(json.dumps(settings)))

    write_atomically(Path(path), write, replace)


def load_vectors(path: Path) -> tuple[WordVectors, dict]:
    path = Path(path)
    if not path.exists():
        raise ExperimentError(path, "file not found")
    if not zipfile.is_zipfile(path):
        raise ExperimentError(path, "is not a readable .npz file (an .npz is a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as data:
            if "format" not in data.files or str(data["format"]) != FORMAT:
                raise ExperimentError(path, "is not a vectors file written by `pretrain-explorer pretrain`")
            if int(data["version"]) != VERSION:
                raise ExperimentError(path, f"is vectors format version {int(data['version'])}; this version reads {VERSION}")
            words = tuple(str(w) for w in data["words"])
            matrix = np.asarray(data["matrix"], dtype=np.float64)
            settings = json.loads(str(data["settings"]))
    except ExperimentError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ExperimentError(path, f"is not a readable .npz file ({exc})") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise ExperimentError(path, f"is damaged or not a vectors file ({exc})") from None
    if matrix.ndim != 2 or matrix.shape[0] != len(words) or len(set(words)) != len(words) or not words:
        raise ExperimentError(path, f"is damaged: {len(words)} words for a matrix of shape {matrix.shape}")
    if list(words) != sorted(words):
        raise ExperimentError(path, "is damaged: its words are not in order")
    return WordVectors(words, matrix), settings
