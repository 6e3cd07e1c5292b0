"""A run's memory: estimated from its settings before it allocates, refused in one line over its
budget (--memory, the manifest's memory, a share of what is available), and shown in the report."""

import dataclasses
import json
import sys

import pytest

from helpers import run_outside
from pretrain_explorer.engine import ExperimentError, Session, load_experiment
from pretrain_explorer.engine.experiment import with_overrides
from pretrain_explorer.engine.run.memory import (
    MemoryRefused,
    available_memory,
    check_memory,
    estimate_memory,
    memory_budget,
)
from pretrain_explorer.engine.manifest_reader import parse_memory
from pretrain_explorer.engine.settings import MEMORY_SHARE


@pytest.fixture(scope="module")
def kata():
    return load_experiment()


def test_the_estimate_grows_with_vocabulary_dimension_and_seeds(kata):
    counts = with_overrides(kata, weighting="counts")
    small, large = estimate_memory(counts, 1_000), estimate_memory(counts, 4_000)
    assert large.vectors > small.vectors * 10  # vocabulary x vocabulary: sixteen times the cells
    assert large.total > small.total
    svd = with_overrides(kata, weighting="svd")
    assert estimate_memory(with_overrides(svd, dim=400), 5_000).total > estimate_memory(svd, 5_000).total
    few, many = (estimate_memory(dataclasses.replace(counts, seeds=n), 1_000) for n in (1, 20))
    assert many.cache > few.cache and many.working > few.working
    assert many.vectors == few.vectors  # seeds add features and sentence vectors, not kept vectors


def test_the_estimate_adds_up_and_knows_the_dimension(kata):
    estimate = estimate_memory(with_overrides(kata, weighting="svd", dim=50), 3_000)
    assert (estimate.vocabulary, estimate.dimension) == (3_000, 50)
    assert estimate.total == estimate.program + max(
        estimate.pretraining, estimate.counted + estimate.vectors + estimate.cache + estimate.working)
    assert dict(estimate.parts()).keys() == {"program", "pretraining", "counts kept", "vectors", "cache", "working",
                                             "word2vec"}
    assert estimate.word2vec == 0  # only sgns loads gensim
    with pytest.raises(dataclasses.FrozenInstanceError):
        estimate.total_bytes = 1


@pytest.mark.parametrize("text, size", [("2G", 2 << 30), ("512M", 512 << 20), ("1.5GB", 3 << 29), ("64k", 64 << 10),
                                        (" 3 GiB ", 3 << 30)])
def test_sizes_are_read(text, size):
    assert parse_memory(text) == size


@pytest.mark.parametrize("text", ["", "2", "lots", "2X", "-1G", "0G", "1e3M"])
def test_bad_sizes_are_refused(text):
    with pytest.raises(ValueError, match="size such as 2G"):
        parse_memory(text)


def test_the_default_budget_is_a_share_of_what_is_available(kata, tmp_path, monkeypatch):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       8000000 kB\nMemFree:  100 kB\nMemAvailable:    4000000 kB\n")
    assert available_memory(meminfo) == 4_000_000 * 1024
    assert available_memory(tmp_path / "missing") is None
    import pretrain_explorer.engine.run.memory as memory

    monkeypatch.setattr(memory, "available_memory", lambda: 4_000_000 * 1024)
    assert memory_budget(kata).bytes == int(4_000_000 * 1024 * MEMORY_SHARE)
    assert memory_budget(with_overrides(kata, memory=1 << 30)).bytes == 1 << 30  # its own comes first


def test_a_refusal_names_a_setting_that_fits(kata):
    e = with_overrides(kata, weighting="counts", max_vocab=5_000, memory=1)
    whole = estimate_memory(e, 5_000)
    budget = (estimate_memory(e, 2_000).total + estimate_memory(e, 3_000).total) // 2
    with pytest.raises(MemoryRefused) as refused:
        check_memory(with_overrides(e, memory=budget), whole)
    message = str(refused.value)
    assert "would need about" in message and "--max-vocab 2,000 would fit" in message and "\n" not in message
    check_memory(with_overrides(e, memory=whole.total), whole)  # exactly enough: not refused


