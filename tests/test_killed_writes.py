"""Runs killed while writing a file, with real signals on real processes: SIGTERM and SIGHUP end as
Ctrl-C does and remove the temporary file; what SIGKILL leaves, the next run sweeps."""

import os
import signal
import subprocess
import sys

import pytest

from helpers import HELD_OUT, SCRIPT
from pretrain_explorer.engine import Session, load_experiment, run_experiment
from pretrain_explorer.engine.storage.disk_cache import DiskCache

BOUND = 120  # seconds: only turns a hang into a failure

# `pretrain` that stops inside the write of its .npz, once the temporary file exists, until signalled.
# It waits in short sleeps, so that the main thread runs the signal's handler at once.
WRITE_THAT_WAITS = """
import sys
import time
import pretrain_explorer.engine.storage.vectors_file as vectors_file
from pretrain_explorer.tui.cli import main

member = vectors_file._member
def waiting_member(archive, name, array):
    if name == "words":
        print("writing", file=sys.stderr, flush=True)
        while True:
            time.sleep(0.01)
    member(archive, name, array)
vectors_file._member = waiting_member
sys.exit(main(sys.argv[1:]))
"""


def pretrain_argv(output):
    return ["pretrain", str(HELD_OUT / "general.txt"), "-o", str(output), "--stopwords",
            str(HELD_OUT / "stopwords.txt")]


def killed_while_writing(folder, number):
    """A pretrain to folder/out.npz sent signal `number` while writing; its status and stderr after that."""
    child = subprocess.Popen([sys.executable, "-c", WRITE_THAT_WAITS, *pretrain_argv(folder / "out.npz")],
                             cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in child.stderr:  # the progress lines of the counting, then the write
            if line == "writing\n":
                break
        else:
            raise AssertionError("ended before writing")
        assert len(list(folder.glob(".out.npz.*.part"))) == 1  # inside the write: its temporary file is there
        child.send_signal(number)
        status = child.wait(timeout=BOUND)
        return status, child.stderr.read(), child.pid
    finally:
        child.kill()
        child.communicate()


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_while_writing_removes_the_temporary_file(tmp_path, number):
    status, stderr, _ = killed_while_writing(tmp_path, number)
    assert (status, stderr) == (130, "pretrain-explorer: interrupted; nothing written\n")
    assert list(tmp_path.iterdir()) == []


def test_what_sigkill_leaves_the_next_pretrain_sweeps(tmp_path):
    status, _, _ = killed_while_writing(tmp_path, signal.SIGKILL)
    assert status == -signal.SIGKILL and len(list(tmp_path.glob(".out.npz.*.part"))) == 1
    other = tmp_path / f".other.npz.{os.getpid()}-0123abcd.part"  # another output's, of a live process
    other.write_bytes(b"")
    run = subprocess.run([str(SCRIPT), *pretrain_argv(tmp_path / "out.npz")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=BOUND)
    assert run.returncode == 0, run.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == [other.name, "out.npz"]


def test_the_cache_sweeps_what_killed_runs_left(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # reaped: its PID names no process now
    stale = tmp_path / f".0123.npz.{dead.pid}-0123abcd.part"
    live = tmp_path / f".4567.npz.{os.getpid()}-0123abcd.part"  # being written now, by a run alive
    stale.write_bytes(b"half")
    live.write_bytes(b"half")
    run_experiment(load_experiment(), session=Session(disk=DiskCache(tmp_path, min_corpus_bytes=0), share_results=False))
    names = [path.name for path in tmp_path.iterdir()]
    assert live.name in names and stale.name not in names and len(names) == 2
