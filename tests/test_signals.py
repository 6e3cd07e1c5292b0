"""Signals and pipes, with real processes: Ctrl-C, a reader that went away, a full output device,
and a bug. Each ends with the conventional status and at most one line, never a traceback."""

import os
import signal
import subprocess
import sys

import pytest

from helpers import SCRIPT, run_in_terminal
from pretrain_explorer.tui.cli import main

# `report` whose run works on, once started, until interrupted: the interrupt then lands in the run.
# It works in short sleeps, not in one blocking read: the kernel may hand the signal to another of
# the process's threads (numpy's, numba's), and Python runs the handler only when the main thread
# next checks, which a read that never returns would postpone forever.
BLOCKING_REPORT = """
import signal
import sys
import time

# As in a terminal, where Ctrl-C is never ignored: a test runner started in the background
# (`cmd &` in a script) passes SIGINT on as ignored, and Python then installs no handler.
signal.signal(signal.SIGINT, signal.default_int_handler)
import pretrain_explorer.tui.cli as cli

def run_that_waits(experiment):
    print("running", file=sys.stderr, flush=True)
    while True:
        time.sleep(0.01)

cli.run_experiment = run_that_waits
sys.exit(cli.main(["report"]))
"""


def test_ctrl_c_during_report(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", BLOCKING_REPORT], cwd=tmp_path, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stderr.readline() == "running\n"  # it is inside the run now
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=60) == 130
        assert child.stderr.read() == "pretrain-explorer: interrupted; nothing written\n"
        assert child.stdout.read() == ""
    finally:
        child.kill()
        child.communicate()


def test_report_into_a_closed_pipe(tmp_path):
    """`report | head -1` once head has gone: silent, with the status of a process stopped by SIGPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the report writes a byte
    try:
        run = subprocess.run([str(SCRIPT), "report"], cwd=tmp_path, stdout=write_end, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write_end)
    assert (run.returncode, run.stderr) == (141, "")


def test_report_into_a_full_device(tmp_path):
    with open("/dev/full", "w") as full:
        run = subprocess.run([str(SCRIPT), "report", "--json"], cwd=tmp_path, stdout=full, stderr=subprocess.PIPE,
                             text=True)
    assert (run.returncode, run.stderr) == (
        1, "pretrain-explorer: cannot write to standard output (No space left on device)\n")


def test_a_bug_is_one_line_to_report_not_a_traceback(capsys, monkeypatch, own_state_dir):
    def broken(experiment):
        return 1 / 0

    monkeypatch.setattr("pretrain_explorer.tui.cli.run_experiment", broken)
    assert main(["report"]) == 1
    [report] = (own_state_dir / "pretrain-explorer").glob("crash-*.txt")
    assert capsys.readouterr().err == (
        f"pretrain-explorer: internal error: ZeroDivisionError: division by zero (crash report in {report}); "
        "please report it\n")
    text = report.read_text()
    assert "Traceback (most recent call last)" in text and "in broken" in text and "1 / 0" in text


def test_a_crash_report_that_cannot_be_written_is_said_so(capsys, monkeypatch, own_state_dir):
    monkeypatch.setattr("pretrain_explorer.tui.cli.run_experiment", lambda experiment: 1 / 0)
    (own_state_dir / "pretrain-explorer").write_text("a file where the folder should be")
    assert main(["report"]) == 1
    assert capsys.readouterr().err == ("pretrain-explorer: internal error: ZeroDivisionError: division by zero "
                                       "(no crash report could be written); please report it\n")


def test_crash_reports_are_bounded(capsys, monkeypatch, own_state_dir):
    from pretrain_explorer.tui import crash

    monkeypatch.setattr(crash, "KEEP", 3)
    monkeypatch.setattr("pretrain_explorer.tui.cli.run_experiment", lambda experiment: 1 / 0)
    for _ in range(5):
        assert main(["report"]) == 1
    reports = sorted((own_state_dir / "pretrain-explorer").glob("crash-*.txt"))
    assert len(reports) == 3 and str(reports[-1]) in capsys.readouterr().err.splitlines()[-1]


def test_bad_input_keeps_its_own_message_and_status(capsys, tmp_path):
    assert main(["report", str(tmp_path / "none.toml")]) == 2
    assert capsys.readouterr().err == f"pretrain-explorer: {tmp_path / 'none.toml'}: file not found\n"


def test_ctrl_c_while_the_program_is_still_importing_ends_quietly(monkeypatch, capsys):
    """The entry point loads the program inside its guard: an interrupt during the imports of numpy,
    scipy and Textual is one line and status 130, as anywhere else."""
    import builtins

    from pretrain_explorer.tui import launch

    real_import = builtins.__import__

    def interrupted(name, globals=None, locals=None, fromlist=(), level=0):
        package = (globals or {}).get("__package__") if level else ""
        if (f"{package}.{name}" if level == 1 else name) == "pretrain_explorer.tui.cli":
            raise KeyboardInterrupt
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", interrupted)
    assert launch.main() == 130
    assert capsys.readouterr().err == "pretrain-explorer: interrupted\n"


# The explorer with a bug planted in a message handler: the first results arrive, and showing them raises.
CRASHING_EXPLORER = """
import sys

