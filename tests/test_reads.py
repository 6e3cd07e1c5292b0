"""Reads: damaged .npz files, deeply nested TOML, very long paths, files that are not regular files,
lines longer than the bound. Each gets exit status 2 and one line naming the file and the problem."""

import io
import json
import zipfile

import numpy as np
import pytest
from numpy.lib import format as npy

from pretrain_explorer.engine.vectors import random_vectors
from helpers import notifications, open_failing, screen_text
from pretrain_explorer.tui.app import PretrainExplorer
from pretrain_explorer.tui.cli import main

CORPUS = {"sentences": 2, "tokens": 6, "kept_tokens": 6, "vocabulary": 2, "dimension": 3, "window": 3,
          "weighting": "counts"}


def report_fails(capsys, location) -> str:
    """The one line `report` prints for `location`, after checking it is the only output."""
    assert main(["report", str(location)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err and captured.err.count("\n") == 1, captured.err
    return captured.err.strip()


def npz(path, **changes):
    """A vectors file as `pretrain` writes it, with some fields replaced (None removes one)."""
    fields = dict(format=np.array("pretrain-explorer-vectors"), version=np.array(1), words=np.array(["a", "b"]),
                  matrix=random_vectors(("a", "b"), 3, 0).matrix, settings=np.array(json.dumps({"corpus": CORPUS})))
    fields.update(changes)
    np.savez(path, **{name: value for name, value in fields.items() if value is not None})
    return path


nan_matrix = np.array([[1.0, np.nan, 0.0], [0.0, 1.0, 0.0]])
DAMAGE = {
    "settings empty": (dict(settings=np.array("{}")), "is damaged: its settings need a corpus object with the keys "
                       "sentences, tokens, kept_tokens, vocabulary, dimension, window, weighting"),
    "settings not json": (dict(settings=np.array("{corpus")), "is damaged: its settings are not valid JSON ("),
    "settings with NaN": (dict(settings=np.array('{"corpus": NaN}')),
                          "is damaged: its settings are not valid JSON (NaN is not a JSON number)"),
    "settings wrong type": (dict(settings=np.array(json.dumps({"corpus": {**CORPUS, "tokens": "six"}}))),
                            "is damaged: its settings' corpus tokens must be a whole number, at least 0, got 'six'"),
    "settings deeply nested": (dict(settings=np.array("[" * 100_000 + "]" * 100_000)),
                               "is damaged: its settings are not valid JSON (maximum recursion depth"),
    "matrix NaN": (dict(matrix=nan_matrix), "is damaged: its matrix holds NaN or infinite values"),
    "matrix infinite": (dict(matrix=np.full((2, 3), np.inf)), "is damaged: its matrix holds NaN or infinite values"),
    "matrix of integers": (dict(matrix=np.ones((2, 3), dtype=np.int64)), "is damaged: its matrix field holds int64 "
                           "of shape (2, 3), expected a float32 or float64 matrix of 1 to 10,000 columns"),
    "matrix one-dimensional": (dict(matrix=np.ones(2)), "is damaged: its matrix field holds float64 of shape (2,)"),
    "matrix rows": (dict(matrix=np.ones((5, 3))), "is damaged: 2 words for a matrix of shape (5, 3)"),
    "words unsorted": (dict(words=np.array(["b", "a"])), "is damaged: its words are not in order"),
    "words repeated": (dict(words=np.array(["a", "a"])), "is damaged: a word appears twice"),
    "words empty": (dict(words=np.array(["", "a"])), "is damaged: one of its words is empty"),
    "words numbers": (dict(words=np.array([1, 2])), "is damaged: its words field holds int64 of shape (2,)"),
    "no settings": (dict(settings=None), "is damaged: it has no settings field"),
    "version 2": (dict(version=np.array(2)), "is vectors format version 2; this version reads 1"),
    "foreign format": (dict(format=np.array("something-else")), "is not a vectors file written by"),
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_vectors_file(capsys, tmp_path, damage):
    changes, problem = damage
    path = npz(tmp_path / "v.npz", **changes)
    assert report_fails(capsys, path).startswith(f"pretrain-explorer: {path}: {problem}")


def test_vectors_file_with_an_absurd_array_header(capsys, tmp_path):
    """A header claiming 300 billion numbers is refused from the header, before any allocation."""
    good = npz(tmp_path / "good.npz")
    path = tmp_path / "absurd.npz"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            if name == "matrix.npy":
                header = io.BytesIO()
                npy.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**9, 300)})
                data = header.getvalue() + np.zeros(6).tobytes()
            out.writestr(name, data)
    assert report_fails(capsys, path) == (
        f"pretrain-explorer: {path}: is damaged: its matrix field's header claims float64 of shape "
        "(1000000000, 300), but 48 bytes are stored")


@pytest.mark.warm_kata  # what the explorer shows of the kata, not how it is computed
async def test_explorer_opening_a_damaged_vectors_file_keeps_the_results_and_the_status_line(tmp_path):
    path = npz(tmp_path / "[bold]v.npz", matrix=nan_matrix)  # brackets: a file name is never markup
    app = PretrainExplorer()
    async with app.run_test(size=(100, 30)) as pilot:
        shown = await open_failing(app, pilot, path)
        await pilot.pause()
        shown_path = f"{path.parent.name}/{path.name}"  # the file's name and its folder's, no long path
        assert f"{shown_path}: is damaged: its matrix holds NaN or infinite values" in notifications(app)
        assert app.result is shown
        assert "kata · window 3 · stopwords on · seed 42 · top 4 · vocab 86" in screen_text(app)
        assert "Opening" not in screen_text(app)


@pytest.mark.parametrize("nesting", ["[", "{a = "])
def test_deeply_nested_toml(capsys, kata_copy, nesting):
    closing = {"[": "]", "{a = ": "}"}[nesting]
    manifest = kata_copy / "experiment.toml"
    manifest.write_text(manifest.read_text() + "\n[extra]\ndeep = " + nesting * 50_000 + "1" + closing * 50_000 + "\n")
    assert report_fails(capsys, kata_copy) == (
        f"pretrain-explorer: {manifest}: TOML nested too deeply to read (arrays or tables inside one another)")


@pytest.mark.parametrize("command", ["report", "pretrain", "explorer"])
def test_very_long_path(capsys, tmp_path, command):
    long = tmp_path / ("x" * 300) / "experiment.toml"
    argv = {"report": ["report", str(long)], "explorer": [str(long)],
            "pretrain": ["pretrain", str(long), "-o", str(tmp_path / "v.npz")]}[command]
    assert main(argv) == 2
    assert capsys.readouterr().err == f"pretrain-explorer: {long}: cannot be read (File name too long)\n"
    assert list(tmp_path.iterdir()) == []


async def test_an_error_with_brackets_is_shown_as_text_not_markup(kata_copy):
    """A file name like `c[/x].txt` in an error is not markup: as markup, its closing tag would
    crash the explorer when the toast is drawn (Content.from_markup raises MarkupError). Headless
    runs here draw no toasts, so the test checks the notification is marked as plain text."""
    manifest = kata_copy / "experiment.toml"
    manifest.write_text(manifest.read_text().replace('corpus = "general.txt"', 'corpus = "c[/x].txt"'))
    app = PretrainExplorer()
    async with app.run_test(size=(100, 30)) as pilot:
        shown = await open_failing(app, pilot, kata_copy)
        assert "c[/x].txt: file not found" in notifications(app)
        assert app._notifications and not any(n.markup for n in app._notifications)  # the welcome's too
        assert app.is_running and app.result is shown
