"""Experiments are data: a TOML manifest naming a corpus, labeled CSV files and analysis settings."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .errors import ExperimentError
from .manifest_reader import ManifestReader, ReadCheck, parse_memory
from .storage.paths import kind_of
from .storage.vectors_file import load_vectors
from .pretraining.corpus import CorpusFiles, preview_lines
from .finetuning.softmax import TrainingSettings
from .pretraining.vocabulary import VocabularySettings
from .inspect.lexicon import Lexicon, read_lexicon
from .inspect.word_pairs import WordPair, read_word_pairs
from .settings import DEFAULTS, IMPORTED_WORDS, LEXICON_GROUP_WORDS, MLM_TOKEN_BUDGET, WEIGHTINGS
from .text import Columns, LabeledSentence, read_labeled_csv, read_text

MANIFEST = "experiment.toml"
MASKED_LM_NEEDS_CORPUS = ("the masked language model's approaches need a corpus to pretrain on, not vectors "
                          "pretrained once")
PREVIEW_LINES = 300  # lines of the corpus kept for showing it; the rest is streamed when counting
# and at most so many characters of them: long review lines are slow to lay out each time stage 1
# comes back on screen.
PREVIEW_CHARACTERS = 12_000


@dataclass(frozen=True)
class Experiment:
    """Everything one run needs, already read and checked. Change a setting with dataclasses.replace."""

    name: str
    title: str
    manifest: Path
    corpus_path: Path | None  # a text file, a folder of .txt files, or gzip of either; streamed
    vectors_path: Path | None  # or vectors pretrained once by `pretrain-explorer pretrain`
    corpus_preview: tuple[str, ...]  # the corpus's first lines, for showing it
    window: int
    stopwords: frozenset[str]
    train: tuple[LabeledSentence, ...]
    test: tuple[LabeledSentence, ...]
    transfer: tuple[LabeledSentence, ...] | None
    probes: tuple[str, ...]
    top_n: int
    groups: tuple[tuple[str, tuple[str, ...]], ...]
    seed: int
    weighting: str = DEFAULTS["weighting"]
    dim: int = DEFAULTS["dim"]  # dimensions of svd and sgns vectors
    vocabulary: VocabularySettings = field(default_factory=VocabularySettings)
    seeds: int = DEFAULTS["seeds"]  # how many seeds (seed, seed + 1, ...) the seed-dependent approaches are also run over
    training: TrainingSettings = field(default_factory=TrainingSettings)
    # The masked language model's approaches run too ([finetuning] masked_lm, --masked-lm): they pretrain it first.
    masked_lm: bool = False
    # The stopwords as the manifest gave them, so a user can switch them off and on again.
    manifest_stopwords: frozenset[str] = field(default=frozenset(), compare=False)
    # Word pairs with human similarity scores ([analysis] pairs), to score the vectors against.
    word_pairs: tuple[WordPair, ...] = ()
    word_pairs_path: Path | None = None
    # Where the groups come from when no person wrote them: what picked them (`new` writes it), or
    # a lexicon file ([analysis] lexicon).
    groups_picked_by: str = ""
    lexicon: Lexicon | None = None
    memory: int | None = None  # bytes a run may use (`memory = "2G"`, --memory); None: a share of what is free
    mlm_tokens: int | None = None  # the masked language model's budget ([pretraining] mlm_tokens, --mlm-tokens)

    @property
    def source(self) -> Path:
        """Where the pretrained vectors come from, for messages."""
        return self.vectors_path or self.corpus_path

    @cached_property  # asked for by every row of a predictions table
    def labels(self) -> tuple[str, ...]:
        """The classes found in the train file, sorted."""
        return tuple(sorted({s.label for s in self.train}))


def stopwords_from(path: Path) -> frozenset[str]:
    """Whitespace-separated words from a file, lowercased."""
    return frozenset(read_text(path).lower().split())


def builtin_experiment_path(name: str = "kata") -> Path:
    """The manifest of an experiment shipped in the `corpora` package."""
    from .. import corpora

    return Path(corpora.__file__).parent / name / MANIFEST


def builtin_experiments() -> tuple[str, ...]:
    """The names of the experiments shipped in the `corpora` package."""
    from .. import corpora

    folder = Path(corpora.__file__).parent
    return tuple(sorted(p.parent.name for p in folder.glob(f"*/{MANIFEST}")))


@dataclass(frozen=True)
class ShippedExperiment:
    """A shipped experiment as a list of them shows it, read from its manifest alone."""

    name: str
    manifest: Path
    summary: str  # what it shows, in a line
    expected: str  # how long a run takes and how much memory, as measured (docs/benchmarks.md)
    corpus_name: str
    corpus_bytes: int  # of the corpus file as stored (gzip where it is compressed)


def shipped_experiments() -> tuple[ShippedExperiment, ...]:
    """The shipped experiments, the lesson's order: smallest corpus first."""
    found = []
    for name in builtin_experiments():
        manifest = builtin_experiment_path(name)
        data = tomllib.loads(read_text(manifest))
        corpus = manifest.parent / data["pretraining"]["corpus"]
        found.append(ShippedExperiment(name, manifest, data.get("summary", data.get("title", name)),
                                       data.get("expected", ""), corpus.name, corpus.stat().st_size))
    return tuple(sorted(found, key=lambda e: e.corpus_bytes))


