"""Labels against unlabeled text: the grid (issue 25).

Rows are the pretraining corpus's prefixes (its first lines holding GRID_PREFIX_TOKENS tokens, those
below the corpus's size, then the whole of it), columns the learning curve's labels per class; each
cell is the test accuracy, mean over the curve's draws of train subsets, of each approach that uses
pretraining, on vectors made from that prefix with the experiment's settings, and its margin over
the best approach without pretraining at that size (from the learning curve: those approaches read
no corpus), with the paired test of that margin on the test sentences over the draws (and of the
cell against the best without pretraining at any size). The prefixes' counts are snapshots of one
pass (counting.count_prefixes); the whole corpus's row is the learning curve's own, the same draws on
the same vectors, drawn again for which sentences each draw got right. Computed on demand
(the explorer's grid view, `report --grid`), cached in the session and in the disk cache by the
results' key and the prefixes.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

from ..errors import ExperimentError, stop_if_asked
from ..experiment import Experiment
from ..finetuning import approaches as registry
from ..inspect.significance import PairedTest, paired_test
from ..pretraining.corpus import CorpusFiles, read_blocks
from ..pretraining.counting import count_prefixes
from ..pretraining.weighting import word_vectors
from ..progress import Progress, ProgressEvent
from ..settings import COUNT_WEIGHTINGS, GRID_PREFIX_TOKENS
from .context import Keys, RunContext
from .json_form import grid_json
from .learning_curve import curve_runs, curve_stats
from .results import ExperimentResult
from .session import MARGIN, Session

GRID_FORMAT = 2  # bump when the grid's entry changes meaning (2: the paired tests)
COUNTING_SHARE = 0.1  # of the grid's progress bar: the pass over the prefixes; the rest, the rows


@dataclasses.dataclass(frozen=True)
class LabelGrid:
    prefixes: tuple[int, ...]  # each row's corpus tokens (before stopwords), the last the whole corpus's
    vocabulary: tuple[int, ...]  # each row's vectors' words (0: min_count left none; its cells are NaN)
    sizes: tuple[int, ...]  # labels per class, the learning curve's
    accuracy: dict[str, tuple[tuple[float, ...], ...]]  # approach with pretraining -> rows of cells
    best_without: tuple[float, ...]  # per size, the best mean accuracy of an approach without pretraining
    without: tuple[str, ...]  # which approach that was, per size
    draws: int
    # Per approach with pretraining, row and size: the paired test (engine.inspect.significance) on the
    # test sentences, over the draws, of the cell against the best without pretraining at its size
    # (`tests`), and against the best without pretraining at any size (`tests_top`, column `top`).
    # None in an empty row.
    tests: dict[str, tuple[tuple[PairedTest | None, ...], ...]]
    tests_top: dict[str, tuple[tuple[PairedTest | None, ...], ...]]

    @property
    def top(self) -> int:
        """The size at which an approach without pretraining did best (the smallest of equals)."""
        return first_best(self.best_without)

    def margin(self, approach: str, row: int, column: int) -> float:
        """The cell's accuracy less the best without pretraining at its size (NaN for an empty row)."""
        return self.accuracy[approach][row][column] - self.best_without[column]


def first_best(values) -> int:
    """The index of the largest of `values`, the first of equals."""
    return max(range(len(values)), key=lambda i: (values[i], -i))


def grid_unavailable(result: ExperimentResult) -> str | None:
    """Why this result has no grid, or None: it needs the corpus, vectors made from counts and the curve."""
    reason = grid_refused(result.experiment)
    if reason is not None:
        return reason
    if result.learning_curve is None:
        return "the learning curve is not computed yet"
    return None


def grid_refused(e: Experiment) -> str | None:
    """Why an experiment can have no grid, known before it runs, or None."""
    if e.vectors_path is not None:
        return "its vectors were pretrained elsewhere: there is no corpus here to take prefixes of"
    if e.weighting not in COUNT_WEIGHTINGS:
        return f"{e.weighting} vectors are trained, not counted: the grid takes the counts of the corpus's prefixes"
    return None


