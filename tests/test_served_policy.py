"""The served path policy, tried on a real `serve` on loopback with websocket visitors who type: which
folders a server allows, where a visit may write, and one refusal for every path outside."""

import asyncio
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest
from textual.color import Color
from textual.theme import BUILTIN_THEMES

from helpers import KATA
from test_served_sessions import BOUND, explorers, start_serve, stop_serve
from pretrain_explorer.engine.errors import ExperimentError
from pretrain_explorer.tui.access import check_private
from pretrain_explorer.tui.cli import main

_ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07]*\x07")


class Visitor:
    """A browser's side of one served explorer: what it was sent, and keys to type."""

    def __init__(self, ws) -> None:
        self.ws, self.drawn = ws, b""

    async def until(self, wanted: str, since: int = 0) -> str:
        """Read what the explorer draws until the regular expression `wanted` matches it (drawn since
        byte `since`, escape codes removed, or raw for colours); the text that matched."""
        deadline = time.monotonic() + BOUND
        while True:
            drawn = self.drawn[since:]
            found = re.search(wanted, _ESCAPES.sub(b"", drawn).decode("utf-8", "replace"), re.MULTILINE)
            if found or re.search(wanted.encode(), drawn):
                return found.group(0) if found else wanted
            try:
                message = await asyncio.wait_for(self.ws.receive(), max(deadline - time.monotonic(), 0))
            except asyncio.TimeoutError:
                text = _ESCAPES.sub(b"", drawn[-3000:]).decode("utf-8", "replace")
                raise AssertionError(f"never drawn: {wanted!r}; the last drawn: {text!r}") from None
            assert message.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), message
            if message.type == aiohttp.WSMsgType.BINARY:
                self.drawn += message.data

    async def type(self, keys: str, then: str) -> str:
        """Type `keys`, then wait until what the explorer draws after them matches `then`."""
        since = len(self.drawn)
        await self.ws.send_json(["stdin", keys])
        return await self.until(then, since)

    async def pick(self, query: str, *shown: str, then: str) -> str:
        """In an open palette, type `query`, wait until its list holds only the entry whose lines are
        `shown` (enter before the list is filtered picks nothing), press enter and wait for `then`."""
        only = "".join(rf" *{re.escape(line)} *\n" for line in shown)  # under a blank line, over the border
        await self.type(query, rf"[▁\n] *\n{only}▁")
        return await self.type("\r", then)


async def visiting(port: int, act) -> object:
    """Connect as a browser does, wait for the explorer's results, run `act(visitor)`, leave."""
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws?width=100&height=30")
        visitor = Visitor(ws)
        await visitor.until("vocab")  # the status line, once the first results are on screen
        try:
            return await act(visitor)
        finally:
            await ws.close()


def refusal(text: str, path: str) -> str:
    """The toast refusing `path` in `text`, whitespace removed (it wraps wherever the toast's width
    falls), the path replaced by PATH."""
    toast = re.search(rf"Could not run the experiment *\n *▌ {re.escape(path)}:.*(\n *▌ .*\S.*)*", text).group(0)
    return re.sub(r"\s|▌", "", toast).replace(path, "PATH")


async def open_in_palette(visitor: Visitor, path: str) -> str:
    """Open `path` as a visitor does (ctrl+p, Open experiment, type it: the path box takes it); the refusal it gets."""
    await visitor.type("\x10", "Search for commands")
    await visitor.pick("open experiment", "Open experiment",
                       "Load an experiment.toml, its folder, or pretrained vectors (.npz)", then="enter opens")
    # The whole path drawn, then a blank: the box's right edge may lie under the first-run hint's toast.
    await visitor.type(path, then=rf"▊ *{re.escape(path)} ")
    # The toast is drawn whole once its blank last line is.
    return refusal(await visitor.type("\r", then=rf"Could not run the experiment *\n *▌ {re.escape(path)}:.*"
                                                 r"(\n *▌ .*\S.*)*\n *▌ +$"), path)


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]


@pytest.fixture(scope="module")
def kata_from_root(tmp_path_factory) -> dict:
    """`serve kata` started in `/`, its user's HOME an empty folder, its temporary folder one where
    another user planted a plain file at the exports folder's old, predictable name, and where
    the exports folders of a killed server and of a running one are. One visitor looks at its
    explorer and chooses the nord theme, then the server stops: what was seen."""
    root = tmp_path_factory.mktemp("served-from-root")
    home, temporary = root / "home", root / "tmp"
    home.mkdir()
    temporary.mkdir()
    (temporary / "pretrain-explorer-exports").write_text("planted")
    ended = subprocess.Popen(["true"])
    ended.wait()  # a process that has ended: a server killed with SIGKILL, whose folder stayed
    for pid in (ended.pid, os.getpid()):  # and one of a server still running
        (temporary / f"pretrain-explorer-exports-{pid}-abcdefgh").mkdir(mode=0o700)
    env = {name: value for name, value in os.environ.items() if not name.startswith("XDG_CONFIG")}
    server = start_serve(["kata"], Path("/"), {**env, "HOME": str(home), "TMPDIR": str(temporary)})
    nord = Color.parse(BUILTIN_THEMES["nord"].background)

    async def look_then_choose_nord(visitor):
        [pid] = explorers(server.pid)
        [private] = temporary.glob(f"pretrain-explorer-exports-{server.pid}-*")
        seen = {"pid": pid, "command": command_line(pid), "private": private,
                "private_mode": private.stat().st_mode & 0o777, "private_owner": private.stat().st_uid,
                "sessions": [folder.name for folder in private.iterdir()]}
        await visitor.type("\x10", "Search for commands")
        await visitor.pick("theme", "Theme", "Change the current theme", then="Search for themes")
        await visitor.pick("nord", "nord", then=f"48;2;{nord.r};{nord.g};{nord.b}")  # nord's background drawn
        return seen

    try:
        seen = asyncio.run(visiting(server.port, look_then_choose_nord))
    finally:
        stop_serve(server)
    return {**seen, "home": home, "temporary": temporary, "status": server.returncode}