def manifest_path(location: str | Path | None, may_read: ReadCheck = lambda path: None) -> Path:
    """The manifest `location` names: the path given (a folder's experiment.toml), or a shipped
    experiment's when the name is one and no path that may be read has it (a path that exists comes
    first). `may_read` sees the location as given before the file system is asked anything about
    it, so a served explorer's refusal is the same whether a path outside exists or not."""
    if location is None:
        return builtin_experiment_path()
    path = Path(location)
    if str(location) in builtin_experiments():
        try:
            may_read(path)
        except ExperimentError:
            return builtin_experiment_path(str(location))
        return builtin_experiment_path(str(location)) if kind_of(path) == "missing" else _in_folder(path)
    may_read(path)
    return _in_folder(path)


def _in_folder(path: Path) -> Path:
    return path / MANIFEST if kind_of(path) == "folder" else path


def load_experiment(location: str | Path | None = None, may_read: ReadCheck = lambda path: None) -> Experiment:
    """Read a manifest (or a folder holding `experiment.toml`), or a shipped experiment by name
    (a path that exists comes first); the built-in kata by default. `may_read` sees every path
    before it is read (the served explorer limits them to some folders)."""
    manifest = manifest_path(location, may_read)
    may_read(manifest)
    source = read_text(manifest)
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(found.group(1)) if found else None
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise ExperimentError(manifest, f"TOML syntax error: {problem}", line) from None
    except RecursionError:  # tomllib parses nested arrays and tables by recursion
        raise ExperimentError(manifest, "TOML nested too deeply to read (arrays or tables inside one another)") from None
    return _build(manifest, source, data, may_read)


def _build(manifest: Path, source: str, data: dict, may_read: ReadCheck) -> Experiment:
    r = ManifestReader(manifest, source, data, may_read)
    r.check_keys()

    window = r.number("pretraining", "window")
    stopwords_value = r.get("pretraining", "stopwords", [])
    if isinstance(stopwords_value, str):
        stopwords = stopwords_from(r.path("pretraining", "stopwords"))
    else:
        stopwords = frozenset(r.words("pretraining", "stopwords", stopwords_value))

    corpus_path, vectors_path = r.path("pretraining", "corpus"), r.path("pretraining", "vectors")
    if (corpus_path is None) == (vectors_path is None):
        raise ExperimentError(manifest, "[pretraining] needs either corpus (text to pretrain on) or vectors (a "
                                        ".npz from `pretrain-explorer pretrain`), not both")
    preview: tuple[str, ...] = ()
    if corpus_path is not None:
        corpus = CorpusFiles.of(corpus_path)
        for file in corpus.files:
            may_read(file)  # a folder's files too: one of them may be a link to elsewhere
        preview = preview_lines(corpus, PREVIEW_LINES, PREVIEW_CHARACTERS)
        if not preview:
            raise ExperimentError(corpus_path, "the corpus is empty: it needs at least one line of text")
    elif kind_of(vectors_path) != "file":
        raise ExperimentError(vectors_path, "file not found")  # its content is checked when it is loaded
    weighting = r.string("pretraining", "weighting", DEFAULTS["weighting"])
    if weighting not in WEIGHTINGS:
        raise r.fail("pretraining", "weighting", f"must be one of {', '.join(WEIGHTINGS)}, got {weighting!r}")
    dim = r.number("pretraining", "dim")
    vocabulary = VocabularySettings(r.number("pretraining", "min_count"), r.number("pretraining", "max_vocab"))

    columns = Columns(r.string("finetuning", "text_column", "text"), r.string("finetuning", "label_column", "label"))
    train = read_labeled_csv(r.path("finetuning", "train"), columns)
    labels = sorted({s.label for s in train})
    if len(labels) < 2:
        only = labels[0] if labels else "none"
        raise ExperimentError(
            r.path("finetuning", "train"), f"a classifier needs at least two classes; found only one ({only})"
        )
    test = read_labeled_csv(r.path("finetuning", "test"), columns)
    transfer_path = r.path("finetuning", "transfer")
    transfer = read_labeled_csv(transfer_path, columns) if transfer_path is not None else None

    probes = r.words("analysis", "probes", r.get("analysis", "probes", []))
    top_n = r.number("analysis", "top_n")
    groups_value = r.get("analysis", "groups", {})
    if not isinstance(groups_value, dict):
        raise r.fail("analysis", "groups", "must be a table of word lists, like [analysis.groups]")
    groups = tuple((str(name), r.words("analysis.groups", name, words)) for name, words in groups_value.items())
    groups_picked_by = r.string("analysis", "groups_picked_by", "")
    lexicon_path = r.path("analysis", "lexicon")
    lexicon = None
    if lexicon_path is not None:
        if groups:
            raise r.fail("analysis", "lexicon", "give either a lexicon or [analysis.groups], not both")
        lexicon = read_lexicon(lexicon_path, tuple(labels), LEXICON_GROUP_WORDS)
        groups = lexicon.groups

    pairs_path = r.path("analysis", "pairs")
    word_pairs = read_word_pairs(pairs_path) if pairs_path is not None else ()

    seed = r.number("random", "seed")
    seeds = r.number("random", "seeds")
    training = TrainingSettings(
        epochs=r.number("finetuning", "epochs"),
        learning_rate=r.number("finetuning", "learning_rate"),
        l2=r.number("finetuning", "l2"),
    )
    r.string("", "summary"), r.string("", "expected")  # for the list of shipped experiments only
    memory = r.string("", "memory")
    if memory is not None:
        try:
            memory = parse_memory(memory)
        except ValueError as exc:
            raise r.fail("", "memory", str(exc)) from None
    mlm_tokens = r.get("pretraining", "mlm_tokens")
    if mlm_tokens is not None:
        try:
            mlm_tokens = MLM_TOKEN_BUDGET.check(mlm_tokens)
        except ValueError as exc:
            raise r.fail("pretraining", "mlm_tokens", str(exc)) from None
    masked_lm = r.get("finetuning", "masked_lm", False)
    if not isinstance(masked_lm, bool):
        raise r.fail("finetuning", "masked_lm", "must be true or false")
    if masked_lm and vectors_path is not None:
        raise r.fail("finetuning", "masked_lm", MASKED_LM_NEEDS_CORPUS)
    name = r.string("", "name") or manifest.parent.name
    return Experiment(
        name=name,
        title=r.string("", "title") or name,
        manifest=manifest,
        corpus_path=corpus_path,
        vectors_path=vectors_path,
        corpus_preview=preview,
        window=window,
        stopwords=stopwords,
        train=train,
        test=test,
        transfer=transfer,
        probes=probes,
        top_n=top_n,
        groups=groups,
        seed=seed,
        weighting=weighting,
        dim=dim,
        vocabulary=vocabulary,
        seeds=seeds,
        training=training,
        masked_lm=masked_lm,
        manifest_stopwords=stopwords,
        word_pairs=word_pairs,
        word_pairs_path=pairs_path,
        groups_picked_by=groups_picked_by,
        lexicon=lexicon,
        memory=memory,
        mlm_tokens=mlm_tokens,
    )