def grid_prefixes(corpus_tokens: int) -> tuple[int, ...]:
    """The prefixes' sizes below the corpus's, in tokens."""
    return tuple(size for size in GRID_PREFIX_TOKENS if size < corpus_tokens)


def label_grid(session: Session, result: ExperimentResult, should_stop: Callable[[], bool] = lambda: False,
               on_progress: Progress = lambda event: None) -> LabelGrid:
    """The grid of a complete result (grid_unavailable says when there is none: ValueError here).
    Polls should_stop (RunCancelled); reports ProgressEvent("grid", fraction of the grid, label)."""
    reason = grid_unavailable(result)
    if reason is not None:
        raise ValueError(reason)
    e = result.experiment
    prefixes = grid_prefixes(result.corpus.tokens)
    with_names = tuple(n for n in MARGIN[0] if n in result.learning_curve.mean)
    results_key = session._results_key(e, should_stop, lambda event: None)
    disk_key = None
    if results_key is not None:
        disk_key = session.disk.key("grid", {"results": results_key, "prefixes": list(prefixes),
                                             "approaches": list(with_names), "format": GRID_FORMAT})
    return session.cached("grid", (results_key or id(result), prefixes, with_names), lambda: _loaded_or_made(
        session, result, prefixes, with_names, disk_key, should_stop, on_progress))


def _loaded_or_made(session, result, prefixes, with_names, disk_key, should_stop, on_progress) -> LabelGrid:
    if disk_key is not None:
        found = session.disk.load_entry(disk_key)
        if found is not None:
            try:
                return grid_from_json(found[1]["grid"])
            except (KeyError, TypeError, ValueError):
                session.disk.discard(disk_key)
    grid = _made(session, result, prefixes, with_names, should_stop, on_progress)
    if disk_key is not None:
        session.disk.save_entry(disk_key, {}, {"kind": "grid", "grid": grid_json(grid)})
    return grid


def _made(session: Session, result: ExperimentResult, prefixes: tuple[int, ...], with_names: tuple[str, ...],
          should_stop, on_progress) -> LabelGrid:
    e, curve = result.experiment, result.learning_curve
    corpus = CorpusFiles.of(e.corpus_path)

    def report(fraction: float, label: str) -> None:
        stop_if_asked(should_stop)
        on_progress(ProgressEvent("grid", fraction, label))

    report(0.0, "Grid: counting the corpus's prefixes")
    counts = session.cached("prefix counts", (corpus.identity, e.window, e.stopwords, prefixes), lambda: count_prefixes(
        read_blocks(corpus), e.stopwords, e.window, prefixes, should_stop,
        lambda fraction, tokens: report(COUNTING_SHARE * fraction, f"Grid: counting, {tokens:,} tokens")))
    approaches = [registry.BY_NAME[n] for n in with_names]
    share = (1 - COUNTING_SHARE) / (len(prefixes) + 1)
    # The whole corpus's row first: the learning curve's draws again, of every approach, for which
    # sentences each got right (the curve keeps only accuracies; a run of this session finds its fits
    # cached). The approaches without pretraining read no corpus: every row is tested against them.
    without = [n for n in MARGIN[1] if n in curve.mean]
    whole = RunContext(session, e, result.pretrained, _result_keys(result), should_stop)
    runs = curve_runs(whole, curve.sizes, curve.seeds, approaches + [registry.BY_NAME[n] for n in without],
                      lambda f: report(COUNTING_SHARE + share * f, "Grid: the whole corpus, the curve"))
    mean, _ = curve_stats(runs, curve.sizes, with_names + tuple(without))
    best = [max(without, key=lambda n: mean[n][i]) for i in range(len(curve.sizes))]
    best_runs = [runs[b, i] for i, b in enumerate(best)]
    top = first_best([mean[b][i] for i, b in enumerate(best)])
    rows: dict[str, list] = {n: [] for n in with_names}
    tests: dict[str, list] = {n: [] for n in with_names}
    tests_top: dict[str, list] = {n: [] for n in with_names}

    def add_row(row_runs) -> None:
        row_mean = curve_stats(row_runs, curve.sizes, with_names)[0] if row_runs is not None else None
        for n in with_names:
            if row_runs is None:  # min_count left no word of so short a prefix: an empty row
                rows[n].append((math.nan,) * len(curve.sizes))
                tests[n].append((None,) * len(curve.sizes))
                tests_top[n].append((None,) * len(curve.sizes))
                continue
            rows[n].append(row_mean[n])
            tests[n].append(tuple(paired_test(row_runs[n, i], best_runs[i]) for i in range(len(curve.sizes))))
            tests_top[n].append(tuple(paired_test(row_runs[n, i], best_runs[top]) for i in range(len(curve.sizes))))

    vocabulary = []
    for row, (size, co) in enumerate(zip(prefixes, counts)):
        start = COUNTING_SHARE + (row + 1) * share
        label = f"Grid: {size:,} tokens"
        key = ("prefix vectors", corpus.identity, e.window, e.stopwords, size, e.vocabulary, e.weighting, e.dim)
        try:
            vectors = session.cached("prefix vectors", key, lambda co=co, start=start, label=label: word_vectors(
                co, e.weighting, e.dim, e.vocabulary, corpus.path, should_stop,
                lambda event: report(start + share / 3 * event.fraction, f"{label}, {event.step}")))
        except ExperimentError:
            vocabulary.append(0)
            add_row(None)
            continue
        vocabulary.append(len(vectors.words))
        run = RunContext(session, e, vectors, Keys(key, key[:-2]), should_stop)
        add_row(curve_runs(run, curve.sizes, curve.seeds, approaches, lambda f, start=start, label=label: report(
            start + share / 3 + 2 * share / 3 * f, f"{label}, the curve")))
    add_row(runs)
    vocabulary.append(result.corpus.vocabulary)
    report(1.0, "Grid: done")
    return LabelGrid(prefixes + (result.corpus.tokens,), tuple(vocabulary), curve.sizes,
                     {n: tuple(rows[n]) for n in with_names}, tuple(mean[b][i] for i, b in enumerate(best)),
                     tuple(best), curve.seeds, {n: tuple(tests[n]) for n in with_names},
                     {n: tuple(tests_top[n]) for n in with_names})


