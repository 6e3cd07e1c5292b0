"""Peak memory of `pretrain-explorer report` on the shipped `reviews`, for each weighting, beside the
estimate the run made before it allocated (engine/run/memory.py; the target: within 25%).

Each run is a real `report --json` in its own process, with an empty cache folder of its own
(XDG_CACHE_HOME), so that it computes what an earlier run stored; its peak resident memory is the
kernel's (wait4's ru_maxrss). Counts and PPMI keep the 5,000 most frequent words (--max-vocab 5000), as the
explorer does. The table replaces its section of docs/benchmarks.md, so it is rerun, never retyped:

    python benchmarks/memory.py [--parallel 2] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pretrain_explorer.engine.settings import DENSE_WEIGHTINGS, MAX_DENSE_WORDS, WEIGHTINGS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
BEGIN = "<!-- benchmarks/memory.py writes this section: begin -->"
END = "<!-- benchmarks/memory.py writes this section: end -->"
TARGET = 0.25  # the estimate within this share of the measured peak
MIB = 1 << 20


def measure(weighting: str) -> dict:
    """One `report --json` run: its peak resident memory, its estimate, its time."""
    command = [sys.executable, "-m", "pretrain_explorer.tui", "report", "reviews", "--json", "--weighting", weighting]
    if weighting in DENSE_WEIGHTINGS:
        command += ["--max-vocab", str(MAX_DENSE_WORDS)]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as cache:
        process = subprocess.Popen(command, stdout=out, stderr=err, env={**os.environ, "XDG_CACHE_HOME": cache})
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {err.read().decode()[-500:]}")
        out.seek(0)
        report = json.loads(out.read())
    peak = usage.ru_maxrss * 1024  # kilobytes on Linux
    estimate = report["memory"]["estimate"]
    return {"weighting": weighting, "vocabulary": report["vocab_size"], "dimension": report["dimension"],
            "peak": peak, "estimate": estimate, "error": (estimate - peak) / peak, "seconds": seconds,
            "parts": report["memory"]["parts"]}


def table(rows: list[dict], load: tuple[float, float]) -> str:
    lines = [BEGIN, "",
             f"Peak memory of `pretrain-explorer report reviews --json` by weighting (counts and ppmi with "
             f"`--max-vocab {MAX_DENSE_WORDS}`), measured by the kernel (wait4's peak resident set), beside the "
             f"estimate the run made before it allocated (engine/run/memory.py); target: within "
             f"{TARGET:.0%}. Written by `python benchmarks/memory.py` on {platform.machine()}, "
             f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, each run with an empty disk cache; times are on a "
             f"machine shared with other work (1-minute load average {load[0]:.1f} before, {load[1]:.1f} after).",
             "",
             "| weighting | vocabulary x dimension | measured peak | estimate | estimate - peak | time |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['weighting']} | {r['vocabulary']:,} x {r['dimension']:,} | {r['peak'] / MIB:,.0f} MiB | "
                     f"{r['estimate'] / MIB:,.0f} MiB | {r['error']:+.0%} | {r['seconds']:.0f} s |")
    lines += ["", "The estimate's parts (MiB): " + "; ".join(
        f"{r['weighting']}: " + ", ".join(f"{name} {count / MIB:,.0f}" for name, count in r["parts"].items())
        for r in rows), "", END]
    return "\n".join(lines)


def write(section: str) -> None:
    text = DOCS.read_text()
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n## Memory of a run, estimated and measured (issue 21)\n\n" + section + "\n"
    DOCS.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallel", type=int, default=1, help="runs at once (each has its own process)")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args()
    before = os.getloadavg()[0]
    with ThreadPoolExecutor(args.parallel) as pool:
        rows = list(pool.map(measure, WEIGHTINGS))
    section = table(rows, (before, os.getloadavg()[0]))
    print(section)
    if not args.no_write:
        write(section)
    far = [r["weighting"] for r in rows if abs(r["error"]) > TARGET]
    if far:
        print(f"estimate off by more than {TARGET:.0%} for: {', '.join(far)}", file=sys.stderr)
    return 1 if far else 0


if __name__ == "__main__":
    sys.exit(main())
