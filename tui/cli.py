"""The `pretrain-explorer` command: the explorer by default, `report` and `pretrain` for the shell."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shlex
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

from ..engine import Experiment, ExperimentError, load_experiment, run_experiment
from ..engine.experiment import ReadCheck, builtin_experiments, open_experiment, with_overrides
from ..engine.settings import DEFAULTS, DIMENSIONED_WEIGHTINGS, LIMITS, MASKED_LM, MLM_TOKEN_BUDGET, WEIGHTINGS
from ..engine.pretraining.vocabulary import VocabularySettings
from ..engine.progress import ProgressEvent
from .crash import crash_line, write_crash_report
from .exits import BAD_INPUT, BROKEN_PIPE, FAILED, INTERRUPTED
from .presentation.commands import new_experiment_text, word_pairs_json, word_pairs_text

USAGE = """\
pretrain-explorer [EXPERIMENT] [options]          open the explorer (the built-in kata by default)
pretrain-explorer report [EXPERIMENT] [--json] [--grid]  every stage of the lesson as text or JSON
pretrain-explorer pretrain CORPUS -o VECTORS.npz  pretrain once; name the .npz as an experiment's vectors
pretrain-explorer import VECTORS -o VECTORS.npz   bring in published vectors (word2vec, GloVe, fastText .vec)
pretrain-explorer evaluate VECTORS PAIRS          correlate cosines with human word-pair judgements
                                                  (or score Google-format analogy questions)
pretrain-explorer new FOLDER --corpus TEXT --train CSV --test CSV [--transfer CSV]
                                                  make an experiment of your own files
pretrain-explorer serve [EXPERIMENT] [--allow DIR] serve the explorer to a web browser
pretrain-explorer cache [--clear]                 show (or clear) the disk cache of vectors and results

