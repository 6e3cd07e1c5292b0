"""The `new` command: survey a user's own files, choose the settings by rule, write the manifest."""

from __future__ import annotations

import contextlib
import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .pretraining.corpus import STDIN, CorpusFiles, read_blocks
from .errors import ExperimentError
from .experiment import MANIFEST, builtin_experiment_path, load_experiment, stopwords_from
from .settings import dense_fits
from .storage.atomic import write_text_atomically
from .storage.paths import kind_of
from .text import Columns, LabeledSentence, preprocess, read_labeled_csv, tokenize

SURVEY_BYTES = 64 << 20  # read this much of the corpus exactly; extrapolate the rest by size
TYPICAL_WORDS = 6  # per class, for the groups; the first two of each are probes
STOPWORDS_FROM = "reviews"  # the shipped English function-word list


@dataclass(frozen=True)
class CorpusSurvey:
    path: Path
    bytes: int
    tokens: int  # counted when `exact`, else extrapolated from the first SURVEY_BYTES
    exact: bool
    word_counts: Counter  # of the part read


@dataclass(frozen=True)
class LabeledSurvey:
    path: Path
    sentences: tuple[LabeledSentence, ...]

    @property
    def classes(self) -> tuple[tuple[str, int], ...]:
        """(label, sentences), largest first."""
        return tuple(Counter(s.label for s in self.sentences).most_common())


@dataclass(frozen=True)
class Choice:
    weighting: str
    dim: int
    min_count: int
    window: int
    vocabulary: int  # words of the surveyed part kept at min_count
    probes: tuple[str, ...]
    groups: tuple[tuple[str, tuple[str, ...]], ...]


def survey_corpus(path: Path) -> CorpusSurvey:
    corpus = CorpusFiles.of(path)
    size = corpus.stored_size
    counts: Counter = Counter()
    read = 0
    for block in read_blocks(corpus):
        counts.update(tokenize(block.text))
        read = block.bytes_done
        if read >= SURVEY_BYTES:
            break
    if not counts:
        raise ExperimentError(path, "the corpus holds no words")
    exact = read >= size
    tokens = sum(counts.values()) if exact else round(sum(counts.values()) * size / max(read, 1))
    return CorpusSurvey(Path(path), size, tokens, exact, counts)


# The rules (said plainly, since users read the manifest they produce):
# - min_count: 1 under 100,000 tokens, 3 under 10 million, 5 above (rare words' counts are noise);
# - weighting: ppmi while the vocabulary at that min_count has at most settings.MAX_DENSE_WORDS words
#   (one dimension per word still fits, and PPMI beats raw counts on real text), svd above;
# - dim (svd): 100 under 10 million tokens, 300 above;
# - window 5, the usual for real text (the lesson's 3 suits its one-line sentences);
# - probes and groups: the words of the labeled sentences most typical of each class (typical_words).
def choose(corpus: CorpusSurvey, train: LabeledSurvey, stopwords: frozenset[str]) -> Choice:
    min_count = 1 if corpus.tokens < 100_000 else 3 if corpus.tokens < 10_000_000 else 5
    known = {w for w, n in corpus.word_counts.items() if n >= min_count and w not in stopwords}
    weighting = "ppmi" if dense_fits(len(known)) else "svd"
    typical = typical_words(train.sentences, stopwords, known)
    probes = tuple(w for words in typical.values() for w in words[:2])
    return Choice(weighting, 100 if corpus.tokens < 10_000_000 else 300, min_count, 5, len(known), probes,
                  tuple((label, words) for label, words in typical.items() if len(words) >= 2))


# Smoothed log-odds against the other classes, at least 3 occurrences, known to the corpus.
def typical_words(sentences, stopwords: frozenset[str], known: set[str]) -> dict[str, tuple[str, ...]]:
    """Per class, the words most over-represented in its sentences (log-odds with add-one smoothing)."""
    by_class: dict[str, Counter] = {}
    for s in sentences:
        by_class.setdefault(s.label, Counter()).update(t for t in preprocess(s.text, stopwords) if t in known)
    total = sum(by_class.values(), Counter())
    out = {}
    for label in sorted(by_class):
        own, rest = by_class[label], total - by_class[label]
        own_size, rest_size = sum(own.values()) + len(total), sum(rest.values()) + len(total)

        def log_odds(word: str) -> float:
            return math.log((own[word] + 1) / own_size) - math.log((rest[word] + 1) / rest_size)

        candidates = [w for w in own if total[w] >= 3]
        out[label] = tuple(sorted(candidates, key=lambda w: (-log_odds(w), w))[:TYPICAL_WORDS])
    return out


