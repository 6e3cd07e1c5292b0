"""Every setting's default, range and limit, defined once: the manifest, the command line, the
engine and the explorer's live controls all read them from here."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class Range:
    """The values a number setting may take: whole or not, from `minimum` (excluded when
    `above`) to `maximum`. NaN and infinities are never in range."""

    minimum: int | float
    maximum: int | float
    whole: bool = True
    above: bool = False

    def describe(self) -> str:
        def shown(x) -> str:
            return f"{x:,}" if isinstance(x, int) else f"{x:g}"

        low = f"above {shown(self.minimum)}" if self.above else f"at least {shown(self.minimum)}"
        return f"{'a whole number' if self.whole else 'a number'} {low} and at most {shown(self.maximum)}"

    def check(self, value) -> int | float:
        """The value if it is in range, else ValueError saying what is allowed."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (self.whole and not isinstance(value, int)):
            raise ValueError(f"must be {self.describe()}, got {value!r}")
        if not math.isfinite(value) or value < self.minimum or (self.above and value == self.minimum) \
                or value > self.maximum:
            raise ValueError(f"must be {self.describe()}, got {value!r}")
        return value if self.whole else float(value)

    def clamp(self, value: int | float) -> int | float:
        """The nearest value in range (for a control stepping past an end)."""
        return max(self.minimum, min(self.maximum, value))


# Every number a manifest or the command line may set, and its range: one table for both. The
# maxima keep a run finite and in memory; each is far beyond what the lesson needs.
LIMITS: dict[str, Range] = {
    "window": Range(1, 100),
    "min_count": Range(1, 10**12),
    "max_vocab": Range(0, 10_000_000),  # 0 keeps every word
    "dim": Range(1, 10_000),
    "top_n": Range(1, 1_000),
    "epochs": Range(1, 100_000),
    "learning_rate": Range(0.0, 1_000.0, whole=False, above=True),
    "l2": Range(0.0, 1_000.0, whole=False),
    "seed": Range(0, 2**32 - 1),
    "seeds": Range(1, 1_000),
    "port": Range(1, 65_535),  # of `pretrain-explorer serve`, on the command line only
    "limit": Range(1, 10_000_000),  # words `pretrain-explorer import` keeps, on the command line only
    "restrict_vocab": Range(1, 10_000_000),  # words `evaluate` searches analogies' answers among
}

# Every setting a manifest or the command line may leave out, and the value it then has.
DEFAULTS: dict[str, int | float | str] = {
    "window": 3,  # the lesson's: its one-line sentences are short
    "min_count": 1,
    "max_vocab": 0,  # every word
    "weighting": "counts",  # the lesson's
    "dim": 300,  # of svd and sgns vectors
    "top_n": 4,
    "seed": 42,
    "seeds": 20,  # seed, seed + 1, ...: the seed-dependent approaches are run over this many
    "epochs": 300,
    "learning_rate": 0.5,
    "l2": 0.001,  # on the softmax layer's weights
    "port": 8000,
}

COUNT_WEIGHTINGS = ("counts", "ppmi", "svd")  # made from the co-occurrence counts
# and sgns, which predicts instead of counting (engine/pretraining/sgns.py)
WEIGHTINGS = COUNT_WEIGHTINGS + ("sgns",)
DENSE_WEIGHTINGS = ("counts", "ppmi")  # one dimension per vocabulary word
DIMENSIONED_WEIGHTINGS = ("svd", "sgns")  # of `dim` dimensions, the only ones `dim` changes

# Dense vectors of counts or PPMI have one dimension per vocabulary word: past this many words
# (25 million cells of 8 bytes, and a random baseline of the same size) they would not fit in
# memory. The explorer caps counts and ppmi here, `new` picks svd above it, and from-scratch counts
# keep this many context columns.
MAX_DENSE_WORDS = 5_000


def dense_fits(words: int) -> bool:
    """Whether counts or ppmi vectors of so many words fit (one dimension per word)."""
    return words <= MAX_DENSE_WORDS


class WeightingChange(NamedTuple):
    """The settings the next weighting runs with, and whether the dense cap was newly applied."""

    weighting: str
    max_vocab: int
    newly_capped: bool


def next_weighting(weighting: str, max_vocab: int, own_max_vocab: int, vocabulary: int | None,
                   runnable: tuple[str, ...] = WEIGHTINGS) -> WeightingChange:
    """The weighting after `weighting` among those this install can run (`runnable`, in WEIGHTINGS'
    order, round: from one not among them, the first after its place), and its max_vocab: counts and
    ppmi keep the MAX_DENSE_WORDS most frequent words where the vocabulary (`vocabulary` words, None
    when not yet known) is larger, or where the cap is on already (`max_vocab` differs from the
    experiment's own); every other weighting, or a vocabulary that fits, gets `own_max_vocab` back."""
    place = WEIGHTINGS.index(weighting)
    following = next(w for w in WEIGHTINGS[place + 1:] + WEIGHTINGS[:place + 1] if w in runnable)
    capped = max_vocab != own_max_vocab  # the cap is on already
    too_many = vocabulary is not None and not dense_fits(vocabulary)
    own_fits = 0 < own_max_vocab <= MAX_DENSE_WORDS
    if following in DENSE_WEIGHTINGS and (capped or too_many) and not own_fits:
        return WeightingChange(following, MAX_DENSE_WORDS, not capped)
    return WeightingChange(following, own_max_vocab, False)

