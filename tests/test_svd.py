"""The svd weighting is the truncated SVD it names: each method against scipy's svds."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from pydoc_data.topics import topics

from pretrain_explorer.engine.pretraining import svd, weighting
from pretrain_explorer.engine.pretraining.corpus import block_of
from pretrain_explorer.engine.pretraining.counting import count_cooccurrences
from pretrain_explorer.engine.errors import RunCancelled
from pretrain_explorer.engine.pretraining.vocabulary import VocabularySettings, prune
from pretrain_explorer.engine.pretraining.weighting import ppmi, word_vectors
from pretrain_explorer.engine.pretraining.svd import truncated_svd

DIM = 50
# Forces each method: (dense_up_to, sparse_up_to) in rows.
PATHS = {"lapack": (10**9, None), "arpack": (0, None), "randomized": (0, 0)}


@pytest.fixture(scope="module")
def english():
    """Co-occurrences of real English: the prose of Python's reference manual (64,000 tokens,
    3,119 words), window 5, as `pretrain` counts a corpus."""
    lines = [line for text in topics.values() for line in text.splitlines() if line.strip()]
    return count_cooccurrences([block_of(lines)], frozenset(), 5)


def reference_svd(matrix, dim):
    """scipy's svds at its defaults (ARPACK to machine precision), largest first."""
    u, s, _ = spla.svds(matrix, k=dim, rng=np.random.default_rng(12345))
    order = np.argsort(-s)
    return u[:, order], s[order]


@pytest.fixture(scope="module")
def small(english):
    """The 500 most frequent words' PPMI, small enough for every method, and its reference SVD."""
    _, counts = prune(english, VocabularySettings(max_vocab=500), "english")
    matrix = ppmi(counts)
    return matrix, reference_svd(matrix, DIM)


def test_svd_vectors_match_the_exact_svd_on_english(english):
    vectors = word_vectors(english, "svd", DIM, VocabularySettings(), "english")
    assert vectors.svd.name == "arpack" and vectors.svd.met  # 3,119 words: past LAPACK's range
    assert vectors.svd.error_bound <= vectors.svd.tolerance <= 1e-3

    words, counts = prune(english, VocabularySettings(), "english")
    matrix = ppmi(counts)
    u, s = reference_svd(matrix, DIM)
    ours = truncated_svd(matrix, DIM)
    assert ours.singular_values == pytest.approx(s, rel=ours.method.tolerance)

    # The exact vectors, weighted as word_vectors does; words outside the top subspace (norms at
    # rounding level) get zero vectors rather than normalised noise.
    exact = u * np.sqrt(s)
    norms = np.linalg.norm(exact, axis=1, keepdims=True)
    exact = np.where(norms > 1e-8 * norms.max(), exact / np.maximum(norms, 1e-300), 0.0)
    assert vectors.words == words
    frequent = [english.words[i] for i in np.argsort(-english.word_counts, kind="stable")[:20]]
    for word in frequent:
        cosines = exact @ exact[words.index(word)]
        cosines[words.index(word)] = -np.inf
        # Ours must be an exact top 10: the same scores under the exact vectors, position by
        # position, so words with identical contexts (tied scores) may come in either order.
        ours = [words.index(w) for w, _ in vectors.nearest(word, 10)]
        assert cosines[ours] == pytest.approx(np.sort(cosines)[::-1][:10], abs=vectors.svd.tolerance), word


@pytest.mark.parametrize("path", PATHS)
def test_every_method_meets_the_tolerance(small, path):
    matrix, (u, s) = small
    dense_up_to, sparse_up_to = PATHS[path]
    result = truncated_svd(matrix, DIM, dense_up_to=dense_up_to, sparse_up_to=sparse_up_to)
    assert result.method.name == path
    assert result.method.met and result.method.error_bound <= result.method.tolerance
    assert path in str(result.method).lower() and "NOT met" not in str(result.method)
    assert result.singular_values == pytest.approx(s, rel=result.method.tolerance)
    assert result.vectors.shape == (matrix.shape[0], DIM) and result.vectors.dtype == np.float64
    assert np.allclose(result.vectors.T @ result.vectors, np.eye(DIM), atol=1e-8)
    # Each vector its largest-magnitude entry positive, so methods agree on the sign; the first
    # three values stand apart, so their vectors are defined and must agree.
    assert (s[1:4] / s[:3] < 0.95).all()
    largest = result.vectors[np.argmax(np.abs(result.vectors), axis=0), np.arange(DIM)]
    assert (largest > 0).all()
    signs = np.sign(u[np.argmax(np.abs(u), axis=0), np.arange(DIM)])
    assert np.abs(result.vectors[:, :3] - u[:, :3] * signs[:3]).max() < 1e-2


def test_nearly_all_values_of_a_rank_deficient_matrix(english):
    # Five words with no positive PMI: rank 200 of 205. ARPACK cannot find 204 values, so past
    # LAPACK's range the randomized method takes them, its basis the whole space.
    _, counts = prune(english, VocabularySettings(max_vocab=200), "english")
    matrix = sp.block_diag((ppmi(counts), sp.csr_matrix((5, 5)))).tocsr()
    exact = np.linalg.svd(matrix.toarray(), compute_uv=False)[:204]
    result = truncated_svd(matrix, 204, dense_up_to=0)
    assert result.method.name == "randomized" and result.method.met
    assert np.abs(result.singular_values - exact).max() <= result.method.tolerance * exact[0]
    assert np.allclose(result.vectors.T @ result.vectors, np.eye(204), atol=1e-8)


