"""Builds the masked language model shipped beside a shipped experiment's manifest, reproducibly.

    python corpora/train_masked_lm.py NAME [NAME ...] [--output-folder DIR]

For each shipped experiment named, trains engine/pretraining/masked_lm.py on its corpus with its
stopwords, seed and budget ([pretraining] mlm_tokens, else MASKED_LM's) at MASKED_LM's settings,
BLAS on one thread, and writes NAME/masked_lm.npz (or DIR/NAME.npz): the disk-cache entry the
explorer looks for, under the key it computes, so a class finds the model instead of training it.
The same seed gives the same bytes (float32 sums in a fixed order on one thread, zip members dated
1980-01-01); tests/test_shipped_masked_lm.py rebuilds the kata's and compares."""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # one thread: the same sums in the same order, so the same bytes

import argparse
import sys
import time
from pathlib import Path

from pretrain_explorer.engine import load_experiment
from pretrain_explorer.engine.pretraining.corpus import CorpusFiles
from pretrain_explorer.engine.pretraining.masked_lm import corpus_texts, train_masked_lm
from pretrain_explorer.engine.pretraining.masked_lm_store import SHIPPED_MODEL, content_hash, model_key, write_shipped
from pretrain_explorer.engine.settings import MASKED_LM

HERE = Path(__file__).resolve().parent  # the corpora folder this script is in, source tree or installed


def build(name: str, output: Path) -> dict:
    """Train the experiment's model and write it to `output`; what it took, for the caller to print."""
    e = load_experiment(HERE / name)
    budget = e.mlm_tokens or MASKED_LM.token_budget
    corpus = CorpusFiles.of(e.corpus_path)
    key = model_key(content_hash(corpus), e.stopwords, e.seed, budget, MASKED_LM)
    started = time.perf_counter()
    model = train_masked_lm(corpus_texts(corpus), e.stopwords, e.seed, MASKED_LM, budget)
    seconds = time.perf_counter() - started
    write_shipped(output, model, key)
    return {"name": name, "tokens": model.tokens_trained, "seconds": seconds, "loss": model.final_loss,
            "accuracy": model.accuracy, "baseline": model.baseline_accuracy, "blanks": model.held_out_blanks,
            "bytes": output.stat().st_size}


def shown(path: Path) -> str:
    """The path from the repository's top where it is inside it."""
    try:
        return str(path.resolve().relative_to(HERE.parent))
    except ValueError:
        return str(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="+", help="shipped experiments (kata, held-out, reviews, packages)")
    parser.add_argument("--output-folder", type=Path, help="write NAME.npz here instead of beside the manifest")
    args = parser.parse_args()
    for name in args.names:
        output = (args.output_folder / f"{name}.npz" if args.output_folder
                  else HERE / name / SHIPPED_MODEL)
        r = build(name, output)
        print(f"{name}: {r['tokens']:,} tokens in {r['seconds']:.0f} s, loss {r['loss']:.2f}, held-out blanks "
              f"{100 * r['accuracy']:.1f}% of {r['blanks']:,} (always the most frequent {100 * r['baseline']:.1f}%), "
              f"{r['bytes']:,} bytes -> {shown(output)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
