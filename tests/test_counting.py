"""The compiled counting, and the plain one of small corpora, agree exactly with a straightforward
count.

The reference below is the lesson's algorithm in plain Python: tokenize each line, drop the
stopwords, count every pair within the window in both directions, then prune the vocabulary.
"""

import dataclasses
import gzip
from collections import Counter

import numpy as np
import pytest

from pretrain_explorer.engine.pretraining import counting as counting_module, running_counts
from pretrain_explorer.engine.pretraining import kernels
from pretrain_explorer.engine.pretraining.corpus import Block, Corpus, block_of, read_blocks
from pretrain_explorer.engine.pretraining.running_counts import count_block
from pretrain_explorer.engine.pretraining.counting import count_cooccurrences
from pretrain_explorer.engine.pretraining.pretrain import pretrain_vectors
from pretrain_explorer.engine.text import tokenize
from pretrain_explorer.engine.pretraining.vocabulary import VocabularySettings, kept_indices, prune

STOPWORDS = frozenset({"the", "a", "of", "école", "Upper", "don't"})  # the last two can never match a token


def reference_counts(lines, stopwords, window):
    """(word counts, pair counts {(a, b): n}, lines, tokens, kept), counted one pair at a time."""
    words, pairs = Counter(), Counter()
    non_blank = tokens = kept = 0
    for line in lines:
        all_tokens = tokenize(line)
        non_blank += bool(all_tokens)
        tokens += len(all_tokens)
        line_tokens = [t for t in all_tokens if t not in stopwords]
        kept += len(line_tokens)
        words.update(line_tokens)
        for i, word in enumerate(line_tokens):
            for j in range(max(0, i - window), min(i + window + 1, len(line_tokens))):
                if i != j:
                    pairs[word, line_tokens[j]] += 1
    return words, pairs, non_blank, tokens, kept


def generated_lines(seed, count=400):
    """Zipf-ish words from a small vocabulary with Unicode letters, case, digits, punctuation,
    stopwords, blank lines and lines shorter than the window."""
    rng = np.random.default_rng(seed)
    vocabulary = ["the", "a", "of", "École", "école", "ÉCOLE", "naïve", "straße", "ça", "Ωmega", "日本",
                  "cat", "Cat", "dog", "x", "don't", "e-mail", "42", "ab12cd", "émile", "ſ"] + \
                 [f"w{'abcdefgh'[k % 8]}{'ijklmnop'[k // 8 % 8]}" for k in range(60)]
    p = 1 / np.arange(1, len(vocabulary) + 1)
    lines = []
    for _ in range(count):
        length = int(rng.choice([0, 1, 2, 3, 5, 8, 20]))
        picked = rng.choice(len(vocabulary), size=length, p=p / p.sum())
        separators = rng.choice([" ", "  ", ", ", ". ", "\t", " - ", "_", "\r"], size=length)
        lines.append("".join(vocabulary[k] + s for k, s in zip(picked, separators)))
    return lines


def ascii_lines(seed, count=300):
    rng = np.random.default_rng(seed)
    alphabet = list("abcXYZ \t,.;:-_0123'\"")
    return ["".join(rng.choice(alphabet, size=rng.integers(0, 60))) for _ in range(count)]


@pytest.fixture(autouse=True)
def compiled_counting(monkeypatch):
    """The compiled loop for every test here, however small its corpus, unless `counting` says both."""
    monkeypatch.setattr(counting_module, "SMALL_CORPUS_BYTES", 0)


@pytest.fixture(params=["compiled", "plain"])
def counting(request, monkeypatch):
    """Each agreement test runs on both ways of counting: the compiled loop, and plain Python
    (corpora up to SMALL_CORPUS_BYTES), by moving that bound below or above the test's corpus."""
    monkeypatch.setattr(counting_module, "SMALL_CORPUS_BYTES", 0 if request.param == "compiled" else 1 << 40)
    return request.param


def sized_block(lines):
    """Lines in memory as one block whose size is known, as a small file's is."""
    block = block_of(lines)
    return Block(block.text, len(block.text), len(block.text))


