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

    python benchmarks/pretraining.py --glove-source DIR [--glove-sizes 1e6,1e7,1e8] [--english 1e7,1e8]

Against GloVe's counting instead: builds `vocab_count` and `cooccur` from their C source in DIR
(skipped, with a message, without a C compiler or the source), then on the same corpus runs them
and `pretrain-explorer pretrain --weighting counts --max-vocab 5000 --window 3` alternately three
times each, and reports the medians of tokens per second and of peak memory. GloVe runs as its
README says, window 3, symmetric, vocabulary capped at 5,000, with `-distance-weighting 0` so that
it counts each pair as 1, as the lesson does (by default it weights a pair by 1/distance). Both get
the same text of space-separated words and no stopwords (`pretrain --stopwords` an empty file):
Zipfian corpora, and English, the shipped reviews corpus tokenized as the lesson does and repeated
to size. Peak memory is each run's largest resident size over its processes (GloVe's two run one
after the other; `pretrain` starts no processes, only threads), from getrusage(RUSAGE_CHILDREN) in
a fresh process that runs only that. Each row ends with the machine's 1-minute load average before
and after it: on a shared machine, the other processes' claim on the cores. A first line times
`pretrain` with numba's cache empty (the kernels compiled in the run) against a cached run.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import resource
import shutil
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

    from pretrain_explorer.engine.text import tokenize

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
    from pretrain_explorer.engine.text import tokenize

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
    from pretrain_explorer.engine import load_experiment
    from pretrain_explorer.engine.pretraining.pretrain import pretrain_vectors
    from pretrain_explorer.engine.storage.vectors_file import save_vectors
    from pretrain_explorer.engine.pretraining.vocabulary import VocabularySettings

    stopwords = load_experiment().manifest_stopwords
    started = time.perf_counter()
    if kind == "lesson":
        vocabulary = lesson_port(corpus, stopwords)
        tokens = None
    else:
        settings = VocabularySettings(max_vocab=5000) if kind == "counts" else VocabularySettings()
        vectors, stats = pretrain_vectors(corpus, stopwords, 3, kind, dim, settings)
        save_vectors(output, vectors, {"corpus": dataclasses.asdict(stats)})  # as load_vectors checks
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
    from pretrain_explorer.engine.storage.vectors_file import load_vectors

    vectors, _ = load_vectors(vectors_file)
    vectors.norms  # computed once, as the explorer does
    words = vectors.words[:: max(1, len(vectors.words) // 50)][:50]
    times = []
    for word in words:
        start = time.perf_counter()
        vectors.nearest(word, 10)
        times.append(time.perf_counter() - start)
    return len(vectors.words), statistics.median(times) * 1000


# ---- against GloVe's vocab_count + cooccur ----------------------------------------------------

GLOVE_CAP, GLOVE_WINDOW, GLOVE_REPEATS = 5000, 3, 3


def build_glove(source: Path, into: Path) -> str | None:
    """Compile vocab_count and cooccur from `source` into `into`; None, or why they could not be."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        return "no C compiler (gcc or cc) on PATH"
    for tool in ("vocab_count", "cooccur"):
        if not (source / f"{tool}.c").exists() or not (source / "common.c").exists():
            return f"{source} holds no {tool}.c and common.c (GloVe's src/)"
        built = subprocess.run([compiler, "-O3", "-funroll-loops", "-pthread", "-o", str(into / tool),
                                str(source / f"{tool}.c"), str(source / "common.c"), "-lm"],
                               capture_output=True, text=True)
        if built.returncode != 0:
            return f"building {tool} failed: {built.stderr.strip()[-300:]}"
    return None


def write_english_words(path: Path, tokens: int) -> None:
    """The shipped reviews corpus (or Python's pydoc topics where it is missing) as the lesson
    tokenizes it, lowercased words joined by spaces, a line per line, repeated to `tokens`."""
    from pretrain_explorer.engine import builtin_experiment_path
    from pretrain_explorer.engine.text import tokenize

    reviews = builtin_experiment_path("reviews").parent / "general.txt.gz"
    if reviews.exists():
        with gzip.open(reviews, "rt", encoding="utf-8") as source:
            lines = [tokenize(line) for line in source]
    else:
        from pydoc_data.topics import topics

        lines = [tokenize(line) for text in topics.values() for line in text.splitlines()]
    lines = [words for words in lines if words]
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        while written < tokens:
            for words in lines:
                words = words[: tokens - written]
                out.write(" ".join(words) + "\n")
                written += len(words)
                if written >= tokens:
                    break


def timed_run(commands: list[dict], env: dict | None = None) -> dict:
    """Run `commands` one after the other in a fresh process; its children's peak resident size
    (the largest of them) and the wall time of all of them."""
    script = (
        "import json, resource, subprocess, sys, time\n"
        "commands = json.loads(sys.argv[1])\n"
        "start = time.perf_counter()\n"
        "for c in commands:\n"
        "    with open(c['stdin'] or '/dev/null', 'rb') as i, open(c['stdout'] or '/dev/null', 'wb') as o:\n"
        "        r = subprocess.run(c['argv'], stdin=i, stdout=o, stderr=subprocess.PIPE)\n"
        "    if r.returncode:\n"
        "        print(json.dumps({'error': r.stderr.decode()[-300:]})); sys.exit(0)\n"
        "seconds = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'seconds': seconds, 'peak_mb': peak / 1024}))\n"
    )
    run = subprocess.run([sys.executable, "-c", script, json.dumps(commands)], capture_output=True, text=True,
                         env=env)
    return json.loads(run.stdout.strip().splitlines()[-1])


def glove_commands(tools: Path, corpus: Path, work: Path) -> list[dict]:
    vocab = str(work / "vocab.txt")
    return [
        {"argv": [str(tools / "vocab_count"), "-max-vocab", str(GLOVE_CAP), "-verbose", "0"],
         "stdin": str(corpus), "stdout": vocab},
        {"argv": [str(tools / "cooccur"), "-vocab-file", vocab, "-window-size", str(GLOVE_WINDOW), "-symmetric", "1",
                  "-distance-weighting", "0", "-verbose", "0", "-memory", "2.0",
                  "-overflow-file", str(work / "overflow")],
         "stdin": str(corpus), "stdout": str(work / "cooccur.bin")},
    ]


def pretrain_command(corpus: Path, work: Path) -> list[dict]:
    script = Path(sys.executable).parent / "pretrain-explorer"
    argv = [str(script)] if script.exists() else [sys.executable, "-m", "pretrain_explorer.tui"]
    return [{"argv": argv + ["pretrain", str(corpus), "-o", str(work / "vectors.npz"), "--force",
                             "--weighting", "counts", "--max-vocab", str(GLOVE_CAP), "--window", str(GLOVE_WINDOW),
                             "--stopwords", str(work / "no-stopwords.txt")],
             "stdin": None, "stdout": None}]


def glove_comparison(source: Path, sizes: list[int], english: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        why = build_glove(source, work)
        if why is not None:
            print(f"GloVe comparison skipped: {why}")
            return
        (work / "no-stopwords.txt").write_text("")
        corpus = work / "corpus.txt"
        # numba's compile time: the first run with an empty cache, then a cached run.
        write_zipf(corpus, 1_000_000)
        env = {**os.environ, "NUMBA_CACHE_DIR": str(work / "numba-cache")}
        first = timed_run(pretrain_command(corpus, work), env)
        cached = timed_run(pretrain_command(corpus, work), env)
        print(f"numba compile: pretrain on 1,000,000 Zipfian tokens took {first.get('seconds', 0):.2f} s with an empty "
              f"cache (kernels compiled in the run), {cached.get('seconds', 0):.2f} s cached\n")
        print("| corpus | tokens | GloVe: tokens/s | peak MB | pretrain: tokens/s | peak MB | pretrain / GloVe (tokens/s) "
              "| load before, after |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        runs = [("Zipfian", write_zipf, size) for size in sizes] + [("English", write_english_words, size)
                                                                     for size in english]
        for name, write, size in runs:
            write(corpus, size)
            load_before = os.getloadavg()[0]  # the machine's 1-minute load: other processes' share of the cores
            timed_run(pretrain_command(corpus, work))  # a warm-up each, discarded: the corpus in the page cache
            timed_run(glove_commands(work, corpus, work))
            results: dict[str, list[dict]] = {"glove": [], "pretrain": []}
            for _ in range(GLOVE_REPEATS):  # alternately, so both meet the same load
                results["glove"].append(timed_run(glove_commands(work, corpus, work)))
                results["pretrain"].append(timed_run(pretrain_command(corpus, work)))
            summary = {}
            for tool, measured in results.items():
                ok = [m for m in measured if "seconds" in m]
                if not ok:
                    summary[tool] = (0.0, 0.0, measured[0].get("error", "failed")[:60])
                    continue
                summary[tool] = (size / statistics.median(m["seconds"] for m in ok),
                                 statistics.median(m["peak_mb"] for m in ok), "")
            (g_rate, g_mb, g_err), (p_rate, p_mb, p_err) = summary["glove"], summary["pretrain"]
            ratio = f"{p_rate / g_rate:.2f}x" if g_rate and p_rate else ""
            print(f"| {name} | {size:,} | {g_err or f'{g_rate:,.0f}'} | {g_mb:,.0f} | {p_err or f'{p_rate:,.0f}'} | "
                  f"{p_mb:,.0f} | {ratio} | {load_before:.1f}, {os.getloadavg()[0]:.1f} |", flush=True)
            corpus.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000,10000000")
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--glove-source", type=Path, help="GloVe's C source (vocab_count.c, cooccur.c, common.c)")
    parser.add_argument("--glove-sizes", default="1000000,10000000,100000000")
    parser.add_argument("--english", default="1e7,1e8", help="English sizes (tokens) for the GloVe comparison (0: none)")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "CORPUS", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, corpus, output = args.child
        child(kind, Path(corpus), Path(output), args.dim)
        return
    if args.glove_source is not None:
        english = [int(float(s)) for s in args.english.split(",") if float(s) > 0]
        glove_comparison(args.glove_source, [int(float(s)) for s in args.glove_sizes.split(",")], english)
        return
    print("(GloVe comparison skipped: pass --glove-source DIR, GloVe's C source)\n")
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
                # A file of its own each: saving refuses to replace a file (never loses a user's data).
                counts = measure("counts", corpus, Path(tmp) / f"counts-{name}-{size}.npz", args.dim)
                svd = measure("svd", corpus, Path(tmp) / f"svd-{name}-{size}.npz", args.dim)
                if "error" not in svd:
                    largest_svd = Path(tmp) / f"svd-{name}-{size}.npz" if name == "Zipfian" else largest_svd
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
