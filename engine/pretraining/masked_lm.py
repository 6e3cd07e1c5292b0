"""A small masked language model: a transformer encoder (transformer.py) trained on the corpus's
lines to fill masked words, as the lesson's Stage 1 diagram does ("The cat sat on the ___").

Lines are tokenized as everywhere else (text.preprocess, the experiment's stopwords dropped), cut
to a maximum length; a share is kept out to measure the blanks on, against the unigram baseline
(always guessing the most frequent word). Everything drawn at random comes from one seed."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import ExperimentError, RunCancelled
from ..settings import MASKED_LM, MLM_CHECKPOINT_STEPS, MLM_PROGRESS_HELD_OUT, MaskedLMSettings
from ..text import preprocess
from ..vectors import WordVectors
from .corpus import CorpusFiles, read_blocks
from .transformer import Adam, Shape, encode, initial_parameters, logits_of, masked_loss

PAD, UNK, MASK = "[PAD]", "[UNK]", "[MASK]"
SPECIAL = (PAD, UNK, MASK)  # ids 0, 1, 2; the words follow, most frequent first
FIRST_WORD = len(SPECIAL)
LOSS_POINTS = 200  # the loss curve is kept at about this many points, whatever the budget
# BERT's split of the masked positions: most shown as [MASK], some as a random word, some unchanged,
# so that the model must also represent the words it sees.
AS_MASK, AS_RANDOM = 0.8, 0.1

Progress = Callable[[float, float, float], None]  # (fraction done, tokens a second, recent loss)
# (tokens trained so far, blanks, the model's accuracy, the baseline's) on the first held-out lines
HeldOutProgress = Callable[[int, int, float, float], None]


@dataclass(frozen=True)
class Lines:
    """The corpus's lines as token ids, padded with 0, split into training and held-out lines."""

    words: tuple[str, ...]  # the vocabulary with the special tokens first
    counts: tuple[int, ...]  # of each word in the training lines (0 for the special tokens)
    train: np.ndarray  # (lines, max_length) ids
    held_out: np.ndarray


def lines_of(texts: Iterable[str], stopwords: frozenset[str], settings: MaskedLMSettings, seed: int) -> Lines:
    """Tokenize, cut, split (a seeded share held out) and number the lines by the training lines'
    word counts, ties alphabetical; an ExperimentError when too few lines have words."""
    tokenized = [tokens[: settings.max_length] for text in texts if (tokens := preprocess(text, stopwords))]
    if len(tokenized) < 2:
        raise ExperimentError(None, "the corpus has fewer than 2 lines with words: too little to train a "
                                    "masked language model on")
    order = np.random.default_rng(seed).permutation(len(tokenized))
    held = min(settings.max_held_out, max(1, int(len(tokenized) * settings.held_out_share)))
    held_lines = [tokenized[i] for i in order[:held]]
    train_lines = [tokenized[i] for i in order[held:]]
    counted = Counter(w for line in train_lines for w in line)
    kept = sorted(counted, key=lambda w: (-counted[w], w))[: settings.max_words]
    words = SPECIAL + tuple(kept)
    index = {w: i for i, w in enumerate(words)}

    def as_ids(lines):
        out = np.zeros((len(lines), settings.max_length), np.int32)
        for row, line in enumerate(lines):
            out[row, : len(line)] = [index.get(w, 1) for w in line]
        return out

    return Lines(words, (0,) * FIRST_WORD + tuple(counted[w] for w in kept), as_ids(train_lines), as_ids(held_lines))


