"""Stage 1 uncached: a corpus counted and weighted into word vectors, with its statistics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .counting import Cooccurrence, Keep, count_cooccurrences, workers_for
from .corpus import Corpus, CorpusFiles
from ..progress import Progress, ProgressEvent
from ..errors import ExperimentError
from ..finetuning.labeled import labeled_data, scratch_vectors, window_pairs
from .sgns import SgnsSettings, train_sgns
from ..settings import DEFAULTS
from ..text import LabeledSentence
from ..vectors import WordVectors
from .vocabulary import VocabularySettings, kept_indices, vocabulary_keep
from .weighting import word_vectors


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
    corpus: CorpusFiles,
    stopwords: frozenset[str],
    window: int,
    keep: Keep | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda event: None,
) -> Cooccurrence:
    """Stream a corpus of any size and count its co-occurrences. Where the vocabulary is cut
    (`keep`, from vocabulary_keep), a second pass over the corpus (Corpus can be read twice) counts
    only the kept words' pairs; the dropped words still take their places in the windows."""
    co = count_cooccurrences(Corpus(corpus), stopwords, window, should_stop, on_progress, workers_for(corpus),
                             keep=keep)
    if co.tokens == 0:
        raise ExperimentError(corpus.path, "the corpus is empty: it needs at least one line of text")
    if co.kept == 0:
        raise ExperimentError(corpus.path, "the corpus has no words left once the stopwords are removed")
    return co


def weighted_vectors(co: Cooccurrence, window: int, weighting: str, dim: int, vocabulary: VocabularySettings,
                     corpus: CorpusFiles, should_stop: Callable[[], bool] = lambda: False,
                     on_progress: Progress = lambda event: None,
                     stopwords: frozenset[str] = frozenset()) -> tuple[WordVectors, CorpusStats]:
    """The vectors of a counted corpus by `weighting`, and the corpus's statistics. sgns reads the
    corpus again to train on it; the counts then give the statistics only."""
    if weighting == "sgns":
        settings = SgnsSettings(dim, window, vocabulary.min_count, vocabulary.max_vocab, seed=SGNS_SEED)
        vectors = train_sgns(corpus, stopwords, settings, should_stop, on_progress)
    else:
        vectors = word_vectors(co, weighting, dim, vocabulary, corpus.path, should_stop, on_progress)
    return vectors, CorpusStats(co.lines, co.tokens, co.kept, len(vectors.words), vectors.dimension, window, weighting)


def pretrain_vectors(
    corpus: Path,
    stopwords: frozenset[str],
    window: int,
    weighting: str = DEFAULTS["weighting"],
    dim: int = DEFAULTS["dim"],
    vocabulary: VocabularySettings = VocabularySettings(),
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda event: None,
    on_counted: Callable[[int], None] = lambda words: None,
) -> tuple[WordVectors, CorpusStats]:
    """Stage 1 on a corpus of any size, uncached: stream it, count, weight. `on_counted` is told the
    vocabulary's size once it is counted, before the weighting (which may raise to stop there)."""
    files = CorpusFiles.of(corpus)
    co = corpus_counts(files, stopwords, window, vocabulary_keep(vocabulary), should_stop, on_progress)
    on_counted(len(kept_indices(co.word_counts, vocabulary)))
    on_progress(ProgressEvent("weighting", 1.0, f"Weighting ({weighting})"))
    return weighted_vectors(co, window, weighting, dim, vocabulary, files, should_stop, on_progress, stopwords)


def vectors_from_sentences(texts: list[str], stopwords: frozenset[str], window: int) -> WordVectors:
    """The lesson's counts over a handful of sentences held in memory (the from-scratch approach)."""
    data = labeled_data(stopwords, tuple(LabeledSentence(t, "", k) for k, t in enumerate(texts)), (), None)
    return scratch_vectors(data, window_pairs(data, window))
