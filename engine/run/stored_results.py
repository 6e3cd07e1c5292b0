"""A run's complete result as a disk-cache entry (arrays and JSON, engine.storage.entry_file) and
back, so that a second process with the same experiment and settings loads it instead of computing.

What an entry holds is read as data, never as code: only the result types named in TYPES are made,
each from its own fields, and the result must fit the experiment it is loaded for (its labels and
its test and transfer sentences); anything else is DamagedEntry, a miss.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..experiment import Experiment
from ..finetuning import approaches as registry
from ..finetuning.bag_of_words import CountsClassifier
from ..finetuning.centroid import Prediction, Scores, SplitResult
from ..finetuning.softmax import SoftmaxClassifier
from ..inspect.coverage import WordOverlap
from ..inspect.explain import UnseenWordHelp
from ..inspect.groups import GroupPair, GroupSimilarity, WordGroup
from ..inspect.word_pairs import WordPairScore
from ..pretraining.pretrain import CorpusStats
from ..pretraining.svd import SvdMethod
from ..pretraining.weighting import SvdVectors
from ..settings import MASKED_LM, MASKED_LM_FINE_TUNING
from ..storage.entry_file import DamagedEntry
from ..vectors import WordVectors
from .memory import MemoryEstimate
from ..inspect.domain import DomainFigure
from .results import PHASES, ApproachResult, Drift, ExperimentResult, LearningCurve, Margin, SeedStats

FORMAT = 4  # bump when an entry's layout or a result's meaning changes: old entries are then never read
TYPES = {cls.__name__: cls for cls in (
    CorpusStats, WordVectors, GroupSimilarity, WordGroup, GroupPair, ApproachResult, SeedStats, Drift, LearningCurve,
    Margin, WordOverlap, WordPairScore, SoftmaxClassifier, CountsClassifier, SvdVectors, SvdMethod, MemoryEstimate,
    UnseenWordHelp, DomainFigure)}
# What a result holds besides the experiment it was run for (given again on load) and its vector keys
# (the session's, made anew).
FIELDS = tuple(f.name for f in dataclasses.fields(ExperimentResult) if f.name not in ("experiment", "vector_keys"))
# An experiment's parts that do not change its results: its names and what it shows of its files.
NOT_RESULTS = ("name", "title", "manifest", "corpus_preview", "manifest_stopwords")


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pretrain-explorer")
    except PackageNotFoundError:  # run from a checkout: its entries are keyed as of no release
        return "unreleased"


def results_settings(e: Experiment, sources: dict[str, str]) -> dict:
    """Everything that determines a run's results but the content of its files (`sources`: a digest
    of each file, by the experiment's field naming it): every setting, the labeled sentences, the
    seeds, the approaches run, and the package's version."""

    def plain(value):
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        if isinstance(value, frozenset):
            return sorted(value)
        if isinstance(value, Path):
            return str(value)
        raise TypeError(f"{type(value).__name__} in an experiment")

    fields = {f.name: getattr(e, f.name) for f in dataclasses.fields(e) if f.name not in NOT_RESULTS}
    approaches = [[a.name, a.description, a.vectors.name, a.classifier.name] for a in registry.approaches_of(e.masked_lm)]
    # The masked language model's and its fine-tuning's settings are no experiment's fields: a result
    # fine-tuned at other steps is another result.
    masked_lm = {"masked_lm_settings": [MASKED_LM, MASKED_LM_FINE_TUNING]} if e.masked_lm else {}
    text = json.dumps({**fields, "sources": sources, "approaches": approaches, **masked_lm}, sort_keys=True,
                      default=plain)
    return {"kind": "results", "format": FORMAT, "package": package_version(),
            "experiment": hashlib.blake2b(text.encode(), digest_size=20).hexdigest()}