# Faults (issue 21)
# From this many classes on, a run says before it trains that training grows with the classes (a
# softmax output, a centroid and learning-curve draws for each): 200 classes take minutes, not seconds.
MANY_CLASSES = 50

# Disk cache (issue 21)
# The disk cache (pretrained vectors and whole runs' results, engine.storage.disk_cache) is kept
# under this many bytes: past it the least recently used entries are removed.
DISK_CACHE_MAX_BYTES = 2 << 30

# Group words (issue 22)
# `new` picks each class's group words by the weighted log-odds ratio with an informative Dirichlet
# prior (Monroe, Colaresi and Quinn 2008), the prior from the unlabeled corpus's word frequencies.
# A word qualifies only above a floor in both: rarer counts in the labels are noise, and a group
# word the corpus hardly knows would be missing from the vocabulary or have a vector of noise.
GROUP_MIN_LABELED = 3  # occurrences in the labeled (train) sentences, all classes together
GROUP_MIN_CORPUS = 5  # occurrences in the corpus (and at least the experiment's min_count)
GROUP_MIN_Z = 1.96  # a word is typical of its class when its z-score passes this (5%, two-sided)
GROUP_WORDS_PER_CLASS = 6  # at most, highest z first; the first two of each class are probes
# The prior's pseudo-counts total this many times the labeled tokens: as much weight as the labels
# themselves, so a word's few labeled occurrences are shrunk towards its corpus frequency.
GROUP_PRIOR_WEIGHT = 1.0
LEXICON_GROUP_WORDS = 20  # a lexicon's words kept per group: its first, or those of largest score

# Memory budget (issue 21)
# A run is refused before it allocates when its estimated peak (engine/run/memory.py) exceeds this
# share of the memory the system has available, or the run's own budget (--memory, the manifest's
# memory = "2G"): the rest is left to the system and the other programs on a shared server.
MEMORY_SHARE = 0.8
MEMORY_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}  # of a size such as 2G (binary)
PROGRAM_BYTES = 100 << 20  # the interpreter, numpy, scipy and the engine, before a run
# Distinct words per byte of a corpus as stored, to bound the vocabulary before it is counted (the
# shipped reviews corpus: 20,000 words kept from 4.9 MB of gzip).
WORDS_PER_CORPUS_BYTE = 0.004

# Domain figure (issue 25)
# The notes call the corpus close to the task where the share of the task's tokens the corpus has seen
# fewer than min_count times exceeds the same share for random lines of the corpus (as many tokens as
# the task, against the rest of it) by at most DOMAIN_CLOSE_EXCESS, and far from DOMAIN_FAR_EXCESS
# on; between, neither word is said (engine.inspect.domain says why not the Jensen–Shannon
# divergence). Measured (docs/real-text.md): packages' task 8.2% against 5.8% for its corpus's own
# lines (+2.5 points), reviews' 15.8% against 6.1% (+9.8), held-out's none against none; the kata's
# corpus (137 tokens) is too small beside its task (63) for a baseline.
DOMAIN_CLOSE_EXCESS = 0.05
DOMAIN_FAR_EXCESS = 0.08
DOMAIN_SAMPLES = 3  # disjoint random samples of the corpus's lines the baseline is the mean of
DOMAIN_SAMPLE_SEED = 0  # their draw: the same corpus gives the same baseline

# Labels against unlabeled text (issue 25): the grid's rows are the corpus's first lines holding
# this many tokens (those below the corpus's size), then the whole corpus (engine/run/grid.py).
GRID_PREFIX_TOKENS = (10**4, 10**5, 10**6)

# Word map (issue 24)
# The map places at most this many words (the group words first, then the probes): more labels
# than this cannot be read in a terminal panel, and the PCA is of the shown words only.
MAP_MAX_WORDS = 40
# The map's axis over the whole vocabulary: the words listed toward each end; the rank test of the
# lexicon's Spearman correlation (pretrained among the random seeds) can reach p < 0.05 only from
# 20 seeds on (its least p is 1 / (seeds + 1)).
MAP_REACH_WORDS = 8
# The Embedding Projector export: the whole vocabulary when its words x dimensions are at most
# this many cells (about 10 characters each in the TSV), else the map's words and their nearest.
PROJECTOR_MAX_CELLS = 2_000_000
# Analogies (issue 24): 3CosMul's denominator is the product of the shifted cosines to the
# subtracted words plus this, as gensim's most_similar_cosmul adds it (Levy and Goldberg 2014 give
# 0.001), so that the same vectors give the same answers.
COSMUL_EPSILON = 1e-6