def test_an_svd_refusal_names_a_smaller_dimension(kata):
    e = with_overrides(kata, weighting="svd", dim=1_000)
    whole = estimate_memory(e, 20_000)
    budget = estimate_memory(with_overrides(e, dim=100), 20_000).total
    with pytest.raises(MemoryRefused, match="--dim 100 would fit"):
        check_memory(with_overrides(e, memory=budget), whole)


def test_a_run_over_budget_computes_nothing(kata):
    session = Session(disk=None)
    with pytest.raises(MemoryRefused):
        next(session.run(with_overrides(kata, memory=1 << 10)))
    assert sum(session.stats.values()) == 0  # refused before counting: no stage ran


def test_the_report_refuses_in_one_line_with_exit_2(tmp_path):
    done = run_outside([sys.executable, "-m", "pretrain_explorer.tui", "report", "kata", "--memory", "1M"], tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "would need about" in lines[0] and "1.0 MB is allowed" in lines[0], done.stderr


def test_the_manifest_key_is_read(kata_copy):
    manifest = kata_copy / "experiment.toml"
    manifest.write_text('memory = "3G"\n' + manifest.read_text())
    assert load_experiment(manifest).memory == 3 << 30


def test_a_bad_manifest_value_names_file_and_line(kata_copy):
    manifest = kata_copy / "experiment.toml"
    manifest.write_text('name = "kata"\nmemory = "plenty"\n' + manifest.read_text().replace('name = "kata"\n', ""))
    with pytest.raises(ExperimentError) as failed:
        load_experiment(manifest)
    assert failed.value.line == 2 and "memory" in failed.value.problem and "size such as 2G" in failed.value.problem


def test_the_estimate_is_in_the_result_and_its_json():
    from pretrain_explorer.engine.run.json_form import to_json
    from pretrain_explorer.engine import run_experiment
    from pretrain_explorer.tui.presentation.printed_report import render_text

    result = run_experiment(load_experiment())
    assert result.memory == estimate_memory(result.experiment, result.corpus.vocabulary, result.corpus.dimension)
    form = json.loads(json.dumps(to_json(result)))
    assert form["memory"]["estimate"] == result.memory.total
    assert sum(form["memory"]["parts"].values()) >= form["memory"]["estimate"]
    assert "Memory: about" in render_text(result, width=80)


def test_pretrain_refuses_over_memory_in_one_line_with_exit_2(tmp_path, capsys):
    from helpers import KATA
    from pretrain_explorer.tui.cli import main

    out = tmp_path / "v.npz"
    assert main(["pretrain", str(KATA / "general.txt"), "-o", str(out), "--memory", "1M"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "would need about" in lines[0] and "1.0 MB is allowed" in lines[0], lines
    assert not out.exists() and list(tmp_path.iterdir()) == []  # refused before counting: nothing written


def test_pretrain_is_checked_again_once_the_vocabulary_is_counted(kata):
    from helpers import KATA
    from pretrain_explorer.engine.pretraining.pretrain import pretrain_vectors
    from pretrain_explorer.engine.pretraining.vocabulary import VocabularySettings
    from pretrain_explorer.engine.run.memory import pretraining_fits

    counts = with_overrides(kata, weighting="counts")
    settings = dict(corpus=KATA / "general.txt", stopwords=kata.stopwords, window=kata.window, weighting="counts",
                    dim=kata.dim, vocabulary=VocabularySettings(1, 0))
    seen = []
    vectors, _ = pretrain_vectors(KATA / "general.txt", kata.stopwords, kata.window, "counts",
                                  on_counted=seen.append)
    assert seen == [len(vectors.words)]  # told the vocabulary's size, before the weighting
    # A budget one byte short of the counted vocabulary's estimate: the settings' bound before counting
    # (a guess from the corpus's size) is below it, so the refusal comes from the second check.
    counted = estimate_memory(counts, len(vectors.words)).pretraining_only().total
    assert estimate_memory(counts).pretraining_only().total < counted
    fits = pretraining_fits(**settings, memory=counted - 1)  # passes before counting
    with pytest.raises(MemoryRefused, match="would need about"):
        fits(len(vectors.words))
    pretraining_fits(**settings, memory=counted)(len(vectors.words))  # exactly enough: not refused


def test_a_pretraining_refusal_suggests_what_fits_without_fine_tuning(kata):
    e = with_overrides(kata, weighting="counts", max_vocab=5_000)
    whole = estimate_memory(e, 5_000).pretraining_only()
    fitting = estimate_memory(e, 4_000).pretraining_only().total
    assert fitting < estimate_memory(e, 4_000).total  # fine-tuning would not fit: only pretraining is counted
    with pytest.raises(MemoryRefused, match="--max-vocab 4,000 would fit"):
        check_memory(with_overrides(e, memory=fitting), whole)


def test_sgns_adds_gensims_model_held_through_fine_tuning(kata):
    from pretrain_explorer.engine.run.memory import GENSIM_BYTES, GENSIM_BYTES_PER_WORD
    from pretrain_explorer.tui.presentation.memory import memory_sentence

    sgns, svd = (with_overrides(kata, weighting=w, dim=100) for w in ("sgns", "svd"))
    small, large = estimate_memory(sgns, 20_000), estimate_memory(sgns, 40_000)
    # gensim's modules, and per word its vocabulary entry and two float32 rows of the dimension
    assert small.word2vec == GENSIM_BYTES + 20_000 * (GENSIM_BYTES_PER_WORD + 2 * 100 * 4)
    assert large.word2vec - small.word2vec == 20_000 * (GENSIM_BYTES_PER_WORD + 2 * 100 * 4)
    assert estimate_memory(with_overrides(sgns, dim=300), 20_000).word2vec > small.word2vec
    # held beside fine-tuning, not instead of it: the total is svd's (same shapes) plus gensim's
    assert small.total == small.program + small.word2vec + max(small.pretraining, small.fine_tuning)
    assert small.fine_tuning == estimate_memory(svd, 20_000).fine_tuning
    assert small.pretraining_only().word2vec == small.word2vec  # `pretrain` and `evaluate` load gensim too
    assert estimate_memory(with_overrides(kata, weighting="counts"), 1_000).word2vec == 0
    assert "word2vec" in memory_sentence(small)
    assert "word2vec" not in memory_sentence(estimate_memory(svd, 20_000))


def test_seed_fits_past_their_share_are_dropped_and_fitted_again_for_a_new_main_seed(monkeypatch):
    """The spread over seeds keeps its fits only up to KEPT_FIT_SHARE of the cache (on reviews at 5,000
    dimensions each is 45 MiB): the numbers are the same, and `r` (seed + 1 the main seed) fits
    seed + 1 again to keep its classifier, instead of reading it from the spread."""
    import pretrain_explorer.engine.run.context as context
    from pretrain_explorer.engine.inspect.explain import Explainer
    from pretrain_explorer.engine.run.json_form import to_json

    def fits(session):
        return sum(v.fit is not None for (stage, _), v in session._entries.items() if stage == "outcome")

    e = dataclasses.replace(load_experiment(), seeds=3)  # (fewer seeds: less to fit, the same rule)
    keeping = Session(disk=None)
    *_, whole = keeping.run(e)
    monkeypatch.setattr(context, "KEPT_FIT_SHARE", 0.0)
    lean = Session(disk=None)
    *_, result = lean.run(e)
    assert json.dumps(to_json(result)) == json.dumps(to_json(whole))
    trained = [a for a in result.approaches.values() if a.kept_classifier is not None]
    assert fits(lean) == len(trained) < fits(keeping)  # the main seed's only
    # Rows kept of what training moved, as the estimate counts them (KEPT_CLASSIFIERS): none for the
    # frozen linear probe (a broadcast zero, no memory), a real array for each fine-tuned approach.
    from pretrain_explorer.engine.run.memory import KEPT_CLASSIFIERS
    moved = {a.name: a.kept_classifier.moved for a in trained if hasattr(a.kept_classifier, "moved")}
    assert not any(moved["linear_probe"].strides) and not moved["linear_probe"].any()
    assert sum(bool(m.strides[0]) for m in moved.values()) == KEPT_CLASSIFIERS
    before = lean.stats["classifier:random_fine_tuned"]
    *_, second = lean.run(dataclasses.replace(e, seed=e.seed + 1))
    assert lean.stats["classifier:random_fine_tuned"] == before + 2  # seed + 1 again, and seed + 3 new
    assert Explainer(second).can_explain("random_fine_tuned")


def test_what_counting_leaves_resident_is_counted_beside_fine_tuning(kata_copy):
    """The counts the session keeps and the heap counting took stay resident through fine-tuning:
    a part of fine-tuning's side, growing with the corpus, not with the vectors' shape."""
    from pretrain_explorer.engine.run.memory import RESIDENT_COUNTING_SHARE

    corpus = kata_copy / "general.txt"
    small = estimate_memory(with_overrides(load_experiment(kata_copy), weighting="svd", dim=50), 3_000)
    corpus.write_text(corpus.read_text() * 40)
    e = with_overrides(load_experiment(kata_copy), weighting="svd", dim=50)
    large = estimate_memory(e, 3_000)
    assert large.counted > 30 * small.counted > 0
    assert large.fine_tuning - small.fine_tuning == large.counted - small.counted
    counting = large.pretraining - small.pretraining  # the same weighting arrays: only counting grew
    assert large.counted - small.counted == pytest.approx(counting * RESIDENT_COUNTING_SHARE, abs=2)
    assert estimate_memory(with_overrides(e, dim=200), 3_000).counted == large.counted
    assert estimate_memory(e, 1_000).counted == large.counted
    assert large.pretraining_only().counted == 0  # nothing is fine-tuned after it
    assert large.total == large.program + max(large.pretraining, large.fine_tuning)


def test_the_nearest_labeled_word_search_is_chunked_within_its_bound(monkeypatch):
    """_nearest_rows scores a chunk of queries at a time in words x queries arrays of at most
    NEAREST_CHUNK_BYTES (four of 45 MiB at 22,000 words were a run's peak); any chunk gives the
    same rows as one product of every query."""
    import numpy as np

    from pretrain_explorer.engine.inspect import explain
    from pretrain_explorer.engine.vectors import WordVectors

    for words in (10, 5_000, 22_038, 10_000_000):
        assert 1 <= explain.nearest_chunk(words)
        assert explain.nearest_chunk(words) * words * 8 <= max(explain.NEAREST_CHUNK_BYTES, words * 8)
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(300, 8))
    matrix[7] = 0.0  # a zero row: no cosine, never nearest
    vectors = WordVectors(tuple(f"w{i}" for i in range(300)), matrix)
    queries, candidates = list(range(0, 300, 3)), list(range(1, 300, 2))
    unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-300)
    cos = unit[queries] @ unit[candidates].T
    expected = [candidates[j] for j in np.argmax(cos, axis=1)]
    assert explain._nearest_rows(vectors, queries, candidates) == expected
    monkeypatch.setattr(explain, "NEAREST_CHUNK_BYTES", 7 * 300 * 8)  # seven queries at a time
    assert explain.nearest_chunk(300) == 7
    assert explain._nearest_rows(vectors, queries, candidates) == expected
