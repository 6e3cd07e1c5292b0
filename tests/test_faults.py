"""Faults of issue 21 that ended in an internal error or a wrong answer: each now gets one line
naming the file (and line) and the problem, exit status 2, and leaves nothing behind."""

import io
import json
import os
import struct
import subprocess
import sys
import tracemalloc
import zlib

import numpy as np
import pytest
from numpy.lib import format as npy

from helpers import KATA, SCRIPT
from pretrain_explorer.engine import ExperimentError
from pretrain_explorer.engine.storage.vectors_file import INFLATES_FREELY, MAX_INFLATION, load_vectors
from pretrain_explorer.tui.cli import main

CORPUS = {"sentences": 2, "tokens": 6, "kept_tokens": 6, "vocabulary": 2, "dimension": 3, "window": 3,
          "weighting": "svd"}


def fails(capsys, argv) -> str:
    """The one line a command prints, after checking it is its only output and its status is 2."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err and captured.err.count("\n") == 1, captured.err
    line = captured.err.strip()
    assert line.isprintable(), repr(line)
    return line


# --- an .npz whose compressed member inflates to far more than the file holds ---------------------

def npy_bytes(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    npy.write_array(out, array, allow_pickle=False)
    return out.getvalue()


def zeros_deflated(header: bytes, zeros: int, checksum: bool) -> tuple[bytes, int]:
    """A raw deflate stream of `header` then `zeros` zero bytes, and its CRC-32 (0 unless
    `checksum`), made in a blink: one MiB of zeros compressed once and repeated (a full flush
    makes each copy stand alone)."""
    chunk = 1 << 20
    assert zeros % chunk == 0
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = first.compress(header) + first.flush(zlib.Z_FULL_FLUSH)
    repeat = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = repeat.compress(bytes(chunk)) + repeat.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(header)
    for _ in range(zeros // chunk if checksum else 0):
        crc = zlib.crc32(bytes(chunk), crc)
    return head + block * (zeros // chunk) + repeat.flush(zlib.Z_FINISH), crc


def write_zip(path, members) -> None:
    """A zip written by hand, so that its declared sizes can lie: members are (name, stored bytes,
    method (0 stored, 8 deflated), declared size, CRC-32)."""
    local, central = bytearray(), bytearray()
    for name, data, method, size, crc in members:
        name = name.encode()
        central += struct.pack("<4s6H3I5H2I", b"PK\1\2", 20, 20, 0, method, 0, 0, crc, len(data), size,
                               len(name), 0, 0, 0, 0, 0, len(local)) + name
        local += struct.pack("<4s5H3I2H", b"PK\3\4", 20, 0, method, 0, 0, crc, len(data), size, len(name), 0)
        local += name + data
    end = struct.pack("<4s4H2IH", b"PK\5\6", 0, 0, len(members), len(members), len(central), len(local), 0)
    path.write_bytes(bytes(local + central + end))


def stored(name: str, array: np.ndarray):
    data = npy_bytes(array)
    return (f"{name}.npy", data, 0, len(data), zlib.crc32(data))


def bomb(path, rows: int, dim: int, declared_rows: int | None = None) -> int:
    """A vectors file whose matrix is `rows` x `dim` zeros, deflated; its header and declared size
    say `declared_rows` rows (its checksum is right only where they differ: a member refused for
    its declared size is never read). The bytes the matrix inflates to."""
    words = np.array([f"w{i:06d}" for i in range(declared_rows or rows)])
    out = io.BytesIO()
    npy.write_array_header_1_0(out, {"descr": "<f8", "fortran_order": False, "shape": (declared_rows or rows, dim)})
    header = out.getvalue()
    data, crc = zeros_deflated(header, rows * dim * 8, checksum=declared_rows is not None)
    declared_rows = declared_rows or rows
    declared = len(header) + declared_rows * dim * 8
    write_zip(path, [stored("format", np.array("pretrain-explorer-vectors")), stored("version", np.array(1)),
                     stored("words", words), ("matrix.npy", data, 8, declared, crc),
                     stored("settings", np.array(json.dumps({"corpus": CORPUS})))])
    return len(header) + rows * dim * 8


def peak_while(action) -> int:
    """The most memory Python and numpy held while `action` ran (numpy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        action()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def refused_load(path) -> tuple[str, int]:
    """Loading `path` must be refused: the refusal, and the most memory Python allocated meanwhile."""
    problem = []

    def load() -> None:
        with pytest.raises(ExperimentError) as refused:
            load_vectors(path)
        problem.append(str(refused.value))

    peak = peak_while(load)
    return problem[0], peak


def test_a_compressed_member_declaring_gigabytes_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.npz"
    inflated = bomb(path, rows=4096, dim=8192)  # 256 MiB of zeros in about 300 KB
    assert inflated > max(INFLATES_FREELY, MAX_INFLATION * path.stat().st_size)
    problem, peak = refused_load(path)
    assert peak < inflated / 16
    assert problem.startswith(f"{path}: its matrix field would inflate from ")
    assert f"to {inflated:,} bytes, more than {MAX_INFLATION} times (as a zip bomb does): refused unread" in problem


def test_a_compressed_member_inflating_past_its_declared_size_is_refused_unallocated(tmp_path):
    """The zip declares a small matrix (its size, its header and its words agree) but the stream
    holds 64 MiB: only the declared bytes are ever inflated, and the checksum refuses the rest."""
    path = tmp_path / "liar.npz"
    inflated = bomb(path, rows=1024, dim=8192, declared_rows=2)
    problem, peak = refused_load(path)
    assert peak < inflated / 16
    assert problem.startswith(f"{path}: is not a readable .npz file (")


def test_a_stored_member_declaring_more_than_it_stores_is_refused(capsys, tmp_path):
    path = tmp_path / "short.npz"
    matrix = stored("matrix", np.zeros((2, 3)))
    write_zip(path, [stored("format", np.array("pretrain-explorer-vectors")), stored("version", np.array(1)),
                     stored("words", np.array(["a", "b"])), (matrix[0], matrix[1][:-8], 0, len(matrix[1]), matrix[4]),
                     stored("settings", np.array(json.dumps({"corpus": CORPUS})))])
    assert fails(capsys, ["report", str(path)]) == (
        f"pretrain-explorer: {path}: is damaged: its matrix field declares {len(matrix[1]):,} bytes "
        f"but stores {len(matrix[1]) - 8:,}")


def test_a_compressed_vectors_file_of_ordinary_size_still_opens(tmp_path):
    path = tmp_path / "compressed.npz"
    rng = np.random.default_rng(0)
    np.savez_compressed(path, format=np.array("pretrain-explorer-vectors"), version=np.array(1),
                        words=np.array(["a", "b"]), matrix=rng.normal(size=(2, 3)),
                        settings=np.array(json.dumps({"corpus": CORPUS})))
    vectors, _ = load_vectors(path)
    assert vectors.words == ("a", "b") and vectors.matrix.shape == (2, 3)


# --- standard input, and `new` ---------------------------------------------------------------------

def test_pretrain_from_a_closed_standard_input_says_so(tmp_path):
    """`pretrain - ... <&-`: the real command, its standard input closed by the shell."""
    output = tmp_path / "v.npz"
    run = subprocess.run(f'"{SCRIPT}" pretrain - -o "{output}" <&-', shell=True, executable="/bin/bash",
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 2 and run.stdout == "" and "Traceback" not in run.stderr
    assert run.stderr.startswith("pretrain-explorer: -: standard input is closed: pipe the corpus in")
    assert run.stderr.count("\n") == 1 and sorted(os.listdir(tmp_path)) == []


def new_argv(folder, corpus=KATA / "general.txt", train=KATA / "train.csv") -> list[str]:
    return ["new", str(folder), "--corpus", str(corpus), "--train", str(train), "--test", str(KATA / "test.csv")]


def test_new_with_standard_input_as_the_corpus_is_refused_before_reading(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)  # were it read, this would fail otherwise
    line = fails(capsys, new_argv(tmp_path / "mine", corpus="-"))
    assert line.startswith("pretrain-explorer: --corpus -: an experiment reads its corpus again at every run, so it "
                           "must be a file or a folder, not standard input")
    assert list(tmp_path.iterdir()) == []


def test_new_makes_the_missing_parents_of_its_folder(capsys, tmp_path):
    folder = tmp_path / "a" / "b" / "mine"
    assert main(new_argv(folder)) == 0
    assert f"Wrote {folder / 'experiment.toml'}" in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == ["experiment.toml", "stopwords.txt"]


def test_new_that_fails_after_making_folders_leaves_none_behind(capsys, tmp_path, monkeypatch):
    import pretrain_explorer.engine.new_experiment as new_experiment

    def refuse(manifest):
        raise ExperimentError(manifest, "refused for the test")

    monkeypatch.setattr(new_experiment, "load_experiment", refuse)
    line = fails(capsys, new_argv(tmp_path / "a" / "b" / "mine"))
    assert line.endswith("experiment.toml: refused for the test")
    assert list(tmp_path.iterdir()) == []


def test_new_under_a_file_says_the_file_is_not_a_folder(capsys, tmp_path):
    (tmp_path / "plain").write_text("x")
    line = fails(capsys, new_argv(tmp_path / "plain" / "mine"))
    assert line == f"pretrain-explorer: {tmp_path / 'plain' / 'mine'}: cannot be created: {tmp_path / 'plain'} is not a folder"


# --- NUL bytes and UTF-16 in text files ---------------------------------------------------------------

def test_a_nul_byte_in_a_labeled_csv_is_refused_with_its_line(capsys, kata_copy):
    lines = (kata_copy / "train.csv").read_text().split("\n")
    lines[2] = lines[2][:5] + "\0" + lines[2][5:]
    (kata_copy / "train.csv").write_text("\n".join(lines))
    assert fails(capsys, ["report", str(kata_copy)]) == (
        f"pretrain-explorer: {kata_copy / 'train.csv'}, line 3: looks binary (a NUL byte); save the file as UTF-8 text")


@pytest.mark.parametrize("name", ["train.csv", "experiment.toml", "stopwords.txt", "general.txt"])
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16"])
def test_utf16_is_named_as_such_in_a_printable_line(capsys, kata_copy, name, encoding):
    path = kata_copy / name
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    line = fails(capsys, ["report", str(kata_copy)])
    assert "\0" not in line and line.startswith(f"pretrain-explorer: {path}, line 1: ")
    said = "is UTF-16 (its byte-order mark says so)" if encoding == "utf-16" else "looks like UTF-16"
    assert said in line and "UTF-8" in line


def test_a_control_character_quoted_from_a_file_is_shown_escaped(capsys, kata_copy):
    (kata_copy / "train.csv").write_text("te\x1b[31mxt,label\ngreat film,positive\n")
    line = fails(capsys, ["report", str(kata_copy)])
    assert "\x1b" not in line and "te\\x1b[31mxt" in line


# --- a dimension the vocabulary cannot give; labels too long or too wide for 80 columns ---------------

WIDE = "好評" * 20 + "😀"  # 81 cells
LONG = "x" * 10_000


@pytest.fixture(scope="module")
def wide_labels_result(tmp_path_factory):
    """The kata with its labels (and the groups named after them) 10,000 characters long and wide,
    pretrained by svd with dim 10,000 on its 86 words, over two seeds."""
    import dataclasses
    import shutil

    from pretrain_explorer.engine import load_experiment, run_experiment
    from pretrain_explorer.engine.experiment import with_overrides

    folder = tmp_path_factory.mktemp("wide") / "kata"
    shutil.copytree(KATA, folder)
    for name in ("train.csv", "test.csv", "transfer.csv"):
        text = (folder / name).read_text()
        (folder / name).write_text(text.replace(",positive", f',"{WIDE}"').replace(",negative", f",{LONG}"))
    manifest = (folder / "experiment.toml").read_text()
    (folder / "experiment.toml").write_text(manifest.replace("positive = [", f'"{WIDE}" = [')
                                            .replace("negative = [", f'"{LONG}" = ['))
    experiment = with_overrides(load_experiment(folder), weighting="svd", dim=10_000)
    assert set(experiment.labels) == {WIDE, LONG}
    return run_experiment(dataclasses.replace(experiment, seeds=2))


def test_a_dim_above_the_vocabulary_is_stated_where_the_svd_makes_fewer(wide_labels_result):
    from pretrain_explorer.tui.presentation.printed_report import notes, render_text

    result = wide_labels_result
    assert result.corpus.vocabulary == 86 and result.corpus.dimension == 86 < result.experiment.dim
    said = "dim 10,000 was asked for, but an SVD of 86 words has at most 86 dimensions: the vectors have 86."
    assert said in " ".join(render_text(result, 80).split())
    assert said in " ".join(notes(result).values())


@pytest.mark.parametrize("argv", [["report", "--dim", "10000"],
                                  ["pretrain", str(KATA / "general.txt"), "-o", "v.npz", "--dim", "5"]])
def test_a_dim_that_counts_vectors_would_ignore_is_refused(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    assert fails(capsys, argv).startswith("pretrain-explorer: --dim: sets the dimension of svd and sgns vectors "
                                          "only; counts vectors have one dimension per vocabulary word")
    assert list(tmp_path.iterdir()) == []


def test_the_text_report_keeps_to_80_columns_with_long_and_wide_labels(wide_labels_result):
    from rich.cells import cell_len

    from pretrain_explorer.tui.presentation.printed_report import render_text
    from pretrain_explorer.tui.presentation.style import score

    text = render_text(wide_labels_result, 80)
    wide = [(n, cell_len(line)) for n, line in enumerate(text.split("\n"), 1) if cell_len(line) > 80]
    assert not wide, wide
    assert LONG not in text and "xxxxxxxxxxxxxxxxxxxxxxx…" in text and "好評好評好評好評好評好…" in text
    for approach in wide_labels_result.approaches.values():  # every score printed, whole
        for p in approach.test.predictions:
            for label in wide_labels_result.experiment.labels:
                assert score(p.scores[label]) in text


# --- esc after a new experiment's first phase arrived ----------------------------------------------

async def test_cancelling_a_new_experiment_after_its_first_phase_puts_the_previous_results_back():
    """Opening held-out from the kata: its pretraining phase arrives and is shown, then the run is
    held (on an event, not a clock) until esc is pressed. What stays on screen is the kata's, all of it."""
    import threading

    from helpers import HELD_OUT, notifications, screen_text, settled, until
    from pretrain_explorer.tui.app import PretrainExplorer

    first_phase_shown, release = threading.Event(), threading.Event()
    app = PretrainExplorer()
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(app, pilot)
        kept = app.result
        kata_screen = screen_text(app)
        staged_run = app.session.run

        def held_run(*args, **kwargs):
            for result in staged_run(*args, **kwargs):
                yield result
                first_phase_shown.set()
                release.wait(600)  # only turns a hang into a failure

        app.session.run = held_run
        app.start_run(app.base, None, location=str(HELD_OUT))
        await until(pilot, lambda: first_phase_shown.is_set() and app.result is not kept)
        assert app.result.experiment.name == "held-out" and not app.result.complete
        await pilot.press("escape")
        release.set()
        await until(pilot, lambda: "Job cancelled" in notifications(app))
        assert "Job cancelled: Cancelled: the previous results stay on screen." in notifications(app)
        assert app.result is kept and app.base.name == "kata"
        await until(pilot, lambda: screen_text(app) == kata_screen)  # all of it, the held-out corpus gone


# --- many classes: said before the wait --------------------------------------------------------------

def many_classes_experiment(folder, classes: int):
    """The kata with `classes` classes, two train sentences and one test sentence each, made of the
    corpus's own lines."""
    import csv
    import shutil

    shutil.copytree(KATA, folder)
    lines = [line for line in (KATA / "general.txt").read_text().splitlines() if line.strip()]
    for name, per_class in (("train.csv", 2), ("test.csv", 1)):
        with open(folder / name, "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["text", "label"])
            writer.writerows((lines[(c + k) % len(lines)], f"c{c:03d}") for c in range(classes) for k in range(per_class))
    (folder / "transfer.csv").unlink()
    manifest = (folder / "experiment.toml").read_text().replace('transfer = "transfer.csv"\n', "")
    (folder / "experiment.toml").write_text(manifest)
    return folder


def test_many_classes_are_announced_before_the_run(capsys, tmp_path, monkeypatch):
    from pretrain_explorer.engine.settings import MANY_CLASSES
    import pretrain_explorer.tui.cli as cli

    folder = many_classes_experiment(tmp_path / "many", MANY_CLASSES)
    said_before = []

    def run_experiment(experiment):
        said_before.append(capsys.readouterr().err)
        raise ExperimentError(experiment.manifest, "stopped here by the test")

    monkeypatch.setattr(cli, "run_experiment", run_experiment)
    assert main(["report", str(folder)]) == 2
    assert said_before == [f"pretrain-explorer: note: {MANY_CLASSES} classes: fine-tuning, the seeds and the learning "
                           "curve grow with the number of classes, so this run may take minutes.\n"]


def test_a_few_classes_are_not_announced(tmp_path):
    from pretrain_explorer.engine import load_experiment
    from pretrain_explorer.engine.settings import MANY_CLASSES
    from pretrain_explorer.tui.presentation.stages import many_classes

    assert many_classes(load_experiment(many_classes_experiment(tmp_path / "few", MANY_CLASSES - 1))) is None
    assert many_classes(load_experiment()) is None


async def test_the_explorer_announces_many_classes_when_their_first_phase_arrives(tmp_path):
    import threading

    from helpers import notifications, until
    from pretrain_explorer.engine import load_experiment
    from pretrain_explorer.engine.settings import MANY_CLASSES
    from pretrain_explorer.tui.app import PretrainExplorer

    first_phase_shown, release = threading.Event(), threading.Event()
    app = PretrainExplorer(load_experiment(many_classes_experiment(tmp_path / "many", 2 * MANY_CLASSES)))
    staged_run = app.session.run

    def held_run(*args, **kwargs):  # the run waits after its first phase until the test lets it go
        for result in staged_run(*args, **kwargs):
            yield result
            first_phase_shown.set()
            release.wait(600)  # only turns a hang into a failure

    app.session.run = held_run
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "Many classes" in notifications(app))
        assert app.result is not None and not app.result.complete  # before the training
        assert (f"Many classes: {2 * MANY_CLASSES} classes: fine-tuning, the seeds and the learning curve grow "
                "with the number of classes") in notifications(app)
        await pilot.press("escape")
        release.set()
        await until(pilot, lambda: "Job cancelled" in notifications(app))
        assert "Cancelled: the stages it finished stay on screen; the rest were not computed." in notifications(app)