class _Writer:
    """A result's values as JSON, its arrays set aside by name. An object met twice (the pretrained
    vectors a classifier started from, a vocabulary shared by vectors) is written once and referred to."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self._seen: dict[int, int] = {}
        self._kept: list = []  # what _seen's ids belong to, alive while writing

    def value(self, v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, np.generic):
            return v.item()
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if id(v) in self._seen:
            return {"@ref": self._seen[id(v)]}
        encoded = self._new(v)
        self._seen[id(v)] = len(self._kept)
        self._kept.append(v)
        return {"@id": self._seen[id(v)], **encoded}

    def _new(self, v) -> dict:
        if isinstance(v, np.ndarray):
            name = f"a{len(self.arrays)}"
            self.arrays[name] = v
            return {"@array": name}
        if sp.issparse(v):
            csr = v.tocsr()
            return {"@csr": [self.value(csr.data), self.value(csr.indices), self.value(csr.indptr)],
                    "shape": list(csr.shape)}
        if isinstance(v, tuple):
            return {"@tuple": [self.value(x) for x in v]}
        if isinstance(v, dict):
            return {"@dict": [[self.value(k), self.value(x)] for k, x in v.items()]}
        if isinstance(v, SplitResult):
            return self._split(v)
        if isinstance(v, WordVectors) and TYPES.get(type(v).__name__) is not type(v):
            return self._new(WordVectors(v.words, v.matrix))  # made otherwise (CountVectors), read as any
        if TYPES.get(type(v).__name__) is type(v):
            return {"@type": type(v).__name__,
                    "fields": {f.name: self.value(getattr(v, f.name)) for f in dataclasses.fields(v) if f.init}}
        raise TypeError(f"{type(v).__name__} is not stored in the disk cache")

    def _split(self, split: SplitResult) -> dict:
        """A split's predictions as columns: their scores and predicted labels as arrays, their
        seen words (the same tuples in every approach, so written once). Their sentences and true
        labels are the experiment's own, which the key covers: not written."""
        labels = sorted({label for p in split.predictions for label in p.scores})
        scores = np.array([[p.scores[label] for label in labels] for p in split.predictions], dtype=float)
        predicted = np.array([labels.index(p.predicted) for p in split.predictions], dtype=np.int32)
        return {"@split": {key: self.value(column) for key, column in (
            ("labels", tuple(labels)), ("scores", scores.reshape(len(split.predictions), len(labels))),
            ("predicted", predicted), ("seen_words", [p.seen_words for p in split.predictions]))}}


def result_entry(result: ExperimentResult) -> tuple[dict[str, np.ndarray], dict]:
    """A complete result as (arrays, document) for DiskCache.save_entry."""
    writer = _Writer()
    document = {"result": {name: writer.value(getattr(result, name)) for name in FIELDS},
                "vector_keys": sorted(result.vector_keys)}
    return writer.arrays, document