def test_results_are_deterministic(small):
    matrix, _ = small
    for dense_up_to, sparse_up_to in PATHS.values():
        a = truncated_svd(matrix, DIM, dense_up_to=dense_up_to, sparse_up_to=sparse_up_to)
        b = truncated_svd(matrix, DIM, dense_up_to=dense_up_to, sparse_up_to=sparse_up_to)
        assert np.array_equal(a.vectors, b.vectors) and np.array_equal(a.singular_values, b.singular_values)


def test_the_randomized_method_says_when_it_falls_short(small, monkeypatch):
    matrix, (_, s) = small
    monkeypatch.setattr(svd, "RANDOMIZED_MAX_ITERATIONS", 1)
    result = truncated_svd(matrix, DIM, dense_up_to=0, sparse_up_to=0)
    assert result.method.iterations == 1 and not result.method.met
    assert "NOT met" in str(result.method)
    # One power iteration is the old method's accuracy: far off the exact values.
    assert np.abs(result.singular_values / s - 1).max() > 10 * result.method.tolerance


def stop_after(calls: int):
    """A should_stop that answers True on its `calls`-th call, and counts every call."""
    asked = []

    def should_stop() -> bool:
        asked.append(True)
        return len(asked) >= calls

    return should_stop, asked


@pytest.mark.parametrize("path", ["arpack", "randomized"])
def test_cancelling_inside_the_svd(small, path):
    matrix, _ = small
    dense_up_to, sparse_up_to = PATHS[path]
    should_stop, asked = stop_after(5)
    stages = []
    with pytest.raises(RunCancelled):
        truncated_svd(matrix, DIM, dense_up_to=dense_up_to, sparse_up_to=sparse_up_to,
                      should_stop=should_stop, on_progress=lambda event: stages.append(event.label))
    assert len(asked) == 5  # it stopped at the first True, not at the end of a stage
    assert stages and all(stage == svd.LABELS[path] for stage in stages)  # it had started its method


def test_progress_rises_to_the_end(small):
    matrix, _ = small
    for path, (dense_up_to, sparse_up_to) in PATHS.items():
        seen = []
        truncated_svd(matrix, DIM, dense_up_to=dense_up_to, sparse_up_to=sparse_up_to,
                      on_progress=seen.append)
        fractions = [event.fraction for event in seen]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0 and 0 <= fractions[0] < 1
        assert {event.step for event in seen} == {"svd"}
        assert all(event.label == svd.LABELS[path] for event in seen)
    assert len(set(svd.LABELS.values())) == len(svd.LABELS)  # each method says which it is


def test_word_vectors_passes_cancelling_on(english):
    should_stop, asked = stop_after(3)
    with pytest.raises(RunCancelled):
        word_vectors(english, "svd", DIM, VocabularySettings(), "english", should_stop=should_stop)
    assert len(asked) == 3


def test_ppmi_a_chunk_at_a_time_is_the_formula(english):
    _, counts = prune(english, VocabularySettings(), "english")
    dense = counts.toarray().astype(np.float64)
    context = dense.sum(axis=0) ** weighting.CONTEXT_ALPHA
    with np.errstate(divide="ignore", invalid="ignore"):  # the zero cells, left zero below
        pmi = np.log(dense / dense.sum(axis=1, keepdims=True) / (context / context.sum()))
    expected = np.where(dense > 0, np.maximum(pmi, 0.0), 0.0)
    seen = []
    weighted = ppmi(counts, chunk=1000, on_progress=seen.append)
    assert len(seen) > 2 * 20  # more than twenty chunks, each pass
    assert {(event.step, event.label) for event in seen} == {("ppmi", weighting.PPMI_LABEL)}
    fractions = [event.fraction for event in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert np.abs(weighted.toarray() - expected).max() < 1e-12
    assert weighted.nnz == np.count_nonzero(expected)  # the zeros are not stored
    assert (ppmi(counts) != weighted).nnz == 0  # one chunk or many: the same numbers


def test_cancelling_inside_ppmi(english):
    _, counts = prune(english, VocabularySettings(), "english")
    should_stop, asked = stop_after(3)
    seen = []
    with pytest.raises(RunCancelled):
        ppmi(counts, chunk=1000, should_stop=should_stop, on_progress=lambda event: seen.append(event.fraction))
    assert len(asked) == 3  # at the first True, two chunks in
    assert seen == [0.0, pytest.approx(seen[1]), pytest.approx(2 * seen[1])] and 0 < seen[1] < 0.05


def test_ppmi_vectors_pass_cancelling_on(english):
    should_stop, asked = stop_after(1)
    stages = []
    with pytest.raises(RunCancelled):
        word_vectors(english, "ppmi", DIM, VocabularySettings(), "english", should_stop=should_stop,
                     on_progress=lambda event: stages.append(event.step))
    assert len(asked) == 1 and stages == ["ppmi"]


def test_the_report_says_which_svd_ran(capsys):
    from pretrain_explorer.tui.cli import main
    import json

    assert main(["report", "--json", "--weighting", "svd", "--dim", "20"]) == 0
    method = json.loads(capsys.readouterr().out)["svd"]
    assert method["name"] == "lapack" and method["error_bound"] <= method["tolerance"]
    assert main(["report", "--weighting", "svd", "--dim", "20"]) == 0
    assert "SVD by exact SVD (LAPACK, dense): singular values within" in capsys.readouterr().out
    assert main(["report", "--json"]) == 0
    assert "svd" not in json.loads(capsys.readouterr().out)  # counts: no SVD ran
