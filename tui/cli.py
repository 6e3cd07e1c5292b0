"""The `pretrain-explorer` command: the explorer by default, `report` for the headless report."""

from __future__ import annotations

import argparse
import shutil
import sys

from engine import ExperimentError, load_experiment, run_experiment

USAGE = """\
pretrain-explorer [EXPERIMENT]              open the explorer (the built-in kata by default)
pretrain-explorer report [EXPERIMENT] [--json]  print every stage of the lesson as text or JSON

EXPERIMENT is an experiment.toml manifest or a folder holding one."""


def _report_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pretrain-explorer report", description="Print the lesson's stages for an experiment.")
    parser.add_argument("experiment", nargs="?", help="experiment.toml, or a folder holding one (default: the built-in kata)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--color", action="store_true", help="colour the charts with ANSI codes")
    return parser


def _explorer_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pretrain-explorer", usage=USAGE, description="Explore pretraining and fine-tuning in the terminal.")
    parser.add_argument("experiment", nargs="?", help="experiment.toml, or a folder holding one (default: the built-in kata)")
    return parser


def report(argv: list[str]) -> int:
    from tui.report import render_json, render_text

    args = _report_parser().parse_args(argv)
    try:
        result = run_experiment(load_experiment(args.experiment))
    except ExperimentError as exc:
        print(f"pretrain-explorer: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(render_json(result))
    else:
        print(render_text(result, width=shutil.get_terminal_size((80, 24)).columns, color=args.color))
    return 0


def explore(argv: list[str]) -> int:
    args = _explorer_parser().parse_args(argv)
    try:
        experiment = load_experiment(args.experiment)
    except ExperimentError as exc:
        print(f"pretrain-explorer: {exc}", file=sys.stderr)
        return 2
    from tui.app import PretrainExplorer

    PretrainExplorer(experiment).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "report":
        return report(argv[1:])
    return explore(argv)


if __name__ == "__main__":
    sys.exit(main())
