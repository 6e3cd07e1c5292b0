"""A class on one server: simulated visitors of a real `pretrain-explorer serve` on 127.0.0.1.

    python benchmarks/class_server.py [--visitors 30] [--seconds 60] [--experiment reviews]

The server runs with a disk cache of its own (a temporary folder, or --cache DIR). One visitor
comes first and waits for its results however long they take (the cold run: it fills the cache);
then --visitors visitors arrive evenly over --seconds, each as textual-serve's page talks to it (a
websocket): it connects, waits for its first results on screen (the settings line the explorer
shows with results), presses the stage keys 2 3 4 5 1 n p, and leaves (half close the socket,
half drop it). Meanwhile every explorer process the server started is sampled (resident memory,
proportional share, which heavy libraries it has mapped). The table is printed and, unless
--no-docs, written into docs/benchmarks.md between this script's markers, so it can be rerun.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).parent / "pretrain-explorer"
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- class_server.py: begin -->", "<!-- class_server.py: end -->"
RESULTS_SHOWN = re.compile(r"· seed \d+")  # the settings line, shown with a result (tui/app.py _show_settings)
ESCAPES = re.compile(rb"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-B]|[=>78])")
KEYS = ("2", "3", "4", "5", "1", "n", "p")
QUIET = 0.3  # seconds without output that end a key's answer
BOUND = 60.0  # seconds a warm visitor may take before it counts as a failure
COLD_BOUND = 1800.0
ALONE = 3  # warm visitors measured one at a time before the class arrives
# Libraries the explorer needs only to compute (counting, the SVD, skip-gram, the bag of words'
# optimizer), as their shared objects show in a process's memory map.
HEAVY = {"numba": "llvmlite", "scipy.sparse.linalg": "_arpack", "gensim": "gensim", "scipy.optimize": "_lbfgsb"}


def explorers(parent: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes()
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if b"--served-from" in command and ppid == parent:
            found.add(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    """User and system time `pid` has used so far."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> tuple[int, int, set[str]]:
    """Resident and proportional-share bytes of `pid`, and which HEAVY libraries it has mapped."""
    try:
        status = (Path("/proc") / str(pid) / "status").read_text()
        rollup = (Path("/proc") / str(pid) / "smaps_rollup").read_text()
        maps = (Path("/proc") / str(pid) / "maps").read_text()
    except OSError:
        return 0, 0, set()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) << 10
    pss = int(re.search(r"^Pss:\s+(\d+)", rollup, re.M).group(1)) << 10
    return rss, pss, {name for name, mark in HEAVY.items() if mark in maps}


class Sampler:
    def __init__(self, server: int):
        self.server = server
        self.largest: dict[int, int] = {}  # pid -> its largest resident bytes sampled
        self.cpu: dict[int, float] = {}  # pid -> the CPU time it had used when last sampled
        self.heavy: set[str] = set()
        self.total_rss = self.total_pss = self.most_at_once = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            pids = explorers(self.server)
            sampled = [memory(pid) for pid in pids]
            for pid, (rss, _, heavy) in zip(pids, sampled):
                self.largest[pid] = max(self.largest.get(pid, 0), rss)
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), cpu_seconds(pid))
                self.heavy |= heavy
            self.total_rss = max(self.total_rss, sum(s[0] for s in sampled))
            self.total_pss = max(self.total_pss, sum(s[1] for s in sampled))
            self.most_at_once = max(self.most_at_once, len(pids))
            await asyncio.sleep(0.25)


