"""Real corpora: streamed input, sparse counting, weightings, pretraining once."""

import dataclasses
import gzip
import json
import shutil

import numpy as np
import pytest
import scipy.sparse as sp

from pretrain_explorer.engine import load_experiment, run_experiment
from pretrain_explorer.engine.pretraining.running_counts import count_block
from pretrain_explorer.engine.pretraining.counting import count_cooccurrences
from pretrain_explorer.engine.pretraining.corpus import read_blocks
from pretrain_explorer.engine.storage.vectors_file import load_vectors, save_vectors
from pretrain_explorer.engine.vectors import WordVectors, random_vectors
from pretrain_explorer.engine.pretraining.vocabulary import VocabularySettings
from pretrain_explorer.engine.pretraining.weighting import ppmi, word_vectors
from helpers import HELD_OUT, KATA
from pretrain_explorer.tui.cli import main

@pytest.fixture
def kata_counts(kata_copy):
    experiment = load_experiment(kata_copy)
    return count_cooccurrences(read_blocks(kata_copy / "general.txt"), experiment.stopwords, 3)


def as_dense(co):
    return dict(zip(co.words, co.counts.toarray().tolist()))


def test_a_folder_and_gzip_count_the_same_as_one_file(kata_copy, tmp_path, kata_counts):
    stopwords = load_experiment(kata_copy).stopwords
    lines = (kata_copy / "general.txt").read_text().splitlines(keepends=True)
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "a.txt").write_text("".join(lines[:10]))
    with gzip.open(folder / "b.txt.gz", "wt") as out:
        out.write("".join(lines[10:]))
    (folder / "notes.md").write_text("not part of the corpus")
    with gzip.open(tmp_path / "all.txt.gz", "wt") as out:
        out.write("".join(lines))
    for source in (folder, tmp_path / "all.txt.gz"):
        co = count_cooccurrences(read_blocks(source), stopwords, 3)
        assert (co.lines, co.tokens, co.kept) == (24, 200, 137)
        assert as_dense(co) == as_dense(kata_counts)


def test_small_blocks_and_worker_processes_count_the_same(kata_copy, kata_counts):
    stopwords = load_experiment(kata_copy).stopwords
    tiny = count_cooccurrences(read_blocks(kata_copy / "general.txt", block_bytes=100), stopwords, 3)
    assert as_dense(tiny) == as_dense(kata_counts)
    parallel = count_cooccurrences(read_blocks(kata_copy / "general.txt", block_bytes=300), stopwords, 3, workers=2)
    assert as_dense(parallel) == as_dense(kata_counts)
    assert kata_counts.counts.dtype == np.int32 and (kata_counts.counts != kata_counts.counts.T).nnz == 0


def test_unicode_text_is_counted_by_letters():
    counts = count_block("Ça va, ÉCOLE école naïve\nstraße 42 straße\n", frozenset({"va"}), 1)
    assert sorted(counts.words) == sorted(["ça", "école", "naïve", "straße"])
    assert counts.tokens == 7 and counts.kept == 6 and counts.lines == 2


def test_ppmi_by_hand():
    # Two words that always occur together and a third that occurs with the second only.
    counts = sp.csr_matrix(np.array([[0, 4, 0], [4, 0, 2], [0, 2, 0]]))
    weighted = ppmi(counts, alpha=1.0).toarray()
    total = 12
    expected_01 = np.log((4 / total) / ((4 / total) * (6 / total)))
    assert weighted[0, 1] == pytest.approx(expected_01)
    assert weighted[1, 0] == pytest.approx(np.log((4 / total) / ((6 / total) * (4 / total))))
    assert weighted[0, 2] == 0 and (weighted >= 0).all()


@pytest.mark.parametrize("weighting, dimension", [("counts", 86), ("ppmi", 86), ("svd", 20)])
def test_weightings(kata_counts, weighting, dimension):
    vectors = word_vectors(kata_counts, weighting, 20, VocabularySettings(), "kata")
    assert vectors.matrix.shape == (86, dimension)
    assert np.allclose(np.linalg.norm(vectors.matrix, axis=1), 1.0)


def test_the_random_baseline_follows_the_dimension():
    result = run_experiment(dataclasses.replace(load_experiment(), weighting="svd", dim=12))
    assert result.pretrained.dimension == result.vectors["random"].dimension == 12
    assert result.corpus.weighting == "svd"


def test_min_count_and_max_vocab(kata_counts):
    frequent = word_vectors(kata_counts, "counts", 0, VocabularySettings(min_count=3), "kata")
    assert set(frequent.words) == {w for w, n in zip(kata_counts.words, kata_counts.word_counts) if n >= 3}
    top = word_vectors(kata_counts, "counts", 0, VocabularySettings(max_vocab=5), "kata")
    assert len(top.words) == 5 and list(top.words) == sorted(top.words)
    assert "results" in top.words  # the most frequent word of the corpus


def test_nearest_with_argpartition_matches_a_full_sort():
    rng = np.random.default_rng(0)
    words = tuple(f"w{i:05d}" for i in range(5000))
    vectors = WordVectors(words, rng.standard_normal((5000, 16)))
    m = vectors.matrix / np.linalg.norm(vectors.matrix, axis=1, keepdims=True)
    scores = m @ m[123]
    scores[123] = -np.inf
    expected = [words[j] for j in np.argsort(-scores)[:10]]
    assert [w for w, _ in vectors.nearest("w00123", 10)] == expected


