"""The `pretrain-explorer` command: the explorer by default, `report`, `new`, `serve` and `cache` for the shell;
the commands on word vectors are in vectors_commands.py."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import shlex
import shutil
import signal
import sys
import threading
from pathlib import Path

from ..engine import ExperimentError, run_experiment
from ..engine.experiment import builtin_experiments, open_experiment
from ..engine.settings import DEFAULTS, MASKED_LM, MLM_TOKEN_BUDGET
from .command_options import (
    add_masked_lm_option,
    add_memory_option,
    add_pretraining_options,
    experiment_from_args,
    in_range,
    refuse_an_unused_dim,
)
from .command_output import OutputFailed, ProgressBar, print_out
from .crash import crash_line, write_crash_report
from .exits import BAD_INPUT, BROKEN_PIPE, FAILED, INTERRUPTED
from .presentation.commands import new_experiment_text
from .vectors_commands import evaluate, import_vectors, pretrain

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


def report(argv: list[str]) -> int:
    from .presentation.printed_report import render_json, render_text

    parser = argparse.ArgumentParser(prog="pretrain-explorer report", description="Print the lesson's stages for an experiment.")
    parser.add_argument("experiment", nargs="?", help="experiment.toml, its folder, or a vectors .npz (default: the kata)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--color", action="store_true", help="colour the charts with ANSI codes")
    parser.add_argument("--grid", action="store_true", help="add the grid of labels against unlabeled text (corpus "
                        "prefixes by labels per class; computed after the run, cached)")
    add_pretraining_options(parser, defaults=False)
    add_memory_option(parser)
    add_masked_lm_option(parser)
    args = parser.parse_args(argv)
    experiment = experiment_from_args(args)
    refuse_an_unused_dim(args.dim, experiment.weighting)
    from .presentation.stages import many_classes

    if warning := many_classes(experiment):  # said before the wait, not after it
        print(f"pretrain-explorer: note: {warning}", file=sys.stderr, flush=True)
    if args.grid:
        from ..engine.run.grid import grid_refused

        if (reason := grid_refused(experiment)) is not None:  # before the run, not after it
            raise ExperimentError("--grid", f"no grid for {experiment.name}: {reason}")
    from ..engine.run.masked_lm_time import estimate_fine_tuning
    from .presentation.approaches import masked_lm_wait

    if wait := masked_lm_wait(experiment, estimate_fine_tuning(experiment) if experiment.masked_lm else None):
        print(f"pretrain-explorer: note: {wait}", file=sys.stderr, flush=True)
    result = run_experiment(experiment)
    grid = _grid(result) if args.grid else None
    if args.json:
        print_out(render_json(result, grid))
    else:
        print_out(render_text(result, width=shutil.get_terminal_size((80, 24)).columns, color=args.color, grid=grid))
    return 0


def _grid(result):
    """The grid for `report --grid` (grid_refused checked before the run), its progress on stderr."""
    from ..engine.run.grid import label_grid
    from ..engine.run.session import Session

    bar = ProgressBar()
    try:
        return label_grid(Session(), result, on_progress=bar)
    finally:
        bar.close()


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
    print_out(new_experiment_text(Path(args.folder), survey, labeled, choice))
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
    add_pretraining_options(parser, defaults=False)
    add_memory_option(parser)
    parser.add_argument("--mlm-tokens", type=in_range("mlm_tokens", MLM_TOKEN_BUDGET), metavar="N",
                        help="tokens the masked language model trains on (default: the manifest's mlm_tokens, "
                             f"else {MASKED_LM.token_budget:,})")
    add_masked_lm_option(parser)
    args = parser.parse_args(argv)
    from .access import ANYWHERE, end_session, served_session

    access = served_session(args.served_from, args.exports_in) if args.served_from else ANYWHERE
    try:
        experiment = experiment_from_args(args, access.check_read)
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
    parser.add_argument("--port", type=in_range("port"), default=DEFAULTS["port"],
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
        print_out(f"{disk.folder}: {removed:,} {'entry' if removed == 1 else 'entries'} removed")
        return 0
    entries = disk.entries()
    size = sum(size for _, size, _ in entries)
    print_out(f"folder   {disk.folder}\nentries  {len(entries):,}\n"
              f"size     {size / (1 << 20):,.1f} MiB of at most {disk.max_bytes / (1 << 20):,.0f} MiB "
              "(the least recently used go first)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one command. Whatever happens, a user sees at most one line on stderr, never a traceback."""
    argv = sys.argv[1:] if argv is None else argv
    commands = {"report": report, "pretrain": pretrain, "evaluate": evaluate, "new": new, "serve": serve,
                "cache": cache, "import": import_vectors}
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
    except OutputFailed as exc:
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
