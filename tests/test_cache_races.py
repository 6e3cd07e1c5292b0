"""The disk cache shared by runs at once, with real processes: one counts, the others wait and load
its entry; and a cache that is damaged, in the way or full costs time, never the run."""

import json
import os
import shutil
import subprocess
import sys
import threading

import pytest

from helpers import HELD_OUT
from pretrain_explorer.engine import RunCancelled, Session, load_experiment, run_experiment
from pretrain_explorer.engine.storage.disk_cache import DiskCache

BOUND = 600  # seconds: only turns a hang into a failure

# `report --json` in a process of its own, which appends a line to COUNTED each time it counts a corpus.
COUNTING_REPORT = """
import sys
import pretrain_explorer.engine.run.session as session
from pretrain_explorer.tui.cli import main

counts = session.corpus_counts
def counted(*args):
    with open(sys.argv[1], "a") as out:
        out.write("counted\\n")
    return counts(*args)
session.corpus_counts = counted
sys.exit(main(["report", sys.argv[2], "--json"]))
"""


def large_experiment(folder):
    """The held-out experiment with its corpus repeated past the disk cache's 1 MiB."""
    shutil.copytree(HELD_OUT, folder, ignore=shutil.ignore_patterns("__pycache__"))
    text = (HELD_OUT / "general.txt").read_text()
    (folder / "general.txt").write_text(text * (1_200_000 // len(text) + 1))
    return folder


def test_four_reports_at_once_count_once_and_agree(tmp_path):
    experiment = large_experiment(tmp_path / "large")
    counted = tmp_path / "counted.txt"
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}  # empty: someone must count
    children = [subprocess.Popen([sys.executable, "-c", COUNTING_REPORT, str(counted), str(experiment)],
                                 cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(4)]
    try:
        finished = [child.communicate(timeout=BOUND) for child in children]
    finally:
        for child in children:
            child.kill()
    assert [child.returncode for child in children] == [0] * 4, [err for _, err in finished]
    assert [err for _, err in finished] == [""] * 4
    outputs = [json.loads(out) for out, _ in finished]
    assert all(output == outputs[0] for output in outputs)
    assert counted.read_text() == "counted\n"  # the three others waited for the entry and loaded it
    cache = tmp_path / "cache" / "pretrain-explorer"
    # The vectors' entry and the results' (tests/test_shared_results.py); no lock file, no .part left.
    assert [path.suffix for path in cache.iterdir()] == [".npz", ".npz"]


@pytest.fixture(scope="module")
def kata():
    return load_experiment()


@pytest.fixture(scope="module")
def kata_key(kata, tmp_path_factory):
    """The kata's disk-cache key and an entry for it, made in a folder of their own."""
    folder = tmp_path_factory.mktemp("made")
    run_experiment(kata, session=Session(disk=DiskCache(folder, min_corpus_bytes=0), share_results=False))
    (entry,) = folder.glob("*.npz")
    return entry.stem, entry


def waiting_run(kata, disk, should_stop=lambda: False):
    """Pretraining in a thread; `waiting` is set once it waits for the lock, `outcome` holds its end."""
    waiting, outcome, session = threading.Event(), {}, Session(disk=disk)

    def on_progress(event):
        if "waiting for another run" in event.label:
            waiting.set()

    def run():
        try:
            outcome["result"] = session.pretrained(kata, should_stop, on_progress)
        except BaseException as exc:
            outcome["error"] = exc
        waiting.set()  # ended without waiting: the assertions below say so

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return session, waiting, outcome, thread


def test_a_run_waits_for_the_run_computing_its_entry_and_loads_it(kata, kata_key, tmp_path):
    key, made = kata_key
    disk = DiskCache(tmp_path, min_corpus_bytes=0)
    with disk.claimed(key):  # another run is computing the entry
        session, waiting, outcome, thread = waiting_run(kata, disk)
        assert waiting.wait(BOUND) and not outcome
        shutil.copy(made, tmp_path / made.name)  # ... and saves it
    thread.join(BOUND)
    assert "result" in outcome, outcome
    assert session.stats["counts"] == 0 and session.stats["disk load"] == 1
    assert [path.name for path in tmp_path.iterdir()] == [made.name]


def test_a_wait_for_the_lock_is_cancelled(kata, kata_key, tmp_path):
    key, _ = kata_key
    disk, cancel = DiskCache(tmp_path, min_corpus_bytes=0), threading.Event()
    with disk.claimed(key):
        session, waiting, outcome, thread = waiting_run(kata, disk, cancel.is_set)
        assert waiting.wait(BOUND) and not outcome
        cancel.set()
        thread.join(BOUND)
    assert isinstance(outcome.get("error"), RunCancelled) and session.stats["counts"] == 0


def test_a_wait_has_a_bound(kata, kata_key, tmp_path):
    """A run holding the lock for ever (hung, not killed) holds up the others only so long."""
    key, _ = kata_key
    disk = DiskCache(tmp_path, min_corpus_bytes=0, lock_wait=0)
    with disk.claimed(key):
        session = Session(disk=disk)
        session.pretrained(kata, lambda: False, lambda event: None)
    assert session.stats["counts"] == 1


HOLD_LOCK = """
import fcntl, os, sys, time
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(descriptor, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(1000)
"""


def test_the_lock_of_a_killed_run_holds_nobody_up(kata, kata_key, tmp_path):
    key, _ = kata_key
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(tmp_path / f"{key}.lock")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
    finally:
        holder.kill()
        holder.communicate()
    session = Session(disk=DiskCache(tmp_path, min_corpus_bytes=0))  # the default bound: half an hour
    session.pretrained(kata, lambda: False, lambda event: None)
    assert session.stats["counts"] == 1
    assert [path.suffix for path in tmp_path.iterdir()] == [".npz"]  # the stale lock file removed


def test_an_entry_that_is_a_folder_is_counted_again(kata, kata_key, tmp_path):
    key, _ = kata_key
    (tmp_path / f"{key}.npz").mkdir()
    session = Session(disk=DiskCache(tmp_path, min_corpus_bytes=0), share_results=False)
    assert run_experiment(kata, session=session).pretrained is not None
    assert session.stats["counts"] == 1 and (tmp_path / f"{key}.npz").is_dir()
    assert [path.name for path in tmp_path.iterdir()] == [f"{key}.npz"]


def test_a_cache_folder_that_is_a_file_is_skipped(kata, tmp_path):
    (tmp_path / "cache").write_text("not a folder")
    session = Session(disk=DiskCache(tmp_path / "cache", min_corpus_bytes=0))
    assert run_experiment(kata, session=session).pretrained is not None
    assert session.stats["counts"] == 1 and (tmp_path / "cache").read_text() == "not a folder"


def test_a_truncated_entry_is_counted_again_and_replaced(kata, kata_key, tmp_path):
    key, made = kata_key
    (tmp_path / made.name).write_bytes(made.read_bytes()[: made.stat().st_size // 2])
    session = Session(disk=DiskCache(tmp_path, min_corpus_bytes=0))
    run_experiment(kata, session=session)
    assert session.stats["counts"] == 1 and (tmp_path / made.name).read_bytes() == made.read_bytes()


def test_the_report_goes_on_when_the_cache_folder_is_a_file(tmp_path):
    experiment = large_experiment(tmp_path / "large")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "pretrain-explorer").write_text("in the way")
    run = subprocess.run([sys.executable, "-m", "pretrain_explorer.tui", "report", str(experiment), "--json"],
                         cwd=tmp_path, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
                         capture_output=True, text=True, timeout=BOUND)
    assert (run.returncode, run.stderr) == (0, "") and json.loads(run.stdout)


@pytest.fixture
def full_disk(tmp_path):
    """A 64 KiB tmpfs, nearly filled; skipped where mounting is not permitted (not root, a container)."""
    folder = tmp_path / "small"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a full file system needs root to mount a small tmpfs")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"mount is not permitted here: {mounted.stderr.strip()}")
    try:
        with open(folder / "filler", "wb") as out:
            try:
                out.write(b"\0" * (60 << 10))
            except OSError:
                pass
        yield folder / "cache"
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_cache_disk_costs_the_entry_not_the_run(kata, full_disk):
    session = Session(disk=DiskCache(full_disk, min_corpus_bytes=0))
    assert run_experiment(kata, session=session).pretrained is not None
    assert session.stats["counts"] == 1
    assert list(full_disk.iterdir()) == []  # no half-written entry, no .part, no lock
