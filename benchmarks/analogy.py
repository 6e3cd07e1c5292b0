"""An analogy typed in the word box, at a 100,000-word vocabulary.

    python benchmarks/analogy.py [--words 100000] [--dimension 100] [--repeats 20] [--write]

Synthetic vectors (Gaussian, float64 as a run holds them) for --words four-letter words, and the
random baseline beside them. Timed, median of --repeats after one warm-up: one analogy by each
method under one set of vectors (engine.inspect.analogy.analogy), the word box's whole answer
(`ask`: both methods under both sets), and gensim's most_similar and most_similar_cosmul on the
same float32 rows for reference (gensim keeps float32). With --write, the table replaces this
benchmark's section of docs/benchmarks.md. Run on whatever else the machine is doing: the load
average is given.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import os
import platform
import statistics
import string
import sys
import time
from pathlib import Path

import numpy as np

from pretrain_explorer.engine.inspect.analogy import analogy, ask
from pretrain_explorer.engine.vectors import WordVectors, random_vectors

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: benchmarks.docs_section
from benchmarks.docs_section import publish  # noqa: E402

BEGIN = "<!-- benchmarks/analogy.py writes this section: begin -->"
END = "<!-- benchmarks/analogy.py: end -->"
HEADING = "## Analogies at 100,000 words (issue 24)"
TARGET_MS = 50
TOP_N = 10


def median_ms(call, repeats: int) -> float:
    call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--dimension", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--write", action="store_true", help="write the table into docs/benchmarks.md")
    args = parser.parse_args()
    before = f"{os.getloadavg()[0]:.1f}"
    words = tuple(sorted("".join(p) for p in itertools.islice(
        itertools.product(string.ascii_lowercase, repeat=4), args.words)))
    rows = np.random.default_rng(0).standard_normal((len(words), args.dimension))
    vectors = {"pretrained": WordVectors(words, rows), "random": random_vectors(words, args.dimension, 1)}
    positive, negative = (words[10], words[30]), (words[20],)
    text = f"{words[10]} - {words[20]} + {words[30]}"
    timed = {"`analogy`, 3CosAdd, one set of vectors": lambda: analogy(
                 vectors["pretrained"], positive, negative, "3CosAdd", TOP_N),
             "`analogy`, 3CosMul, one set of vectors": lambda: analogy(
                 vectors["pretrained"], positive, negative, "3CosMul", TOP_N),
             "`ask`: the word box's answer (both methods, pretrained and random)": lambda: ask(vectors, text, TOP_N)}
    try:
        from gensim.models import KeyedVectors

        kv = KeyedVectors(args.dimension)
        kv.add_vectors(list(words), rows.astype(np.float32))
        kv.fill_norms()
        timed["gensim `most_similar` (3CosAdd, float32)"] = lambda: kv.most_similar(
            positive=list(positive), negative=list(negative), topn=TOP_N)
        timed["gensim `most_similar_cosmul` (3CosMul, float32)"] = lambda: kv.most_similar_cosmul(
            positive=list(positive), negative=list(negative), topn=TOP_N)
    except ImportError:
        pass
    results = {name: median_ms(call, args.repeats) for name, call in timed.items()}
    lines = [f"Synthetic vectors, {len(words):,} words x {args.dimension} dimensions, top {TOP_N}; median of "
             f"{args.repeats} after a warm-up. Written by `python benchmarks/analogy.py` on {platform.machine()}, "
             f"{os.cpu_count()} cores, {datetime.date.today()}; load average {before} before, "
             f"{os.getloadavg()[0]:.1f} after. Target: one analogy under {TARGET_MS} ms.", "",
             "| what | median |", "| --- | ---: |"]
    lines += [f"| {name} | {ms:.1f} ms |" for name, ms in results.items()]
    section = "\n".join(lines) + "\n"
    publish(section, args.write, HEADING, BEGIN, END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
