"""The commands for vectors made elsewhere: `import` (published word2vec, GloVe, fastText files)
and `evaluate` on analogy questions. Kept apart from cli.py, which dispatches to them."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ..engine import ExperimentError
from ..engine.experiment import open_experiment, with_overrides
from .cli import _in_range, _print_out


def import_vectors(argv: list[str]) -> int:
    """`import`: a published vectors file into the project's .npz, checked, written atomically."""
    from ..engine.storage.atomic import check_destination, sweep_stale_parts
    from ..engine.storage.imported_vectors import FORMATS, read_published_vectors, save_imported

    parser = argparse.ArgumentParser(prog="pretrain-explorer import",
                                     description="Bring published word vectors into a .npz an experiment can name as "
                                                 "its pretrained vectors ([pretraining] vectors = \"V.npz\").")
    parser.add_argument("vectors", help="word2vec, GloVe or fastText .vec text (with or without the `count "
                                        "dimension` line), or word2vec binary")
    parser.add_argument("-o", "--output", required=True, help="the .npz to write")
    parser.add_argument("--limit", type=_in_range("limit"), help="keep the first N words (published files put "
                                                                 "the most frequent first)")
    parser.add_argument("--format", choices=FORMATS, default="auto", help="text or binary (default: told apart "
                                                                           "by the line after the header)")
    parser.add_argument("--force", action="store_true", help="replace the output if it exists")
    args = parser.parse_args(argv)
    output = Path(args.output)
    if output.suffix != ".npz":
        raise ExperimentError(output, "the output must end in .npz")
    check_destination(output, args.force, "add --force to replace it")  # before the reading, not after it
    sweep_stale_parts(output.parent, output.name)
    started = time.perf_counter()
    vectors = read_published_vectors(Path(args.vectors), args.limit, args.format)
    save_imported(output, vectors, Path(args.vectors), replace=args.force)
    header = "with" if vectors.header else "without"
    _print_out(f"{output}: {len(vectors.words):,} words x {vectors.dimension:,} dimensions from {args.vectors} "
               f"(word2vec {vectors.kind}, {header} a header) in {time.perf_counter() - started:.1f} s")
    return 0


def evaluate_analogy_questions(args) -> int:
    """`evaluate` on a file of Google-format analogy questions: accuracy and coverage per section."""
    from ..engine.inspect.analogy_questions import evaluate_analogies, read_analogy_questions
    from ..engine.run.session import Session
    from ..engine.storage.vectors_file import load_in_file_order
    from .presentation.commands import analogies_json, analogies_text

    sections = read_analogy_questions(Path(args.pairs))
    if Path(args.vectors).suffix == ".npz":  # in the file's order: an imported file's, most frequent first
        words, matrix, _ = load_in_file_order(Path(args.vectors))
    else:
        experiment = with_overrides(open_experiment(args.vectors), memory=args.memory)
        if experiment.vectors_path is None:
            from ..engine.run.memory import check_memory, estimate_memory

            check_memory(experiment, estimate_memory(experiment).pretraining_only())
        vectors, _, _ = Session().pretrained(experiment, lambda: False, lambda event: None)
        words, matrix = vectors.words, vectors.matrix
    scores = evaluate_analogies(words, matrix, sections, args.restrict_vocab)
    searched = min(len(words), args.restrict_vocab)
    _print_out(json.dumps(analogies_json(scores, args.pairs, args.vectors, searched)) if args.json
               else analogies_text(scores, args.pairs, args.vectors, searched))
    return 0
