"""The explorer's answer times on the kata, and its stage keys while a long engine run works.

    .venv/bin/python benchmarks/ui_latency.py [--launches 5] [--presses 20] [--tokens 3000000] [--launch-only]

Measures the installed package (run it with the interpreter of the environment it is installed in):
- launch: the console script started on a pseudo-terminal of 80x24, until stage 1 shows the
  corpus and the neighbours (a fresh process each time, as a user starts it);
- keys on the kata, in one explorer (Textual's headless driver at 80x24), each from the key
  reaching the app to the screen showing its whole answer (every worker done, the screen changed):
  `n`/`p` (stages), `]`/`[` (neighbour lists), `c` (comparison vectors), `r` (a new random seed),
  `+`/`-` (window, counted again: the session's cache is emptied before each, so every press
  counts afresh and reruns all that the window determines);
- `n`/`p` while the engine counts a large synthetic corpus in its worker, beside the same keys idle.
Prints medians and 90th percentiles, all measured in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # benchmarks/engine.py would shadow the engine

from textual import events  # noqa: E402

from pretrain_explorer.engine import load_experiment  # noqa: E402
from pretrain_explorer.tui.app import PretrainExplorer  # noqa: E402
from pretrain_explorer.tui.widgets.stage_bar import StageBar  # noqa: E402

STAGE_ONE_DRAWN = ("Corpus", "pretrained · ", "random · ")  # the corpus pane and both neighbour lists


def _tests_helpers():
    """tests/helpers.py, loaded by path (the tests' folder is not a package): the console script,
    the pseudo-terminal, the screen's text and the synthetic experiments, as the tests use them."""
    spec = importlib.util.spec_from_file_location("helpers", HERE.parent / "tests" / "helpers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


helpers = _tests_helpers()
screen_text = helpers.screen_text


def launch_seconds(cwd: Path) -> float:
    """Start the console script on a pseudo-terminal and time it until stage 1 is drawn."""
    drawn_at: list[float] = []
    start = time.perf_counter()
    helpers.run_in_terminal([str(helpers.SCRIPT)], cwd, list(STAGE_ONE_DRAWN), bound=60, drawn_at=drawn_at)
    if not drawn_at:
        raise SystemExit("the explorer did not draw stage 1 within 60 s")
    return drawn_at[0] - start


def send(app: PretrainExplorer, key: str, character: str | None) -> None:
    """The key as a terminal delivers it (Pilot.press also waits for the whole app to go idle)."""
    event = events.Key(key, character)
    event.set_sender(app)
    app._driver.send_message(event)


async def answered(app: PretrainExplorer, key: str, character: str | None) -> float:
    """Seconds from the key to its whole answer on screen: no worker running and the screen changed."""
    before, result = screen_text(app), app.result
    start = time.perf_counter()
    send(app, key, character)
    while True:
        await asyncio.sleep(0.001)
        if any(worker.is_running for worker in app.workers):
            continue
        if key in ("r", "plus", "minus") and app.result is result:
            continue  # the run has not started or not delivered yet
        if screen_text(app) != before:
            return time.perf_counter() - start


async def stage_key(app: PretrainExplorer, key: str) -> float:
    target = app.stage + (1 if key == "n" else -1)
    start = time.perf_counter()
    send(app, key, key)
    while app.query_one(StageBar).current != target or f"[{target} " not in screen_text(app):
        await asyncio.sleep(0.0005)
    return time.perf_counter() - start


async def settle(app: PretrainExplorer) -> None:
    while app.result is None or any(worker.is_running for worker in app.workers):
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.1)  # a person presses keys apart, not back to back


KEY_PAIRS = {  # each pair leaves the explorer as it found it
    "n / p (stage)": (("n", "n"), ("p", "p")),
    "] / [ (neighbour lists)": (("right_square_bracket", "]"), ("left_square_bracket", "[")),
    "c (comparison vectors)": (("c", "c"), ("c", "c")),
    "r (new random seed)": (("r", "r"), ("r", "r")),
    "+ / - (window, recounted)": (("plus", "+"), ("minus", "-")),
}


async def kata_keys(presses: int) -> dict[str, list[float]]:
    app = PretrainExplorer()
    times: dict[str, list[float]] = {}
    async with app.run_test(size=(80, 24)):
        await settle(app)
        for name, pair in KEY_PAIRS.items():
            times[name] = []
            print(f"  {name}", file=sys.stderr, flush=True)
            for i in range(presses):
                key, character = pair[i % 2]
                if key in ("plus", "minus"):
                    # Each press counts afresh, as a window not seen yet does: nothing in memory, and no
                    # disk cache to load the whole result from (it holds both windows after the first pair).
                    app.session.clear()
                    app.session.disk = None
                wait = stage_key(app, key) if key in ("n", "p") else answered(app, key, character)
                times[name].append(await wait)
                await settle(app)
    return times


async def busy_stage_keys(manifest: Path, presses: int) -> dict[str, object]:
    app = PretrainExplorer(load_experiment(manifest))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app)
        keys = ["n", "p"] * (presses // 2)
        idle = []
        for key in keys:
            idle.append(await stage_key(app, key))
            await asyncio.sleep(0.02)
        await pilot.press("plus")  # the engine counts again, in its worker
        busy = []
        for key in keys:
            busy.append(await stage_key(app, key))
            await asyncio.sleep(0.02)
        still_running = app._engine_worker is not None and app._engine_worker.is_running
        app.action_cancel()
        while app._engine_worker is not None and app._engine_worker.is_running:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # the cancelled run's last message handled before the app closes
        return {"idle": idle, "busy": busy, "still_running": still_running}


def row(name: str, values: list[float]) -> str:
    p90 = statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]
    return f"| {name} | {len(values)} | {statistics.median(values) * 1000:.1f} | {p90 * 1000:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--launches", type=int, default=5)
    parser.add_argument("--presses", type=int, default=20, help="presses of each key (pair)")
    parser.add_argument("--tokens", type=int, default=3_000_000, help="synthetic corpus of the busy measurement")
    parser.add_argument("--vocabulary", type=int, default=2_000)
    parser.add_argument("--launch-only", action="store_true", help="measure the launch alone (the README's row)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        launch_seconds(Path(tmp))  # a discarded first start: numba's cache, the disk cache
        launches = [launch_seconds(Path(tmp)) for _ in range(args.launches)]
        print("launches measured", file=sys.stderr, flush=True)
        if args.launch_only:
            print(row("launch to stage 1 drawn (a new process)", launches))
            print(f"load average after: {os.getloadavg()[0]:.2f}")
            return
        keys = asyncio.run(kata_keys(args.presses))
        print("kata keys measured", file=sys.stderr, flush=True)
        manifest = helpers.synthetic().experiment_folder(Path(tmp) / "big", args.tokens, args.vocabulary)
        busy = asyncio.run(busy_stage_keys(manifest, args.presses * 2))
    print("| on the kata, at 80x24 | times | median (ms) | p90 (ms) |")
    print("| --- | ---: | ---: | ---: |")
    print(row("launch to stage 1 drawn (a new process)", launches))
    for name, values in keys.items():
        print(row(name, values))
    print(row(f"n / p while the engine counts {args.tokens:,} tokens", busy["busy"]))
    print(row("n / p idle, same experiment", busy["idle"]))
    print(f"engine run still going after the busy presses: {busy['still_running']}")
    print(f"ratio busy / idle (medians): {statistics.median(busy['busy']) / statistics.median(busy['idle']):.2f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
