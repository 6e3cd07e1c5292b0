"""A run's peak memory, estimated from its settings before anything large is allocated, and the
budget it must fit in (a share of the memory available, or what `--memory` or the manifest says).

The estimate follows where a run's memory goes (docs/benchmarks.md compares it with measured peaks):
the program itself; pretraining's counting and weighting (then freed, but for the vectors and what
counting leaves resident: the counts the session keeps, and heap the process does not give back);
the vectors a result keeps (pretrained, the main seed's random ones, the fine-tuned copy) and its
trained classifiers' rows; for sgns, gensim's modules and model, which stay resident to the end;
the session's cache (each seed's vectors over the labeled words, up to the cache's bound); and the
working arrays of the largest step (a seed's random rows being drawn, the learning curve's starting
sentence vectors, one training batch)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExperimentError
from ..experiment import Experiment
from ..settings import (
    MASKED_LM,
    MASKED_LM_FINE_TUNING,
    DENSE_WEIGHTINGS,
    DIMENSIONED_WEIGHTINGS,
    MAX_DENSE_WORDS,
    MEMORY_SHARE,
    PROGRAM_BYTES,
    WORDS_PER_CORPUS_BYTE,
)
from ..pretraining.masked_lm_store import SHIPPED_MODEL
from ..pretraining.vocabulary import VocabularySettings
from ..text import tokenize
from ..finetuning.approaches import BATCH_BYTES
from ..pretraining.weighting import FLOAT32_FROM_CELLS
from .cache import DEFAULT_MAX_BYTES
from .context import CACHED_SEED_SHARE

FLOAT = 8  # bytes of a float64
# fine_tuned and random_fine_tuned keep how far their rows moved; the frozen linear_probe keeps no
# rows (a broadcast zero, engine.finetuning.softmax._fits).
KEPT_CLASSIFIERS = 2
# Counting's peak (its tables and blocks, and numba's import), per byte of the corpus as stored:
# measured on reviews (4.7 MB gzipped) 49 with every word's pairs counted (svd, sgns) and 40 with
# the vocabulary cut to 5,000 as it counts (counts, ppmi).
COUNTING_BYTES_PER_CORPUS_BYTE = 44
# What counting leaves resident through fine-tuning, as a share of its peak: the corpus's counts,
# which the session keeps (another weighting of the corpus is then not counted again), and heap the
# process does not give back (malloc_trim returns little of it). Measured on reviews, beyond the
# program and the vectors, at the start of fine-tuning: 197 MiB after svd's pretraining (38 of it
# the counts), 73 MiB after counts' at 5,000 words: 0.87 and 0.38 of the peak.
RESIDENT_COUNTING_SHARE = 0.5
BATCH_COPIES = 2
PRETRAINING_COPIES = {"counts": 1, "ppmi": 3, "svd": 4, "sgns": 3}  # vocabulary x dimension arrays at once
# sgns trains through gensim (engine.pretraining.sgns): its modules (measured: importing gensim.models
# after the engine adds 60 MiB resident) and its model, as gensim's Word2Vec.estimate_memory counts it:
# per word, its vocabulary entry and two float32 rows of the dimension (the vectors and the negative
# sampling layer). None of it is given back before the run ends: the modules stay imported, and the
# heap the vocabulary's small objects took stays the process's (measured on reviews: 120 MiB more
# resident after training than before it, through fine-tuning).
GENSIM_BYTES = 60 << 20
GENSIM_BYTES_PER_WORD = 500
GENSIM_ARRAYS = 2
FLOAT32 = 4


@dataclass(frozen=True)
class MemoryEstimate:
    """A run's estimated peak, in bytes, by part. The run's peak is the program (and sgns's gensim)
    plus the larger of pretraining and fine-tuning (pretraining's tables are freed before fine-tuning starts)."""

    vocabulary: int  # the words the vectors have (at most, before the corpus is counted)
    dimension: int
    program: int  # the interpreter, numpy, scipy and the engine
    pretraining: int  # counting and weighting, at their peak
    vectors: int  # the vectors a result keeps, and its trained classifiers' rows
    cache: int  # the session's cache: features of each seed over the labeled words
    working: int  # the largest step's arrays: a random draw, starting sentence vectors, a batch
    word2vec: int = 0  # sgns: gensim's modules and model, held from its training to the end of the run
    counted: int = 0  # what counting leaves resident through fine-tuning (RESIDENT_COUNTING_SHARE)
    fine_tunes: bool = True  # False: a command that only pretrains (evaluate, pretrain)
    masked_lm: int = 0  # the masked language model's approaches: the model, from its training to the end of the run

    @property
    def masked_lm_part(self) -> int:
        return self.masked_lm if self.fine_tunes else 0

    @property
    def fine_tuning(self) -> int:
        return self.counted + self.vectors + self.cache + self.working

    @property
    def total(self) -> int:
        return self.program + self.word2vec + self.masked_lm_part + max(self.pretraining, self.fine_tuning)

    def pretraining_only(self) -> "MemoryEstimate":
        """The estimate of a command that only pretrains (evaluate): no fine-tuning after it."""
        return dataclasses.replace(self, counted=0, vectors=0, cache=0, working=0, fine_tunes=False)

    def like(self, other: "MemoryEstimate") -> "MemoryEstimate":
        """`other` as this one counts: without fine-tuning where this one has none."""
        return other if self.fine_tunes else other.pretraining_only()

    def parts(self) -> tuple[tuple[str, int], ...]:
        """(name, bytes) of each part, in the order they are shown."""
        return (("program", self.program), ("pretraining", self.pretraining), ("counts kept", self.counted),
                ("vectors", self.vectors), ("cache", self.cache), ("working", self.working),
                ("word2vec", self.word2vec)) + (
                (("masked LM", self.masked_lm_part),) if self.masked_lm_part else ())


def _labeled_words(e: Experiment) -> int:
    sentences = e.train + e.test + (e.transfer or ())
    return len({t for s in sentences for t in tokenize(s.text)} - e.stopwords)


def vocabulary_bound(e: Experiment) -> int:
    """The words the vectors will have at most, before the corpus is counted: max_vocab where it is
    set, else a guess from the corpus's size; counts and ppmi never have more than MAX_DENSE_WORDS."""
    guess = e.vocabulary.max_vocab or max(1, int(_corpus_bytes(e) * WORDS_PER_CORPUS_BYTE))
    return min(guess, MAX_DENSE_WORDS) if e.weighting in DENSE_WEIGHTINGS else guess


def _corpus_bytes(e: Experiment) -> int:
    from ..pretraining.corpus import CorpusFiles

    return CorpusFiles.of(e.corpus_path).stored_size if e.corpus_path is not None else 0


def estimate_memory(e: Experiment, vocabulary: int | None = None, dimension: int | None = None) -> MemoryEstimate:
    """The run's peak from its settings: `vocabulary` and `dimension` where they are known (after
    counting, or from a vectors file), else their bound from the settings."""
    words = vocabulary if vocabulary is not None else vocabulary_bound(e)
    if dimension is None:
        dimension = e.dim if e.weighting in DIMENSIONED_WEIGHTINGS else words
    dense_counts = e.weighting == "counts" and e.vectors_path is None
    item = 4 if dense_counts and words * dimension > FLOAT32_FROM_CELLS else FLOAT
    matrix = words * dimension
    labeled = min(_labeled_words(e), max(words, 1) * 4)  # (labeled words never outnumber tokens)
    features = labeled * dimension * FLOAT  # one set of vectors over the labeled words
    train_tokens = [set(tokenize(s.text)) - e.stopwords for s in e.train]
    train_words = min(labeled, max(1, len(set().union(*train_tokens))))
    per_sentence = sum(map(len, train_tokens)) / max(1, len(train_tokens))  # distinct words a sentence has
    seeds = max(1, e.seeds)
    pretraining = counted = 0
    if e.vectors_path is None:
        counting = int(_corpus_bytes(e) * COUNTING_BYTES_PER_CORPUS_BYTE)
        pretraining = counting + PRETRAINING_COPIES[e.weighting] * matrix * item
        counted = int(counting * RESIDENT_COUNTING_SHARE)
    vectors = matrix * (2 * item + FLOAT) + KEPT_CLASSIFIERS * train_words * dimension * FLOAT
    # The pretrained vectors over the labeled words, and each seed's where they are small enough to cache.
    cached_seeds = seeds if features <= DEFAULT_MAX_BYTES * CACHED_SEED_SHARE else 0
    cache = min(DEFAULT_MAX_BYTES, features * (1 + cached_seeds))
    starts = ((1 + seeds) * len(e.test) + len(e.test) + len(e.transfer or ())) * dimension * FLOAT
    # A training batch: its sentences (BATCH_BYTES of pooled vectors, at most every seed's train set)
    # times the words each shows, stacked twice over (starting rows, then how far they moved).
    batch_sentences = min(BATCH_BYTES // (FLOAT * dimension), 2 * seeds * len(e.train))
    batch = int(BATCH_COPIES * batch_sentences * per_sentence * dimension * FLOAT)
    working = 2 * features + starts + batch
    word2vec = 0
    if e.weighting == "sgns" and e.vectors_path is None:
        word2vec = GENSIM_BYTES + words * (GENSIM_BYTES_PER_WORD + GENSIM_ARRAYS * dimension * FLOAT32)
    return MemoryEstimate(words, dimension, PROGRAM_BYTES, pretraining, vectors, cache, working, word2vec, counted,
                          masked_lm=masked_lm_approaches_bytes(e) if e.masked_lm else 0)


# The masked language model's approaches (engine.finetuning.masked_lm_classifier), in float32: the
# pretrained model and Adam's two moments while it trains, then it and one task's copy with the
# copy's moments (one task at a time); and the activations of the largest batch, per token and layer
# the hidden states the backward pass keeps (about 12 of the dimension and 3 of the feed-forward
# width) and the attention weights (heads x tokens).
MASKED_LM_COPIES = 6
# Training it first holds the corpus's lines as tokens (engine.pretraining.masked_lm.lines_of), per
# corpus byte: measured, reviews' 4.9 MB corpus raised the peak by 113 MB.
MASKED_LM_LINES_PER_CORPUS_BYTE = 24
ACTIVATIONS_PER_DIM, ACTIVATIONS_PER_HIDDEN = 12, 3


def masked_lm_approaches_bytes(e: Experiment) -> int:
    """The masked language model's approaches in a run (training it first where nothing stored holds it)."""
    m, t = MASKED_LM, MASKED_LM_FINE_TUNING
    d, f, length = m.dim, m.hidden, m.max_length
    per_layer = 4 * d * d + 4 * d + 2 * d * f + f + d + 4 * d
    parameters = (m.max_words + 3) * d + length * d + m.layers * per_layer + 2 * d + m.max_words + 3
    lines = max(m.batch, t.batch, t.score_batch)
    activations = lines * length * m.layers * (ACTIVATIONS_PER_DIM * d + ACTIVATIONS_PER_HIDDEN * f + m.heads * length)
    pooled = (len(e.train) + len(e.test) + len(e.transfer or ())) * d  # the frozen encoder's sentences
    # A model shipped beside the manifest is read, not trained: no lines held (reviews with k, measured:
    # 412 MiB at the peak, against 605 estimated with its lines). A shipped file of other settings or
    # budget is trained after all, and holds its lines beyond this estimate.
    shipped = (e.manifest.parent / SHIPPED_MODEL).is_file()
    lines = 0 if shipped else _corpus_bytes(e) * MASKED_LM_LINES_PER_CORPUS_BYTE
    return FLOAT32 * (MASKED_LM_COPIES * parameters + activations + pooled) + lines


# --- the budget -------------------------------------------------------------------------------

def available_memory(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """MemAvailable in bytes, or None where the system does not say."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


@dataclass(frozen=True)
class MemoryBudget:
    bytes: int
    source: str  # where it comes from, for the refusal: "--memory or the manifest", or the share of what is free


def memory_budget(e: Experiment) -> MemoryBudget | None:
    """The experiment's own (--memory, the manifest's memory), else MEMORY_SHARE of what is available."""
    if e.memory is not None:
        return MemoryBudget(e.memory, "by --memory or the manifest's memory")
    free = available_memory()
    if free is None:
        return None
    return MemoryBudget(int(free * MEMORY_SHARE), f"{MEMORY_SHARE:.0%} of the {shown_bytes(free)} available")


def shown_bytes(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


class MemoryRefused(ExperimentError):
    """A run whose estimate exceeds its budget: refused before it allocates anything large."""


def check_memory(e: Experiment, estimate: MemoryEstimate) -> None:
    """Raise MemoryRefused, one line: what the run would need, what it has, and a setting that fits."""
    budget = memory_budget(e)
    if budget is None or estimate.total <= budget.bytes:
        return
    problem = (f"this run would need about {shown_bytes(estimate.total)} of memory, and "
               f"{shown_bytes(budget.bytes)} is allowed ({budget.source}); {_what_fits(e, estimate, budget.bytes)}")
    raise MemoryRefused(e.manifest, problem)


SMALLER_VOCABULARIES = (4_000, 3_000, 2_000, 1_000, 500, 200, 100)
SMALLER_DIMENSIONS = (200, 100, 50, 25, 10)


def _what_fits(e: Experiment, estimate: MemoryEstimate, budget: int) -> str:
    if e.vectors_path is None and e.weighting in DENSE_WEIGHTINGS:
        for words in (w for w in SMALLER_VOCABULARIES if w < estimate.vocabulary):
            smaller = dataclasses.replace(e, vocabulary=dataclasses.replace(e.vocabulary, max_vocab=words))
            if estimate.like(estimate_memory(smaller, words)).total <= budget:
                return f"--max-vocab {words:,} would fit"
    if e.vectors_path is None and e.weighting in DIMENSIONED_WEIGHTINGS:
        for dim in (d for d in SMALLER_DIMENSIONS if d < estimate.dimension):
            if estimate.like(estimate_memory(dataclasses.replace(e, dim=dim), estimate.vocabulary)).total <= budget:
                return f"--dim {dim:,} would fit"
    return f"no smaller setting fits: allow more with --memory (at least {shown_bytes(estimate.total)})"


def pretraining_fits(corpus: Path, stopwords: frozenset[str], window: int, weighting: str, dim: int,
                     vocabulary: VocabularySettings, memory: int | None) -> Callable[[int], None]:
    """`pretrain`'s check, as a run's without fine-tuning: MemoryRefused now if its settings' bound
    is over the budget, and the check of the vocabulary once counted (pretrain_vectors' on_counted)."""
    e = Experiment(name=corpus.name, title="", manifest=corpus, corpus_path=corpus, vectors_path=None,
                   corpus_preview=(), window=window, stopwords=stopwords, train=(), test=(), transfer=None,
                   probes=(), top_n=1, groups=(), seed=0, weighting=weighting, dim=dim, vocabulary=vocabulary,
                   memory=memory)
    check_memory(e, estimate_memory(e).pretraining_only())

    def counted(words: int) -> None:
        if words:  # no word kept: the weighting says so (min_count leaves no word)
            check_memory(e, estimate_memory(e, words).pretraining_only())
    return counted


# --- the masked language model (issue 26) ------------------------------------------------------

MLM_BYTES_PER_TEXT_BYTE = 12  # its lines read, tokenized, then ids: 184 MB in all for reviews' 14 MB of text
GZIP_TEXT_PER_BYTE = 4  # a gzip corpus's text per byte stored, about (reviews: 3.0)
MLM_PARAMETER_COPIES = 4  # the parameters, their gradients, Adam's two moments
MLM_FLOAT = 4  # float32


def masked_lm_bytes(e: Experiment, settings) -> int:
    """The masked language model's training peak: the program, the corpus's lines, four copies of
    the parameters (at the largest vocabulary), and a step's arrays (the attention's, the layers'
    and the masked positions' scores over the vocabulary), kept for the backward pass."""
    from ..pretraining.corpus import CorpusFiles
    from ..pretraining.masked_lm import FIRST_WORD, parameter_count
    from ..pretraining.transformer import Shape

    text = sum(f.stat().st_size * (GZIP_TEXT_PER_BYTE if f.suffix == ".gz" else 1)
               for f in CorpusFiles.of(e.corpus_path).files) if e.corpus_path is not None else 0
    shape = Shape(settings.max_words + FIRST_WORD, settings.max_length, settings.dim, settings.heads,
                  settings.hidden, settings.layers)
    tokens = settings.batch * settings.max_length
    per_token = shape.layers * (12 * shape.dim + 3 * shape.hidden + 2 * shape.heads * shape.max_length) + 4 * shape.dim
    step = tokens * (per_token + 3 * shape.vocabulary) * MLM_FLOAT
    return (PROGRAM_BYTES + MLM_BYTES_PER_TEXT_BYTE * text + MLM_PARAMETER_COPIES * MLM_FLOAT * parameter_count(shape)
            + step)


def check_masked_lm_memory(e: Experiment, settings) -> int:
    """The estimate (bytes), or MemoryRefused, one line, where it is over the experiment's budget."""
    needed = masked_lm_bytes(e, settings)
    budget = memory_budget(e)
    if budget is not None and needed > budget.bytes:
        raise MemoryRefused(e.manifest, f"training the masked language model would need about {shown_bytes(needed)} "
                                        f"of memory, and {shown_bytes(budget.bytes)} is allowed ({budget.source}); "
                                        f"allow more with --memory (at least {shown_bytes(needed)})")
    return needed
