"""A trained masked language model in the disk cache (arrays and JSON, never pickled) and back,
checked: an entry that does not hold a model of its own shapes is trained again, never an error."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..settings import MASKED_LM, MaskedLMSettings
from ..storage.disk_cache import DiskCache
from .corpus import STDIN, CorpusFiles
from .masked_lm import MaskedLM, Progress, corpus_texts, train_masked_lm
from .transformer import Shape, initial_parameters

PARAM = "param."  # the arrays' names: a parameter's name after this


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


def trained_or_stored(corpus: Path | CorpusFiles, stopwords: frozenset[str], seed: int, token_budget: int,
                      disk: DiskCache | None, settings: MaskedLMSettings = MASKED_LM,
                      should_stop: Callable[[], bool] = lambda: False,
                      on_progress: Progress = lambda fraction, rate, loss: None) -> tuple[MaskedLM, bool]:
    """The model of this corpus (by its bytes), stopwords, seed, budget and settings: from the disk
    cache where it is there (True), else trained and stored there (False). Training always costs
    more than reading, so even a small corpus's model is stored."""
    corpus = CorpusFiles.of(corpus)
    content = None
    if disk is not None and STDIN not in corpus.files:
        try:
            content = disk.content_hash(corpus.files, corpus.stored_size, should_stop)
        except OSError:  # read again below, where a file that cannot be read is named
            pass
    key = None
    if content is not None:
        key = disk.key(content, {"masked_lm": dataclasses.asdict(settings), "stopwords": sorted(stopwords),
                                 "seed": seed, "token_budget": token_budget})
        found = disk.load_entry(key)
        model = model_from_entry(*found) if found is not None else None
        if model is not None:
            return model, True
        if found is not None:
            disk.discard(key)
    model = train_masked_lm(corpus_texts(corpus), stopwords, seed, settings, token_budget, should_stop, on_progress)
    if key is not None:
        disk.save_entry(key, *model_entry(model))
    return model, False