def test_a_shipped_experiment_served_from_root_allows_only_its_own_folder(kata_from_root):
    served_from = [arg.split("=", 1)[1] for arg in kata_from_root["command"] if arg.startswith("--served-from=")]
    assert served_from == [str(KATA.resolve())]


def test_exports_go_to_a_private_folder_a_planted_file_cannot_stop(kata_from_root):
    assert kata_from_root["private"].name.startswith("pretrain-explorer-exports-")
    assert oct(kata_from_root["private_mode"]) == "0o700" and kata_from_root["private_owner"] == os.getuid()
    [session] = kata_from_root["sessions"]  # the visitor's explorer's own folder inside
    assert session.startswith(f"session-{kata_from_root['pid']}-")


def test_a_theme_chosen_in_a_served_explorer_writes_nothing_of_the_servers(kata_from_root):
    assert list(kata_from_root["home"].rglob("*")) == []


def test_a_stopped_server_leaves_no_exports_folder_and_sweeps_those_of_killed_servers(kata_from_root):
    temporary = kata_from_root["temporary"]
    assert kata_from_root["status"] == 0
    assert sorted(path.name for path in temporary.iterdir()) == [
        "pretrain-explorer-exports", f"pretrain-explorer-exports-{os.getpid()}-abcdefgh"]
    assert (temporary / "pretrain-explorer-exports").read_text() == "planted"


@pytest.fixture(scope="module")
def allowed_only(tmp_path_factory) -> dict:
    """`serve --allow allowed`, no experiment named: the folder holds a copy of the kata (not the
    shipped one) and a link to a folder outside it; beside it, outside, a folder, a file and a
    missing name, each path as long as the others. One visitor tries to open each."""
    root = tmp_path_factory.mktemp("allowed-only")
    allowed, outside = root / "allowed", root / "outside"
    shutil.copytree(KATA, allowed / "kata", ignore=shutil.ignore_patterns("__pycache__"))
    (outside / "dir1").mkdir(parents=True)
    (outside / "file").write_text("secret")
    (allowed / "link").symlink_to(outside / "dir1")
    server = start_serve(["--allow", "allowed"], root)
    probes = ("outside/dir1", "outside/none", "outside/file", "allowed/link")  # a folder, nothing, a file, a link out

    async def open_each(visitor):
        [pid] = explorers(server.pid)
        return {"command": command_line(pid), "refusals": [await open_in_palette(visitor, path) for path in probes]}

    try:
        seen = asyncio.run(visiting(server.port, open_each))
    finally:
        stop_serve(server)
    return {**seen, "root": root}


def test_allow_alone_opens_the_first_experiment_it_allows(allowed_only):
    manifest = allowed_only["root"] / "allowed" / "kata" / "experiment.toml"
    assert allowed_only["command"][-2:] == ["--", str(manifest.resolve())]


def test_every_path_outside_gets_the_same_refusal(allowed_only):
    [words] = set(allowed_only["refusals"])
    assert words.startswith("CouldnotruntheexperimentPATH:isoutsidethefoldersthisservermayopen:")


def test_allow_without_an_experiment_in_it_is_refused_at_start_up(tmp_path, capsys):
    (tmp_path / "notes").mkdir()
    assert main(["serve", "--allow", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"pretrain-explorer: {tmp_path}: no experiment to open")


def test_an_experiment_whose_files_lie_outside_its_folder_is_refused_at_start_up(kata_copy, capsys):
    manifest = kata_copy / "experiment.toml"
    (kata_copy.parent / "shared.txt").write_text((kata_copy / "general.txt").read_text())
    manifest.write_text(manifest.read_text().replace('corpus = "general.txt"', 'corpus = "../shared.txt"'))
    assert main(["serve", str(kata_copy)]) == 2  # each visitor's explorer would fail to open it
    assert capsys.readouterr().err == (f"pretrain-explorer: {kata_copy / '../shared.txt'}: is outside the folders "
                                       f"this server may open: {kata_copy.resolve()}\n")


def test_an_exports_folder_must_be_private_and_the_users_own(tmp_path):
    (tmp_path / "open").mkdir(mode=0o755)
    os.chmod(tmp_path / "open", 0o755)
    (tmp_path / "plain").write_text("planted")
    (tmp_path / "private").mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(tmp_path / "private")
    check_private(tmp_path / "private")
    for name in ("open", "plain", "link", "missing"):
        with pytest.raises(ExperimentError):
            check_private(tmp_path / name)
