"""The shipped real-text experiment (corpora/reviews) under each weighting: cost, word pairs, accuracies.

    python benchmarks/real_text.py [--weightings counts,ppmi,svd,sgns] [--seeds 5]
                                   [--wordsim PATH] [--simlex PATH]

For each weighting, in a fresh process of its own: the time of pretraining.pretrain.pretrain_vectors on the
reviews corpus (window 5, min_count 5 and the stopwords of its manifest; counts and ppmi keep the
5,000 most frequent words, svd and sgns have 100 dimensions) and the process's peak resident size
up to then (resource.getrusage); Spearman's correlation and coverage of those vectors on
WordSim-353 and SimLex-999 (gensim's test data by default); then one run_experiment with those
settings (no disk cache), from which the test and transfer accuracy of every approach (mean and
population standard deviation over the seeds, for the approaches that depend on a seed), the margin
and the learning curve (test accuracy of every approach at each number of labeled examples per
class, mean and standard deviation over the seeds). Prints markdown tables. The defaults give the
tables of docs/real-text.md; one run of each, on whatever else the machine is doing. Seeds default to 5, not the
experiment's 10: counts and ppmi (5,000 dimensions) take about two minutes a run at 5 seeds on a
shared 2-core machine, and the curve's cost grows with the seeds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# weighting -> (dim, max_vocab); dim matters to svd and sgns only
DEFAULT_SEEDS = 5
SETTINGS = {"counts": (100, 5000), "ppmi": (100, 5000), "svd": (100, 0), "sgns": (100, 0)}
MIN_COUNT = 5


def _default_pairs(name: str) -> str | None:
    try:
        from gensim.test.utils import datapath
    except ImportError:
        return None
    return datapath(name)


def child(weighting: str, seeds: int, pairs: dict[str, str]) -> dict:
    """One weighting, measured in this (fresh) process. Returns everything as JSON-able data."""
    import dataclasses

    from pretrain_explorer.engine import load_experiment, run_experiment
    from pretrain_explorer.engine.finetuning.approaches import APPROACH_NAMES
    from pretrain_explorer.engine.pretraining.pretrain import pretrain_vectors
    from pretrain_explorer.engine.run.session import Session
    from pretrain_explorer.engine.pretraining.vocabulary import VocabularySettings
    from pretrain_explorer.engine.inspect.word_pairs import read_word_pairs, score_word_pairs

    dim, max_vocab = SETTINGS[weighting]
    base = load_experiment("reviews")
    e = dataclasses.replace(base, weighting=weighting, dim=dim, seeds=seeds,
                            vocabulary=VocabularySettings(min_count=MIN_COUNT, max_vocab=max_vocab))
    start = time.perf_counter()
    vectors, stats = pretrain_vectors(e.corpus_path, e.stopwords, e.window, e.weighting, e.dim, e.vocabulary)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    out = {"weighting": weighting, "dim": vectors.dimension, "max_vocab": max_vocab, "window": e.window,
           "min_count": MIN_COUNT, "vocabulary": len(vectors.words), "tokens": stats.tokens,
           "kept_tokens": stats.kept_tokens, "pretrain_s": seconds, "peak_mb": peak_mb, "pairs": {}}
    for name, path in pairs.items():
        score = score_word_pairs(vectors, read_word_pairs(Path(path)), name)
        out["pairs"][name] = {"spearman": score.spearman, "covered": score.covered, "pairs": score.pairs}
    del vectors

    start = time.perf_counter()
    result = run_experiment(e, session=Session(disk=None))
    out["run_s"] = time.perf_counter() - start
    out["seeds"] = e.seeds
    out["approaches"] = {}
    for name in APPROACH_NAMES:
        a = result.approaches.get(name)
        if a is None:
            continue
        row = {}
        for split in ("test", "transfer"):
            if getattr(a, split) is None:
                continue
            over = a.over_seeds(split)
            row[split] = ({"mean": over.mean, "std": over.std, "n": over.n} if over is not None
                          else {"mean": getattr(a, split).accuracy, "std": None, "n": 1})
        out["approaches"][name] = row
    m = result.margin
    out["margin"] = {"points": m.points, "with": list(m.with_pretraining), "without": list(m.without)}
    c = result.learning_curve
    out["curve"] = {"sizes": list(c.sizes), "seeds": c.seeds,
                    "mean": {k: list(v) for k, v in c.mean.items()}, "std": {k: list(v) for k, v in c.std.items()}}
    return out


def _pct(mean: float, std: float | None) -> str:
    return f"{100 * mean:.1f}" if std is None else f"{100 * mean:.1f} ± {100 * std:.1f}"


def tables(results: list[dict]) -> str:
    lines = []
    names = list(results[0]["pairs"])
    head = ["weighting", "dimension", "vocabulary", "pretraining (s)", "peak MB"]
    for n in names:
        head += [f"{n} Spearman", f"{n} coverage"]
    lines += ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    for r in results:
        cells = [r["weighting"], str(r["dim"]), f"{r['vocabulary']:,}", f"{r['pretrain_s']:.1f}", f"{r['peak_mb']:,.0f}"]
        for n in names:
            p = r["pairs"][n]
            rho = "n/a" if p["spearman"] is None else f"{p['spearman']:.3f}"
            cells += [rho, f"{p['covered']}/{p['pairs']} ({100 * p['covered'] / p['pairs']:.0f}%)"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")

    approaches = list(results[0]["approaches"])
    for split in ("test", "transfer"):
        head = [f"{split} accuracy (%)"] + [r["weighting"] for r in results]
        lines += ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
        for a in approaches:
            cells = [a]
            for r in results:
                s = r["approaches"].get(a, {}).get(split)
                cells.append("" if s is None else _pct(s["mean"], s["std"]))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines.append("| margin (points) | " + " | ".join(f"{r['margin']['points']:+.1f}" for r in results) + " |")
    lines.append("| --- |" + " ---: |" * len(results))
    lines.append("")
    lines.append("margin: the worst of " + ", ".join(results[0]["margin"]["with"]) + " against the best of "
                 + ", ".join(results[0]["margin"]["without"]) + ", test accuracy averaged over seeds")
    lines.append("")

    for r in results:
        c = r["curve"]
        head = [f"{r['weighting']}: examples per class"] + [str(s) for s in c["sizes"]]
        lines += ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * len(c["sizes"])]
        for a in c["mean"]:
            lines.append("| " + " | ".join([a] + [_pct(m, s) for m, s in zip(c["mean"][a], c["std"][a])]) + " |")
        lines.append("")
    r0 = results[0]
    lines.append(f"seeds: {r0['seeds']}; test accuracy in %, mean ± population std over seeds where the approach "
                 f"depends on a seed (curve: over the seeds' subsets and draws)")
    lines.append("whole run_experiment per weighting (s): "
                 + ", ".join(f"{r['weighting']} {r['run_s']:.1f}" for r in results))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--weightings", default="counts,ppmi,svd,sgns",
                        help="comma-separated, of " + ", ".join(SETTINGS) + " (default: all)")
    parser.add_argument("--seeds", type=int, default=DEFAULT_SEEDS,
                        help=f"seeds for the seeded approaches and the curve (default {DEFAULT_SEEDS}; the experiment's own is 10)")
    parser.add_argument("--wordsim", default=None, help="WordSim-353 pairs (default: gensim's wordsim353.tsv)")
    parser.add_argument("--simlex", default=None, help="SimLex-999 pairs (default: gensim's simlex999.txt)")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON after the tables")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--pairs-json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(child(args.child, args.seeds, json.loads(args.pairs_json))))
        return 0

    weightings = [w.strip() for w in args.weightings.split(",") if w.strip()]
    unknown = [w for w in weightings if w not in SETTINGS]
    if unknown or not weightings:
        parser.error(f"unknown weighting(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(SETTINGS)}")
    pairs = {}
    for name, given, default in (("WordSim-353", args.wordsim, "wordsim353.tsv"),
                                 ("SimLex-999", args.simlex, "simlex999.txt")):
        path = given or _default_pairs(default)
        if path is None:
            parser.error(f"no {name} file: install gensim or give its path")
        if not Path(path).is_file():
            parser.error(f"{name}: no such file {path}")
        pairs[name] = str(path)
    if not 1 <= args.seeds <= 1000:
        parser.error("--seeds: whole, 1 to 1,000")
    results = []
    for w in weightings:
        print(f"{w} ...", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, __file__, "--child", w, "--seeds", str(args.seeds),
                               "--pairs-json", json.dumps(pairs)], capture_output=True, text=True, env=os.environ)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        r = results[-1]
        print(f"  pretraining {r['pretrain_s']:.1f} s, peak {r['peak_mb']:.0f} MB, run {r['run_s']:.1f} s",
              file=sys.stderr, flush=True)
    print(tables(results))
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
