"""Published vectors: `pretrain-explorer import` (word2vec/GloVe/fastText text, word2vec binary),
an experiment pretrained on imported vectors, and Google-format analogy questions in `evaluate`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors

from helpers import KATA
from pretrain_explorer.engine import load_experiment, run_experiment
from pretrain_explorer.engine.experiment import with_vectors
from pretrain_explorer.engine.inspect.analogy_questions import evaluate_analogies, read_analogy_questions
from pretrain_explorer.engine.settings import IMPORTED_WORDS
from pretrain_explorer.engine.storage.vectors_file import load_in_file_order, load_vectors
from pretrain_explorer.engine.text import read_labeled_csv
from pretrain_explorer.tui.cli import main
from pretrain_explorer.tui.presentation.stages import imported_note


def keyed_vectors(words: list[str], dimension: int, seed: int = 0) -> KeyedVectors:
    kv = KeyedVectors(dimension)
    kv.add_vectors(words, np.random.default_rng(seed).standard_normal((len(words), dimension)).astype(np.float32))
    return kv


WORDS = [f"w{i}" for i in range(200)] + ["Ünïcode", "zeta", "Alpha"]  # not in order, as published files are


@pytest.mark.parametrize("binary,header", [(False, True), (False, False), (True, True)])
def test_round_trip_with_gensim(tmp_path, capsys, binary, header):
    kv = keyed_vectors(WORDS, 7)
    source, output = tmp_path / "published.vec", tmp_path / "v.npz"
    kv.save_word2vec_format(str(source), binary=binary, write_header=header)
    assert main(["import", str(source), "-o", str(output)]) == 0
    words, matrix, settings = load_in_file_order(output)
    assert list(words) == WORDS and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix, kv.vectors)
    assert settings["imported"]["format"] == f"word2vec {'binary' if binary else 'text'}"
    assert capsys.readouterr().out.startswith(f"{output}: {len(WORDS)} words x 7 dimensions")
    # As gensim reads its own file back: the same words, the same rows.
    back = KeyedVectors.load_word2vec_format(str(source), binary=binary, no_header=not header)
    np.testing.assert_array_equal(matrix, back.vectors)


def test_limit_keeps_the_first_words_and_a_run_keeps_imported_words_sorted(tmp_path):
    kv = keyed_vectors(WORDS, 5)
    source, output = tmp_path / "published.txt", tmp_path / "v.npz"
    kv.save_word2vec_format(str(source))
    assert main(["import", str(source), "-o", str(output), "--limit", "10"]) == 0
    words, matrix, _ = load_in_file_order(output)
    assert list(words) == WORDS[:10]
    np.testing.assert_array_equal(matrix, kv.vectors[:10])
    vectors, _ = load_vectors(output, first=3)
    assert vectors.words == tuple(sorted(WORDS[:3]))
    np.testing.assert_allclose(vectors.vector("w2"), kv["w2"])


GOOD = "2 3\na 1 2 3\nb 4 5 6\n"
BAD_TEXT = {
    "empty": (b"", "is empty: no vectors in it"),
    "dimension": (b"2 3\na 1 2 3\nb 4 5\n", "line 3: 2 numbers after the word, but its header says 3"),
    "dimension on the first line": (b"2 3\na 1 2\nb 4 5 6\n", "line 2: 2 numbers after the word, but its header says 3"),
    "dimension without header": (b"a 1 2 3\nb 4 5 6 7\n", "line 2: 4 numbers after the word, but the first line has 3"),
    "not a number": (b"a 1 2 3\nb 4 x5 6\n", "line 2: 'x5' is not a number"),
    "nan": (b"a 1 2 3\nb 4 nan 6\n", "line 2: holds a number that is not finite"),
    "float32 overflow": (b"a 1 2 3\nb 4 1e39 6\n", "line 2: holds a number that is not finite"),
    "duplicate": (b"a 1 2 3\nb 4 5 6\na 7 8 9\n", "line 3: the word 'a' again (first on line 1)"),
    "encoding": (b"a 1 2 3\n\xe9t\xe9 4 5 6\n", "line 2: is not UTF-8 text (byte 1 of the line)"),
    "no numbers": (b"a\n", "line 1: a word and no numbers"),
    "header only": (b"2 3\n", "holds a header and no vectors"),
    "short of its header": (b"3 3\na 1 2 3\nb 4 5 6\n", "is truncated: its header says 3 words, but it ends after 2"),
    "past its header": (b"1 3\na 1 2 3\nb 4 5 6\n", "line 3: a word past the 1 its header announces"),
}


@pytest.mark.parametrize("case", sorted(BAD_TEXT))
def test_bad_text_gives_one_line_and_writes_nothing(tmp_path, capsys, case):
    content, problem = BAD_TEXT[case]
    source, output = tmp_path / "bad.txt", tmp_path / "out" / "v.npz"
    source.write_bytes(content)
    output.parent.mkdir()
    assert main(["import", str(source), "-o", str(output)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"pretrain-explorer: {source}") and problem in err, err
    assert list(output.parent.iterdir()) == []


def binary_file(words: list[str], rows: np.ndarray, count: int | None = None) -> bytes:
    out = f"{count if count is not None else len(words)} {rows.shape[1]}\n".encode()
    for word, row in zip(words, rows):
        out += word.encode() + b" " + row.astype("<f4").tobytes() + b"\n"
    return out


def test_binary_as_word2vecs_c_tool_writes_it(tmp_path, capsys):
    """A newline after each row (gensim writes none): read past, as gensim reads it."""
    rows = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    source, output = tmp_path / "c.bin", tmp_path / "c.npz"
    source.write_bytes(binary_file(["a", "b", "c"], rows))
    assert main(["import", str(source), "-o", str(output)]) == 0
    words, matrix, settings = load_in_file_order(output)
    assert words == ("a", "b", "c") and settings["imported"]["format"] == "word2vec binary"
    np.testing.assert_array_equal(matrix, rows)
    np.testing.assert_array_equal(KeyedVectors.load_word2vec_format(str(source), binary=True).vectors, rows)


def test_bad_binary_gives_one_line_and_writes_nothing(tmp_path, capsys):
    rows = np.arange(12, dtype=np.float32).reshape(3, 4)
    cases = {
        "truncated": (binary_file(["a", "b", "c"], rows)[:-9], "is truncated: its header says 3 words of 4 float32 "
                                                                "numbers, but it ends in word 3"),
        "nan": (binary_file(["a", "b", "c"], np.where(rows == 5, np.nan, rows)), "word 2 ('b') holds a number that "
                                                                                  "is not finite"),
        "duplicate": (binary_file(["a", "b", "a"], rows), "word 3 is 'a' again (first as word 1)"),
        "past its header": (binary_file(["a", "b", "c"], rows, count=2), "holds more than the 2 words its header"),
    }
    for name, (content, problem) in cases.items():
        source, output = tmp_path / f"{name}.bin", tmp_path / "out" / "v.npz"
        source.write_bytes(content)
        output.parent.mkdir(exist_ok=True)
        assert main(["import", str(source), "-o", str(output), "--format", "binary"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and problem in err, (name, err)
        assert list(output.parent.iterdir()) == []


def test_a_run_keeps_the_first_imported_words(tmp_path, monkeypatch):
    from pretrain_explorer.engine.run import session

    kv = keyed_vectors(["zebra", "apple", "mango", "kiwi"], 3)
    source, output = tmp_path / "v.txt", tmp_path / "v.npz"
    kv.save_word2vec_format(str(source))
    assert main(["import", str(source), "-o", str(output)]) == 0
    monkeypatch.setattr(session, "IMPORTED_WORDS", 2)
    vectors, stats, _ = session.Session(disk=None).pretrained(with_vectors(load_experiment(), output),
                                                              lambda: False, lambda event: None)
    assert vectors.words == ("apple", "zebra") and stats.vocabulary == 2 and stats.weighting == "imported"
    np.testing.assert_allclose(vectors.vector("zebra"), kv["zebra"])


def test_an_existing_output_is_kept(tmp_path, capsys):
    source, output = tmp_path / "v.txt", tmp_path / "v.npz"
    source.write_text(GOOD)
    output.write_text("mine")
    assert main(["import", str(source), "-o", str(output)]) == 2
    assert "exists; not replaced (add --force to replace it)" in capsys.readouterr().err
    assert output.read_text() == "mine"


def kata_words() -> list[str]:
    from pretrain_explorer.engine.text import tokenize

    words = set()
    for name in ("train", "test", "transfer"):
        for sentence in read_labeled_csv(KATA / f"{name}.csv"):
            words.update(tokenize(sentence.text))
    return sorted(words)


def test_an_experiment_runs_on_imported_vectors_and_its_neighbours_are_theirs(tmp_path, capsys):
    words = ["excellent", "superb", "terrible", "awful"] + [w for w in kata_words() if w not in
                                                             ("excellent", "superb", "terrible", "awful")]
    dimension = 6
    rows = np.random.default_rng(1).standard_normal((len(words), dimension)).astype(np.float32)
    rows[1] = rows[0] + 0.01  # superb beside excellent, awful beside terrible: no counting would say so here
    rows[3] = rows[2] + 0.01
    source, output = tmp_path / "glove.txt", tmp_path / "glove.npz"
    source.write_text("".join(f"{w} {' '.join(repr(float(x)) for x in r)}\n" for w, r in zip(words, rows)))
    assert main(["import", str(source), "-o", str(output)]) == 0
    folder = tmp_path / "kata"
    shutil.copytree(KATA, folder)
    manifest = folder / "experiment.toml"
    manifest.write_text(manifest.read_text().replace('corpus = "general.txt"', 'vectors = "../glove.npz"'))
    experiment = load_experiment(manifest)
    assert experiment.vectors_path.resolve() == output and experiment.corpus_path is None
    result = run_experiment(experiment)
    assert result.corpus.weighting == "imported" and result.corpus.vocabulary == len(words)
    assert result.vectors["pretrained"].dimension == dimension == result.vectors["random"].dimension
    assert result.neighbors["excellent"][0][0] == "superb"
    assert result.neighbors["terrible"][0][0] == "awful"
    assert "fine_tuned" in result.approaches
    note = imported_note(result)  # stage 1 names the file, and says nothing was counted
    assert note.startswith("Vectors imported from glove.npz: no corpus was counted here.")
    assert f"The first {len(words)} words of the file are used" in note
    # Opened as the command line opens a .npz: the kata's labeled sets beside it.
    assert with_vectors(load_experiment(), output).vectors_path == output
    assert len(words) < IMPORTED_WORDS  # else the run would have kept only the first IMPORTED_WORDS


def analogy_file(path: Path, pairs: int, rng) -> None:
    """Questions x_i y_i x_j y_j over pairs made to hold (y = x + an offset + noise), some of four
    random words, one with a word no vectors know, one in capitals."""
    lines = []
    for section in ("capitals", "Mixed-Case"):
        lines.append(f": {section}")
        for _ in range(30):
            i, j = rng.choice(pairs, 2, replace=False)
            lines.append(f"x{i} y{i} x{j} y{j}")
        for _ in range(10):
            lines.append(" ".join(f"{rng.choice(['x', 'y'])}{k}" for k in rng.choice(pairs, 4, replace=False)))
        lines.append("unknownword x1 y1 x2")
    lines.insert(3, "X1 Y1 x2 y2")  # gensim compares words in capitals
    path.write_text("\n".join(lines) + "\n")


def test_evaluate_analogies_as_gensim(tmp_path, capsys):
    rng = np.random.default_rng(3)
    pairs, dimension = 30, 8
    x = rng.standard_normal((pairs, dimension))
    y = x + rng.standard_normal(dimension) + 0.6 * rng.standard_normal((pairs, dimension))
    words = [f"x{i}" for i in range(pairs)] + [f"y{i}" for i in range(pairs)] + ["X7"]  # X7 stands behind x7
    kv = KeyedVectors(dimension)
    kv.add_vectors(words, np.vstack([x, y, rng.standard_normal((1, dimension))]).astype(np.float32))
    source, output, questions = tmp_path / "v.txt", tmp_path / "v.npz", tmp_path / "questions.txt"
    kv.save_word2vec_format(str(source))
    analogy_file(questions, pairs, rng)
    assert main(["import", str(source), "-o", str(output)]) == 0
    capsys.readouterr()
    for restrict in (300_000, 45):
        assert main(["evaluate", str(output), str(questions), "--json", "--restrict-vocab", str(restrict)]) == 0
        ours = json.loads(capsys.readouterr().out)["sections"]
        _, theirs = kv.evaluate_word_analogies(str(questions), restrict_vocab=restrict)
        assert [s["section"] for s in ours] == [s["section"] for s in theirs]
        for mine, gensims in zip(ours, theirs):
            assert mine["correct"] == len(gensims["correct"])
            assert mine["asked"] == len(gensims["correct"]) + len(gensims["incorrect"])
        assert ours[-1]["questions"] == 83 and ours[-1]["asked"] < 83
        assert 0 < ours[-1]["correct"] < ours[-1]["asked"]  # right and wrong answers both counted
    assert main(["evaluate", str(output), str(questions), "--restrict-vocab", "45"]) == 0
    total = ours[-1]
    assert capsys.readouterr().out.splitlines()[-1].split() == [
        "Total", "accuracy", "accuracy", f"{total['accuracy']:.1%}", f"({total['correct']}", "of", f"{total['asked']})",
        "coverage", f"{total['coverage']:.1%}", f"({total['asked']}", "of", "83)"]


def test_evaluate_analogies_equals_a_direct_computation():
    words = ("a", "b", "c", "d", "e")
    matrix = np.array([[1, 0], [1, 1], [0, 1], [0, 2.1], [-1, 0]], dtype=float)  # b - a + c = (0, 2): d
    sections = (("s", (read_question("a b c d"), read_question("a b c e"))),)
    scores = evaluate_analogies(words, matrix, sections, 300_000)
    assert [(s.name, s.questions, s.asked, s.correct) for s in scores] == [("s", 2, 2, 1), ("Total accuracy", 2, 2, 1)]


def read_question(line: str):
    from pretrain_explorer.engine.inspect.analogy_questions import Question

    return Question(*line.split(), 1)


@pytest.mark.parametrize("content,problem", [
    ("a b c d\n", "line 1: a question before the first `: section` line"),
    (": s\na b c\n", "line 2: expected four words (a is to b as c is to d), found 3"),
    (": s\n", "holds no analogy questions"),
])
def test_bad_analogy_files(tmp_path, content, problem):
    from pretrain_explorer.engine.errors import ExperimentError

    path = tmp_path / "q.txt"
    path.write_text(content)
    with pytest.raises(ExperimentError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        read_analogy_questions(path)
