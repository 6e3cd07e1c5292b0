"""Whole runs' results shared through the disk cache (issue 21): a second process loads what the
first computed, two at once compute once, and a damaged, misplaced, unwritable or full cache costs
time, never the run. Also the cache's bound (least recently used first out) and `cache` command."""

import dataclasses
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from helpers import SCRIPT, run_outside
from pretrain_explorer.engine import Session, load_experiment, run_experiment
from pretrain_explorer.engine.settings import DISK_CACHE_MAX_BYTES
from pretrain_explorer.engine.storage.disk_cache import DiskCache

BOUND = 300  # seconds: only turns a hang into a failure

# A run of the kata in a process of its own, on the cache folder argv[2], which appends a line to
# argv[1] each time it computes the results (rather than loading them), and prints its accuracies.
COUNTING_RUN = """
import json, sys
import pretrain_explorer.engine.run.session as session
from pretrain_explorer.engine import load_experiment, run_experiment
from pretrain_explorer.engine.storage.disk_cache import DiskCache

phases = session.Session._phases
def counted(*args):
    with open(sys.argv[1], "a") as out:
        out.write("computed\\n")
    yield from phases(*args)
session.Session._phases = counted
result = run_experiment(load_experiment("kata"), session=session.Session(disk=DiskCache(sys.argv[2])))
print(json.dumps({name: [p.predicted for p in a.test.predictions] for name, a in result.approaches.items()}))
"""


@pytest.fixture(scope="module")
def kata():
    return load_experiment("kata")


@pytest.fixture(scope="module")
def computed(kata):
    """The kata's result computed with no disk cache at all."""
    return run_experiment(kata, session=Session(disk=None))


