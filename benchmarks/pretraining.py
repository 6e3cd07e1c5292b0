"""Pretraining throughput and peak memory, from 10^4 to 10^7 tokens, side by side in one run.

    python benchmarks/pretraining.py [--sizes 10000,100000,1000000,10000000] [--dim 300]

For each corpus (a generated Zipfian one with a 100,000-word vocabulary, and real English: the
prose of Python's reference manual, `pydoc_data.topics`, repeated to reach the size) and size, it
times, each in a fresh process:
- `counts`: `pretrain` with the lesson's weighting, keeping the 5,000 most frequent words;
- `svd`: `pretrain --weighting svd --dim 300` over the whole vocabulary;
- `lesson`: a straightforward port of the lesson's algorithm (dense vocabulary-squared lists, a
  Python loop per pair), while it fits: skipped past 40 million matrix cells or after a run over 60 s.
Tokens per second are end to end: reading the file to having the vectors (ours also write the .npz).
Peak memory is the process's maximum resident size, "+" the largest of its worker processes' where
it started any (workers run only while counting, so the two peaks need not coincide).
Then it times neighbour queries on the largest svd vectors.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NAIVE_MAX_CELLS = 40_000_000
NAIVE_MAX_SECONDS = 60.0


def write_zipf(path: Path, tokens: int) -> None:
    from benchmarks.synthetic import zipf_lines

    with open(path, "w", encoding="utf-8") as out:
        for line in zipf_lines(tokens, 100_000):
            out.write(line + "\n")


def write_english(path: Path, tokens: int) -> None:
    from pydoc_data.topics import topics

    from engine.text import tokenize

    lines = [line for text in topics.values() for line in text.splitlines() if line.strip()]
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        while written < tokens:
            for line in lines:
                out.write(line + "\n")
                written += len(tokenize(line))
                if written >= tokens:
                    break


def lesson_port(path: Path, stopwords: frozenset[str], window: int = 3) -> int:
    """The lesson's build_cooccurrence, line for line in Python; returns the vocabulary size."""
    from engine.text import tokenize

    all_tokens = [[t for t in tokenize(line) if t not in stopwords] for line in open(path, encoding="utf-8")]
    vocab = sorted({t for tokens in all_tokens for t in tokens})
    word_to_idx = {w: i for i, w in enumerate(vocab)}
    n = len(vocab)
    cooccur = [[0.0] * n for _ in range(n)]
    for tokens in all_tokens:
        for i, word in enumerate(tokens):
            wi = word_to_idx[word]
            for j in range(max(0, i - window), min(i + window + 1, len(tokens))):
                if i != j:
                    cooccur[wi][word_to_idx[tokens[j]]] += 1.0
    vectors = {}
    for word in vocab:
        row = cooccur[word_to_idx[word]]
        magnitude = sum(x * x for x in row) ** 0.5
        vectors[word] = [x / magnitude for x in row] if magnitude > 0 else row
    return n


def child(kind: str, corpus: Path, output: Path, dim: int) -> None:
    """Runs one measurement in this (fresh) process and prints it as JSON."""
    from engine import load_experiment
    from engine.pipeline import pretrain_vectors
    from engine.store import save_vectors
    from engine.weighting import VocabularySettings

    stopwords = load_experiment().manifest_stopwords
    started = time.perf_counter()
    if kind == "lesson":
        vocabulary = lesson_port(corpus, stopwords)
        tokens = None
    else:
        settings = VocabularySettings(max_vocab=5000) if kind == "counts" else VocabularySettings()
        vectors, stats = pretrain_vectors(corpus, stopwords, 3, kind, dim, settings)
        save_vectors(output, vectors, {"corpus": {}})
        vocabulary, tokens = len(vectors.words), stats.tokens
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": seconds, "vocabulary": vocabulary, "tokens": tokens,
                      "peak_mb": own / 1024, "worker_mb": workers / 1024}))


def measure(kind: str, corpus: Path, output: Path, dim: int) -> dict:
    run = subprocess.run([sys.executable, __file__, "--child", kind, str(corpus), str(output), "--dim", str(dim)],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return {"error": run.stderr.strip().splitlines()[-1] if run.stderr.strip() else f"exit {run.returncode}"}
    return json.loads(run.stdout.strip().splitlines()[-1])


def neighbour_latency(vectors_file: Path) -> tuple[int, float]:
    from engine.store import load_vectors

    vectors, _ = load_vectors(vectors_file)
    vectors.norms  # computed once, as the explorer does
    words = vectors.words[:: max(1, len(vectors.words) // 50)][:50]
    times = []
    for word in words:
        start = time.perf_counter()
        vectors.nearest(word, 10)
        times.append(time.perf_counter() - start)
    return len(vectors.words), statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000,10000000")
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CORPUS", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, corpus, output = args.child
        child(kind, Path(corpus), Path(output), args.dim)
        return
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    print("| corpus | tokens | vocabulary | counts: tokens/s | peak MB | svd: tokens/s | peak MB | lesson port: tokens/s | peak MB | counts / lesson |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    largest_svd = None
    with tempfile.TemporaryDirectory() as tmp:
        warm_up = Path(tmp) / "warm-up.txt"  # the first fresh process pays for a cold disk cache
        write_zipf(warm_up, 10_000)
        measure("counts", warm_up, Path(tmp) / "warm-up.npz", args.dim)
        for name, write in (("Zipfian", write_zipf), ("English", write_english)):
            naive_ok = True
            for size in sizes:
                corpus = Path(tmp) / f"{name}-{size}.txt"
                write(corpus, size)
                counts = measure("counts", corpus, Path(tmp) / "counts.npz", args.dim)
                svd = measure("svd", corpus, Path(tmp) / f"svd-{name}.npz", args.dim)
                if "error" not in svd:
                    largest_svd = Path(tmp) / f"svd-{name}.npz" if name == "Zipfian" else largest_svd
                vocabulary = svd.get("vocabulary", 0)
                lesson = {"error": "skipped"}
                if naive_ok and vocabulary ** 2 <= NAIVE_MAX_CELLS:
                    lesson = measure("lesson", corpus, Path(tmp) / "none", args.dim)
                    naive_ok = lesson.get("seconds", NAIVE_MAX_SECONDS + 1) <= NAIVE_MAX_SECONDS

                def rate(r):
                    return f"{size / r['seconds']:,.0f}" if "seconds" in r else r["error"][:40]

                def peak(r):
                    if "peak_mb" not in r:
                        return ""
                    return f"{r['peak_mb']:,.0f}" + (f" + {r['worker_mb']:,.0f}" if r.get("worker_mb", 0) >= 1 else "")

                ratio = f"{lesson['seconds'] / counts['seconds']:.1f}x" if "seconds" in lesson and "seconds" in counts else ""
                print(f"| {name} | {size:,} | {vocabulary:,} | {rate(counts)} | {peak(counts)} | {rate(svd)} | "
                      f"{peak(svd)} | {rate(lesson)} | {peak(lesson)} | {ratio} |", flush=True)
                corpus.unlink()
        if largest_svd is not None:
            words, ms = neighbour_latency(largest_svd)
            print(f"\nneighbour query (top 10) over {words:,} words x {args.dim} dimensions: median {ms:.1f} ms of 50")


if __name__ == "__main__":
    main()
