"""Served sessions end with their visitors: a real `serve` on loopback, visitors that leave cleanly,
vanish, or are a real browser, and signals; then the explorer processes left are counted."""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest

from helpers import SCRIPT

BOUND = 90.0  # only turns a hang into a failure


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def explorers(parent: int | None = None) -> set[int]:
    """Served explorers now running (zombies have no command line), those of `parent` if given."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes()
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # not a process, or one that just ended
        if b"--served-from" in command and b"pretrain_explorer.tui" in command and parent in (None, ppid):
            found.add(int(entry.name))
    return found


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.1)


def start_serve(arguments: list[str], cwd: Path, env: dict | None = None) -> subprocess.Popen:
    """A real `pretrain-explorer serve ARGUMENTS` on 127.0.0.1 and a free port (its `port`), listening."""
    port = free_port()
    process = subprocess.Popen([str(SCRIPT), "serve", *arguments, "--port", str(port)], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    said = ""
    for line in process.stdout:  # it says so as it starts listening
        said += line
        if "Press Ctrl+C to quit" in said:
            break
    wait_for(lambda: _accepts(port), "the server accepts connections")
    process.port = port
    return process


def stop_serve(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    process.communicate(timeout=BOUND)


@pytest.fixture
def server(tmp_path):
    """A real `pretrain-explorer serve` on 127.0.0.1 and a free port, listening; stopped after."""
    process = start_serve([], tmp_path)
    yield process
    stop_serve(process)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return True
    except OSError:
        return False


async def visit(port: int, leave: str, stay: asyncio.Event | None = None, shown: asyncio.Event | None = None) -> None:
    """One visitor: connect, wait for the explorer's first screen data, then leave `cleanly` (a
    close handshake) or by `dropping` the socket (no goodbye); with `stay`, only once it is set."""
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws?width=100&height=30")
        while (await asyncio.wait_for(ws.receive(), BOUND)).type != aiohttp.WSMsgType.BINARY:
            pass
        await ws.send_json(["resize", {"width": 90, "height": 28}])  # as a browser's page does
        if shown is not None:
            shown.set()
        if stay is not None:
            await asyncio.wait_for(stay.wait(), BOUND)
        if leave == "cleanly":
            await ws.close()
        else:
            ws.get_extra_info("socket").shutdown(socket.SHUT_RDWR)


def test_visitors_who_leave_leave_no_explorer_behind(server):
    async def visitors():
        await asyncio.gather(*(visit(server.port, "cleanly" if n % 2 else "dropping") for n in range(8)))

    asyncio.run(visitors())
    wait_for(lambda: not explorers(server.pid), "every visitor's explorer ended")
    assert server.poll() is None  # the server still serves


def test_stopping_the_server_ends_every_explorer_it_started(server):
    async def visitors_who_stay():
        stay = asyncio.Event()
        shown = [asyncio.Event() for _ in range(3)]
        visits = [asyncio.create_task(visit(server.port, "dropping", stay, event)) for event in shown]
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in shown)), BOUND)
        started = explorers(server.pid)
        server.send_signal(signal.SIGTERM)
        await asyncio.to_thread(server.wait, BOUND)
        stay.set()
        await asyncio.gather(*visits, return_exceptions=True)  # their server has gone
        return started

    started = asyncio.run(visitors_who_stay())
    wait_for(lambda: not started & explorers(), "the stopped server's explorers ended")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_served_explorer_ends_at_once_on_a_signal(server, signum):
    async def signalled():
        stay, shown = asyncio.Event(), asyncio.Event()
        visiting = asyncio.create_task(visit(server.port, "cleanly", stay, shown))
        await asyncio.wait_for(shown.wait(), BOUND)
        [pid] = explorers(server.pid)
        os.kill(pid, signum)  # the visitor is still connected: only the signal can end it
        await asyncio.to_thread(wait_for, lambda: pid not in explorers(), "the explorer ended on the signal")
        stay.set()
        await asyncio.gather(visiting, return_exceptions=True)

    asyncio.run(signalled())


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="needs Debian's chromium (apt-get install -y chromium); .ci/run installs it as root")
def test_a_real_browser_leaves_no_explorer_behind(server, tmp_path):
    # Headless Chromium's page resizes, focuses and closes early, which a websocket client does not.
    for visit_number in range(2):
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}",
                        f"--screenshot={tmp_path / f'page{visit_number}.png'}", "--window-size=800,600",
                        f"http://127.0.0.1:{server.port}/"], capture_output=True, timeout=BOUND, check=True)
    wait_for(lambda: not explorers(server.pid), "the browser's explorers ended")
    assert server.poll() is None