def _result_keys(result: ExperimentResult) -> Keys:
    """Keys for a run on the result's own vectors. Its vocabulary's key is made from its vectors'
    (which determine their words): exact for a result computed here and one loaded from disk alike."""
    vectors = result.vector_keys["pretrained"]
    return Keys(vectors, ("vocabulary of", vectors))


def grid_from_json(d: dict) -> LabelGrid:
    """grid_json's dictionary back (a disk-cache entry); ValueError where it is not one."""
    sizes = tuple(int(s) for s in d["sizes"])
    prefixes = tuple(int(p) for p in d["prefixes"])

    def row(values, cell) -> tuple:
        out = tuple(cell(x) for x in values)
        if len(out) != len(sizes):
            raise ValueError("a row of another length")
        return out

    def test(x) -> PairedTest | None:
        if x is not None and not isinstance(x, dict):
            raise ValueError("a test that is not one")
        return None if x is None else PairedTest(**{k: float(v) if k == "p" else int(v) for k, v in x.items()})

    def by_approach(table, cell) -> dict:
        out = {str(n): tuple(row(r, cell) for r in rows) for n, rows in table.items()}
        if any(len(rows) != len(prefixes) for rows in out.values()):
            raise ValueError("rows of another number")
        return out

    accuracy = by_approach(d["accuracy"], lambda x: math.nan if x is None else float(x))
    tests, tests_top = by_approach(d["tests"], test), by_approach(d["tests_top"], test)
    if len(d["best_without"]) != len(sizes) or set(tests) != set(accuracy) or set(tests_top) != set(accuracy):
        raise ValueError("columns or approaches of another number")
    return LabelGrid(prefixes, tuple(int(v) for v in d["vocabulary"]), sizes, accuracy,
                     tuple(float(x) for x in d["best_without"]), tuple(str(n) for n in d["without"]), int(d["draws"]),
                     tests, tests_top)