EXPERIMENT is an experiment.toml, a folder holding one, the name of a shipped experiment
({names}), or a vectors .npz (used with the kata's labeled sentences)."""



def _in_range(name: str, allowed=None):
    """An argparse type: a number within LIMITS[name] (or `allowed`), the range the manifest's key has too."""
    allowed = allowed or LIMITS[name]

    def number(text: str) -> int | float:
        try:
            value = int(text) if allowed.whole else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {allowed.describe()}, got {text!r}") from None
        try:
            return allowed.check(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return number


def _add_pretraining_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """Options that override [pretraining]; with `defaults` they carry the manifest's defaults."""
    def d(name: str):
        return DEFAULTS[name] if defaults else None

    parser.add_argument("--window", type=_in_range("window"), default=d("window"),
                        help=f"co-occurrence window (default {DEFAULTS['window']})")
    parser.add_argument("--min-count", type=_in_range("min_count"), default=d("min_count"),
                        help=f"drop words kept fewer times (default {DEFAULTS['min_count']})")
    parser.add_argument("--max-vocab", type=_in_range("max_vocab"), default=d("max_vocab"),
                        help="keep only the most frequent words (0: all)")
    parser.add_argument("--weighting", choices=WEIGHTINGS, default=d("weighting"),
                        help="counts (the lesson's), ppmi, svd, or sgns (word2vec's skip-gram, the word2vec extra)")
    parser.add_argument("--dim", type=_in_range("dim"), default=d("dim"),
                        help=f"dimensions for svd (default {DEFAULTS['dim']})")


def _refuse_an_unused_dim(dim: int | None, weighting: str) -> None:
    """A --dim given for a weighting that has one dimension per word would be ignored: say so."""
    if dim is not None and weighting not in DIMENSIONED_WEIGHTINGS:
        raise ExperimentError("--dim", f"sets the dimension of {' and '.join(DIMENSIONED_WEIGHTINGS)} vectors only; "
                                       f"{weighting} vectors have one dimension per vocabulary word (add --weighting "
                                       f"{DIMENSIONED_WEIGHTINGS[0]} to use dim {dim:,})")


def _memory_size(text: str) -> int:
    """An argparse type: a size such as 2G, as the manifest's memory key takes it."""
    from ..engine.run.memory import parse_memory

    try:
        return parse_memory(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_masked_lm_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--masked-lm", action="store_true", default=None,
                        help="also fine-tune a masked language model pretrained on the corpus, beside its "
                             "from-scratch twin and its frozen encoder (as the manifest's [finetuning] masked_lm = true)")


def _add_memory_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--memory", type=_memory_size, metavar="SIZE",
                        help="the memory a run may use, such as 2G (default: the manifest's memory, else a share "
                             "of what is available); a run estimated above it is refused before it starts")


class _OutputFailed(Exception):
    """Standard output could not be written (a full disk, a closed terminal)."""


def _print_out(text: str) -> None:
    """Print to standard output now, so that a failure to write is seen here, not at exit."""
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _OutputFailed(exc.strerror or str(exc)) from None


def _experiment(args, may_read: ReadCheck = lambda path: None) -> Experiment:
    """The experiment named on the command line, with the options' overrides."""
    return with_overrides(open_experiment(args.experiment, may_read=may_read), window=args.window,
                          weighting=args.weighting, dim=args.dim, min_count=args.min_count, max_vocab=args.max_vocab,
                          memory=getattr(args, "memory", None), masked_lm=getattr(args, "masked_lm", None))


def report(argv: list[str]) -> int:
    from .presentation.printed_report import render_json, render_text

    parser = argparse.ArgumentParser(prog="pretrain-explorer report", description="Print the lesson's stages for an experiment.")
    parser.add_argument("experiment", nargs="?", help="experiment.toml, its folder, or a vectors .npz (default: the kata)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--color", action="store_true", help="colour the charts with ANSI codes")
    parser.add_argument("--grid", action="store_true", help="add the grid of labels against unlabeled text (corpus "
                        "prefixes by labels per class; computed after the run, cached)")
    _add_pretraining_options(parser, defaults=False)
    _add_memory_option(parser)
    _add_masked_lm_option(parser)
    args = parser.parse_args(argv)
    experiment = _experiment(args)
    _refuse_an_unused_dim(args.dim, experiment.weighting)
    from .presentation.stages import many_classes

    if warning := many_classes(experiment):  # said before the wait, not after it
        print(f"pretrain-explorer: note: {warning}", file=sys.stderr, flush=True)
    if args.grid:
        from ..engine.run.grid import grid_refused

        if (reason := grid_refused(experiment)) is not None:  # before the run, not after it
            raise ExperimentError("--grid", f"no grid for {experiment.name}: {reason}")
    from .presentation.approaches import masked_lm_wait

    if wait := masked_lm_wait(experiment):
        print(f"pretrain-explorer: note: {wait}", file=sys.stderr, flush=True)
    result = run_experiment(experiment)
    grid = _grid(result) if args.grid else None
    if args.json:
        _print_out(render_json(result, grid))
    else:
        _print_out(render_text(result, width=shutil.get_terminal_size((80, 24)).columns, color=args.color, grid=grid))
    return 0


def _grid(result):
    """The grid for `report --grid` (grid_refused checked before the run), its progress on stderr."""
    from ..engine.run.grid import label_grid
    from ..engine.run.session import Session

    bar = _ProgressBar()
    try:
        return label_grid(Session(), result, on_progress=bar)
    finally:
        bar.close()


class _ProgressBar:
    """A one-line progress bar on stderr with tokens per second; plain lines when not a terminal."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, event: ProgressEvent) -> None:
        fraction = event.fraction  # the step's own, as `pretrain` runs one step after another
        now = time.monotonic()
        if now - self.last < (0.1 if self.tty else 5.0) and fraction < 1.0:
            return
        self.last = now
        filled = round(30 * fraction)
        line = f"[{'#' * filled}{'.' * (30 - filled)}] {fraction:4.0%} {event.label}"
        print(f"\r{line:<100}" if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr)


def pretrain(argv: list[str]) -> int:
    from ..engine.experiment import stopwords_from
    from ..engine.storage.atomic import check_destination, sweep_stale_parts
    from ..engine.pretraining.pretrain import pretrain_vectors
    from ..engine.run.memory import pretraining_fits
    from ..engine.storage.vectors_file import save_vectors

    parser = argparse.ArgumentParser(prog="pretrain-explorer pretrain",
                                     description="Pretrain word vectors once and save them to a .npz.")
    parser.add_argument("corpus", help="a UTF-8 text file, a folder of .txt files, gzip of either, or - to "
                                       "read standard input (a pipe, a FIFO)")
    parser.add_argument("-o", "--output", required=True, help="the .npz to write")
    parser.add_argument("--stopwords", help="a file of whitespace-separated stopwords (default: the kata's)")
    parser.add_argument("--force", action="store_true", help="replace the output if it exists")
    _add_pretraining_options(parser, defaults=True)
    _add_memory_option(parser)
    parser.set_defaults(dim=None)  # None: not given, so that a --dim counts would ignore is refused
    args = parser.parse_args(argv)
    _refuse_an_unused_dim(args.dim, args.weighting)
    args.dim = DEFAULTS["dim"] if args.dim is None else args.dim
    output = Path(args.output)
    if output.suffix != ".npz":
        raise ExperimentError(output, "the output must end in .npz")
    check_destination(output, args.force, "add --force to replace it")  # before the counting, not after it
    sweep_stale_parts(output.parent, output.name)  # an earlier run's, killed while writing this output
    stopwords = stopwords_from(Path(args.stopwords)) if args.stopwords else load_experiment().manifest_stopwords
    vocabulary = VocabularySettings(args.min_count, args.max_vocab)
    fits = pretraining_fits(Path(args.corpus), stopwords, args.window, args.weighting, args.dim, vocabulary,
                            args.memory)  # refused before counting, and again once the vocabulary is counted
    bar = _ProgressBar()
    started = time.perf_counter()
    try:
        vectors, stats = pretrain_vectors(Path(args.corpus), stopwords, args.window, args.weighting, args.dim,
                                          vocabulary, on_progress=bar, on_counted=fits)
    finally:
        bar.close()
    seconds = time.perf_counter() - started
    settings = {"corpus": dataclasses.asdict(stats), "source": str(args.corpus), "stopwords": sorted(stopwords),
                "min_count": args.min_count, "max_vocab": args.max_vocab, "dim": args.dim}
    save_vectors(output, vectors, settings, replace=args.force)
    _print_out(f"{output}: {stats.vocabulary:,} words x {stats.dimension:,} dimensions ({stats.weighting}, window "
               f"{stats.window}) from {stats.tokens:,} tokens in {seconds:.1f} s "
               f"({stats.tokens / max(seconds, 1e-9):,.0f} tokens/s)")
    return 0


def evaluate(argv: list[str]) -> int:
    from ..engine.run.session import Session
    from ..engine.inspect.word_pairs import read_word_pairs, score_word_pairs
    from ..engine.inspect.analogy_questions import looks_like_analogies
    from ..engine.settings import ANALOGY_RESTRICT_VOCAB

    parser = argparse.ArgumentParser(prog="pretrain-explorer evaluate",
                                     description="Spearman correlation of the vectors' cosines with human similarity "
                                                 "judgements of word pairs, over the pairs both of whose words they know; "
                                                 "or, for a file of analogy questions, accuracy and coverage per section "
                                                 "(3CosAdd, counted as gensim's evaluate_word_analogies counts).")
    parser.add_argument("vectors", help="a vectors .npz, or an experiment (its pretrained vectors)")
    parser.add_argument("pairs", help="word pairs with a human score: lines `word1<TAB>word2<TAB>score` (WordSim-353, "
                                      "SimLex-999 ...); or analogy questions in the Google format (`: section` "
                                      "lines, then lines `a b c d`: a is to b as c is to d)")
    parser.add_argument("--restrict-vocab", type=_in_range("restrict_vocab"), default=ANALOGY_RESTRICT_VOCAB,
                        help="analogies: answers searched among the first N words (an imported file's order, most "
                             f"frequent first), as gensim's restrict_vocab (default {ANALOGY_RESTRICT_VOCAB:,})")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    _add_memory_option(parser)
    args = parser.parse_args(argv)
    if looks_like_analogies(Path(args.pairs)):
        from .vectors_commands import evaluate_analogy_questions

        return evaluate_analogy_questions(args)
    pairs = read_word_pairs(Path(args.pairs))
    experiment = with_overrides(open_experiment(args.vectors), memory=args.memory)
    if experiment.vectors_path is None:  # refused before counting, as a run is
        from ..engine.run.memory import check_memory, estimate_memory

        check_memory(experiment, estimate_memory(experiment).pretraining_only())
    # The vectors as `report` and the explorer get them: a .npz or an experiment opened as they open it,
    # pretrained by a session (whose disk cache spares a large corpus a second counting).
    vectors, _, _ = Session().pretrained(experiment, lambda: False, lambda event: None)
    score = score_word_pairs(vectors, pairs, args.pairs)
    _print_out(json.dumps(word_pairs_json(score, args.vectors)) if args.json else word_pairs_text(score, args.vectors))
    return 0


def _import(argv: list[str]) -> int:
    from .vectors_commands import import_vectors

    return import_vectors(argv)


def new(argv: list[str]) -> int:
    from ..engine.new_experiment import create_experiment
    from ..engine.text import Columns

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
    survey, labeled, choice = create_experiment(
        Path(args.folder), Path(args.corpus), splits, Columns(args.text_column, args.label_column),
        Path(args.stopwords) if args.stopwords else None, replace=args.force)
    _print_out(new_experiment_text(Path(args.folder), survey, labeled, choice))
    return 0


def explore(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="pretrain-explorer", usage=USAGE.format(names=", ".join(builtin_experiments())),
                                     description="Explore pretraining and fine-tuning in the terminal.")
    parser.add_argument("experiment", nargs="?", help="experiment.toml, its folder, or a vectors .npz (default: the kata)")
    parser.add_argument("--quiz", action="store_true",
                        help="predict first: comparison stages ask before they show the numbers")
    # Given by `serve` to each browser session it starts: open only inside these folders.
    parser.add_argument("--served-from", action="append", type=Path, help=argparse.SUPPRESS)
    # and the server's private folder, in which each session's export folder goes.
    parser.add_argument("--exports-in", type=Path, help=argparse.SUPPRESS)
    _add_pretraining_options(parser, defaults=False)
    _add_memory_option(parser)
    parser.add_argument("--mlm-tokens", type=_in_range("mlm_tokens", MLM_TOKEN_BUDGET), metavar="N",
                        help="tokens the masked language model trains on (default: the manifest's mlm_tokens, "
                             f"else {MASKED_LM.token_budget:,})")
    _add_masked_lm_option(parser)
    args = parser.parse_args(argv)
    from .access import ANYWHERE, end_session, served_session

    access = served_session(args.served_from, args.exports_in) if args.served_from else ANYWHERE
    try:
        experiment = _experiment(args, access.check_read)
        if args.mlm_tokens is not None:
            experiment = dataclasses.replace(experiment, mlm_tokens=args.mlm_tokens)
        from ..engine.pretraining.counting import start_resource_tracker
        from .app import PretrainExplorer

        start_resource_tracker()  # worker processes for large corpora need it; Textual replaces stderr
        app = PretrainExplorer(experiment, quiz=args.quiz, access=access)
        if args.served_from:
            _end_with_the_visitor(app)
        app.run()
    finally:
        end_session(access)  # a served session's export folder goes with it
    if app.crash is not None:  # a bug inside the explorer: one line, its traceback in a crash report
        return _fail(crash_line(*app.crash), FAILED)
    return 0


def _end_with_the_visitor(app) -> None:
    """Under textual-serve, a served explorer's driver ends the process when its visitor or server
    goes or a signal comes: its engine run cancelled, its export folder removed."""
    from textual.drivers.web_driver import WebDriver
    from .access import end_session
    from .served import served_driver

    def on_end() -> None:
        app.cancel_run()
        end_session(app.access)

    if issubclass(app.driver_class, WebDriver):
        app.driver_class = served_driver(on_end)


# A served explorer is one of many processes on one server (a class of thirty): numpy's BLAS would
# start a thread per core in each, and those threads slow one another's small products many times
# over. One thread each, unless the person starting the server set otherwise.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def serve(argv: list[str]) -> int:
    """The explorer in a web browser: textual-serve starts one explorer process per browser session."""
    parser = argparse.ArgumentParser(prog="pretrain-explorer serve",
                                     description="Serve the explorer to web browsers (one explorer per visitor).")
    parser.add_argument("experiment", nargs="?", help="experiment.toml, its folder, or a vectors .npz (default: the kata)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=_in_range("port"), default=DEFAULTS["port"],
                        help=f"port to listen on (default {DEFAULTS['port']})")
    parser.add_argument("--allow", action="append", type=Path, metavar="DIR",
                        help="a folder visitors may open experiments from (repeatable; default: the shipped experiments)")
    args = parser.parse_args(argv)
    from .access import AccessPolicy, private_exports_folder, served_experiment
    from .server import ExplorerServer

    experiment, allowed = served_experiment(args.experiment, args.allow or [])
    # A bad experiment, or one whose files lie outside the allowed folders, fails here, once, not
    # in each visitor's session.
    open_experiment(experiment, may_read=AccessPolicy(allowed).check_read)
    exports = private_exports_folder()
    command = [sys.executable, "-m", "pretrain_explorer.tui", *[f"--served-from={folder}" for folder in allowed],
               f"--exports-in={exports}"]
    command += ["--", experiment] if experiment is not None else []
    for threads in BLAS_THREADS:  # inherited by every visitor's explorer: see BLAS_THREADS
        os.environ.setdefault(threads, "1")
    try:
        ExplorerServer(shlex.join(command), host=args.host, port=args.port, title="Pretrain Explorer").serve()
    except OSError as exc:
        print(f"pretrain-explorer: cannot serve on {args.host}:{args.port} ({exc.strerror or exc})", file=sys.stderr)
        return FAILED
    finally:
        # Every explorer has ended, and each visitor's browser was handed its exports as they were
        # written: nothing in the folder can be fetched any more.
        shutil.rmtree(exports, ignore_errors=True)
    return 0


def cache(argv: list[str]) -> int:
    from ..engine.storage.disk_cache import DiskCache

    parser = argparse.ArgumentParser(prog="pretrain-explorer cache",
                                     description="The disk cache of pretrained vectors and runs' results: "
                                                 "deleting it loses nothing but time.")
    parser.add_argument("--clear", action="store_true", help="remove every entry (safe while the explorer runs)")
    args = parser.parse_args(argv)
    disk = DiskCache()
    if args.clear:
        removed = disk.clear()
        _print_out(f"{disk.folder}: {removed:,} {'entry' if removed == 1 else 'entries'} removed")
        return 0
    entries = disk.entries()
    size = sum(size for _, size, _ in entries)
    _print_out(f"folder   {disk.folder}\nentries  {len(entries):,}\n"
               f"size     {size / (1 << 20):,.1f} MiB of at most {disk.max_bytes / (1 << 20):,.0f} MiB "
               "(the least recently used go first)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one command. Whatever happens, a user sees at most one line on stderr, never a traceback."""
    argv = sys.argv[1:] if argv is None else argv
    commands = {"report": report, "pretrain": pretrain, "evaluate": evaluate, "new": new, "serve": serve,
                "cache": cache, "import": _import}
    try:
        if argv and argv[0] in commands:
            with _signals_interrupt(argv[0] != "serve"):
                return commands[argv[0]](argv[1:])
        return explore(argv)
    except ExperimentError as exc:
        return _fail(str(exc), BAD_INPUT)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing written", INTERRUPTED)
    except BrokenPipeError:  # the reader went away (`report | head -1`): nothing left to say to anyone
        _discard_stdout()
        return BROKEN_PIPE
    except _OutputFailed as exc:
        _discard_stdout()
        return _fail(f"cannot write to standard output ({exc})", FAILED)
    except Exception as exc:  # a bug: one line a user can report, its traceback in a crash report
        return _fail(crash_line(exc, write_crash_report(exc)), FAILED)


@contextlib.contextmanager
def _signals_interrupt(wanted: bool):
    """SIGTERM and SIGHUP (a closed terminal) end a shell command as Ctrl-C does: the exception
    unwinds through every `finally`, so a file being written is removed, not left as a .part.
    Not for the explorer and the server, whose own loops handle their ending; a signal the caller
    ignores (nohup) stays ignored; the previous handlers come back after the command."""
    if not wanted or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for number in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(number) != signal.SIG_IGN:
            previous[number] = signal.signal(number, _interrupt)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _interrupt(number, frame) -> None:
    raise KeyboardInterrupt


def _fail(problem: str, status: int) -> int:
    try:
        print(f"pretrain-explorer: {problem}", file=sys.stderr, flush=True)
    except OSError:  # stderr is gone too: the status is all that is left
        pass
    return status


def _discard_stdout() -> None:
    """Point standard output at /dev/null, so that the flush at exit does not fail a second time."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # stdout replaced by an object without a descriptor (a test's capture)
        pass


if __name__ == "__main__":
    sys.exit(main())
