"""A trained masked language model in the disk cache (arrays and JSON, never pickled) and back,
checked: an entry that does not hold a model of its own shapes is trained again, never an error.
A training's last checkpoint is kept there too, under its own key, so a stopped training goes on
from it; and a model shipped beside an experiment's manifest (SHIPPED_MODEL, a disk-cache entry
written with fixed zip dates so the same training gives the same bytes) is found by its key."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.lib import format as npy

from ..settings import MASKED_LM, MaskedLMSettings
from ..storage.disk_cache import DiskCache
from ..storage.atomic import write_atomically
from ..storage.entry_file import DOCUMENT, DamagedEntry, load_entry
from .corpus import STDIN, CorpusFiles
from .masked_lm import Checkpoint, HeldOutProgress, MaskedLM, Progress, corpus_texts, train_masked_lm
from .transformer import Shape, initial_parameters

PARAM = "param."  # the arrays' names: a parameter's name after this
FIRST, SECOND = "first.", "second."  # a checkpoint's Adam moments
SHIPPED_MODEL = "masked_lm.npz"  # beside a shipped experiment's manifest
SHIPPED_MAX_BYTES = 64 << 20


def content_hash(corpus: CorpusFiles, should_stop: Callable[[], bool] = lambda: False) -> str:
    """The disk cache's digest of the corpus's bytes. DiskCache.content_hash and DiskCache.key read
    nothing of their cache (no self), and a shipped model's key must be computed without one."""
    return DiskCache.content_hash(None, corpus.files, corpus.stored_size, should_stop)


def model_entry(model: MaskedLM) -> tuple[dict[str, np.ndarray], dict]:
    arrays = {PARAM + name: value for name, value in model.params.items()}
    document = {"kind": "masked_lm", "words": list(model.words), "counts": list(model.counts),
                "shape": dataclasses.asdict(model.shape), "seed": model.seed,
                "tokens_trained": model.tokens_trained, "steps": model.steps,
                "losses": [list(point) for point in model.losses], "held_out_blanks": model.held_out_blanks,
                "accuracy": model.accuracy, "baseline_accuracy": model.baseline_accuracy,
                "baseline_word": model.baseline_word}
    return arrays, document


def model_from_entry(arrays: dict[str, np.ndarray], document: dict, nonfinite: set[str]) -> MaskedLM | None:
    """The model an entry holds, or None where anything is not as model_entry writes it."""
    try:
        shape = Shape(**document["shape"])
        expected = initial_parameters(shape, np.random.default_rng(0))
        params = {name: arrays[PARAM + name] for name in expected}
        words, counts = tuple(document["words"]), tuple(int(c) for c in document["counts"])
        if (nonfinite or set(arrays) != {PARAM + n for n in expected} or len(words) != shape.vocabulary
                or len(set(words)) != len(words) or not all(isinstance(w, str) for w in words)
                or len(counts) != len(words) or document.get("kind") != "masked_lm"
                or any(params[n].shape != v.shape or params[n].dtype.kind != "f" for n, v in expected.items())):
            return None
        losses = tuple((int(tokens), float(loss)) for tokens, loss in document["losses"])
        if not losses:
            return None
        return MaskedLM(words, counts, shape, params, int(document["seed"]), int(document["tokens_trained"]),
                        int(document["steps"]), losses, int(document["held_out_blanks"]),
                        float(document["accuracy"]), float(document["baseline_accuracy"]),
                        str(document["baseline_word"]))
    except (KeyError, TypeError, ValueError):
        return None


def checkpoint_entry(checkpoint: Checkpoint) -> tuple[dict[str, np.ndarray], dict]:
    arrays = {prefix + name: value for prefix, part in ((PARAM, checkpoint.params), (FIRST, checkpoint.first),
                                                        (SECOND, checkpoint.second)) for name, value in part.items()}
    document = {"kind": "masked_lm_checkpoint", "rng_state": checkpoint.rng_state, "tokens": checkpoint.tokens,
                "steps": checkpoint.steps, "losses": [list(point) for point in checkpoint.losses],
                "pending": list(checkpoint.pending)}
    return arrays, document


def checkpoint_from_entry(arrays: dict[str, np.ndarray], document: dict, nonfinite: set[str]) -> Checkpoint | None:
    """The checkpoint an entry holds, or None where it is not one (its shapes are checked on resuming)."""
    try:
        if nonfinite or document.get("kind") != "masked_lm_checkpoint":
            return None
        parts = [{n.removeprefix(prefix): v for n, v in arrays.items() if n.startswith(prefix)}
                 for prefix in (PARAM, FIRST, SECOND)]
        if sum(map(len, parts)) != len(arrays) or not isinstance(document["rng_state"], dict):
            return None
        return Checkpoint(*parts, document["rng_state"], int(document["tokens"]), int(document["steps"]),
                          tuple((int(t), float(loss)) for t, loss in document["losses"]),
                          tuple(float(loss) for loss in document["pending"]))
    except (KeyError, TypeError, ValueError):
        return None