class Screen:
    """A visitor's end of the websocket: the explorer's output, as text without escapes."""

    def __init__(self, ws):
        self.ws, self.text = ws, ""

    async def frame(self, timeout: float) -> float | None:
        """Wait for the next output; the time it came, or None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                message = await asyncio.wait_for(self.ws.receive(), left)
            except asyncio.TimeoutError:
                return None
            if message.type == aiohttp.WSMsgType.BINARY:
                self.text = (self.text + ESCAPES.sub(b"", message.data).decode("utf-8", "replace"))[-20000:]
                return time.monotonic()
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                raise ConnectionError("the server closed the visit")


async def visit(port: int, number: int, bound: float) -> dict:
    """One visitor; what it measured, or its failure."""
    started = time.monotonic()
    try:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws?width=100&height=30")
            screen = Screen(ws)
            resized = False
            while not RESULTS_SHOWN.search(screen.text):
                if await screen.frame(bound - (time.monotonic() - started)) is None:
                    return {"failure": f"no results within {bound:.0f} s"}
                if not resized:  # as a browser's page does once it has the first output
                    await ws.send_json(["resize", {"width": 100, "height": 30}])
                    resized = True
            first = time.monotonic() - started
            answers = []
            while await screen.frame(QUIET) is not None:  # the results drawn
                pass
            for key in KEYS:
                pressed = time.monotonic()
                await ws.send_json(["stdin", key])
                last = await screen.frame(10.0)
                if last is None:
                    return {"failure": f"no answer to {key!r}"}
                while (later := await screen.frame(QUIET)) is not None:
                    last = later
                answers.append(last - pressed)
            if number % 2:
                await ws.close()
            else:
                ws.get_extra_info("socket").shutdown(socket.SHUT_RDWR)
            return {"first": first, "answers": answers}
    except (OSError, ConnectionError, aiohttp.ClientError) as exc:
        return {"failure": f"{type(exc).__name__}: {exc} after {time.monotonic() - started:.1f} s"}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def class_visit(port: int, server: int, visitors: int, seconds: float):
    sampler, stop = Sampler(server), asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop))
    cold = await visit(port, 1, COLD_BOUND)
    await wait_until_gone(server)
    alone = []  # warm visitors one at a time: what the load of the others adds
    for number in range(ALONE):
        alone.append(await visit(port, number, BOUND))
        await wait_until_gone(server)
    for visitor, used in zip(alone, list(sampler.cpu.values())[1:]):  # the cold visitor's explorer came first
        visitor["cpu"] = used
    warm_sampler = Sampler(server)
    stop.set()
    await sampling
    stop = asyncio.Event()
    sampling = asyncio.create_task(warm_sampler.run(stop))

    async def later(number: int) -> dict:
        await asyncio.sleep(number * seconds / visitors)
        return await visit(port, number, BOUND)

    visits = await asyncio.gather(*(later(n) for n in range(visitors)))
    left = await wait_until_gone(server)
    stop.set()
    await sampling
    return cold, alone, visits, warm_sampler, left


async def wait_until_gone(server: int, bound: float = 20.0) -> int:
    """Wait (at most `bound` s) for the server's explorers to end; how many are left."""
    deadline = time.monotonic() + bound
    while explorers(server) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    return len(explorers(server))


