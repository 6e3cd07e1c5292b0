"""The options the commands share: numbers within LIMITS, pretraining overrides, memory, the masked
language model, and the experiment they name."""

from __future__ import annotations

import argparse

from ..engine import Experiment, ExperimentError
from ..engine.experiment import ReadCheck, open_experiment, with_overrides
from ..engine.settings import DEFAULTS, DIMENSIONED_WEIGHTINGS, LIMITS, WEIGHTINGS


def in_range(name: str, allowed=None):
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


def add_pretraining_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """Options that override [pretraining]; with `defaults` they carry the manifest's defaults."""
    def d(name: str):
        return DEFAULTS[name] if defaults else None

    parser.add_argument("--window", type=in_range("window"), default=d("window"),
                        help=f"co-occurrence window (default {DEFAULTS['window']})")
    parser.add_argument("--min-count", type=in_range("min_count"), default=d("min_count"),
                        help=f"drop words kept fewer times (default {DEFAULTS['min_count']})")
    parser.add_argument("--max-vocab", type=in_range("max_vocab"), default=d("max_vocab"),
                        help="keep only the most frequent words (0: all)")
    parser.add_argument("--weighting", choices=WEIGHTINGS, default=d("weighting"),
                        help="counts (the lesson's), ppmi, svd, or sgns (word2vec's skip-gram, the word2vec extra)")
    parser.add_argument("--dim", type=in_range("dim"), default=d("dim"),
                        help=f"dimensions for svd (default {DEFAULTS['dim']})")


def refuse_an_unused_dim(dim: int | None, weighting: str) -> None:
    """A --dim given for a weighting that has one dimension per word would be ignored: say so."""
    if dim is not None and weighting not in DIMENSIONED_WEIGHTINGS:
        raise ExperimentError("--dim", f"sets the dimension of {' and '.join(DIMENSIONED_WEIGHTINGS)} vectors only; "
                                       f"{weighting} vectors have one dimension per vocabulary word (add --weighting "
                                       f"{DIMENSIONED_WEIGHTINGS[0]} to use dim {dim:,})")


def _memory_size(text: str) -> int:
    """An argparse type: a size such as 2G, as the manifest's memory key takes it."""
    from ..engine.manifest_reader import parse_memory

    try:
        return parse_memory(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_masked_lm_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--masked-lm", action="store_true", default=None,
                        help="also fine-tune a masked language model pretrained on the corpus, beside its "
                             "from-scratch twin and its frozen encoder (as the manifest's [finetuning] masked_lm = true)")


def add_memory_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--memory", type=_memory_size, metavar="SIZE",
                        help="the memory a run may use, such as 2G (default: the manifest's memory, else a share "
                             "of what is available); a run estimated above it is refused before it starts")


def experiment_from_args(args, may_read: ReadCheck = lambda path: None) -> Experiment:
    """The experiment named on the command line, with the options' overrides."""
    return with_overrides(open_experiment(args.experiment, may_read=may_read), window=args.window,
                          weighting=args.weighting, dim=args.dim, min_count=args.min_count, max_vocab=args.max_vocab,
                          memory=getattr(args, "memory", None), masked_lm=getattr(args, "masked_lm", None))