def mask_batch(ids: np.ndarray, settings: MaskedLMSettings, rng: np.random.Generator, vocabulary: int,
               corrupt: bool = True):
    """Inputs with masked positions, and those positions and their words: a share of each line's
    known words (at least one, where it has any). With corrupt, BERT's 80/10/10; else all [MASK]."""
    known = ids >= FIRST_WORD
    draw = rng.random(ids.shape)
    chosen = known & (draw < settings.mask_share)
    # A line with known words but none drawn gets its known word of smallest draw, so every line counts.
    none = known.any(1) & ~chosen.any(1)
    if none.any():
        lowest = np.where(known, draw, np.inf)[none].argmin(1)
        chosen[np.flatnonzero(none), lowest] = True
    rows, cols = np.nonzero(chosen)
    targets = ids[rows, cols]
    inputs = ids.copy()
    how = rng.random(len(rows)) if corrupt else np.zeros(len(rows))
    inputs[rows[how < AS_MASK], cols[how < AS_MASK]] = 2
    random_at = (how >= AS_MASK) & (how < AS_MASK + AS_RANDOM)
    inputs[rows[random_at], cols[random_at]] = rng.integers(FIRST_WORD, vocabulary, int(random_at.sum()))
    return inputs, rows, cols, targets


def _trimmed(ids: np.ndarray) -> np.ndarray:
    """The batch without its all-padding columns at the end (shorter lines, less work)."""
    return ids[:, : max(1, int((ids > 0).sum(1).max()))]


@dataclass(frozen=True, eq=False)
class MaskedLM:
    """A trained model and how it did: immutable (its arrays are read-only)."""

    words: tuple[str, ...]
    counts: tuple[int, ...]
    shape: Shape
    params: dict = field(repr=False)
    seed: int
    tokens_trained: int
    steps: int
    losses: tuple[tuple[int, float], ...]  # (tokens trained so far, mean loss of the steps since the last point)
    held_out_blanks: int  # masked words measured on the held-out lines
    accuracy: float  # of the model's best word for those blanks
    baseline_accuracy: float  # of always guessing the most frequent training word
    baseline_word: str

    def __post_init__(self) -> None:
        for value in self.params.values():
            value.setflags(write=False)

    @property
    def final_loss(self) -> float:
        return self.losses[-1][1]

    def ids(self, tokens: list[str]) -> np.ndarray:
        index = self._index()
        return np.array([[index.get(t, 1) for t in tokens[: self.shape.max_length]]], np.int32)

    def _index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}

    def static_vectors(self) -> WordVectors:
        """The input embeddings of the words (not the special tokens): one fixed vector a word."""
        return WordVectors(self.words[FIRST_WORD:], self.params["embedding"][FIRST_WORD:].astype(np.float64))

    def contextual_vectors(self, tokens: list[str]) -> np.ndarray:
        """The last layer's hidden state for each token of a sentence (first max_length tokens)."""
        return encode(self.params, self.shape, self.ids(tokens))[0][0].astype(np.float64)

    def fill(self, tokens: list[str], blank: int, top_n: int) -> tuple[tuple[str, float], ...]:
        """The top_n words (not special tokens) for position `blank` of the tokens, given as [MASK],
        with the model's probabilities, best first (ties alphabetical)."""
        if blank >= self.shape.max_length:  # the blank and the words before it that fit
            tokens, blank = tokens[blank - self.shape.max_length + 1:], self.shape.max_length - 1
        ids = self.ids(tokens)
        ids[0, blank] = 2
        hidden = encode(self.params, self.shape, ids)[0][0, blank]
        return _top_words(self.words, logits_of(self.params, hidden[None])[0].astype(np.float64), top_n)


@dataclass(frozen=True)
class ModelBlank:
    has_blank: bool
    tokens: tuple[str, ...]  # the sentence's words around the blank, stopwords dropped
    unknown: tuple[str, ...]  # of them, the words the model reads as [UNK]
    candidates: tuple[tuple[str, float], ...]  # (word, the model's probability), best first


def fill_sentence(model: MaskedLM, sentence: str, blank: str, stopwords: frozenset[str], top_n: int) -> ModelBlank:
    """The model's words for the first `blank` of a sentence (tokenized as the corpus was)."""
    if blank not in sentence:
        return ModelBlank(False, (), (), ())
    before, after = sentence.split(blank, 1)
    left, right = preprocess(before, stopwords), preprocess(after.replace(blank, " "), stopwords)
    index = model._index()
    unknown = tuple(dict.fromkeys(w for w in left + right if w not in index))
    return ModelBlank(True, tuple(left + right), unknown, model.fill(left + [MASK] + right, len(left), top_n))


