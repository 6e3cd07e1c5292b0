"""Helpers for the tests: where the installed package keeps its experiments, and driving the explorer."""

import asyncio
import fcntl
import importlib.util
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from pretrain_explorer.engine import builtin_experiment_path
from pretrain_explorer.tui.app import PretrainExplorer

KATA = builtin_experiment_path("kata").parent
HELD_OUT = builtin_experiment_path("held-out").parent
# The console script pip installed beside the interpreter running the tests.
SCRIPT = Path(sys.executable).parent / "pretrain-explorer"


def synthetic():
    """benchmarks/synthetic.py, the generators of synthetic experiments, loaded from the checkout
    by path (the benchmarks are not installed, and their folder must not shadow the engine)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "synthetic.py"
    spec = importlib.util.spec_from_file_location("synthetic", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_outside(argv: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    """A command run from `cwd` (outside the checkout), so only the installed package can be imported."""
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, **kwargs)


def screen_text(app: PretrainExplorer) -> str:
    """The characters on screen now, line by line, as a user reads them."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settled(app: PretrainExplorer, pilot, timeout: float = 15.0) -> None:
    """Wait until no worker runs and the screen has caught up."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await pilot.pause(0.02)
        # Pending counts too: a key's worker is pending until the loop next runs, and a loaded
        # machine can take longer than one pause to get there.
        busy = any(not w.is_finished for w in app.workers)
        if app.result is not None and not busy:
            break
        if loop.time() > deadline:
            raise TimeoutError(f"the explorer did not settle: {[(w.name, w.state) for w in app.workers]}")
    await pilot.pause(0.05)


async def until(pilot, condition, bound: float = 60.0) -> None:
    """Let the app run until `condition()` holds; `bound` only turns a hang into a failure."""
    for _ in range(int(bound / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the explorer never got there")


async def open_failing(app: PretrainExplorer, pilot, location) -> object:
    """Settle, open `location` (which must fail) and wait for the failure's notification; the
    result that was on screen before, for the test to check it is still there."""
    await settled(app, pilot)
    shown = app.result
    app.start_run(app.base, None, location=str(location))
    await until(pilot, lambda: "Could not run the experiment" in notifications(app))
    return shown


def notifications(app: PretrainExplorer) -> str:
    """Every notification the app has raised and still holds, as text (toasts are drawn on a layer
    that the compositor's strips do not include)."""
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


_ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07]*\x07")


def run_in_terminal(argv: list[str], cwd: Path, wanted: list[str], bound: float = 120.0,
                    drawn_at: list[float] | None = None) -> tuple[str, int]:
    """Start `argv` on a pseudo-terminal of 80x24 in `cwd`, read what it draws until every string in
    `wanted` has appeared, then press q. The screen's text (escape codes removed) and the exit
    status. `bound` only turns a hang into a failure. `drawn_at`, if given, gets the
    time.perf_counter() at which the last wanted string appeared (benchmarks/ui_latency.py)."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: become the program
        os.chdir(cwd)
        os.environ["TERM"] = "xterm-256color"
        os.execv(argv[0], argv)
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    drawn, text = b"", ""
    deadline = time.monotonic() + bound
    try:
        while not all(w in text for w in wanted) and time.monotonic() < deadline:
            if select.select([terminal], [], [], 0.5)[0]:
                try:
                    drawn += os.read(terminal, 1 << 16)
                except OSError:  # the program ended
                    break
                text = _ESCAPES.sub(b"", drawn).decode("utf-8", "replace")
        if drawn_at is not None and all(w in text for w in wanted):
            drawn_at.append(time.perf_counter())
        os.write(terminal, b"q")
        while time.monotonic() < deadline and select.select([terminal], [], [], 0.5)[0]:
            try:
                if not os.read(terminal, 1 << 16):
                    break
            except OSError:
                break
    finally:
        if time.monotonic() >= deadline:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(terminal)
    return text, os.waitstatus_to_exitcode(status)
