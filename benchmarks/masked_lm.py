"""The masked language model's training speed on one thread, at the explorer's settings.

    python benchmarks/masked_lm.py [--tokens 100000] [--lines 20000] [--write]

Trains engine/pretraining/masked_lm.py (MASKED_LM's settings) on the first --lines lines of the
shipped `reviews` corpus (its stopwords dropped, as the explorer does) and on the kata's 24 lines,
each for --tokens tokens, with BLAS on one thread (set before numpy is imported). Reports tokens a
second, parameters, peak resident memory of the process, final loss and held-out masked-word
accuracy against always guessing the most frequent word. A PyTorch twin is measured only where
torch is importable (never installed for this). With --write, the table replaces this benchmark's
section of docs/benchmarks.md. One run each, on whatever else the machine is doing.
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # one thread, as the target is stated

import argparse
import datetime
import importlib.util
import itertools
import platform
import resource
import sys
import time
from pathlib import Path

from pretrain_explorer.engine import builtin_experiment_path, load_experiment
from pretrain_explorer.engine.pretraining.masked_lm import corpus_texts, train_masked_lm
from pretrain_explorer.engine.settings import MASKED_LM

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
BEGIN, END = "<!-- benchmarks/masked_lm.py writes this section: begin -->", "<!-- benchmarks/masked_lm.py: end -->"
HEADING = "## Masked language model: training speed (issue 26)"


def measure(name: str, lines: list[str], stopwords: frozenset[str], tokens: int) -> dict:
    started = time.perf_counter()
    cpu = time.process_time()
    model = train_masked_lm(lines, stopwords, seed=1, token_budget=tokens)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {"name": name, "lines": len(lines), "words": len(model.words) - 3,
            "parameters": sum(v.size for v in model.params.values()), "tokens": model.tokens_trained,
            "seconds": seconds, "rate": model.tokens_trained / seconds, "cpu_rate": model.tokens_trained / cpu_seconds,
            "loss": (model.losses[0][1], model.final_loss), "accuracy": model.accuracy,
            "baseline": model.baseline_accuracy, "blanks": model.held_out_blanks}


def table(rows: list[dict], load: tuple[str, str]) -> str:
    s = MASKED_LM
    head = (f"Training `engine/pretraining/masked_lm.py` at the explorer's settings ({s.layers} layers, dimension "
            f"{s.dim}, {s.heads} heads, feed-forward {s.hidden}, lines cut at {s.max_length} tokens, batches of "
            f"{s.batch} lines, Adam at {s.learning_rate}), BLAS on one thread. Written by `python "
            f"benchmarks/masked_lm.py` on {platform.machine()}, {os.cpu_count()} cores, "
            f"{datetime.date.today().isoformat()}; load average {load[0]} before, {load[1]} after (the 2 cores "
            "are shared with other work, so the rates are a floor).\n\n")
    lines = [("| corpus | lines | words | parameters | tokens | time | tokens/s (wall) | tokens/s (CPU) | loss "
              "first → last | held-out blanks | model | always the most frequent |"),
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['lines']:,} | {r['words']:,} | {r['parameters']:,} | {r['tokens']:,} | "
                     f"{r['seconds']:.0f} s | {r['rate']:,.0f} | {r['cpu_rate']:,.0f} | {r['loss'][0]:.2f} → "
                     f"{r['loss'][1]:.2f} | {r['blanks']:,} | {100 * r['accuracy']:.1f}% | "
                     f"{100 * r['baseline']:.1f}% |")
    torch = ("PyTorch is not installed here, so the issue's comparison with a PyTorch twin (target 0.7x) is "
             "not measured." if importlib.util.find_spec("torch") is None else
             "PyTorch is importable but its twin is not written yet: no comparison.")
    return head + "\n".join(lines) + "\n\n" + torch + "\n"


def write(section: str) -> None:
    text = DOCS.read_text()
    block = f"{BEGIN}\n\n{section}\n{END}"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + f"\n\n{HEADING}\n\n{block}\n"
    DOCS.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=100_000, help="tokens trained on, each corpus")
    parser.add_argument("--lines", type=int, default=20_000, help="lines of reviews' corpus read")
    parser.add_argument("--write", action="store_true", help="write the table into docs/benchmarks.md")
    args = parser.parse_args()
    before = f"{os.getloadavg()[0]:.1f}"
    rows = []
    kata = load_experiment(builtin_experiment_path("kata"))
    rows.append(measure("kata", list(corpus_texts(kata.corpus_path)), kata.stopwords, args.tokens))
    reviews = load_experiment(builtin_experiment_path("reviews"))
    lines = list(itertools.islice(corpus_texts(reviews.corpus_path), args.lines))
    rows.append(measure(f"reviews (first {len(lines):,} lines)", lines, reviews.stopwords, args.tokens))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    section = (table(rows, (before, f"{os.getloadavg()[0]:.1f}"))
               + f"\nPeak resident memory of the process: {peak:,.0f} MiB.\n")
    print(section)
    if args.write:
        write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