def corpus_texts(corpus: Path | CorpusFiles) -> Iterator[str]:
    """The corpus's lines, read block by block."""
    for block in read_blocks(corpus):
        yield from block.text.splitlines()


def _top_words(words, logits, top_n):
    logits = logits[FIRST_WORD:]
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    order = sorted(range(len(probs)), key=lambda j: (-round(float(probs[j]), 12), words[FIRST_WORD + j]))
    return tuple((words[FIRST_WORD + j], float(probs[j])) for j in order[:top_n])


def held_out_accuracy(params: dict, shape: Shape, lines: Lines, settings: MaskedLMSettings, seed: int,
                      limit: int | None = None):
    """(blanks, model's accuracy, baseline's accuracy, baseline word) on the held-out lines (the
    first `limit` of them), their blanks drawn once from the seed (all shown as [MASK]) so every
    model is measured on the same."""
    inputs, rows, cols, targets = mask_batch(lines.held_out[:limit], settings, np.random.default_rng(seed + 1),
                                             len(lines.words), corrupt=False)
    common = FIRST_WORD + int(np.argmax(lines.counts[FIRST_WORD:]))
    right = 0
    for start in range(0, len(inputs), settings.batch):
        batch = _trimmed(inputs[start: start + settings.batch])
        at = (rows >= start) & (rows < start + settings.batch)
        hidden = encode(params, shape, batch)[0][rows[at] - start, cols[at]]
        logits = logits_of(params, hidden)
        logits[:, :FIRST_WORD] = -np.inf
        right += int((logits.argmax(1) == targets[at]).sum())
    blanks = len(targets)
    baseline = float((targets == common).mean()) if blanks else 0.0
    return blanks, (right / blanks if blanks else 0.0), baseline, lines.words[common]


@dataclass(frozen=True, eq=False)
class Checkpoint:
    """A training after `steps` steps: everything it needs to go on exactly as if it had not stopped
    (the parameters, Adam's moments, the random generator's state, the loss curve so far)."""

    params: dict
    first: dict  # Adam's moments
    second: dict
    rng_state: dict  # numpy's bit generator state, JSON-ready
    tokens: int
    steps: int
    losses: tuple[tuple[int, float], ...]
    pending: tuple[float, ...]  # the losses of the steps since the last point of the curve

    def fits(self, shape: Shape) -> bool:
        expected = initial_parameters(shape, np.random.default_rng(0))
        return all(set(arrays) == set(expected) and all(arrays[n].shape == v.shape for n, v in expected.items())
                   for arrays in (self.params, self.first, self.second))