def with_vectors(experiment: Experiment, vectors: Path, may_read: ReadCheck = lambda path: None) -> Experiment:
    """The experiment's labeled sets and analysis, with vectors pretrained once (a .npz) instead of a corpus."""
    may_read(Path(vectors))
    load_vectors(vectors, IMPORTED_WORDS)  # fail now, with a clear message, on a foreign or damaged file
    return dataclasses.replace(experiment, corpus_path=None, vectors_path=Path(vectors), corpus_preview=())


def open_experiment(location: str | Path | None, labeled_from: Experiment | None = None,
                    may_read: ReadCheck = lambda path: None) -> Experiment:
    """The experiment at `location` (a manifest, its folder, a shipped experiment's name; the kata
    when None), or for a .npz its vectors with the labeled sets and analysis of `labeled_from`
    (the kata's when None)."""
    if location is not None and Path(location).suffix == ".npz":
        return with_vectors(labeled_from if labeled_from is not None else load_experiment(), Path(location), may_read)
    return load_experiment(location, may_read)


# What vectors pretrained once were made with, and keep: the corpus's settings (dim is read from
# the file, so an override of it changes nothing; seed and top_n are no part of pretraining).
PRETRAINING_SETTINGS = frozenset({"window", "stopwords", "weighting", "min_count", "max_vocab"})


def with_overrides(experiment: Experiment, *, window: int | None = None, stopwords: bool | None = None,
                   weighting: str | None = None, dim: int | None = None, min_count: int | None = None,
                   max_vocab: int | None = None, seed: int | None = None, top_n: int | None = None,
                   memory: int | None = None, masked_lm: bool | None = None) -> Experiment:
    """The experiment with the settings given changed (None leaves one as it is); stopwords on
    are the manifest's list, off none. The values are checked already (LIMITS, WEIGHTINGS).
    Vectors pretrained once keep their own PRETRAINING_SETTINGS: giving one is an ExperimentError."""
    given = {name: value for name, value in locals().items() if name != "experiment" and value is not None}
    if experiment.vectors_path is not None and PRETRAINING_SETTINGS & given.keys():
        raise ExperimentError(experiment.vectors_path, "vectors pretrained once keep their own settings; "
                                                       "pretrain again to change window, weighting or vocabulary")
    if masked_lm and experiment.vectors_path is not None:
        raise ExperimentError(experiment.vectors_path, MASKED_LM_NEEDS_CORPUS)
    if "stopwords" in given:
        given["stopwords"] = experiment.manifest_stopwords if stopwords else frozenset()
    vocabulary = {name: given.pop(name) for name in ("min_count", "max_vocab") if name in given}
    if vocabulary:
        given["vocabulary"] = dataclasses.replace(experiment.vocabulary, **vocabulary)
    return dataclasses.replace(experiment, **given)