from pretrain_explorer.tui.app import PretrainExplorer
from pretrain_explorer.tui.cli import main


def show_result(self, result):
    raise ZeroDivisionError("a planted bug")


PretrainExplorer.show_result = show_result
sys.exit(main([]))
"""


def test_a_bug_inside_the_explorer_is_one_line_and_a_crash_report(tmp_path, own_state_dir):
    script = tmp_path / "crashing.py"
    script.write_text(CRASHING_EXPLORER)
    text, status = run_in_terminal([sys.executable, str(script)], tmp_path, ["please report it"])
    [report] = (own_state_dir / "pretrain-explorer").glob("crash-*.txt")
    assert status == 1
    assert (f"pretrain-explorer: internal error: ZeroDivisionError: a planted bug (crash report in {report}); "
            "please report it") in text.replace("\r\n", "").replace("\n", "")
    assert "Traceback" not in text and "show_result" not in text  # no traceback screen
    written = report.read_text()
    assert "Traceback (most recent call last)" in written and "in show_result" in written
    assert "ZeroDivisionError: a planted bug" in written


@pytest.mark.warm_kata  # what the explorer shows of the kata, not how it is computed
async def test_a_bug_in_a_key_handler_exits_with_a_crash_report(monkeypatch, own_state_dir):
    import pytest
    from helpers import settled
    from pretrain_explorer.tui.app import PretrainExplorer

    def broken_help(self):
        raise KeyError("planted")

    monkeypatch.setattr(PretrainExplorer, "action_help", broken_help)
    app = PretrainExplorer()
    with pytest.raises(KeyError):  # a test's run of the app re-raises it at the end, as Textual does
        async with app.run_test(size=(80, 24)) as pilot:
            await settled(app, pilot)
            await pilot.press("question_mark")
    error, report = app.crash
    assert isinstance(error, KeyError) and app.return_code == 1
    assert report.parent == own_state_dir / "pretrain-explorer" and "in broken_help" in report.read_text()


async def test_a_bug_in_the_engine_keeps_the_explorer_and_writes_a_crash_report(monkeypatch, own_state_dir):
    from helpers import notifications, settled, until
    from pretrain_explorer.tui.app import PretrainExplorer

    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        kept = app.result

        def broken_run(*args, **kwargs):
            raise ZeroDivisionError("a planted engine bug")
            yield

        monkeypatch.setattr(app.session, "run", broken_run)
        await pilot.press("r")
        await until(pilot, lambda: "Engine error" in notifications(app))
        [report] = (own_state_dir / "pretrain-explorer").glob("crash-*.txt")
        assert (f"Engine error: internal error: ZeroDivisionError: a planted engine bug (crash report in {report}); "
                "please report it") in notifications(app)
        assert app.result is kept and app.is_running and app.crash is None
        assert "in broken_run" in report.read_text()


@pytest.mark.warm_kata  # what the explorer shows of the kata, not how it is computed
async def test_a_bug_in_the_neighbours_worker_is_notified_with_a_crash_report(monkeypatch, own_state_dir):
    from helpers import notifications, settled, until
    from pretrain_explorer.tui import app as explorer_app
    from pretrain_explorer.tui.app import PretrainExplorer

    def broken_query(*args, **kwargs):
        raise ZeroDivisionError("a planted neighbours bug")

    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        monkeypatch.setattr(explorer_app, "ask", broken_query)
        await pilot.press("slash", *["backspace"] * 12, *"great", "enter")
        await until(pilot, lambda: "a planted neighbours bug" in notifications(app))
        [report] = (own_state_dir / "pretrain-explorer").glob("crash-*.txt")
        assert f"ZeroDivisionError: a planted neighbours bug (crash report in {report})" in notifications(app)
        assert app.is_running and app.crash is None and "in broken_query" in report.read_text()
