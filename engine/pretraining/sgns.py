"""Predict-based pretraining: skip-gram with negative sampling (word2vec), through gensim (optional:
`pip install 'pretrain-explorer[word2vec]'`)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..progress import Progress, ProgressEvent
from .corpus import CorpusFiles, read_blocks
from ..errors import ExperimentError, stop_if_asked
from ..settings import COUNT_WEIGHTINGS, DEFAULTS, WEIGHTINGS
from ..text import preprocess
from ..vectors import WordVectors, l2_normalize_rows

NEGATIVE_SAMPLES = 5
EPOCHS = 5
INSTALL_HINT = "the sgns weighting needs gensim: pip install 'pretrain-explorer[word2vec]'"


@dataclass(frozen=True)
class SgnsSettings:
    dim: int
    window: int
    min_count: int = DEFAULTS["min_count"]
    max_vocab: int = DEFAULTS["max_vocab"]  # 0 keeps all
    seed: int = 0
    epochs: int = EPOCHS


def runnable_weightings() -> tuple[str, ...]:
    """The weightings this install can run: sgns only where gensim is installed (looked up, not
    imported: gensim takes seconds to import)."""
    try:
        installed = importlib.util.find_spec("gensim") is not None
    except (ImportError, ValueError):  # a broken install, or a module without a spec
        installed = False
    return WEIGHTINGS if installed else COUNT_WEIGHTINGS


def gensim_word2vec():
    """gensim's Word2Vec class, or an ExperimentError saying how to install it."""
    try:
        from gensim.models import Word2Vec
    except ImportError:
        raise ExperimentError(None, INSTALL_HINT) from None
    return Word2Vec


class _Lines:
    """The corpus as lists of tokens, read again on every pass (gensim makes one pass to build the
    vocabulary, then one an epoch). A pass ends early once `should_stop` says so, so that the
    callback at the end of the epoch can cancel the run."""

    def __init__(self, corpus: CorpusFiles, stopwords: frozenset[str], should_stop: Callable[[], bool],
                 on_fraction: Callable[[float], None]):
        self.corpus, self.stopwords, self.should_stop, self.on_fraction = corpus, stopwords, should_stop, on_fraction

    def __iter__(self) -> Iterator[list[str]]:
        for block in read_blocks(self.corpus):
            if self.should_stop():
                return
            self.on_fraction(block.bytes_done / block.bytes_total if block.bytes_total else 1.0)
            for line in block.text.split("\n"):
                tokens = preprocess(line, self.stopwords)
                if tokens:
                    yield tokens


# The counting weightings only count; this one predicts, as the lesson's Stage 1 says pretraining
# does: each word's vector is trained to tell the words within `window` of it from words drawn at
# random. On one worker thread with a fixed seed the vectors are the same on every run.
def train_sgns(
    corpus: Path | CorpusFiles,
    stopwords: frozenset[str],
    settings: SgnsSettings,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda event: None,
) -> WordVectors:
    """Word vectors by skip-gram with negative sampling, rows L2-normalised, words sorted."""
    Word2Vec = gensim_word2vec()
    from gensim.models.callbacks import CallbackAny2Vec

    passes = settings.epochs + 1  # the vocabulary pass, then the epochs
    state = {"pass": 0}

    def report(fraction: float) -> None:
        label = "Building the vocabulary" if state["pass"] == 0 else f"Training sgns: epoch {state['pass']} of {settings.epochs}"
        on_progress(ProgressEvent("sgns", (state["pass"] + fraction) / passes, label))

    class Epochs(CallbackAny2Vec):
        def on_epoch_end(self, model) -> None:  # called on the calling thread, where raising is safe
            state["pass"] += 1
            stop_if_asked(should_stop)

    corpus = CorpusFiles.of(corpus)  # listed once: read again every epoch
    lines = _Lines(corpus, stopwords, should_stop, report)
    model = Word2Vec(vector_size=settings.dim, window=settings.window, min_count=settings.min_count,
                     max_final_vocab=settings.max_vocab or None, sg=1, negative=NEGATIVE_SAMPLES,
                     workers=1, seed=settings.seed, epochs=settings.epochs)
    model.build_vocab(lines)
    stop_if_asked(should_stop)
    if not model.wv.index_to_key:
        raise ExperimentError(corpus.path, f"min_count {settings.min_count} leaves no word in the vocabulary")
    state["pass"] = 1
    model.train(lines, total_examples=model.corpus_count, epochs=settings.epochs, callbacks=[Epochs()])
    words = sorted(model.wv.index_to_key)
    matrix = np.array([model.wv[w] for w in words], dtype=np.float64)
    return WordVectors(tuple(words), l2_normalize_rows(matrix))
