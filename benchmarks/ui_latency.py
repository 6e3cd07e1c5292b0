"""Key-to-screen latency of the explorer, idle and while a long engine run works in its worker.

    python benchmarks/ui_latency.py [--tokens 3000000] [--vocabulary 2000] [--presses 40]

Presses n/p alternately and times each from the key to the screen showing the new stage, first
with nothing running, then while the engine re-counts a large synthetic corpus (after `+`). Prints
medians and the ratio, measured side by side in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual import events  # noqa: E402

from benchmarks.synthetic import experiment_folder  # noqa: E402
from engine import load_experiment  # noqa: E402
from engine.corpus import start_resource_tracker  # noqa: E402
from tests.explorer_helpers import screen_text  # noqa: E402
from tui.app import PretrainExplorer  # noqa: E402
from tui.widgets.stage_bar import StageBar  # noqa: E402


async def press_and_wait(app, key: str) -> float:
    """Seconds from the key event reaching the app, as a terminal's would, to the screen showing
    the stage it leads to. (Pilot.press also waits for the whole process to go idle, which is
    not what a user waits for.)"""
    target = app.stage + (1 if key == "n" else -1)
    event = events.Key(key, key)
    event.set_sender(app)
    start = time.perf_counter()
    app._driver.send_message(event)
    while app.query_one(StageBar).current != target or f"[{target} " not in screen_text(app):
        await asyncio.sleep(0.0005)
    return time.perf_counter() - start


async def measure(manifest: Path, presses: int) -> dict[str, list[float]]:
    app = PretrainExplorer(load_experiment(manifest))
    async with app.run_test(size=(80, 24)) as pilot:
        while app.result is None:
            await asyncio.sleep(0.05)
        run_seconds = time.perf_counter()
        keys = ["n", "p"] * (presses // 2)
        idle = []
        for k in keys:
            idle.append(await press_and_wait(app, k))
            await asyncio.sleep(0.02)
        await pilot.press("plus")  # re-runs the engine in its worker
        busy = []
        for k in keys:
            busy.append(await press_and_wait(app, k))
            await asyncio.sleep(0.02)  # a person presses keys apart, not back to back
        still_running = app._engine_worker is not None and app._engine_worker.is_running
        while app._engine_worker is not None and app._engine_worker.is_running:
            await asyncio.sleep(0.05)
        run_seconds = time.perf_counter() - run_seconds
        return {"idle": idle, "busy": busy, "still_running": still_running, "seconds": run_seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=3_000_000)
    parser.add_argument("--vocabulary", type=int, default=2_000)
    parser.add_argument("--presses", type=int, default=40)
    args = parser.parse_args()
    start_resource_tracker()  # as the explorer's command does, so counting can use worker processes
    with tempfile.TemporaryDirectory() as tmp:
        manifest = experiment_folder(Path(tmp) / "big", args.tokens, args.vocabulary)
        r = asyncio.run(measure(manifest, args.presses))
    idle, busy = statistics.median(r["idle"]) * 1000, statistics.median(r["busy"]) * 1000
    print(f"corpus: {args.tokens:,} synthetic tokens, {args.vocabulary:,}-word vocabulary; {len(r['idle'])} presses each")
    print(f"engine run still going after the busy presses: {r['still_running']}")
    print("| state | median key-to-screen (ms) | p90 (ms) |")
    print("| --- | --- | --- |")
    for name, values in (("idle", r["idle"]), ("engine running", r["busy"])):
        p90 = statistics.quantiles(values, n=10)[-1] * 1000
        print(f"| {name} | {statistics.median(values) * 1000:.1f} | {p90:.1f} |")
    print(f"ratio busy / idle (medians): {busy / idle:.2f}")


if __name__ == "__main__":
    main()
