"""Served mode: `pretrain-explorer serve` answers a browser on loopback, and a web visitor can open
and export only inside the folders the server was started with."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from pretrain_explorer.engine.errors import ExperimentError
from helpers import KATA, SCRIPT, notifications, open_failing, settled
from pretrain_explorer.tui.access import (ANYWHERE, AccessPolicy, end_session, inside, private_exports_folder,
                                          served_session)
from pretrain_explorer.tui.app import PretrainExplorer
from pretrain_explorer.tui.cli import main


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> str:
    """The page at `url` on loopback, once the server accepts connections (it announces itself just
    before it binds); the bound only turns a hang into a failure."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=30) as page:
                return page.read().decode()
        except urllib.error.URLError as exc:
            if not isinstance(exc.reason, ConnectionRefusedError) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def test_serve_answers_with_the_explorers_page(tmp_path):
    port = free_port()
    server = subprocess.Popen([str(SCRIPT), "serve", "--port", str(port)], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        said = ""
        for line in server.stdout:  # it says where it serves as it starts listening
            said += line
            if "Press Ctrl+C to quit" in said:
                break
        assert f"http://127.0.0.1:{port}" in said.replace("\n", "")
        html = fetch(f"http://127.0.0.1:{port}/")
        assert "<div>Pretrain Explorer</div>" in html and f"ws://127.0.0.1:{port}/ws" in html
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
    assert server.returncode == 0


def test_serve_refuses_an_allowed_folder_that_does_not_exist(capsys, tmp_path):
    assert main(["serve", "--allow", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err == f"pretrain-explorer: {tmp_path / 'nowhere'}: --allow needs an existing folder\n"


@pytest.fixture
def folders(tmp_path):
    """An allowed folder holding a file, a `..` way out, and a link to a secret outside it."""
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    (allowed / "mine.txt").write_text("ok")
    (outside / "secret.txt").write_text("secret")
    (allowed / "link.txt").symlink_to(outside / "secret.txt")
    (allowed / "linked-folder").symlink_to(outside)
    return allowed, outside


@pytest.mark.parametrize("set_by_user", [None, "2"])
def test_served_explorers_use_one_blas_thread_each_unless_told(monkeypatch, set_by_user):
    import os
    from pretrain_explorer.tui import server
    from pretrain_explorer.tui.cli import main

    seen = {}

    class Recorder:
        def __init__(self, command, **kwargs):
            pass

        def serve(self):
            seen.update({name: os.environ.get(name) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")})

    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(name, "")  # recorded first, so what serve sets is undone after the test
        monkeypatch.delenv(name)
    if set_by_user:
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", set_by_user)
    monkeypatch.setattr(server, "ExplorerServer", Recorder)
    assert main(["serve"]) == 0
    assert seen == {"OPENBLAS_NUM_THREADS": set_by_user or "1", "OMP_NUM_THREADS": "1"}


def test_path_policy_resolves_dots_and_links_before_checking(folders):
    allowed, outside = folders
    assert inside(allowed / "mine.txt", (allowed,))
    assert inside(allowed / "new" / ".." / "mine.txt", (allowed,))
    assert not inside(allowed / ".." / "outside" / "secret.txt", (allowed,))
    assert not inside(allowed / "link.txt", (allowed,))
    assert not inside(allowed / "linked-folder" / "secret.txt", (allowed,))
    assert not inside(Path("/etc/passwd"), (allowed,))
    assert inside(Path("/etc/passwd"), (Path("/"),))


def test_path_policy_for_reading_and_writing(folders):
    allowed, outside = folders
    policy = AccessPolicy((allowed,), allowed / "exports")
    (allowed / "exports").mkdir()
    assert policy.check_read(allowed / "mine.txt") == allowed / "mine.txt"
    with pytest.raises(ExperimentError) as refused:
        policy.check_read(allowed / "link.txt")
    assert str(refused.value) == f"{allowed / 'link.txt'}: is outside the folders this server may open: {allowed}"
    assert policy.check_write(Path("report.json")) == allowed / "exports" / "report.json"
    with pytest.raises(ExperimentError) as refused:
        policy.check_write(allowed / "exports" / ".." / "mine.txt")
    assert "is outside the folder this server writes to: " in str(refused.value)
    assert ANYWHERE.check_read(outside / "secret.txt") == outside / "secret.txt"


def test_a_served_session_stops_exporting_at_its_quota(folders, monkeypatch):
    from pretrain_explorer.tui import access
    allowed, _ = folders
    exports = allowed / "exports"
    exports.mkdir()
    policy = AccessPolicy((allowed,), exports)
    monkeypatch.setattr(access, "EXPORT_QUOTA", 2 << 20)
    (exports / "first.svg").write_bytes(b"x" * ((2 << 20) - 1))
    assert policy.check_write(Path("second.svg")) == exports / "second.svg"
    (exports / "second.svg").write_bytes(b"x")
    with pytest.raises(ExperimentError) as refused:
        policy.check_write(Path("third.svg"))
    assert str(refused.value) == (f"{exports / 'third.svg'}: not written: this session's exports hold 2 MiB, "
                                  "the most a served session keeps is 2 MiB")


def test_each_served_session_gets_its_own_export_folder(tmp_path):
    first, second = served_session([KATA]), served_session([KATA])
    assert first.export_folder != second.export_folder and first.export_folder.is_dir()
    assert oct(first.export_folder.stat().st_mode & 0o777) == "0o700"
    assert first.readable == (KATA.resolve(), first.export_folder)
    first.export_folder.rmdir()
    second.export_folder.rmdir()


def test_a_served_session_takes_its_export_folder_with_it(tmp_path, monkeypatch):
    base = private_exports_folder()  # as `serve` makes one, and hands it to each session
    seen = []

    def run(app):  # the session, as a visitor might use it: an export, then the tab closes
        (app.access.export_folder / "kata-report.json").write_text("{}")
        seen.append(app.access.export_folder)

    monkeypatch.setattr(PretrainExplorer, "run", run)
    assert main([f"--served-from={KATA}", f"--exports-in={base}"]) == 0
    [folder] = seen
    assert folder.parent == base and folder.name.startswith(f"session-{os.getpid()}-") and not folder.exists()

    def crash(app):
        seen.append(app.access.export_folder)
        raise RuntimeError("a bug")

    monkeypatch.setattr(PretrainExplorer, "run", crash)
    assert main([f"--served-from={KATA}", f"--exports-in={base}"]) == 1  # a session ending in a bug takes it too
    assert not seen[-1].exists() and list(base.iterdir()) == []
    base.rmdir()


def test_a_served_session_refuses_an_exports_folder_others_may_enter(tmp_path, capsys):
    os.chmod(tmp_path, 0o755)
    assert main([f"--served-from={KATA}", f"--exports-in={tmp_path}"]) == 2
    assert capsys.readouterr().err == (f"pretrain-explorer: {tmp_path}: the exports folder must be a folder of this "
                                       "user's that no one else may enter (mode 0700)\n")
    assert list(tmp_path.iterdir()) == []


def test_export_folders_of_killed_sessions_are_swept_by_the_next(tmp_path, monkeypatch):
    base = tmp_path / "exports"
    base.mkdir(mode=0o700)
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process that has ended: its pid runs nothing now
    killed, running, unnamed = (base / f"session-{gone.pid}-abc", base / f"session-{os.getppid()}-def",
                                base / "session-ghi")
    for folder in (killed, running, unnamed):
        folder.mkdir(parents=True)
        (folder / "report.txt").write_text("left behind")
    policy = served_session([KATA], base)
    assert sorted(base.iterdir()) == sorted([running, policy.export_folder])
    end_session(policy)
    assert list(base.iterdir()) == [running]


async def test_a_served_export_is_handed_to_the_browser(folders, monkeypatch):
    allowed, _ = folders
    delivered = []
    monkeypatch.setattr(PretrainExplorer, "is_web", property(lambda app: True))
    monkeypatch.setattr(PretrainExplorer, "deliver_text", lambda app, path: delivered.append(path))
    app = PretrainExplorer(access=AccessPolicy((allowed.resolve(),), allowed.resolve()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(app, pilot)
        app.export_report(app.result, "text", Path("r.txt"))
        app.command_screenshot()
        await pilot.pause()
    assert delivered[0] == allowed.resolve() / "r.txt" and delivered[1].suffix == ".svg"
    assert [path.parent for path in delivered] == [allowed.resolve()] * 2 and all(p.is_file() for p in delivered)


async def test_served_explorer_refuses_to_open_or_export_outside(folders, kata_copy):
    allowed, outside = folders
    policy = AccessPolicy((allowed.resolve(),), allowed.resolve())
    app = PretrainExplorer(access=policy)
    async with app.run_test(size=(100, 30)) as pilot:
        shown = await open_failing(app, pilot, kata_copy)
        # The path as typed, long ones cut to …/ and its last two parts as every notice is (ExperimentError.brief).
        assert f"{Path(*kata_copy.parts[-2:])}: is outside the folders this server may open" in notifications(app)
        app.export_report(shown, "json", outside / "r.json")
        await pilot.pause()
        assert f"Export failed: {outside / 'r.json'}: is outside the folder this server writes to" in notifications(app)
        app.export_report(shown, "json", Path("r.json"))  # a bare name lands in the export folder
        await pilot.pause()
        assert (allowed / "r.json").read_text().startswith("{") and list(outside.iterdir()) == [outside / "secret.txt"]
        assert app.result is shown