# Masked language model (issue 26)
# A small transformer encoder trained to fill masked words (engine/pretraining/masked_lm.py). Its
# size is the issue's: one or two layers, dimension 64 to 128, a few heads; at these sizes numpy
# trains it at thousands of tokens a second on one core.


@dataclass(frozen=True)
class MaskedLMSettings:
    layers: int = 2
    dim: int = 64  # of the embeddings and hidden states; a multiple of heads
    heads: int = 4
    hidden: int = 256  # of each layer's feed-forward part (4 x dim, as in BERT)
    max_words: int = 5_000  # the vocabulary: the most frequent words, the rest are [UNK]
    max_length: int = 32  # tokens of a line kept; longer lines are cut
    batch: int = 32  # lines a step
    mask_share: float = 0.15  # of a line's words masked (at least one), BERT's
    learning_rate: float = 0.002  # Adam's step size
    held_out_share: float = 0.1  # of the lines kept out of training, to measure the blanks on
    max_held_out: int = 2_000  # lines at most, so measuring stays quick on a large corpus
    token_budget: int = 300_000  # tokens trained on (a line's words each time it is drawn)


MASKED_LM = MaskedLMSettings()
# The budget a manifest ([pretraining] mlm_tokens) may give.
MLM_TOKEN_BUDGET = Range(1, 10**10)
# Fewer held-out blanks than this and the explorer states the model's and the baseline's accuracy
# without saying which is better: a few blanks decide nothing.
MLM_MIN_BLANKS_TO_COMPARE = 30

# Imported vectors (issue 24): `pretrain-explorer import` reads a published file this many bytes at
# a time; a run keeps the first IMPORTED_WORDS words of an imported file (published files put the
# most frequent first), so that neighbours, maps and the random baseline stay among words a reader
# knows, and a 400,000-word file runs in the memory a counted vocabulary does. `evaluate` searches
# analogies' answers among the first ANALOGY_RESTRICT_VOCAB words, as gensim's restrict_vocab does.
IMPORT_BLOCK_BYTES = 4 << 20
IMPORTED = "imported"  # the weighting an imported file's statistics name: no counting made its vectors
IMPORTED_WORDS = 50_000
ANALOGY_RESTRICT_VOCAB = 300_000
ANALOGY_TOP_N = 5  # answers gensim's evaluate_word_analogies looks through for one that is not a question word

# Training saves a checkpoint (its parameters, Adam's moments, the random state) every this many
# steps and when cancelled, so a stopped training goes on from there; and measures the held-out
# blanks of its first MLM_PROGRESS_HELD_OUT held-out lines then, for the progress shown (a few
# per cent of a step's time at these sizes).
MLM_CHECKPOINT_STEPS = 50
# A view looks for a shipped or cached model of a corpus of at most this many bytes stored by itself
# (a hash of its bytes, some 50 ms here); a larger corpus's is found when ctrl+t asks, in the worker.
MLM_LOOKUP_MAX_BYTES = 64 << 20
MLM_PROGRESS_HELD_OUT = 256
# Context changes the vector (engine/inspect/contextual.py): a word's first occurrences placed (a
# few hundred fit one PCA and a silhouette's distance matrix in well under a second), split in two
# by k-means of at most so many rounds.
CONTEXT_MAX_OCCURRENCES = 300
CONTEXT_CLUSTERS = 2
CONTEXT_KMEANS_ROUNDS = 100
CONTEXT_BATCH = 64  # occurrences' lines encoded at once
# The split's mean silhouette is read with Kaufman and Rousseeuw's (1990) bands: from
# CONTEXT_CLEAR_SPLIT a clear structure, from CONTEXT_WEAK_SPLIT a weak one, below it none to speak of.
CONTEXT_CLEAR_SPLIT = 0.5
CONTEXT_WEAK_SPLIT = 0.25


@dataclass(frozen=True)
class MaskedLMFineTuningSettings:
    """The masked language model's encoder with a softmax layer on its mean-pooled last hidden states,
    trained on the labeled sentences (engine.finetuning.masked_lm_classifier): end to end from the
    pretrained encoder, from a random one (its from-scratch twin), or on the frozen encoder."""

    epochs: int = 40  # passes over the train sentences
    # At most, whatever the epochs: a large train set takes fewer passes. reviews' 400 sentences take
    # 8; at 400 steps (16 passes) their test accuracies were within 2 points (seeds 42 and 43, both
    # encoders), for twice the wait: its k took 2 to 12 minutes, by the machine's load.
    max_steps: int = 200
    batch: int = 16  # sentences a step
    learning_rate: float = 0.001  # Adam's step size for the encoder (fine-tuning moves it gently)
    head_learning_rate: float = 0.01  # and for the softmax layer, which starts from nothing
    score_batch: int = 64  # sentences encoded at once when scoring a split


MASKED_LM_FINE_TUNING = MaskedLMFineTuningSettings()
# The masked language model's training speed, for the wait said before a run that trains it:
# measured, held-out's corpus, 300,000 tokens in 113 s on one thread of the 2-core machine under load.
MLM_TOKENS_PER_SECOND = 2_500