def test_pretrain_once_and_reuse(tmp_path, capsys):
    out = tmp_path / "held.npz"
    assert main(["pretrain", str(HELD_OUT / "general.txt"), "-o", str(out),
                 "--stopwords", str(HELD_OUT / "stopwords.txt")]) == 0
    printed = capsys.readouterr()
    assert "48 words x 48 dimensions (counts, window 3) from 39,405 tokens" in printed.out
    assert "Counting: 39,405 tokens" in printed.err
    vectors, settings = load_vectors(out)
    assert settings["corpus"]["kept_tokens"] == 18000 and settings["corpus"]["weighting"] == "counts"
    with np.load(out, allow_pickle=False) as data:
        assert set(data.files) == {"format", "version", "words", "matrix", "settings"}
    # Reused by an experiment: the same numbers as pretraining there.
    folder = tmp_path / "exp"
    shutil.copytree(HELD_OUT, folder)
    manifest = folder / "experiment.toml"
    manifest.write_text(manifest.read_text().replace('corpus = "general.txt"', f'vectors = "{out}"'))
    reused = run_experiment(load_experiment(folder))
    direct = run_experiment(load_experiment(HELD_OUT))
    assert np.array_equal(reused.pretrained.matrix, direct.pretrained.matrix)
    assert reused.margin.points == direct.margin.points
    assert main(["pretrain", str(HELD_OUT / "general.txt"), "-o", str(out)]) == 2
    assert "held.npz: exists; not replaced (add --force to replace it)" in capsys.readouterr().err


def test_report_opens_a_npz_with_the_katas_labeled_sentences(tmp_path, capsys):
    out = tmp_path / "v.npz"
    assert main(["pretrain", str(KATA / "general.txt"), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["report", "--json", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["vocab_size"] == 86
    assert report["neighbors"]["excellent"][0] == ["flowers", pytest.approx(0.542326144546641, abs=1e-9)]


def bad(capsys, *argv) -> str:
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip()


def test_bad_corpora(capsys, tmp_path):
    (tmp_path / "binary.txt").write_bytes(b"some words\nand \x00\x01\x02 more\n")
    assert bad(capsys, "pretrain", str(tmp_path / "binary.txt"), "-o", str(tmp_path / "o.npz")).endswith(
        "binary.txt, line 2: looks binary (a NUL byte): a corpus must be UTF-8 text")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.md").write_text("words")
    assert "empty: the folder holds no .txt or .txt.gz files" in bad(
        capsys, "pretrain", str(tmp_path / "empty"), "-o", str(tmp_path / "o.npz"))
    (tmp_path / "broken.txt.gz").write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    assert "broken.txt.gz: cannot be read as gzip" in bad(
        capsys, "pretrain", str(tmp_path / "broken.txt.gz"), "-o", str(tmp_path / "o.npz"))
    assert "min_count 1000 leaves no word in the vocabulary (the most frequent occurs 5 times)" in bad(
        capsys, "pretrain", str(KATA / "general.txt"), "-o", str(tmp_path / "o.npz"), "--min-count", "1000")
    assert not (tmp_path / "o.npz").exists()  # nothing half-written


def test_bad_vectors_files(capsys, tmp_path):
    np.savez(tmp_path / "foreign.npz", weights=np.zeros(3))
    assert "foreign.npz: is not a vectors file written by `pretrain-explorer pretrain`" in bad(
        capsys, "report", str(tmp_path / "foreign.npz"))
    (tmp_path / "text.npz").write_text("hello")
    assert "text.npz: is not a readable .npz file" in bad(capsys, "report", str(tmp_path / "text.npz"))
    np.savez(tmp_path / "pickled.npz", format=np.array("pretrain-explorer-vectors"), version=np.array(1),
             words=np.array([{"a": 1}], dtype=object), matrix=np.zeros((1, 1)), settings=np.array("{}"))
    assert "pickled.npz: is damaged: its words field holds object of shape (1,)" in bad(
        capsys, "report", str(tmp_path / "pickled.npz"))
    good = tmp_path / "good.npz"
    save_vectors(good, random_vectors(("a", "b"), 3, 0), {})
    with np.load(good) as data:
        parts = dict(data)
    parts["matrix"] = np.zeros((5, 3))
    np.savez(tmp_path / "short.npz", **parts)
    assert "short.npz: is damaged: 2 words for a matrix of shape (5, 3)" in bad(capsys, "report", str(tmp_path / "short.npz"))


def test_large_counts_vocabularies_ask_for_svd(capsys, tmp_path):
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["q" + a + b + c for a in letters for b in letters for c in letters][:5200]
    corpus = tmp_path / "wide.txt"
    corpus.write_text("\n".join(" ".join(words[i:i + 8]) for i in range(0, len(words), 4)) + "\n")
    err = bad(capsys, "pretrain", str(corpus), "-o", str(tmp_path / "w.npz"))
    assert err.splitlines()[-1].endswith("wide.txt: the vocabulary has 5,200 words, so counts vectors would have 5,200 dimensions "
                        "each (0.2 GB): use weighting svd (dim 300, say), or max_vocab 5,000 or fewer")
    assert main(["pretrain", str(corpus), "-o", str(tmp_path / "w.npz"), "--weighting", "svd", "--dim", "40"]) == 0
    vectors, _ = load_vectors(tmp_path / "w.npz")
    assert vectors.matrix.shape == (5200, 40)
    assert main(["pretrain", str(corpus), "-o", str(tmp_path / "top.npz"), "--max-vocab", "5000"]) == 0
    assert load_vectors(tmp_path / "top.npz")[0].matrix.shape == (5000, 5000)


def test_the_kata_default_settings_change_nothing():
    e = load_experiment()
    assert (e.weighting, e.dim, e.vocabulary) == ("counts", 300, VocabularySettings(1, 0))