def train_masked_lm(texts: Iterable[str], stopwords: frozenset[str], seed: int,
                    settings: MaskedLMSettings = MASKED_LM, token_budget: int | None = None,
                    should_stop: Callable[[], bool] = lambda: False,
                    on_progress: Progress = lambda fraction, rate, loss: None, dtype=np.float32,
                    resume: Checkpoint | None = None, on_checkpoint: Callable[[Checkpoint], None] = lambda c: None,
                    on_held_out: HeldOutProgress = lambda tokens, blanks, accuracy, baseline: None,
                    checkpoint_steps: int = MLM_CHECKPOINT_STEPS) -> MaskedLM:
    """Train on the lines until `token_budget` tokens (the settings' by default) have been seen, in
    batches of lines drawn at random; cancellable between steps (RunCancelled). Every
    checkpoint_steps steps, and when cancelled, on_checkpoint gets the state to resume from (and
    on_held_out the accuracy on the first held-out lines); from `resume` (a checkpoint of the same
    lines, seed, settings and budget) the result is the one of a training never stopped."""
    budget = settings.token_budget if token_budget is None else token_budget
    lines = lines_of(texts, stopwords, settings, seed)
    if not len(lines.train) or len(lines.words) <= FIRST_WORD:
        raise ExperimentError(None, "no training lines left for the masked language model")
    shape = Shape(len(lines.words), settings.max_length, settings.dim, settings.heads, settings.hidden, settings.layers)
    rng = np.random.default_rng(seed)
    params = initial_parameters(shape, rng, dtype)
    optimizer = Adam(params, settings.learning_rate)
    tokens = steps = 0
    losses: list[tuple[int, float]] = []
    pending: list[float] = []
    if resume is not None and resume.fits(shape):
        params = {n: np.array(v, dtype) for n, v in resume.params.items()}
        optimizer.first = {n: np.array(v, dtype) for n, v in resume.first.items()}
        optimizer.second = {n: np.array(v, dtype) for n, v in resume.second.items()}
        optimizer.steps = resume.steps
        rng.bit_generator.state = resume.rng_state
        tokens, steps, losses, pending = resume.tokens, resume.steps, list(resume.losses), list(resume.pending)

    def checkpoint() -> Checkpoint:
        return Checkpoint({n: v.copy() for n, v in params.items()}, {n: v.copy() for n, v in optimizer.first.items()},
                          {n: v.copy() for n, v in optimizer.second.items()}, rng.bit_generator.state, tokens,
                          steps, tuple(losses), tuple(pending))

    def measure() -> None:
        blanks, accuracy, baseline, _ = held_out_accuracy(params, shape, lines, settings, seed, MLM_PROGRESS_HELD_OUT)
        on_held_out(tokens, blanks, accuracy, baseline)

    lengths = (lines.train > 0).sum(1)
    point_every = max(1, budget // LOSS_POINTS)
    started, tokens_before = time.perf_counter(), tokens
    measure()
    while tokens < budget:
        if should_stop():
            on_checkpoint(checkpoint())
            raise RunCancelled()
        chosen = rng.integers(0, len(lines.train), settings.batch)
        inputs, rows, cols, targets = mask_batch(_trimmed(lines.train[chosen]), settings, rng, len(lines.words))
        if not len(targets):  # only unknown words drawn: nothing to learn from
            tokens += int(lengths[chosen].sum())
            continue
        loss, grads = masked_loss(params, shape, inputs, rows, cols, targets)
        optimizer.step(params, grads)
        before, tokens, steps = tokens, tokens + int(lengths[chosen].sum()), steps + 1
        pending.append(loss)
        if tokens // point_every > before // point_every or tokens >= budget:
            losses.append((tokens, float(np.mean(pending))))
            pending = []
            rate = (tokens - tokens_before) / max(time.perf_counter() - started, 1e-9)
            on_progress(min(1.0, tokens / budget), rate, losses[-1][1])
        if steps % checkpoint_steps == 0 and tokens < budget:
            on_checkpoint(checkpoint())
            measure()
    if not losses:
        raise ExperimentError(None, "the masked language model's lines hold no word it could learn")
    blanks, accuracy, baseline, common = held_out_accuracy(params, shape, lines, settings, seed)
    return MaskedLM(lines.words, lines.counts, shape, params, seed, tokens, steps, tuple(losses), blanks,
                    accuracy, baseline, common)


def parameter_count(shape: Shape) -> int:
    d, f = shape.dim, shape.hidden
    per_layer = 4 * d + 3 * d * (d + 1) + d * (d + 1) + d * f + f + f * d + d
    return shape.vocabulary * d + shape.max_length * d + shape.layers * per_layer + 2 * d + shape.vocabulary


def trial_rate(settings: MaskedLMSettings, vocabulary: int, dtype=np.float32) -> float:
    """Tokens a second of a training step on full-length lines of random words, measured here and
    now (the second of two steps, the first warming up): what a time estimate is made from."""
    rng = np.random.default_rng(0)
    shape = Shape(vocabulary, settings.max_length, settings.dim, settings.heads, settings.hidden, settings.layers)
    params = initial_parameters(shape, rng, dtype)
    optimizer = Adam(params, settings.learning_rate)
    ids = rng.integers(FIRST_WORD, vocabulary, (settings.batch, settings.max_length)).astype(np.int32)
    for trial in range(2):
        started = time.perf_counter()
        inputs, rows, cols, targets = mask_batch(ids, settings, rng, vocabulary)
        optimizer.step(params, masked_loss(params, shape, inputs, rows, cols, targets)[1])
    return ids.size / max(time.perf_counter() - started, 1e-9)
