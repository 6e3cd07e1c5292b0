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
from .inspect.log_odds import WordScore, typical_words
from .settings import (GROUP_MIN_CORPUS, GROUP_MIN_LABELED, GROUP_MIN_Z, GROUP_PRIOR_WEIGHT, GROUP_WORDS_PER_CLASS,
                       dense_fits)
from .storage.atomic import write_text_atomically
from .storage.paths import kind_of
from .text import Columns, LabeledSentence, preprocess, read_labeled_csv, tokenize

SURVEY_BYTES = 64 << 20  # read this much of the corpus exactly; extrapolate the rest by size
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
    # Per class (sorted), the words leaning to it most, with their figures (class_words).
    typical: tuple[tuple[str, tuple[WordScore, ...]], ...]

    def passing(self, scores: tuple[WordScore, ...]) -> tuple[WordScore, ...]:
        return tuple(s for s in scores if s.z >= GROUP_MIN_Z)

    @property
    def groups(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """A group per class whose z-scores pass GROUP_MIN_Z for at least two words; no other class has one."""
        return tuple((label, tuple(s.word for s in self.passing(scores))) for label, scores in self.typical
                     if len(self.passing(scores)) >= 2)

    def groups_explained(self) -> list[str]:
        """Why each group word was picked (or why a class has no group), for the manifest's comment and
        `new`'s report."""
        lines = [(f"Group words: z-score at least {GROUP_MIN_Z:g}, at least {GROUP_MIN_LABELED} occurrences in the "
                  f"labeled sentences and {max(GROUP_MIN_CORPUS, self.min_count)} in the corpus. Replace them with "
                  "your own (and delete groups_picked_by), or name a lexicon file instead (lexicon = \"file.csv\").")]
        for label, scores in self.typical:
            passing = self.passing(scores)
            if len(passing) >= 2:
                lines += [f"  {label}: {why_picked(s, label)}" for s in passing]
                continue
            nearest = "; the most typical: " + ", ".join(why_picked(s, label) for s in scores[:3]) if scores else ""
            lines.append(f"  {label}: no group, {len(passing)} word(s) pass{nearest}")
        return lines


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
# - probes and groups: the words of the labeled sentences most typical of each class (class_words).
def choose(corpus: CorpusSurvey, train: LabeledSurvey, stopwords: frozenset[str]) -> Choice:
    min_count = 1 if corpus.tokens < 100_000 else 3 if corpus.tokens < 10_000_000 else 5
    known = {w for w, n in corpus.word_counts.items() if n >= min_count and w not in stopwords}
    weighting = "ppmi" if dense_fits(len(known)) else "svd"
    typical = class_words(train.sentences, stopwords, corpus.word_counts, min_count)
    probes = tuple(s.word for scores in typical.values() for s in scores[:2])
    return Choice(weighting, 100 if corpus.tokens < 10_000_000 else 300, min_count, 5, len(known), probes,
                  tuple(typical.items()))


GROUPS_PICKED_BY = ("the weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and "
                    "Quinn 2008) of the labeled train sentences against the corpus's word frequencies")


def class_words(sentences, stopwords: frozenset[str], corpus_counts: Counter,
                min_count: int) -> dict[str, tuple[WordScore, ...]]:
    """Per class, the words most typical of its sentences against the other classes' (log_odds),
    above the floors of settings (in the labels, and in the corpus at no less than min_count)."""
    by_class: dict[str, Counter] = {}
    for s in sentences:
        by_class.setdefault(s.label, Counter()).update(preprocess(s.text, stopwords))
    corpus = Counter({w: n for w, n in corpus_counts.items() if w not in stopwords})
    return typical_words(by_class, corpus, GROUP_PRIOR_WEIGHT, GROUP_MIN_LABELED, max(GROUP_MIN_CORPUS, min_count),
                         GROUP_WORDS_PER_CLASS)


def why_picked(score: WordScore, label: str) -> str:
    """A group word's figures: its z-score (cut, not rounded, to two decimals, so none reads as passing
    the floor that it misses) and its counts."""
    return (f"{score.word} (z {math.floor(score.z * 100) / 100:.2f}: {score.in_class:,} in {label}, {score.in_others:,} in the other "
            f"classes, {score.in_corpus:,} in the corpus)")


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
    lines += ["", "[analysis]", f"probes = {words(choice.probes)}", "top_n = 6"]
    lines += ["# " + " ".join(line.splitlines()) for line in choice.groups_explained()]  # a label may hold a newline
    if choice.groups:
        lines.append(f"groups_picked_by = {quoted(GROUPS_PICKED_BY)}")
    lines += ["", "[analysis.groups]"]
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