def counting_runs(tmp_path, folder, runs: int) -> tuple[list[str], int]:
    """`runs` COUNTING_RUNs started at once; their outputs, and how many computed the results."""
    marker = tmp_path / "computed.txt"
    started = [subprocess.Popen([sys.executable, "-c", COUNTING_RUN, str(marker), str(folder)], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(runs)]
    outputs = []
    for process in started:
        out, err = process.communicate(timeout=BOUND)
        assert (process.returncode, err) == (0, "")
        outputs.append(out)
    return outputs, marker.read_text().count("computed") if marker.exists() else 0


def assert_same(loaded, computed) -> None:
    """Every accuracy, prediction and score; the vectors, neighbours, curve and margin."""
    assert loaded.approaches.keys() == computed.approaches.keys()
    for name, approach in computed.approaches.items():
        assert loaded.approaches[name] == approach  # accuracies over seeds, losses, each prediction and its scores
        assert loaded.approaches[name].test.accuracy == approach.test.accuracy
    for field in ("corpus", "neighbors", "groups", "drift", "learning_curve", "margin", "overlap", "word_pairs",
                  "unseen_help", "probe_neighbors"):
        assert getattr(loaded, field) == getattr(computed, field), field
    for name, vectors in computed.vectors.items():
        dense = [v.matrix.toarray() if hasattr(v.matrix, "toarray") else v.matrix
                 for v in (loaded.vectors[name], vectors)]
        assert loaded.vectors[name].words == vectors.words and np.array_equal(*dense), name


def entry_path(session: Session, kata) -> os.PathLike:
    return session.disk.folder / f"{session._results_key(kata, lambda: False, lambda event: None)}.npz"


def test_a_second_process_loads_the_results_the_first_computed(kata, computed, tmp_path):
    folder = tmp_path / "cache"
    outputs, computations = counting_runs(tmp_path, folder, 1)
    assert computations == 1
    session = Session(disk=DiskCache(folder))
    loaded = run_experiment(kata, session=session)
    assert session.stats["results load"] == 1 and session.stats["classifier:fine_tuned"] == 0
    assert_same(loaded, computed)
    # What a loaded result is asked for afterwards works as on a computed one.
    assert session.with_top_n(loaded, 2).neighbors == Session(disk=None).with_top_n(computed, 2).neighbors
    assert loaded.approaches["fine_tuned"].kept_classifier.start is loaded.pretrained  # stored once, loaded once


def test_a_loaded_result_shows_its_notes_and_probes_without_searching_its_vectors(kata, computed, tmp_path,
                                                                                   monkeypatch):
    """What a warm visitor's explorer needs of a result (issue 21): the notes' measurements of unseen
    words and the probes' neighbours in every set of vectors are stored with it, equal to what is
    measured now, so loading it searches no vectors (which would map them into the visitor's memory)."""
    from pretrain_explorer.engine.inspect import explain
    from pretrain_explorer.engine.inspect.evidence import LESSON, measure_unseen_help
    from pretrain_explorer.engine.inspect.neighbours import query_neighbours
    from pretrain_explorer.engine.run.stored_results import result_entry, stored_result
    from pretrain_explorer.engine.storage.entry_file import load_entry, save_entry
    from pretrain_explorer.engine.vectors import WordVectors
    from pretrain_explorer.tui.presentation.stages import STAGES

    ways = (LESSON, LESSON[::-1])
    assert set(computed.unseen_help) == {(a, b, split) for split in ("test", "transfer") for a, b in ways}
    assert all(h == measure_unseen_help(computed, *key) for key, h in computed.unseen_help.items())
    assert all(h.split_words for h in computed.unseen_help.values())  # nearest labeled words were looked up
    assert set(computed.probe_neighbors) == set(computed.vectors)
    assert all(lists[p] == computed.vectors[name].nearest(p, kata.top_n)
               for name, lists in computed.probe_neighbors.items() for p in kata.probes)
    save_entry(tmp_path / "entry.npz", *result_entry(computed))
    loaded = stored_result(kata, *load_entry(tmp_path / "entry.npz", 1 << 30), "entry")
    assert loaded.unseen_help == computed.unseen_help and loaded.probe_neighbors == computed.probe_neighbors

    def searched(*args, **kwargs):
        raise AssertionError("a loaded result searched its vectors")

    monkeypatch.setattr(explain, "_nearest_rows", searched)
    monkeypatch.setattr(WordVectors, "nearest", searched)
    notes = [stage.note(loaded) for stage in STAGES]
    answers = [query_neighbours(loaded.vectors, p, kata.top_n, loaded.probe_neighbors) for p in kata.probes]
    monkeypatch.undo()
    assert notes == [stage.note(computed) for stage in STAGES]
    assert answers == [query_neighbours(computed.vectors, p, kata.top_n) for p in kata.probes]


def test_two_runs_at_once_compute_once(tmp_path):
    outputs, computations = counting_runs(tmp_path, tmp_path / "cache", 2)
    assert computations == 1 and outputs[0] == outputs[1]
    assert [p.suffix for p in (tmp_path / "cache").iterdir()] == [".npz"]  # the entry; no lock, no .part


@pytest.mark.parametrize("damage", ["truncated", "garbage", "folder", "another key", "parts swapped"])
def test_a_damaged_entry_is_a_miss_and_the_run_goes_on(kata, computed, tmp_path, damage):
    disk = DiskCache(tmp_path / "cache")
    run_experiment(kata, session=Session(disk=disk))
    path = entry_path(Session(disk=disk), kata)
    whole = path.read_bytes()
    path.unlink()
    if damage == "truncated":
        path.write_bytes(whole[: len(whole) // 2])
    elif damage == "garbage":
        path.write_bytes(os.urandom(len(whole)))
    elif damage == "folder":
        path.mkdir()
    elif damage == "parts swapped":  # well-formed, its own key, but not a result: parts in the wrong places
        path.write_bytes(whole)
        arrays, document, _ = disk.load_entry(path.stem)
        parts = document["result"]
        parts["corpus"], parts["groups"] = parts["groups"], parts["corpus"]
        path.unlink()
        disk.save_entry(path.stem, {name: np.array(a) for name, a in arrays.items()}, document)
    else:  # a well-formed entry, of another experiment, under this one's name
        other = dataclasses.replace(kata, seed=kata.seed + 1)
        run_experiment(other, session=Session(disk=disk))
        shutil.copy(entry_path(Session(disk=disk), other), path)
    session = Session(disk=disk)
    assert_same(run_experiment(kata, session=session), computed)
    assert session.stats["results load"] == 0
    if damage == "folder":
        assert path.is_dir()  # the user's folder is left; the run went on without its entry
    else:  # removed, and written anew by the run that computed
        assert Session(disk=disk)._stored_result(kata, path.stem) is not None


@pytest.fixture
def small_file_system(tmp_path):
    """A tmpfs of 64 KiB, mounted `options`-wise by the test; skipped where mounting is not permitted."""
    mounted = []

    def mount(options: str):
        folder = tmp_path / f"mount{len(mounted)}"
        folder.mkdir()
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("a full or read-only file system needs root to mount a small tmpfs")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size=64k,{options}", "tmpfs", str(folder)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"mount is not permitted here: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_file_system_costs_the_entry_not_the_run(kata, computed, small_file_system):
    folder = small_file_system("rw")
    with open(folder / "filler", "wb") as out:
        try:
            out.write(b"\0" * (64 << 10))  # as much as fits: writing more fails with ENOSPC
        except OSError:
            pass
    session = Session(disk=DiskCache(folder / "cache", min_corpus_bytes=0))
    assert_same(run_experiment(kata, session=session), computed)
    assert list((folder / "cache").iterdir()) == []  # no half-written entry, no .part, no lock


def test_a_read_only_cache_costs_the_entry_not_the_run(kata, computed, small_file_system):
    folder = small_file_system("ro")  # unwritable even by root, unlike a folder's mode
    session = Session(disk=DiskCache(folder / "cache", min_corpus_bytes=0))
    assert_same(run_experiment(kata, session=session), computed)


def test_a_cache_folder_that_is_a_file_costs_the_entry_not_the_run(kata, computed, tmp_path):
    (tmp_path / "cache").write_text("not a folder")
    assert_same(run_experiment(kata, session=Session(disk=DiskCache(tmp_path / "cache"))), computed)
    assert (tmp_path / "cache").read_text() == "not a folder"


def test_the_least_recently_used_entries_go_past_the_bound(tmp_path):
    megabyte = {"numbers": np.zeros(1 << 17)}  # 1 MiB of float64, and a few hundred bytes of zip and JSON
    disk = DiskCache(tmp_path, max_bytes=3 << 20 | 1 << 19)  # three such entries, not four
    for key in "abc":
        disk.save_entry(key, megabyte, {})
    now = time.time()
    for age, key in zip((30, 20, 10), "abc"):  # saved in this order, clearly apart whatever the clock's grain
        os.utime(tmp_path / f"{key}.npz", (now - age, now - age))
    assert disk.load_entry("a") is not None  # used again: now the most recent
    disk.save_entry("d", megabyte, {})
    assert sorted(p.stem for p in tmp_path.glob("*.npz")) == ["a", "c", "d"]  # b was the least recently used
    arrays, document, nonfinite = disk.load_entry("d")
    assert np.array_equal(arrays["numbers"], megabyte["numbers"]) and document == {"cache_key": "d"} and not nonfinite


def test_the_cache_command_shows_and_clears_the_cache(kata, tmp_path):
    home = tmp_path / "xdg"
    environment = {**os.environ, "XDG_CACHE_HOME": str(home)}
    folder = home / "pretrain-explorer"
    run_outside([str(SCRIPT), "report", "kata"], tmp_path, env=environment, timeout=BOUND, check=True)
    shown = run_outside([str(SCRIPT), "cache"], tmp_path, env=environment, timeout=BOUND)
    entries = list(folder.glob("*.npz"))
    size = sum(p.stat().st_size for p in entries)
    assert (shown.returncode, shown.stderr) == (0, "") and len(entries) == 1
    assert f"folder   {folder}\n" in shown.stdout and "entries  1\n" in shown.stdout
    assert f"{size / (1 << 20):,.1f} MiB of at most {DISK_CACHE_MAX_BYTES / (1 << 20):,.0f} MiB" in shown.stdout
    cleared = run_outside([str(SCRIPT), "cache", "--clear"], tmp_path, env=environment, timeout=BOUND)
    assert (cleared.returncode, cleared.stdout, cleared.stderr) == (0, f"{folder}: 1 entry removed\n", "")
    assert list(folder.glob("*.npz")) == []
    again = run_outside([str(SCRIPT), "cache"], tmp_path, env=environment, timeout=BOUND)
    assert "entries  0\n" in again.stdout


def test_clearing_while_another_process_holds_an_entry_lock_excludes_it_still(tmp_path):
    disk = DiskCache(tmp_path)
    disk.save_entry("a", {"numbers": np.zeros(3)}, {})
    with disk.claimed("a"):
        assert disk.clear() == 1
        assert (tmp_path / "a.lock").exists()  # the holder's lock is left to it
        assert DiskCache(tmp_path, lock_wait=0.0)._lock(tmp_path / "a.lock", lambda: False, lambda: None) is None
    assert list(tmp_path.iterdir()) == []


def test_an_entry_is_checked_before_it_is_used(tmp_path):
    """A flipped byte, a compressed member (which could inflate to any size), NaN in numbers, an
    object array: each refused as damaged (a miss), none allocated or unpickled."""
    import zipfile

    from pretrain_explorer.engine.storage.entry_file import DamagedEntry, load_entry, save_entry

    numbers = np.arange(1 << 18, dtype=float)  # 2 MiB: mapped from the file, not read
    save_entry(tmp_path / "good.npz", {"numbers": numbers, "small": np.ones(3)}, {"what": "good"})
    arrays, document, nonfinite = load_entry(tmp_path / "good.npz", 1 << 30)
    assert np.array_equal(arrays["numbers"], numbers) and document == {"what": "good"} and not nonfinite
    assert not arrays["numbers"].flags.writeable  # shared with every process mapping the entry

    whole = bytearray((tmp_path / "good.npz").read_bytes())
    whole[len(whole) // 2] ^= 0xFF  # inside the numbers
    (tmp_path / "flipped.npz").write_bytes(whole)
    with zipfile.ZipFile(tmp_path / "deflated.npz", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("numbers.npy", b"\x93NUMPY" + b"\0" * (64 << 20))
    save_entry(tmp_path / "objects.npz", {}, {})
    with zipfile.ZipFile(tmp_path / "objects.npz", "a") as archive:
        with archive.open("things.npy", "w") as member:
            np.lib.format.write_array(member, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    for name in ("flipped", "deflated", "objects"):
        with pytest.raises(DamagedEntry):
            load_entry(tmp_path / f"{name}.npz", 1 << 30)
    with pytest.raises(DamagedEntry):
        load_entry(tmp_path / "good.npz", 1 << 20)  # larger than the cache may hold

    save_entry(tmp_path / "nan.npz", {"numbers": np.array([1.0, np.nan])}, {})
    assert load_entry(tmp_path / "nan.npz", 1 << 30)[2] == {"numbers"}  # said, for vectors to be refused


def test_a_session_runs_what_it_computed_again_from_memory_and_what_it_loaded_from_that(kata, tmp_path):
    disk = DiskCache(tmp_path)
    computing = Session(disk=disk)
    first = run_experiment(kata, session=computing)
    again = run_experiment(kata, session=computing)  # its stages are in memory: nothing computed, nothing loaded
    assert computing.stats["results load"] == 0 and computing.stats["classifier:fine_tuned"] == 1
    assert again.approaches == first.approaches
    loading = Session(disk=disk)
    loaded = run_experiment(kata, session=loading)
    (tmp_path / f"{next(iter(loaded.vector_keys.values()))[1]}.npz").unlink()  # gone from disk: kept in memory
    assert run_experiment(kata, session=loading).approaches == first.approaches
    assert loading.stats["results load"] == 1
