"""Stage 1 uncached: a corpus counted and weighted into word vectors, with its statistics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pretrain_explorer.engine.pretraining.counting import Cooccurrence, count_cooccurrences, workers_for
from pretrain_explorer.engine.pretraining.corpus import Corpus
from pretrain_explorer.engine.progress import Progress
from pretrain_explorer.engine.errors import ExperimentError
from pretrain_explorer.engine.finetuning.labeled import labeled_data, scratch_vectors, window_pairs
from pretrain_explorer.engine.pretraining.sgns import SgnsSettings, train_sgns
from pretrain_explorer.engine.settings import DEFAULTS
from pretrain_explorer.engine.text import LabeledSentence
from pretrain_explorer.engine.vectors import WordVectors
from pretrain_explorer.engine.pretraining.vocabulary import VocabularySettings, vocabulary_keep
from pretrain_explorer.engine.pretraining.weighting import word_vectors


SGNS_SEED = 1  # skip-gram's own draws: fixed, so that pretrained vectors do not change with [random] seed

@dataclass(frozen=True)
class CorpusStats:
    sentences: int  # lines holding at least one word
    tokens: int  # before stopword removal
    kept_tokens: int  # after it: what the windows run over
    vocabulary: int
    dimension: int
    window: int
    weighting: str = DEFAULTS["weighting"]


def corpus_counts(
    corpus: Path,
    stopwords: frozenset[str],
    window: int,
    vocabulary: VocabularySettings = VocabularySettings(),
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda stage, fraction: None,
) -> Cooccurrence:
    """Stream a corpus of any size and count its co-occurrences. Where the vocabulary settings cut
    the vocabulary, a second pass over the corpus (Corpus can be read twice) counts only the kept
    words' pairs; the dropped words still take their places in the windows."""
    co = count_cooccurrences(Corpus(corpus), stopwords, window, should_stop, on_progress, workers_for(corpus),
                             keep=vocabulary_keep(vocabulary))
    if co.tokens == 0:
        raise ExperimentError(corpus, "the corpus is empty: it needs at least one line of text")
    if co.kept == 0:
        raise ExperimentError(corpus, "the corpus has no words left once the stopwords are removed")
    return co


def weighted_vectors(co: Cooccurrence, window: int, weighting: str, dim: int, vocabulary: VocabularySettings,
                     source, should_stop: Callable[[], bool] = lambda: False,
                     on_progress: Progress = lambda stage, fraction: None,
                     stopwords: frozenset[str] = frozenset()) -> tuple[WordVectors, CorpusStats]:
    """The vectors of a counted corpus (`source`) by `weighting`, and the corpus's statistics. sgns
    reads the corpus again to train on it; the counts then give the statistics only."""
    if weighting == "sgns":
        settings = SgnsSettings(dim, window, vocabulary.min_count, vocabulary.max_vocab, seed=SGNS_SEED)
        vectors = train_sgns(Path(source), stopwords, settings, should_stop, on_progress)
    else:
        vectors = word_vectors(co, weighting, dim, vocabulary, source, should_stop, on_progress)
    return vectors, CorpusStats(co.lines, co.tokens, co.kept, len(vectors.words), vectors.dimension, window, weighting)


def pretrain_vectors(
    corpus: Path,
    stopwords: frozenset[str],
    window: int,
    weighting: str = DEFAULTS["weighting"],
    dim: int = DEFAULTS["dim"],
    vocabulary: VocabularySettings = VocabularySettings(),
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda stage, fraction: None,
) -> tuple[WordVectors, CorpusStats]:
    """Stage 1 on a corpus of any size, uncached: stream it, count, weight."""
    co = corpus_counts(corpus, stopwords, window, vocabulary, should_stop, on_progress)
    on_progress(f"Weighting ({weighting})", 1.0)
    return weighted_vectors(co, window, weighting, dim, vocabulary, corpus, should_stop, on_progress, stopwords)


def vectors_from_sentences(texts: list[str], stopwords: frozenset[str], window: int) -> WordVectors:
    """The lesson's counts over a handful of sentences held in memory (the from-scratch approach)."""
    data = labeled_data(stopwords, tuple(LabeledSentence(t, "", k) for k, t in enumerate(texts)), (), None)
    return scratch_vectors(data, window_pairs(data, window))
