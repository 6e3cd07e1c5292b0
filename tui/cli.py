"""The `pretrain-explorer` command: the explorer by default, `report` and `pretrain` for the shell."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import time
from pathlib import Path

from engine import Experiment, ExperimentError, load_experiment, run_experiment
from engine.experiment import builtin_experiments, with_vectors
from engine.weighting import WEIGHTINGS, VocabularySettings
from tui.presentation.commands import new_experiment_text, word_pairs_json, word_pairs_text

USAGE = """\
pretrain-explorer [EXPERIMENT] [options]          open the explorer (the built-in kata by default)
pretrain-explorer report [EXPERIMENT] [--json]    print every stage of the lesson as text or JSON
pretrain-explorer pretrain CORPUS -o VECTORS.npz  pretrain once; name the .npz as an experiment's vectors
pretrain-explorer evaluate VECTORS PAIRS          correlate cosines with human word-pair judgements
pretrain-explorer new FOLDER --corpus TEXT --train CSV --test CSV [--transfer CSV]
                                                  make an experiment of your own files

EXPERIMENT is an experiment.toml, a folder holding one, the name of a shipped experiment
({names}), or a vectors .npz (used with the kata's labeled sentences)."""


def _at_least(minimum: int):
    """An argparse type: a whole number no smaller than `minimum` (as the manifest requires)."""

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return whole_number


def _add_pretraining_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """Options that override [pretraining]; with `defaults` they carry the manifest's defaults."""
    d = (lambda value: value) if defaults else (lambda value: None)
    parser.add_argument("--window", type=_at_least(1), default=d(3), help="co-occurrence window (default 3)")
    parser.add_argument("--min-count", type=_at_least(1), default=d(1), help="drop words kept fewer times (default 1)")
    parser.add_argument("--max-vocab", type=_at_least(0), default=d(0), help="keep only the most frequent words (0: all)")
    parser.add_argument("--weighting", choices=WEIGHTINGS, default=d("counts"), help="counts (the lesson's), ppmi or svd")
    parser.add_argument("--dim", type=_at_least(1), default=d(300), help="dimensions for svd (default 300)")


def _experiment(args) -> Experiment:
    """The experiment named (a manifest, its folder, or a .npz with the kata's labeled sets), with overrides."""
    location = args.experiment
    if location is not None and Path(location).suffix == ".npz":
        experiment = with_vectors(load_experiment(), Path(location))
    else:
        experiment = load_experiment(location)
    changes = {}
    if args.window is not None:
        changes["window"] = args.window
    if args.weighting is not None:
        changes["weighting"] = args.weighting
    if args.dim is not None:
        changes["dim"] = args.dim
    if args.min_count is not None or args.max_vocab is not None:
        current = experiment.vocabulary
        changes["vocabulary"] = VocabularySettings(
            args.min_count if args.min_count is not None else current.min_count,
            args.max_vocab if args.max_vocab is not None else current.max_vocab,
        )
    if experiment.vectors_path is not None and set(changes) - {"dim"}:
        raise ExperimentError(experiment.vectors_path, "vectors pretrained once keep their own settings; "
                                                       "pretrain again to change window, weighting or vocabulary")
    return dataclasses.replace(experiment, **changes)


def report(argv: list[str]) -> int:
    from tui.report import render_json, render_text

    parser = argparse.ArgumentParser(prog="pretrain-explorer report", description="Print the lesson's stages for an experiment.")
    parser.add_argument("experiment", nargs="?", help="experiment.toml, its folder, or a vectors .npz (default: the kata)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--color", action="store_true", help="colour the charts with ANSI codes")
    _add_pretraining_options(parser, defaults=False)
    args = parser.parse_args(argv)
    try:
        result = run_experiment(_experiment(args))
    except ExperimentError as exc:
        print(f"pretrain-explorer: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(render_json(result))
    else:
        print(render_text(result, width=shutil.get_terminal_size((80, 24)).columns, color=args.color))
    return 0


class _ProgressBar:
    """A one-line progress bar on stderr with tokens per second; plain lines when not a terminal."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if now - self.last < (0.1 if self.tty else 5.0) and fraction < 1.0:
            return
        self.last = now
        filled = round(30 * fraction)
        line = f"[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {stage}"
        print(f"\r{line:<100}" if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def pretrain(argv: list[str]) -> int:
    from engine.experiment import stopwords_from
    from engine.files import check_destination
    from engine.pipeline import pretrain_vectors
    from engine.store import save_vectors

    parser = argparse.ArgumentParser(prog="pretrain-explorer pretrain",
                                     description="Pretrain word vectors once and save them to a .npz.")
    parser.add_argument("corpus", help="a UTF-8 text file, a folder of .txt files, or gzip of either")
    parser.add_argument("-o", "--output", required=True, help="the .npz to write")
    parser.add_argument("--stopwords", help="a file of whitespace-separated stopwords (default: the kata's)")
    parser.add_argument("--force", action="store_true", help="replace the output if it exists")
    _add_pretraining_options(parser, defaults=True)
    args = parser.parse_args(argv)
    output = Path(args.output)
    bar = _ProgressBar()
    try:
        if output.suffix != ".npz":
            raise ExperimentError(output, "the output must end in .npz")
        check_destination(output, replace=args.force)  # before the counting, not after it
        stopwords = stopwords_from(Path(args.stopwords)) if args.stopwords else load_experiment().manifest_stopwords
        started = time.perf_counter()
        vectors, stats = pretrain_vectors(Path(args.corpus), stopwords, args.window, args.weighting, args.dim,
                                          VocabularySettings(args.min_count, args.max_vocab), on_progress=bar)
        seconds = time.perf_counter() - started
        settings = {"corpus": dataclasses.asdict(stats), "source": str(args.corpus), "stopwords": sorted(stopwords),
                    "min_count": args.min_count, "max_vocab": args.max_vocab, "dim": args.dim}
        save_vectors(output, vectors, settings, replace=args.force)
    except ExperimentError as exc:
        bar.close()
        print(f"pretrain-explorer: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        bar.close()
        print("pretrain-explorer: interrupted; nothing written", file=sys.stderr)
        return 130
    bar.close()
    print(f"{output}: {stats.vocabulary:,} words x {stats.dimension:,} dimensions ({stats.weighting}, window "
          f"{stats.window}) from {stats.tokens:,} tokens in {seconds:.1f} s ({stats.tokens / seconds:,.0f} tokens/s)")
    return 0


def evaluate(argv: list[str]) -> int:
    from engine.pipeline import pretrain_vectors
    from engine.store import load_vectors
    from engine.wordpairs import read_word_pairs, score_word_pairs

    parser = argparse.ArgumentParser(prog="pretrain-explorer evaluate",
                                     description="Spearman correlation of the vectors' cosines with human similarity "
                                                 "judgements of word pairs, over the pairs both of whose words they know.")
    parser.add_argument("vectors", help="a vectors .npz, or an experiment (its pretrained vectors)")
    parser.add_argument("pairs", help="word pairs with a human score: lines `word1<TAB>word2<TAB>score` (WordSim-353, SimLex-999 ...)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    try:
        pairs = read_word_pairs(Path(args.pairs))
        if Path(args.vectors).suffix == ".npz":
            vectors, _ = load_vectors(Path(args.vectors))
        else:
            e = load_experiment(args.vectors)
            vectors, _ = pretrain_vectors(e.corpus_path, e.stopwords, e.window, e.weighting, e.dim, e.vocabulary)
    except ExperimentError as exc:
        print(f"pretrain-explorer: {exc}", file=sys.stderr)
        return 2
    score = score_word_pairs(vectors, pairs, args.pairs)
    print(json.dumps(word_pairs_json(score, args.vectors)) if args.json else word_pairs_text(score, args.vectors))
    return 0


def new(argv: list[str]) -> int:
    from engine.scaffold import create_experiment
    from engine.text import Columns

    parser = argparse.ArgumentParser(prog="pretrain-explorer new",
                                     description="Make an experiment of your own files: check them, choose settings "
                                                 "for their size, write FOLDER/experiment.toml.")
    parser.add_argument("folder", help="where experiment.toml goes (created if missing; the files stay where they are)")
    parser.add_argument("--corpus", required=True, help="unlabeled text: a UTF-8 file, a folder of .txt files, or gzip")
    parser.add_argument("--train", required=True, help="labeled sentences to fine-tune on (CSV with a header row)")
    parser.add_argument("--test", required=True, help="labeled sentences to score on (CSV)")
    parser.add_argument("--transfer", help="labeled sentences from another domain (CSV), optional")
    parser.add_argument("--text-column", default="text", help="the CSV column with the sentence (default text)")
    parser.add_argument("--label-column", default="label", help="the CSV column with the label (default label)")
    parser.add_argument("--stopwords", help="a file of whitespace-separated stopwords (default: an English list)")
    parser.add_argument("--force", action="store_true", help="replace an existing experiment.toml")
    args = parser.parse_args(argv)
    splits = {name: Path(getattr(args, name)) for name in ("train", "test", "transfer") if getattr(args, name)}
    try:
        survey, labeled, choice = create_experiment(
            Path(args.folder), Path(args.corpus), splits, Columns(args.text_column, args.label_column),
            Path(args.stopwords) if args.stopwords else None, replace=args.force)
    except ExperimentError as exc:
        print(f"pretrain-explorer: {exc}", file=sys.stderr)
        return 2
    print(new_experiment_text(Path(args.folder), survey, labeled, choice))
    return 0


def explore(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pretrain-explorer", usage=USAGE.format(names=", ".join(builtin_experiments())),
                                     description="Explore pretraining and fine-tuning in the terminal.")
    parser.add_argument("experiment", nargs="?", help="experiment.toml, its folder, or a vectors .npz (default: the kata)")
    parser.add_argument("--quiz", action="store_true",
                        help="predict first: comparison stages ask before they show the numbers")
    _add_pretraining_options(parser, defaults=False)
    args = parser.parse_args(argv)
    try:
        experiment = _experiment(args)
    except ExperimentError as exc:
        print(f"pretrain-explorer: {exc}", file=sys.stderr)
        return 2
    from engine.corpus import start_resource_tracker
    from tui.app import PretrainExplorer

    start_resource_tracker()  # worker processes for large corpora need it; Textual replaces stderr
    PretrainExplorer(experiment, quiz=args.quiz).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"report": report, "pretrain": pretrain, "evaluate": evaluate, "new": new}
    if argv and argv[0] in commands:
        return commands[argv[0]](argv[1:])
    return explore(argv)


if __name__ == "__main__":
    sys.exit(main())