def _relative(path: Path, folder: Path) -> str:
    """Relative to the manifest where the file is near it (the pair can move together), else absolute."""
    relative = os.path.relpath(path.resolve(), folder.resolve())
    return str(path.resolve()) if relative.startswith(os.path.join(os.pardir, os.pardir)) else relative


def manifest_text(folder: Path, corpus: Path, splits: dict[str, Path], columns: Columns, choice: Choice) -> str:
    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def words(values) -> str:
        return "[" + ", ".join(quoted(w) for w in values) + "]"

    lines = [f"name = {quoted(folder.name)}", "", "[pretraining]",
             f"corpus = {quoted(_relative(corpus, folder))}", f"window = {choice.window}",
             'stopwords = "stopwords.txt"', f"weighting = {quoted(choice.weighting)}",
             f"dim = {choice.dim}", f"min_count = {choice.min_count}", "", "[finetuning]"]
    lines += [f"{name} = {quoted(_relative(path, folder))}" for name, path in splits.items()]
    if columns != Columns():
        lines += [f"text_column = {quoted(columns.text)}", f"label_column = {quoted(columns.label)}"]
    lines += ["", "[analysis]", f"probes = {words(choice.probes)}", "top_n = 6", "", "[analysis.groups]"]
    lines += [f"{quoted(label)} = {words(members)}" for label, members in choice.groups]
    return "\n".join(lines) + "\n"


def create_experiment(folder: Path, corpus: Path, splits: dict[str, Path], columns: Columns = Columns(),
                      stopwords: Path | None = None, replace: bool = False):
    """Survey the files, choose the settings, write FOLDER/experiment.toml (and its stopword list),
    and check that the experiment loads. Returns the surveys and the choice, for the report."""
    folder = Path(folder)
    if Path(corpus) == STDIN:  # before anything is read: the stream could be read only once
        raise ExperimentError("--corpus -", "an experiment reads its corpus again at every run, so it must be a "
                                            "file or a folder, not standard input: save the text to a file first, "
                                            "or pretrain it once with `pretrain-explorer pretrain - -o VECTORS.npz`")
    labeled = {name: LabeledSurvey(path, read_labeled_csv(path, columns)) for name, path in splits.items()}
    if len(labeled["train"].classes) < 2:
        raise ExperimentError(splits["train"], "a classifier needs at least two classes; found only one")
    survey = survey_corpus(corpus)
    stopword_source = stopwords or builtin_experiment_path(STOPWORDS_FROM).parent / "stopwords.txt"
    stopword_set = stopwords_from(stopword_source)
    choice = choose(survey, labeled["train"], stopword_set)
    manifest, stopword_copy = folder / MANIFEST, folder / "stopwords.txt"
    for existing in (manifest, stopword_copy):
        if existing.exists() and not replace:
            raise ExperimentError(existing, "exists; not replaced (add --force to replace it)")
    made = _make_folder(folder) + [f for f in (stopword_copy, manifest) if not f.exists()]
    try:
        write_text_atomically(stopword_copy, " ".join(sorted(stopword_set)) + "\n", replace=replace)
        write_text_atomically(manifest, manifest_text(folder, corpus, splits, columns, choice), replace=replace)
        load_experiment(manifest)  # what it wrote opens
    except BaseException:  # nothing left behind: the files and folders this call made go again
        for path in reversed(made):
            with contextlib.suppress(OSError):
                path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)
        raise
    return survey, labeled, choice


def _make_folder(folder: Path) -> list[Path]:
    """Make `folder` and any of its parents that are missing (as the help says); the folders made,
    outermost first, so that a failure later can remove them."""
    missing = [p for p in (folder, *folder.parents) if kind_of(p) == "missing"]
    for path in reversed(missing):
        if kind_of(path.parent) not in ("folder", "missing"):
            raise ExperimentError(folder, f"cannot be created: {path.parent} is not a folder")
    if kind_of(folder) not in ("folder", "missing"):
        raise ExperimentError(folder, "is not a folder; name a folder for experiment.toml")
    made = []
    try:
        for path in reversed(missing):
            path.mkdir()
            made.append(path)
    except OSError as exc:
        for path in reversed(made):
            with contextlib.suppress(OSError):
                path.rmdir()
        raise ExperimentError(path, f"cannot be created ({exc.strerror or exc})") from None
    return made
