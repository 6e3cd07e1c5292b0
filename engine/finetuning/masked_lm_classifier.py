"""The masked language model's encoder as a classifier: a softmax layer on the mean of its last hidden
states over a sentence's tokens, trained on the labeled sentences by Adam. End to end from the
pretrained encoder (fine-tuning, as BERT is), end to end from a random encoder of the same shape
(its from-scratch twin: what the labels alone teach that architecture), or the softmax layer alone
on the frozen pretrained encoder. Everything drawn at random (the random encoder, the layer's start,
the order of the sentences) comes from the task's seed; one task's model is held at a time."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import numpy as np
from threadpoolctl import threadpool_limits

from ..errors import stop_if_asked
from ..pretraining.transformer import (
    INIT_SCALE,
    Adam,
    Shape,
    classifier_loss,
    head_loss,
    initial_parameters,
    mean_pooled,
)
from ..settings import MASKED_LM_FINE_TUNING, MaskedLMFineTuningSettings
from ..text import preprocess

TRIAL_STEPS = 3  # of a time estimate's trial (fine_tuning_pace)
UNKNOWN = 1  # the model's [UNK] id (engine.pretraining.masked_lm.SPECIAL); 0 is padding


def sentence_ids(words: tuple[str, ...], texts: Iterable[str], stopwords: frozenset[str],
                 max_length: int) -> np.ndarray:
    """Sentences as the model's token ids (tokenized as its corpus was), cut to max_length, padded with 0."""
    index = {w: i for i, w in enumerate(words)}
    rows = [[index.get(t, UNKNOWN) for t in preprocess(text, stopwords)][:max_length] for text in texts]
    out = np.zeros((len(rows), max_length), np.int32)
    for row, ids in enumerate(rows):
        out[row, : len(ids)] = ids
    return out


def _trimmed(ids: np.ndarray) -> np.ndarray:
    """Without the all-padding columns at the end (sentences are left-aligned)."""
    return ids[:, : max(1, int((ids > 0).sum(1).max(initial=0)))]


_one_thread_lock = threading.Lock()
_one_thread_users = 0
_one_thread_limit = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """numpy's BLAS on one thread while inside: the encoder's products are small (16 sentences of a
    few dozen tokens), and a second thread waiting on a busy core made fine-tuning 2 to 5 times slower
    (measured on reviews, 2 cores under load). BLAS's thread count is the process's, so it is set
    by the first of overlapping users and restored by the last. OpenBLAS (0.3.31) ignores the setting
    from a thread other than the main one once its threads have run: the explorer, whose runs are
    workers, sets it on its main thread (tui/masked_lm_runs.py); here it holds for a run on the main
    thread (report, benchmarks). The float rounding of a product may differ from two threads'."""
    global _one_thread_users, _one_thread_limit
    with _one_thread_lock:
        if _one_thread_users == 0:
            _one_thread_limit = threadpool_limits(1, user_api="blas")
        _one_thread_users += 1
    try:
        yield
    finally:
        with _one_thread_lock:
            _one_thread_users -= 1
            if _one_thread_users == 0:
                _one_thread_limit.restore_original_limits()
                _one_thread_limit = None


def initial_head(dim: int, classes: int, rng: np.random.Generator, dtype) -> dict[str, np.ndarray]:
    return {"weight": (rng.standard_normal((dim, classes)) * INIT_SCALE).astype(dtype),
            "bias": np.zeros(classes, dtype)}


def pooled_sentences(params: dict, shape: Shape, ids: np.ndarray, batch: int) -> np.ndarray:
    """The encoder's mean-pooled sentences (n, dim), a batch at a time, shortest first: a batch is
    cut to its longest sentence, so sentences of like length together leave little padding to encode."""
    out = np.zeros((len(ids), shape.dim), params["embedding"].dtype)
    order = np.argsort((ids > 0).sum(1), kind="stable")
    for start in range(0, len(ids), batch):
        rows = order[start: start + batch]
        out[rows] = mean_pooled(params, shape, _trimmed(ids[rows]))[0]
    return out


def class_probabilities(pooled: np.ndarray, head: dict) -> np.ndarray:
    logits = (pooled @ head["weight"] + head["bias"]).astype(np.float64)
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    return probs / probs.sum(-1, keepdims=True)