class _Reader:
    def __init__(self, arrays: dict[str, np.ndarray], nonfinite: set[str], e: Experiment):
        self.arrays, self._made = arrays, {}
        self.sentences = {"test": e.test, "transfer": e.transfer}
        self._field = None  # the ApproachResult field being read: which split's sentences predictions are of
        self._nonfinite = {id(arrays[name]) for name in nonfinite}

    def value(self, v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if not isinstance(v, dict):
            raise DamagedEntry(f"unexpected {type(v).__name__}")
        if "@ref" in v:
            return self._made[v["@ref"]]
        made = self._new(v)
        self._made[v["@id"]] = made
        return made

    def _new(self, v: dict):
        if "@array" in v:
            return self.arrays[v["@array"]]
        if "@csr" in v:
            # Copied where mapped read-only: scipy may sort a matrix's indices in place.
            data, indices, indptr = (np.array(self.value(x)) for x in v["@csr"])
            return sp.csr_matrix((data, indices, indptr), shape=tuple(v["shape"]))
        if "@tuple" in v:
            return tuple(self.value(x) for x in v["@tuple"])
        if "@dict" in v:
            return {self.value(k): self.value(x) for k, x in v["@dict"]}
        if "@split" in v:
            return self._split({key: self.value(column) for key, column in v["@split"].items()})
        cls = TYPES[v["@type"]]
        fields = {}
        for name, x in v["fields"].items():
            self._field = name if cls is ApproachResult else None
            fields[name] = self.value(x)
        made = cls(**fields)
        if isinstance(made, WordVectors) and id(made.matrix) in self._nonfinite:
            raise DamagedEntry("vectors hold NaN or infinite values")
        return made

    def _split(self, columns: dict) -> SplitResult:
        sentences = self.sentences.get(self._field)
        labels, scores, predicted = columns["labels"], columns["scores"], columns["predicted"]
        seen = columns["seen_words"]
        index = {label: k for k, label in enumerate(labels)}
        rows = len(sentences) if sentences is not None else -1
        if (scores.shape != (rows, len(labels)) or scores.dtype.kind != "f" or predicted.shape != (rows,)
                or predicted.dtype.kind not in "iu" or len(seen) != rows
                or not np.all((predicted >= 0) & (predicted < len(labels)))):
            raise DamagedEntry("predictions that do not fit this experiment's sentences")
        return SplitResult(tuple(
            Prediction(s.text, s.label, labels[p], Scores(index, row), words)
            for s, p, row, words in zip(sentences, predicted.tolist(), scores, seen)))


def stored_result(e: Experiment, arrays: dict[str, np.ndarray], document: dict, nonfinite: set[str],
                  name: str) -> ExperimentResult:
    """The complete result an entry holds (DiskCache.load_entry), for `e`; its vectors keyed by the
    entry (`name`) in the session. DamagedEntry where it is not one or does not fit `e`."""
    try:
        reader = _Reader(arrays, nonfinite, e)
        fields = {key: reader.value(value) for key, value in document["result"].items()}
        keys = {vectors: ("stored results", name, vectors) for vectors in document["vector_keys"]}
        result = ExperimentResult(experiment=e, **fields, vector_keys=keys)
        _check_fits(result, e)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as exc:
        raise DamagedEntry(f"not a result ({type(exc).__name__}: {exc})") from None
    return result


# Each part of a result, with the type it must have (None where it may be absent).
PARTS = {"corpus": CorpusStats, "groups": GroupSimilarity, "drift": (Drift, type(None)),
         "learning_curve": LearningCurve, "margin": (Margin, type(None)), "phase": str,
         "domain": (DomainFigure, type(None))}
MAPS = {"vectors": WordVectors, "approaches": ApproachResult, "overlap": WordOverlap, "word_pairs": WordPairScore,
        "neighbors": tuple}


def _check_fits(result: ExperimentResult, e: Experiment) -> None:
    """The checks that make a well-formed but foreign or stale entry a miss, not a wrong screen."""
    for name, kind in PARTS.items():
        if not isinstance(getattr(result, name), kind):
            raise DamagedEntry(f"its {name} is not a result's")
    for name, kind in MAPS.items():
        mapping = getattr(result, name)
        if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, kind)
                                                    for k, v in mapping.items()):
            raise DamagedEntry(f"its {name} are not a result's")
    if not isinstance(result.unseen_help, dict) or not all(
            isinstance(k, tuple) and len(k) == 3 and all(isinstance(x, str) for x in k)
            and isinstance(v, UnseenWordHelp) for k, v in result.unseen_help.items()):
        raise DamagedEntry("its unseen words' measurements are not a result's")
    if not isinstance(result.probe_neighbors, dict) or not all(
            isinstance(name, str) and isinstance(lists, dict)
            and all(isinstance(w, str) and isinstance(found, tuple) for w, found in lists.items())
            for name, lists in result.probe_neighbors.items()):
        raise DamagedEntry("its probes' neighbours are not a result's")
    labels = set(e.labels)
    for approach in result.approaches.values():
        if not isinstance(approach.test, SplitResult) or not isinstance(approach.transfer, (SplitResult, type(None))):
            raise DamagedEntry("its predictions are not a result's")
        for name in ("test", "transfer"):
            split = getattr(approach, name)
            if (split is None) != (getattr(e, name) is None) or split is not None and any(
                    p.predicted not in labels or set(p.scores) != labels for p in split.predictions):
                raise DamagedEntry("its predictions are not of this experiment's labels")
    if result.phase != PHASES[-1] or not isinstance(result.pretrained, WordVectors) or not result.approaches:
        raise DamagedEntry("not a complete result")