def table(args, cold: dict, alone: list[dict], visits: list[dict], sampler: Sampler, left: int, loads: tuple,
          held: int) -> str:
    firsts = [v["first"] for v in visits if "first" in v]
    answers = [a for v in visits if "answers" in v for a in v["answers"]]
    failures = [v["failure"] for v in visits if "failure" in v]
    for failure in sorted(set(failures)):
        print(f"{failures.count(failure)} x {failure}", file=sys.stderr)
    largest = sorted(sampler.largest.values())
    mb = 1 << 20
    rows = [
        ("first visitor (computes what the cache lacks): time to results (s)",
         f"{cold['first']:.1f}" if "first" in cold else cold["failure"], ""),
        (f"{ALONE} warm visitors one at a time: time to results, each (s)",
         " / ".join(f"{v['first']:.1f}" if "first" in v else "failed" for v in alone), "within 5 s"),
        ("the same: CPU time of each one's explorer, whole visit (s)",
         " / ".join(f"{v.get('cpu', 0.0):.2f}" for v in alone), ""),
        ("visitors of the class (warm cache) with results", f"{len(firsts)} of {len(visits)}", "all"),
        ("time to first results, median / p90 / max (s)",
         f"{statistics.median(firsts):.2f} / {percentile(firsts, 0.9):.2f} / {max(firsts):.2f}" if firsts else "-",
         "every visitor within 5 s"),
        ("visitors with results within 5 s", f"{sum(f <= 5 for f in firsts)} of {len(visits)}", f"{len(visits)}"),
        (f"key answers ({' '.join(KEYS)}), median / p90 (ms)",
         f"{1000 * statistics.median(answers):.0f} / {1000 * percentile(answers, 0.9):.0f}" if answers else "-", ""),
        ("CPU time of a visitor's explorer, whole visit, median / max (s)",
         f"{statistics.median(sampler.cpu.values()):.2f} / {max(sampler.cpu.values()):.2f}" if sampler.cpu else "-",
         ""),
        ("largest visitor explorer, resident, median / max (MB)",
         f"{statistics.median(largest) / mb:.0f} / {largest[-1] / mb:.0f}" if largest else "-", "at most 150"),
        ("all explorers at once, most: processes / resident / proportional share (MB)",
         f"{sampler.most_at_once} / {sampler.total_rss / mb:.0f} / {sampler.total_pss / mb:.0f}", ""),
        ("libraries only computing needs, mapped by a warm visitor",
         ", ".join(sorted(sampler.heavy)) or "none", "none"),
        ("failures", f"{len(failures)}" + (f" ({failures[0]})" if failures else ""), "0"),
        ("explorer processes left 20 s after the last visitor", f"{left}", "0"),
    ]
    lines = [f"| `{args.experiment}`, {args.visitors} visitors over {args.seconds:.0f} s | measured | target |",
             "| --- | ---: | --- |"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return (f"{BEGIN}\n**A class on one server** (`python benchmarks/class_server.py --visitors {args.visitors} "
            f"--seconds {args.seconds:.0f} --experiment {args.experiment}`): a real `serve` on 127.0.0.1 "
            f"with its own disk cache (holding {held} entries at the start); one visitor first, who computes "
            f"what the cache lacks (the cold run), then {ALONE} one at a "
            f"time, then {args.visitors} "
            f"visitors arriving evenly over {args.seconds:.0f} s, each connecting over textual-serve's "
            f"websocket, waiting for its results on screen, pressing {' '.join(KEYS)} and leaving. "
            f"A key's answer is timed to the last output before {QUIET * 1000:.0f} ms of quiet. Memory is "
            f"sampled every 0.25 s over the server's explorer processes. {os.cpu_count()} cores; load "
            f"average {loads[0]:.1f} before, {loads[1]:.1f} after.\n\n" + "\n".join(lines) + f"\n{END}\n")


def write_docs(text: str) -> None:
    docs = DOCS.read_text()
    if BEGIN in docs and END in docs:
        docs = docs[:docs.index(BEGIN)] + text.rstrip("\n") + docs[docs.index(END) + len(END):]
    else:
        docs = docs.rstrip("\n") + "\n\n" + text
    DOCS.write_text(docs)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--experiment", default="reviews")
    parser.add_argument("--cache", type=Path,
                        help="the disk cache's parent folder (XDG_CACHE_HOME); default: a new one")
    parser.add_argument("--no-docs", action="store_true", help="print the table only")
    parser.add_argument("--server-log", type=Path, help="where the server's output goes (default: discarded)")
    args = parser.parse_args()
    cache = args.cache or Path(tempfile.mkdtemp(prefix="class-server-cache-"))
    port = free_port()
    server = subprocess.Popen([str(SCRIPT), "serve", args.experiment, "--port", str(port)], cwd=tempfile.gettempdir(),
                              env={**os.environ, "XDG_CACHE_HOME": str(cache)}, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            if "Press Ctrl+C to quit" in line:
                break
        while True:  # it says so just before it listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                break
            except OSError:
                time.sleep(0.1)
        before = os.getloadavg()[0]
        held = len(list((cache / "pretrain-explorer").glob("*.npz")))
        cold, alone, visits, sampler, left = asyncio.run(class_visit(port, server.pid, args.visitors, args.seconds))
        text = table(args, cold, alone, visits, sampler, left, (before, os.getloadavg()[0]), held)
    finally:
        server.send_signal(signal.SIGINT)
        said = server.communicate(timeout=60)[0]
        if args.server_log:
            args.server_log.write_text(said)
    print(text)
    if not args.no_docs:
        write_docs(text)


if __name__ == "__main__":
    main()