def corpus_file(tmp_path, lines):
    """The lines as a corpus file, one a line."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus


def keep_top(max_vocab):
    """A `keep` for count_cooccurrences: the `max_vocab` most frequent words, as pretraining keeps them."""
    return lambda _words, counts: kept_indices(counts, VocabularySettings(max_vocab=max_vocab))


def assert_same_counts(one, other):
    assert one.words == other.words and (one.counts != other.counts).nnz == 0


def assert_same(co, words, pairs, lines, tokens, kept, only=None):
    only = set(words) if only is None else only
    assert list(co.words) == sorted(only)
    assert co.word_counts.tolist() == [words[w] for w in co.words]
    assert (co.lines, co.tokens, co.kept) == (lines, tokens, kept)
    got = {(co.words[a], co.words[b]): int(n) for a, b, n in zip(*_coo(co.counts))}
    assert got == {pair: n for pair, n in pairs.items() if pair[0] in only and pair[1] in only}
    assert co.counts.dtype == np.int32 and (co.counts != co.counts.T).nnz == 0


def _coo(matrix):
    coo = matrix.tocoo()
    return coo.row, coo.col, coo.data


@pytest.mark.parametrize("window", [1, 2, 3, 30])
@pytest.mark.parametrize("make", [generated_lines, ascii_lines])
def test_counts_agree_with_a_pair_by_pair_count(tmp_path, window, make, counting):
    lines = make(window)
    expected = reference_counts(lines, STOPWORDS, window)
    corpus = corpus_file(tmp_path, lines)
    # One pass, small blocks (lines never span blocks), the reader thread, and lines in memory.
    for blocks, workers in ((read_blocks(corpus, block_bytes=200), 1), (read_blocks(corpus), 2),
                            ([block_of(lines)], 1), ([sized_block(lines)], 1)):
        assert_same(count_cooccurrences(blocks, STOPWORDS, window, workers=workers), *expected)


@pytest.mark.parametrize("settings", [VocabularySettings(max_vocab=7), VocabularySettings(min_count=4),
                                      VocabularySettings(min_count=2, max_vocab=30), VocabularySettings(max_vocab=1)])
def test_a_cut_vocabulary_counts_its_pairs_as_if_all_were_counted(tmp_path, settings, counting):
    # Two passes: the words dropped by max_vocab or min_count still take their places in the windows.
    lines = generated_lines(7)
    words, pairs, *stats = reference_counts(lines, STOPWORDS, 3)
    everything = count_cooccurrences([block_of(lines)], STOPWORDS, 3)
    want_words, want_counts = prune(everything, settings, "corpus")
    corpus = corpus_file(tmp_path, lines)

    def keep(_words, counts):
        return kept_indices(counts, settings)

    for blocks in (Corpus(corpus, block_bytes=300), [block_of(lines)], [sized_block(lines)], read_blocks(corpus)):  # the last: one pass, then cut
        co = count_cooccurrences(blocks, STOPWORDS, 3, keep=keep, workers=2)
        assert_same(co, words, pairs, *stats, only=set(want_words))
        assert prune(co, settings, "corpus")[0] == want_words
        assert (prune(co, settings, "corpus")[1] != want_counts).nnz == 0


def test_the_dense_triangle_and_the_pair_table_count_the_same(tmp_path, monkeypatch):
    corpus = corpus_file(tmp_path, generated_lines(11))
    dense = count_cooccurrences(Corpus(corpus), STOPWORDS, 3, keep=keep_top(20))
    monkeypatch.setattr(running_counts, "DENSE_PAIR_BYTES", 0)
    hashed = count_cooccurrences(Corpus(corpus), STOPWORDS, 3, keep=keep_top(20))
    assert_same_counts(dense, hashed)


def test_tables_grow_from_their_smallest(monkeypatch):
    # Thousands of distinct words and pairs: every table doubles several times mid-block.
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = [a + b + c for a in letters for b in letters for c in letters[:8]]
    rng = np.random.default_rng(0)
    lines = [" ".join(rng.choice(words, size=9)) for _ in range(3000)]
    co = count_cooccurrences([block_of(lines)], frozenset(), 2)
    assert_same(co, *reference_counts(lines, frozenset(), 2))


def test_a_gzip_corpus_and_the_pipeline_agree_with_the_reference(tmp_path, counting):
    lines = generated_lines(5)
    with gzip.open(tmp_path / "corpus.txt.gz", "wt", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    settings = VocabularySettings(max_vocab=12)
    vectors, stats = pretrain_vectors(tmp_path / "corpus.txt.gz", STOPWORDS, 3, "counts", 0, settings)
    words, pairs, lines_, tokens, kept = reference_counts(lines, STOPWORDS, 3)
    top = sorted(sorted(words), key=lambda w: -words[w])[:12]
    assert list(vectors.words) == sorted(top)
    for i, a in enumerate(vectors.words):
        row = np.array([pairs[a, b] for b in vectors.words], dtype=np.float64)
        expected = row / np.linalg.norm(row) if row.any() else row
        assert np.array_equal(vectors.matrix[i], expected)
    assert (stats.sentences, stats.tokens, stats.kept_tokens) == (lines_, tokens, kept)


def test_a_window_of_zero_counts_no_pairs(counting):
    co = count_cooccurrences([sized_block(["a b c", "c d"])], frozenset(), 0)
    assert co.words == ("a", "b", "c", "d") and co.counts.nnz == 0 and co.word_counts.tolist() == [1, 1, 2, 1]


def test_count_block_alone():
    counts = count_block("Ça va, ÉCOLE école naïve\nstraße 42 straße\n", frozenset({"va"}), 1)
    assert counts.words == sorted(["ça", "école", "naïve", "straße"])
    assert counts.tokens == 7 and counts.kept == 6 and counts.lines == 2
    assert counts.pairs[counts.words.index("école"), counts.words.index("école")] == 2  # one pair, both ways


def test_the_kernels_byte_classes_are_the_lessons_letters_for_ascii():
    for c in range(128):
        letter = bool(tokenize(chr(c)))
        assert (kernels.ASCII_CLASSES[c] > 0) == letter
        if letter:
            assert chr(kernels.ASCII_CLASSES[c]) == chr(c).lower()


def test_large_count_vectors_are_float32_rounded_from_float64(monkeypatch):
    import scipy.sparse as sp

    from pretrain_explorer.engine.pretraining import weighting
    from pretrain_explorer.engine.pretraining.weighting import normalized_counts

    rng = np.random.default_rng(2)
    counts = sp.random(60, 60, density=0.3, random_state=3, data_rvs=lambda k: rng.integers(1, 10**6, k)).tocsr()
    counts = (counts + counts.T).astype(np.int32).tocsr()
    exact = normalized_counts(counts)  # 3,600 cells: float64, as the kata
    assert exact.dtype == np.float64
    monkeypatch.setattr(weighting, "FLOAT32_FROM_CELLS", 100)
    rounded = normalized_counts(counts)
    assert rounded.dtype == np.float32
    assert np.allclose(rounded, exact, rtol=1e-7, atol=1e-9) and np.array_equal(rounded == 0, exact == 0)


def test_large_count_vectors_are_written_a_block_at_a_time_with_the_same_numbers(tmp_path, monkeypatch):
    """Past FLOAT32_FROM_CELLS, pretrain's count vectors go to the .npz a block of rows at a time,
    never as a whole matrix, and load as exactly the matrix made at once."""
    from pretrain_explorer.engine.pretraining import weighting
    from pretrain_explorer.engine.storage.vectors_file import load_vectors, save_vectors
    from pretrain_explorer.engine.pretraining.weighting import CountVectors, normalized_counts

    corpus = corpus_file(tmp_path, generated_lines(21))
    monkeypatch.setattr(weighting, "FLOAT32_FROM_CELLS", 100)
    monkeypatch.setattr(weighting, "ROWS_PER_BLOCK", 7)  # several blocks, the last one short
    vectors, stats = pretrain_vectors(corpus, STOPWORDS, 3)
    assert isinstance(vectors, CountVectors) and len(vectors.words) % 7 != 0 and stats.dimension == len(vectors.words)
    settings = {"corpus": dataclasses.asdict(stats)}
    save_vectors(tmp_path / "streamed.npz", vectors, settings)
    assert "matrix" not in vars(vectors)  # written without being made whole
    loaded, _ = load_vectors(tmp_path / "streamed.npz")
    whole = normalized_counts(vectors.counts)
    assert whole.dtype == np.float32 and loaded.words == vectors.words
    assert np.array_equal(loaded.matrix, whole) and np.array_equal(vectors.matrix, whole)
    save_vectors(tmp_path / "whole.npz", vectors, settings)  # now from the matrix, made once read
    again, _ = load_vectors(tmp_path / "whole.npz")
    assert np.array_equal(again.matrix, whole)


def test_without_a_temporary_file_the_second_pass_reads_the_corpus_again(tmp_path, monkeypatch):
    import tempfile

    lines = generated_lines(13)
    corpus = corpus_file(tmp_path, lines)
    from_ids = count_cooccurrences(Corpus(corpus), STOPWORDS, 3, keep=keep_top(15))

    def no_temporary_file(*args, **kwargs):
        raise OSError("read-only")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_temporary_file)
    from_text = count_cooccurrences(Corpus(corpus), STOPWORDS, 3, keep=keep_top(15))
    assert_same_counts(from_ids, from_text)
    words, pairs, *stats = reference_counts(lines, STOPWORDS, 3)
    assert_same(from_text, words, pairs, *stats, only=set(from_text.words))


def test_cancel_during_the_second_pass(tmp_path):
    from pretrain_explorer.engine.errors import RunCancelled

    corpus = corpus_file(tmp_path, generated_lines(3))
    seen = []

    def stop_in_pass_two():
        return any("(2 of 2)" in stage for stage in seen)

    with pytest.raises(RunCancelled):
        count_cooccurrences(Corpus(corpus, block_bytes=500), STOPWORDS, 3, stop_in_pass_two,
                            lambda event: seen.append(event.label),
                            keep=keep_top(5))
    assert any(stage.startswith("Counting (1 of 2): ") for stage in seen)
