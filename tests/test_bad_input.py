"""Bad input gets one clear line on stderr naming the file, the line and the problem; exit status 2."""

import subprocess
import sys

import pytest

from helpers import KATA
from pretrain_explorer.tui.cli import main


def report_error(capsys, location) -> str:
    assert main(["report", str(location)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    return captured.err.strip()


def replace(path, old, new):
    path.write_text(path.read_text().replace(old, new))


def test_missing_manifest(capsys, tmp_path):
    err = report_error(capsys, tmp_path / "nowhere.toml")
    assert err == f"pretrain-explorer: {tmp_path / 'nowhere.toml'}: file not found"


def test_folder_without_manifest(capsys, tmp_path):
    err = report_error(capsys, tmp_path)
    assert f"{tmp_path / 'experiment.toml'}: file not found" in err


def test_missing_named_file(capsys, kata_copy):
    (kata_copy / "test.csv").unlink()
    assert report_error(capsys, kata_copy).endswith(f"{kata_copy / 'test.csv'}: file not found")


# One edit to one file of a copy of the kata, and the fragments of the message it must give.
EDITS = {
    "toml syntax": ("experiment.toml", "window = 3", "window = = 3", ["experiment.toml, line 9: TOML syntax error"]),
    "unknown key": ("experiment.toml", "window = 3", "windw = 3", [
        "experiment.toml, line 9: [pretraining] windw: unknown key in [pretraining]",
        "known keys: corpus, dim, max_vocab, min_count, mlm_tokens, stopwords, vectors, weighting, window"]),
    "unknown table": ("experiment.toml", "[random]", "[randomness]", ["line 26: randomness: unknown key at the top level"]),
    "no text/label columns": ("train.csv", "text,label", "sentence,sentiment", [
        "train.csv, line 1: the header row has no column text or label (found: sentence, sentiment)"]),
    "malformed row": ("test.csv", "superb quality and outstanding craftsmanship,positive", "superb quality,positive,extra",
                      ["test.csv, line 3: malformed row: 3 fields where the header has 2"]),
    "unclosed quote": ("transfer.csv", "remarkable value", '"remarkable value', ["transfer.csv", "malformed"]),
    "window below one": ("experiment.toml", "window = 3", "window = 0",
                         ["line 9: [pretraining] window: must be a whole number at least 1 and at most 100, got 0"]),
    "mlm_tokens below one": ("experiment.toml", "mlm_tokens = 8000", "mlm_tokens = 0",
                             ["line 11: [pretraining] mlm_tokens: must be a whole number at least 1"]),
    "window not a number": ("experiment.toml", "window = 3", 'window = "3"',
                            ["[pretraining] window: must be a whole number at least 1 and at most 100, got '3'"]),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_one_bad_edit(capsys, kata_copy, edit):
    name, old, new, fragments = edit
    replace(kata_copy / name, old, new)
    err = report_error(capsys, kata_copy)
    for fragment in fragments:
        assert fragment in err


def test_empty_corpus(capsys, kata_copy):
    (kata_copy / "general.txt").write_text("\n\n")
    err = report_error(capsys, kata_copy)
    assert err.endswith("general.txt: the corpus is empty: it needs at least one line of text")


def test_corpus_of_stopwords_only(capsys, kata_copy):
    (kata_copy / "general.txt").write_text("the and of\nit is\n")
    assert "general.txt: the corpus has no words left once the stopwords are removed" in report_error(capsys, kata_copy)


def test_single_class(capsys, kata_copy):
    (kata_copy / "train.csv").write_text("text,label\ngreat film,positive\nsuperb acting,positive\n")
    err = report_error(capsys, kata_copy)
    assert "train.csv: a classifier needs at least two classes; found only one (positive)" in err


def test_bytes_that_are_not_utf8(capsys, kata_copy):
    lines = (kata_copy / "general.txt").read_bytes().split(b"\n")
    lines[4] = "caf\u00e9 terrible".encode("latin-1")
    (kata_copy / "general.txt").write_bytes(b"\n".join(lines))
    err = report_error(capsys, kata_copy)
    assert "general.txt, line 5: bytes that are not UTF-8 (byte 0xe9)" in err


def test_the_installed_command_reports_without_traceback(kata_copy, tmp_path):
    (kata_copy / "general.txt").write_text("")
    run = subprocess.run([sys.executable, "-m", "pretrain_explorer.tui", "report", str(kata_copy)], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 2
    assert "general.txt: the corpus is empty" in run.stderr and "Traceback" not in run.stderr


def test_the_explorer_refuses_a_bad_experiment_before_opening(capsys, tmp_path):
    assert main([str(tmp_path / "missing.toml")]) == 2
    assert "missing.toml: file not found" in capsys.readouterr().err


@pytest.mark.parametrize("good", ["inline"])
def test_inline_stopword_list_is_accepted(capsys, kata_copy, good):
    words = (kata_copy / "stopwords.txt").read_text().split()
    replace(kata_copy / "experiment.toml", 'stopwords = "stopwords.txt"', f"stopwords = {words!r}".replace("'", '"'))
    assert main(["report", "--json", str(kata_copy)]) == 0
    assert '"vocab_size": 86' in capsys.readouterr().out


@pytest.mark.parametrize("argv, problem", [
    (["report", "--window", "0"], "argument --window: must be a whole number at least 1 and at most 100, got 0"),
    (["report", "--min-count", "0"], "argument --min-count: must be a whole number at least 1 and at most "
                                     "1,000,000,000,000, got 0"),
    (["report", "--max-vocab", "-1"], "argument --max-vocab: must be a whole number at least 0 and at most "
                                      "10,000,000, got -1"),
    (["kata", "--mlm-tokens", "0"], "argument --mlm-tokens: must be a whole number at least 1"),
    (["pretrain", str(KATA / "general.txt"), "-o", "never.npz", "--dim", "x"],
     "argument --dim: must be a whole number at least 1 and at most 10,000, got 'x'"),
])
def test_bad_command_line_numbers(capsys, argv, problem):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert problem in capsys.readouterr().err


def test_a_brief_error_never_shows_an_absolute_path_as_a_relative_one():
    from pretrain_explorer.engine.errors import ExperimentError

    assert ExperimentError("/tmp/nope2", "file not found").brief() == "/tmp/nope2: file not found"
    long = "/home/teacher/courses/autumn/experiments/mine/experiment.toml"
    assert ExperimentError(long, "no [pretraining] table", line=3).brief() == \
        "…/mine/experiment.toml, line 3: no [pretraining] table"
    assert ExperimentError("train.csv", "empty").brief() == "train.csv: empty"