def train_head(pooled: np.ndarray, labels: np.ndarray, classes: int, seed: int,
               settings: MaskedLMFineTuningSettings = MASKED_LM_FINE_TUNING,
               should_stop: Callable[[], bool] = lambda: False) -> tuple[dict, tuple[float, ...]]:
    """The softmax layer alone on pooled sentences (the encoder frozen): its parameters and each epoch's mean loss."""
    rng = np.random.default_rng(seed)
    head = initial_head(pooled.shape[1], classes, rng, pooled.dtype)
    optimizer = Adam(head, settings.head_learning_rate)
    losses = []
    for _ in range(settings.epochs):
        stop_if_asked(should_stop)
        order, total = rng.permutation(len(labels)), 0.0
        for start in range(0, len(order), settings.batch):
            rows = order[start: start + settings.batch]
            loss, grads, _ = head_loss(head, pooled[rows], labels[rows])
            optimizer.step(head, grads)
            total += loss * len(rows)
        losses.append(total / len(labels))
    return head, tuple(losses)


def epochs_for(sentences: int, settings: MaskedLMFineTuningSettings) -> int:
    """The epochs, fewer where they would take more than max_steps steps."""
    per_epoch = -(-sentences // settings.batch)
    return max(1, min(settings.epochs, settings.max_steps // max(per_epoch, 1)))


def training_steps(sentences: int, settings: MaskedLMFineTuningSettings) -> int:
    """The steps of an end-to-end training on so many sentences: its epochs of `batch` sentences a step."""
    return epochs_for(sentences, settings) * -(-sentences // settings.batch)


def fine_tune(start: dict, shape: Shape, ids: np.ndarray, labels: np.ndarray, classes: int, seed: int,
              settings: MaskedLMFineTuningSettings = MASKED_LM_FINE_TUNING,
              should_stop: Callable[[], bool] = lambda: False,
              on_progress: Callable[[float], None] = lambda fraction: None) -> tuple[dict, dict, tuple[float, ...]]:
    """The encoder (a copy of `start`) and a softmax layer trained together on the sentences `ids`:
    the encoder's parameters, the layer's and each epoch's mean loss. Cancellable between steps."""
    rng = np.random.default_rng(seed)
    # Only the embedding rows of the words these sentences hold get a gradient; every other row's
    # Adam moments stay zero, so its update is exactly zero. Trained on those rows alone (and without
    # the output bias, which a classifier never reads), the numbers are the same for a fraction of
    # the work: reviews' 5,003 rows shrink to the 1,184 its train sentences hold, fewer in a subset.
    used = np.unique(ids)
    params = {name: np.array(value) for name, value in start.items() if name not in ("embedding", "output.bias")}
    params["embedding"] = start["embedding"][used]
    ids = np.searchsorted(used, ids).astype(ids.dtype)
    head = initial_head(shape.dim, classes, rng, params["embedding"].dtype)
    encoder_rate = Adam(params, settings.learning_rate)
    head_rate = Adam(head, settings.head_learning_rate)
    losses, epochs = [], epochs_for(len(labels), settings)
    for epoch in range(epochs):
        order, total = rng.permutation(len(labels)), 0.0
        for begin in range(0, len(order), settings.batch):
            stop_if_asked(should_stop)
            rows = order[begin: begin + settings.batch]
            loss, head_grads, grads = classifier_loss(params, head, shape, _trimmed(ids[rows]), labels[rows])
            encoder_rate.step(params, grads)
            head_rate.step(head, head_grads)
            total += loss * len(rows)
        losses.append(total / len(labels))
        on_progress((epoch + 1) / epochs)
    embedding = np.array(start["embedding"])
    embedding[used] = params["embedding"]
    return {**params, "embedding": embedding, "output.bias": np.array(start["output.bias"])}, head, tuple(losses)


def random_encoder(shape: Shape, seed: int, dtype=np.float32) -> dict:
    """The from-scratch twin's start: the pretrained model's shape, initialised as pretraining was."""
    return initial_parameters(shape, np.random.default_rng([seed, shape.dim]), dtype)


def fine_tuning_pace(shape: Shape, ids: np.ndarray, seed: int,
                     settings: MaskedLMFineTuningSettings = MASKED_LM_FINE_TUNING) -> tuple[float, float]:
    """Seconds of one end-to-end step on `batch` of the sentences `ids` (drawn by `seed`), and of
    encoding one sentence to score it, measured here and now on a random encoder of `shape` (on one
    BLAS thread, as fine-tuning runs): the median of TRIAL_STEPS steps, what a time estimate is made from."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(ids), size=min(len(ids), settings.batch), replace=False)
    params = random_encoder(shape, seed)
    trial = dataclasses.replace(settings, epochs=TRIAL_STEPS, max_steps=TRIAL_STEPS)  # one step an epoch
    stamps = [time.perf_counter()]
    with one_blas_thread():
        fine_tune(params, shape, ids[rows], np.zeros(len(rows), np.int64), 2, seed, trial,
                  on_progress=lambda fraction: stamps.append(time.perf_counter()))
        started = time.perf_counter()
        pooled_sentences(params, shape, ids[rows], settings.score_batch)
        encoding = (time.perf_counter() - started) / max(len(rows), 1)
    return float(np.median(np.diff(stamps))), encoding
