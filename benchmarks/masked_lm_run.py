"""`reviews` with the masked language model's approaches (the explorer's k, `report --masked-lm`):
the whole run's wall time and peak memory without them and with them, in a child process each with an
empty disk cache (XDG_CACHE_HOME), beside the estimates made before the run (the fine-tuning's time,
engine/run/masked_lm_time.py, from a trial step; the peak, engine/run/memory.py). The issue's need:
k on reviews fast enough for a class (the target set: at most about 2 minutes more than without).

    python benchmarks/masked_lm_run.py [--write]

With --write, the table replaces this benchmark's section of docs/benchmarks.md. One run each, on
whatever else the machine is doing: the load average before and after is written with them.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pretrain_explorer.engine import builtin_experiment_path, load_experiment
from pretrain_explorer.engine.experiment import with_overrides
from pretrain_explorer.engine.run.masked_lm_time import estimate_fine_tuning

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: benchmarks.docs_section
from benchmarks.docs_section import publish  # noqa: E402

BEGIN, END = "<!-- benchmarks/masked_lm_run.py writes this section: begin -->", "<!-- benchmarks/masked_lm_run.py: end -->"
HEADING = "## reviews with the masked language model's approaches (k): time and memory (issue 26)"
MIB = 1 << 20


def measure(masked_lm: bool) -> dict:
    """One `report reviews --json` in a child with an empty cache: wall time, CPU time, peak, the estimated peak."""
    command = [sys.executable, "-m", "pretrain_explorer.tui", "report", "reviews", "--json"]
    command += ["--masked-lm"] if masked_lm else []
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as cache:
        process = subprocess.Popen(command, stdout=out, stderr=err, env={**os.environ, "XDG_CACHE_HOME": cache})
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(command)} failed: {err.read().decode()[-500:]}")
        out.seek(0)
        report = json.loads(out.read())
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak": usage.ru_maxrss * 1024,
            "estimate": report["memory"]["estimate"]}


def table(without: dict, with_k: dict, estimated: float, loads: tuple[float, float]) -> str:
    rows = "".join(f"| {name} | {r['seconds']:.0f} s | {r['cpu']:.0f} s | {r['peak'] / MIB:,.0f} MiB | "
                   f"{r['estimate'] / MIB:,.0f} MiB ({(r['estimate'] - r['peak']) / r['peak']:+.0%}) |\n"
                   for name, r in (("without", without), ("with --masked-lm (k)", with_k)))
    added = with_k["seconds"] - without["seconds"]
    return (f"Written by `python benchmarks/masked_lm_run.py` on {platform.machine()}, {os.cpu_count()} cores, "
            f"{datetime.date.today().isoformat()}; load average {loads[0]:.1f} before, {loads[1]:.1f} after (the 2 "
            "cores are shared with other work). `report reviews --json`, each in its own process with an empty "
            "disk cache; the model is the one shipped with reviews (not trained in the run).\n\n"
            "| run | wall time | CPU time | peak resident | estimated peak (- peak) |\n"
            "| --- | ---: | ---: | ---: | ---: |\n" + rows +
            f"\nThe masked language model's approaches added {added:.0f} s of wall time and "
            f"{with_k['cpu'] - without['cpu']:.0f} s of CPU time (target: about 2 minutes at most); estimated before "
            f"the run from a trial step: {estimated:.0f} s.\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write the table into docs/benchmarks.md")
    args = parser.parse_args()
    before = os.getloadavg()[0]
    without = measure(False)
    estimated = estimate_fine_tuning(with_overrides(load_experiment(builtin_experiment_path("reviews")),
                                                    masked_lm=True)).seconds
    with_k = measure(True)
    section = table(without, with_k, estimated, (before, os.getloadavg()[0]))
    publish(section, args.write, HEADING, BEGIN, END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
