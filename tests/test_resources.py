"""Resources: files that could block or never end are refused, long lines are cut at a bound, and
the memory of counting does not grow with the length of a line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pretrain_explorer.engine.pretraining.corpus import MAX_LINE_BYTES, read_blocks
from pretrain_explorer.engine.pretraining.counting import count_cooccurrences
from helpers import KATA, SCRIPT
from pretrain_explorer.tui.cli import main


def fails(capsys, argv) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err and captured.err.count("\n") == 1, captured.err
    return captured.err.strip()


SPECIAL = "is not a regular file (a FIFO, device or socket), so it could block or never end"


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_pretrain_refuses_a_special_file_as_corpus(capsys, tmp_path, special):
    corpus = tmp_path / "fifo" if special == "fifo" else Path(special)
    if special == "fifo":
        os.mkfifo(corpus)  # opening it would wait for a writer forever
    assert fails(capsys, ["pretrain", str(corpus), "-o", str(tmp_path / "v.npz")]) == (
        f"pretrain-explorer: {corpus}: {SPECIAL}; to count a stream, pipe it to `pretrain-explorer pretrain -`")
    assert not (tmp_path / "v.npz").exists()


@pytest.mark.parametrize("key, file", [("corpus", "general.txt"), ("stopwords", "stopwords.txt"),
                                       ("train", "train.csv")])
def test_experiment_refuses_a_fifo(capsys, kata_copy, key, file):
    (kata_copy / file).unlink()
    os.mkfifo(kata_copy / file)
    problem = SPECIAL if key == "corpus" else "is not a regular file (a FIFO, device or socket), expected a file"
    assert fails(capsys, ["report", str(kata_copy)]).startswith(f"pretrain-explorer: {kata_copy / file}: {problem}")


def test_experiment_refuses_dev_zero_as_corpus(capsys, kata_copy):
    manifest = kata_copy / "experiment.toml"
    manifest.write_text(manifest.read_text().replace('corpus = "general.txt"', 'corpus = "/dev/zero"'))
    assert fails(capsys, ["report", str(kata_copy)]).startswith(f"pretrain-explorer: /dev/zero: {SPECIAL}")


def test_pretrain_reads_standard_input_when_asked(tmp_path):
    """`-` is the explicit way to count a stream (a pipe here; a FIFO or device the same way)."""
    run = subprocess.run([str(SCRIPT), "pretrain", "-", "-o", str(tmp_path / "v.npz")], cwd=tmp_path,
                         input=(KATA / "general.txt").read_bytes(), capture_output=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode().startswith(f"{tmp_path / 'v.npz'}: 86 words x 86 dimensions")


def words_line(size: int) -> bytes:
    """One line of `size` bytes or a little more: the words a..zz repeated, space-separated."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = " ".join(a + b for a in letters for b in letters).encode() + b" "
    return (words * (size // len(words) + 1)).rstrip() + b"\n"


def counts_of(path: Path):
    co = count_cooccurrences(read_blocks(path, block_bytes=256 << 10), frozenset(), 3)
    return co.words, co.counts.toarray().tolist(), co.lines


def test_a_line_longer_than_the_bound_is_cut_at_a_space(tmp_path):
    line = words_line(int(2.5 * MAX_LINE_BYTES))
    (tmp_path / "long.txt").write_bytes(line)
    cut_once = line[:MAX_LINE_BYTES + 1].rindex(b" ")
    cut_twice = cut_once + 1 + line[cut_once + 1:cut_once + 2 + MAX_LINE_BYTES].rindex(b" ")
    by_hand = bytearray(line)
    by_hand[cut_once] = by_hand[cut_twice] = ord("\n")  # what the bound does: three lines, windows inside each
    (tmp_path / "by-hand.txt").write_bytes(bytes(by_hand))
    assert counts_of(tmp_path / "long.txt") == counts_of(tmp_path / "by-hand.txt")
    assert counts_of(tmp_path / "long.txt")[2] == 3


def test_a_line_without_spaces_is_cut_between_characters(tmp_path):
    (tmp_path / "long.txt").write_bytes(("é" * MAX_LINE_BYTES).encode() + b"\n")  # 2 MiB of two-byte letters
    blocks = list(read_blocks(tmp_path / "long.txt"))
    assert "".join(b.text for b in blocks) == "é" * (MAX_LINE_BYTES // 2) + "\n" + "é" * (MAX_LINE_BYTES // 2) + "\n"


def test_lines_after_a_cut_keep_their_numbers_in_messages(capsys, kata_copy):
    corpus = kata_copy / "general.txt"
    corpus.write_bytes(words_line(3 * MAX_LINE_BYTES) + b"fine words\ncaf\xe9\n")
    assert fails(capsys, ["report", str(kata_copy)]) == (
        f"pretrain-explorer: {corpus}, line 3: bytes that are not UTF-8 (byte 0xe9); save the file as UTF-8")


PEAK = """
import sys, tracemalloc
from pathlib import Path
from pretrain_explorer.engine.pretraining.counting import count_cooccurrences
from pretrain_explorer.engine.pretraining.corpus import read_blocks
tracemalloc.start()
count_cooccurrences(read_blocks(Path(sys.argv[1])), frozenset(), 3)
print(tracemalloc.get_traced_memory()[1])
"""


def peak_bytes(path: Path) -> int:
    """Peak traced memory of counting `path`, in a fresh process."""
    run = subprocess.run([sys.executable, "-c", PEAK, str(path)], capture_output=True, text=True, check=True,
                         cwd=path.parent)
    return int(run.stdout)


def test_memory_of_one_long_line_is_that_of_short_lines(tmp_path):
    """The worst case for memory: a corpus on one line. It costs what the same text in short lines
    costs (about one block at a time), where reading the line whole costs three times as much."""
    text = words_line(6 << 20)
    (tmp_path / "one-line.txt").write_bytes(text)
    (tmp_path / "short-lines.txt").write_bytes(text.replace(b"zz ", b"zz\n"))
    one_line, short_lines = peak_bytes(tmp_path / "one-line.txt"), peak_bytes(tmp_path / "short-lines.txt")
    assert one_line < 1.5 * short_lines, (one_line, short_lines)
    assert one_line < 250e6  # the bound docs/limits.md states
