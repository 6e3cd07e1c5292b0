"""The commands on word vectors: `pretrain` (a corpus into a .npz), `import` (published word2vec, GloVe,
fastText files) and `evaluate` (word pairs or analogy questions). cli.py dispatches to them."""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

from ..engine import ExperimentError, load_experiment
from ..engine.experiment import open_experiment, with_overrides
from ..engine.pretraining.vocabulary import VocabularySettings
from ..engine.settings import DEFAULTS
from .command_options import add_memory_option, add_pretraining_options, in_range, refuse_an_unused_dim
from .command_output import ProgressBar, print_out
from .presentation.commands import word_pairs_json, word_pairs_text


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
    add_pretraining_options(parser, defaults=True)
    add_memory_option(parser)
    parser.set_defaults(dim=None)  # None: not given, so that a --dim counts would ignore is refused
    args = parser.parse_args(argv)
    refuse_an_unused_dim(args.dim, args.weighting)
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
    bar = ProgressBar()
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
    print_out(f"{output}: {stats.vocabulary:,} words x {stats.dimension:,} dimensions ({stats.weighting}, window "
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
    parser.add_argument("--restrict-vocab", type=in_range("restrict_vocab"), default=ANALOGY_RESTRICT_VOCAB,
                        help="analogies: answers searched among the first N words (an imported file's order, most "
                             f"frequent first), as gensim's restrict_vocab (default {ANALOGY_RESTRICT_VOCAB:,})")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    add_memory_option(parser)
    args = parser.parse_args(argv)
    if looks_like_analogies(Path(args.pairs)):
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
    print_out(json.dumps(word_pairs_json(score, args.vectors)) if args.json else word_pairs_text(score, args.vectors))
    return 0


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
    parser.add_argument("--limit", type=in_range("limit"), help="keep the first N words (published files put "
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
    print_out(f"{output}: {len(vectors.words):,} words x {vectors.dimension:,} dimensions from {args.vectors} "
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
    print_out(json.dumps(analogies_json(scores, args.pairs, args.vectors, searched)) if args.json
              else analogies_text(scores, args.pairs, args.vectors, searched))
    return 0
