"""Writes: a full disk, a destination that cannot be written, two runs writing one file. Each ends in
one line (or a notification) naming the file and the problem, with nothing half-written left."""

import errno
import os
import subprocess

import pytest

from pretrain_explorer.engine.errors import ExperimentError
from pretrain_explorer.engine.storage.atomic import write_atomically
from pretrain_explorer.engine.storage.vectors_file import load_vectors
from helpers import KATA, SCRIPT, notifications, settled
from pretrain_explorer.tui.app import PretrainExplorer
from pretrain_explorer.tui.cli import main


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a 64 KiB tmpfs filled to the last byte: a real full disk (needs root, as the
    project's machines and CI run)."""
    folder = tmp_path / "full"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        filler = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(filler, b"x" * 4096):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(filler)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err.strip()


def test_pretrain_onto_a_full_disk(capsys, full_disk):
    assert main(["pretrain", str(KATA / "general.txt"), "-o", str(full_disk / "v.npz")]) == 2
    err = capsys.readouterr().err
    # The progress lines of the counting, then the one line that says why nothing was written.
    assert "Traceback" not in err and err.splitlines()[-1] == (
        f"pretrain-explorer: {full_disk / 'v.npz'}: cannot be written (No space left on device)")
    assert [p.name for p in full_disk.iterdir()] == ["filler"]


@pytest.mark.warm_kata  # what the explorer shows of the kata, not how it is computed
async def test_export_onto_a_full_disk_leaves_nothing_and_keeps_the_results(full_disk, tmp_path):
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        shown = app.result
        app.export_report(shown, "json", full_disk / "r.json")
        await pilot.pause()
        assert f"Export failed: {full_disk / 'r.json'}: cannot be written (No space left on device)" in notifications(app)
        assert [p.name for p in full_disk.iterdir()] == ["filler"]  # so the next export is not refused
        assert app.result is shown and app.is_running
        app.export_report(shown, "json", tmp_path / "r.json")  # the same export where there is room
        await pilot.pause()
        assert (tmp_path / "r.json").read_text().startswith("{")


@pytest.mark.warm_kata  # what the explorer shows of the kata, not how it is computed
async def test_screenshot_onto_a_full_disk(full_disk, monkeypatch):
    monkeypatch.chdir(full_disk)
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        app.command_screenshot()
        await pilot.pause()
        assert "Screenshot not saved: " in notifications(app)
        assert "cannot be written (No space left on device)" in notifications(app)
        assert [p.name for p in full_disk.iterdir()] == ["filler"] and app.is_running


@pytest.mark.parametrize("case", ["missing folder", "folder is a file", "deleted folder", "output is a folder",
                                  "name too long"])
def test_pretrain_destination_refused_before_counting(capsys, tmp_path, case):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone").rmdir()
    (tmp_path / "out.npz").mkdir()
    output, problem = {
        "missing folder": (tmp_path / "nowhere" / "v.npz", f"cannot be written: the folder {tmp_path / 'nowhere'} does not exist"),
        "folder is a file": (tmp_path / "notes.txt" / "v.npz", f"cannot be written: {tmp_path / 'notes.txt'} is not a folder"),
        "deleted folder": (tmp_path / "gone" / "v.npz", f"cannot be written: the folder {tmp_path / 'gone'} does not exist"),
        "output is a folder": (tmp_path / "out.npz", "is a folder; name a file to write"),
        "name too long": (tmp_path / ("v" * 300 + ".npz"), "cannot be read (File name too long)"),
    }[case]
    assert main(["pretrain", str(KATA / "general.txt"), "-o", str(output)]) == 2
    assert one_line(capsys) == f"pretrain-explorer: {output}: {problem}"  # and no "Counting" progress before it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "out.npz"]
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_file_that_appears_while_writing_is_kept(tmp_path):
    """The race of two runs, made certain: the destination appears between the check and the move."""
    target = tmp_path / "v.npz"

    def write(out):
        out.write(b"mine")
        target.write_text("theirs")

    with pytest.raises(ExperimentError) as error:
        write_atomically(target, write)
    assert str(error.value) == f"{target}: exists; not replaced (another run may have written it)"
    assert target.read_text() == "theirs" and [p.name for p in tmp_path.iterdir()] == ["v.npz"]


def test_two_pretrain_runs_onto_one_file(tmp_path):
    output = tmp_path / "same.npz"
    argv = [str(SCRIPT), "pretrain", str(KATA / "general.txt"), "-o", str(output)]
    runs = [subprocess.Popen(argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outcomes = sorted((run.wait(timeout=120), run.stderr.read(), run.stdout.read()) for run in runs)
    (won, _, printed), (lost, complaint, nothing) = outcomes
    assert (won, lost) == (0, 2) and printed.startswith(f"{output}: 86 words") and nothing == ""
    # Either the loser saw the file before counting, or its final move found it there.
    assert complaint.strip().splitlines()[-1].startswith(f"pretrain-explorer: {output}: exists; not replaced (")
    assert "Traceback" not in complaint
    assert [p.name for p in tmp_path.iterdir()] == ["same.npz"]
    assert len(load_vectors(output)[0].words) == 86
