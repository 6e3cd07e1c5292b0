"""The engine against the previous one (commit 24d0758), side by side in one run.

    python benchmarks/engine.py [--repeats 5] [--large-repeats 3] [--old-large-repeats 1] [--skip-old-large]
                                [--blas-threads N]

Each measurement runs in a fresh process with PYTHONPATH on one engine's source (the old one is
exported with `git archive` into a temporary folder), and prints medians:
- kata: the whole report's engine time (run_experiment: six approaches, 20 seeds, learning curve),
  after one warm-up run in the same process, and the process's peak resident memory;
- `pretrain-explorer report --json` as a process, start to exit;
- 1 million Zipfian tokens (benchmarks/synthetic.py, svd dim 100, window 5) with 400 / 600 / 1,000
  labeled / test / transfer sentences of two classes whose labels relate to words: pretraining
  time, everything after pretraining, and peak resident memory. The old engine has no separate
  stages: its "after" is a whole run minus a pretraining run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OLD_COMMIT = "24d0758"


def measure(what: str, repeats: int, folder: str | None) -> dict:
    """In a worker process: time `what` with the engine on sys.path."""
    import resource

    # This file is called engine.py too: its folder must not shadow the engine package.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

    from pretrain_explorer.engine import load_experiment, run_experiment

    out: dict = {}
    if what == "kata":
        experiment = load_experiment()
        run_experiment(experiment)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            run_experiment(experiment)
            times.append(time.perf_counter() - start)
        out["seconds"] = times
    else:
        from pretrain_explorer.engine.pretraining.pretrain import pretrain_vectors

        e = load_experiment(folder)
        pretraining, after = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            try:
                from pretrain_explorer.engine import Session

                session = Session(disk=None)
                session.pretrained(e, lambda: False, lambda event: None)
                pretraining.append(time.perf_counter() - start)
                start = time.perf_counter()
                list(session.run(e))
                after.append(time.perf_counter() - start)
            except ImportError:  # the old engine: a whole run minus a pretraining run
                pretrain_vectors(e.corpus_path, e.stopwords, e.window, e.weighting, e.dim, e.vocabulary)
                pretraining.append(time.perf_counter() - start)
                start = time.perf_counter()
                run_experiment(e)
                after.append(time.perf_counter() - start - pretraining[-1])
        out["pretraining"], out["after"] = pretraining, after
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def in_process(source: Path, what: str, repeats: int, folder: str | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": str(source), "XDG_CACHE_HOME": tempfile.mkdtemp()}
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", what, "--repeats", str(repeats)]
    if folder:
        command += ["--folder", folder]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, cwd=source)
    return json.loads(done.stdout.strip().splitlines()[-1])


def report_process(source: Path, repeats: int) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(source), "XDG_CACHE_HOME": tempfile.mkdtemp()}
    times = []
    for _ in range(repeats + 1):  # the first warms the file cache
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pretrain_explorer.tui.cli", "report", "--json"], env=env, cwd=source,
                       capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times[1:]


def old_engine() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="engine-old-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", OLD_COMMIT], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def large_case() -> str:
    sys.path.insert(0, str(ROOT))
    from benchmarks.synthetic import labeled_experiment

    folder = Path(tempfile.mkdtemp(prefix="engine-1m-"))
    labeled_experiment(folder, 1_000_000, 30_000, (400, 600, 1000))
    return str(folder)


def median(values: list[float]) -> str:
    return f"{statistics.median(values):.3f}" if values else "skipped"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="kata runs and report processes per engine")
    parser.add_argument("--large-repeats", type=int, default=3, help="1-million-token runs, new engine")
    parser.add_argument("--old-large-repeats", type=int, default=1, help="1-million-token runs, old engine")
    parser.add_argument("--skip-old-large", action="store_true", help="the old engine takes minutes there")
    parser.add_argument("--blas-threads", type=int, help="OPENBLAS_NUM_THREADS for every measured process")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.repeats, args.folder)))
        return
    if args.blas_threads:
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)
    engines = {"old (24d0758)": old_engine(), "new": ROOT}
    folder = large_case()
    rows = []
    for name, source in engines.items():
        kata = in_process(source, "kata", args.repeats)
        report = report_process(source, args.repeats)
        large = {"pretraining": [], "after": [], "peak_mb": None}
        large_repeats = args.large_repeats if name == "new" else args.old_large_repeats
        if name == "new" or not args.skip_old_large:
            large = in_process(source, "large", large_repeats, folder)
        rows.append((name, kata, report, large))
        print(f"{name}: done", file=sys.stderr, flush=True)
    print("| engine | kata report, engine (s) | kata peak MB | report --json process (s) | 1M: pretraining (s) "
          "| 1M: after pretraining (s) | after / pretraining | 1M peak MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, kata, report, large in rows:
        ratio = (f"{statistics.median(large['after']) / statistics.median(large['pretraining']):.2f}"
                 if large["after"] else "")
        peak = f"{large['peak_mb']:.0f}" if large["peak_mb"] else ""
        print(f"| {name} | {median(kata['seconds'])} | {kata['peak_mb']:.0f} | {median(report)} | "
              f"{median(large['pretraining'])} | {median(large['after'])} | {ratio} | {peak} |")
    print(f"\nmedians; kata and report over {args.repeats} runs, 1M over {args.large_repeats} (new) and "
          f"{args.old_large_repeats} (old); OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; "
          f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