def model_key(content: str, stopwords: frozenset[str], seed: int, token_budget: int,
              settings: MaskedLMSettings) -> str:
    """The disk cache's key of a model: the corpus's content hash, the stopwords, seed, budget, settings."""
    return DiskCache.key(None, content, {"masked_lm": dataclasses.asdict(settings), "stopwords": sorted(stopwords),
                                         "seed": seed, "token_budget": token_budget})


def shipped_model(path: Path, key: str) -> MaskedLM | None:
    """The model in a shipped file if it is the one of this key (same corpus and settings), else None."""
    try:
        if not path.is_file():
            return None
        arrays, document, nonfinite = load_entry(path, SHIPPED_MAX_BYTES)
    except (DamagedEntry, OSError):
        return None
    return model_from_entry(arrays, document, nonfinite) if document.get("cache_key") == key else None


def write_shipped(path: Path, model: MaskedLM, key: str) -> None:
    """The model as a disk-cache entry of this key, as entry_file lays one out but with every zip
    member dated 1980-01-01, so that the same model is the same bytes (a shipped file is rebuilt
    and compared)."""
    arrays, document = model_entry(model)
    text = json.dumps({**document, "cache_key": key}, sort_keys=True).encode()

    def write(out) -> None:
        with zipfile.ZipFile(out, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, array in {**arrays, DOCUMENT: np.frombuffer(text, dtype=np.uint8)}.items():
                with archive.open(zipfile.ZipInfo(f"{name}.npy", (1980, 1, 1, 0, 0, 0)), "w",
                                  force_zip64=True) as member:
                    npy.write_array(member, np.ascontiguousarray(array), allow_pickle=False)

    write_atomically(path, write, replace=True)


def _stored(corpus: CorpusFiles, stopwords, seed, token_budget, disk, settings, shipped, should_stop):
    """(the model shipped or in the disk cache or None, its key or None where the corpus is not hashed)."""
    if (disk is None and shipped is None) or STDIN in corpus.files:
        return None, None
    try:
        key = model_key(content_hash(corpus, should_stop), stopwords, seed, token_budget, settings)
    except OSError:  # read again when training, where a file that cannot be read is named
        return None, None
    if shipped is not None and (model := shipped_model(shipped, key)) is not None:
        return model, key
    found = disk.load_entry(key) if disk is not None else None
    model = model_from_entry(*found) if found is not None else None
    if found is not None and model is None:
        disk.discard(key)
    return model, key


def stored_model(corpus: Path | CorpusFiles, stopwords: frozenset[str], seed: int, token_budget: int,
                 disk: DiskCache | None, settings: MaskedLMSettings = MASKED_LM,
                 shipped: Path | None = None) -> MaskedLM | None:
    """The model shipped or in the disk cache for these, or None: never trains (a hash and a read)."""
    return _stored(CorpusFiles.of(corpus), stopwords, seed, token_budget, disk, settings, shipped, lambda: False)[0]


def trained_or_stored(corpus: Path | CorpusFiles, stopwords: frozenset[str], seed: int, token_budget: int,
                      disk: DiskCache | None, settings: MaskedLMSettings = MASKED_LM,
                      should_stop: Callable[[], bool] = lambda: False,
                      on_progress: Progress = lambda fraction, rate, loss: None,
                      shipped: Path | None = None,
                      on_held_out: HeldOutProgress = lambda tokens, blanks, accuracy, baseline: None,
                      before_training: Callable[[int], None] = lambda tokens: None) -> tuple[MaskedLM, bool]:
    """The model of this corpus (by its bytes), stopwords, seed, budget and settings: shipped (the
    file `shipped`, if it holds it) or from the disk cache (True), else trained and stored there
    (False), going on from the training's last checkpoint if there is one (before_training gets its
    tokens, 0 without one). Training always costs more than reading, so even a small corpus's model
    is stored."""
    corpus = CorpusFiles.of(corpus)
    model, key = _stored(corpus, stopwords, seed, token_budget, disk, settings, shipped, should_stop)
    if model is not None:
        return model, True
    resume, on_checkpoint = None, lambda checkpoint: None
    if key is not None and disk is not None:
        checkpoint_key = key + "-checkpoint"
        found = disk.load_entry(checkpoint_key)
        resume = checkpoint_from_entry(*found) if found is not None else None

        def on_checkpoint(checkpoint: Checkpoint) -> None:
            disk.discard(checkpoint_key)  # an entry written first is kept by save_entry: replace it
            disk.save_entry(checkpoint_key, *checkpoint_entry(checkpoint))

    before_training(resume.tokens if resume is not None else 0)
    model = train_masked_lm(corpus_texts(corpus), stopwords, seed, settings, token_budget, should_stop, on_progress,
                            resume=resume, on_checkpoint=on_checkpoint, on_held_out=on_held_out)
    if key is not None and disk is not None:
        disk.save_entry(key, *model_entry(model))
        disk.discard(checkpoint_key)
    return model, False
