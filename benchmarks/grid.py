"""The grid of labels against unlabeled text (engine/run/grid.py) against one plain run, on a shipped experiment.

    python benchmarks/grid.py [EXPERIMENT ...]      # default: packages reviews

For each experiment, in a fresh process of its own and without the disk cache: the time of one
run_experiment at the experiment's own settings (full size: its whole corpus, its seeds), then the
time of label_grid on that result in the same session (the counts of the corpus's prefixes in one
pass, their vectors, the learning curve's draws for the approaches with pretraining on each), and
their ratio; the target is at most 2. Prints a markdown table, then each grid's numbers (accuracy and
margin of every approach with pretraining, per prefix and labels per class) and the domain figure,
as JSON lines for docs/real-text.md. One run each, on whatever else the machine is doing (say how
loaded it was: `uptime` before and after).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def child(name: str) -> dict:
    import dataclasses

    from pretrain_explorer.engine import Session, builtin_experiment_path, load_experiment, run_experiment
    from pretrain_explorer.engine.run.grid import label_grid
    from pretrain_explorer.engine.run.json_form import grid_json

    e = load_experiment(builtin_experiment_path(name))
    session = Session(disk=None)
    start = time.perf_counter()
    result = run_experiment(e, session=session)
    run_seconds = time.perf_counter() - start
    start = time.perf_counter()
    grid = label_grid(session, result)
    grid_seconds = time.perf_counter() - start
    d = result.domain
    return {"experiment": name, "run_seconds": run_seconds, "grid_seconds": grid_seconds,
            "corpus_tokens": result.corpus.tokens, "grid": grid_json(grid),
            "domain": {**dataclasses.asdict(d), "excess_unsupported": d.excess_unsupported}}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(child(argv[1])))
        return 0
    names = argv or ["packages", "reviews"]
    rows = []
    for name in names:
        out = subprocess.run([sys.executable, __file__, "--child", name], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print("| experiment | corpus tokens | one run (s) | grid (s) | grid / run |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['experiment']} | {r['corpus_tokens']:,} | {r['run_seconds']:.1f} | {r['grid_seconds']:.1f} | "
              f"{r['grid_seconds'] / r['run_seconds']:.2f} |")
    print()
    for r in rows:
        print(json.dumps({"experiment": r["experiment"], "grid": r["grid"], "domain": r["domain"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
