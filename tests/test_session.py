"""The engine's session: stages cached by what determines them, results phase by phase, cancel in
every phase, the disk cache of pretrained vectors, and approaches as data."""

import dataclasses
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp

from pretrain_explorer.engine.finetuning import approaches as registry
from pretrain_explorer.engine import RunCancelled, Session, load_experiment, run_experiment
from pretrain_explorer.engine.finetuning.approaches import CENTROID, Approach, VectorSource
from pretrain_explorer.engine.storage.disk_cache import DiskCache
from pretrain_explorer.engine.finetuning.labeled import Features
from pretrain_explorer.engine.run.results import PHASES
from pretrain_explorer.engine.text import preprocess


@pytest.fixture(scope="module")
def kata():
    return load_experiment()


def computed(session: Session, experiment) -> Counter:
    """What a full run of `experiment` computed in `session`, stage by stage."""
    before = Counter(session.stats)
    list(session.run(experiment))
    return Counter({k: v for k, v in (session.stats - before).items() if v})


def test_results_arrive_phase_by_phase(kata):
    results = list(Session(disk=None).run(kata))
    assert [r.phase for r in results] == list(PHASES)
    first, trained, seeds, curve = results
    assert first.neighbors["excellent"][0][0] == "flowers" and first.groups.groups
    assert first.approaches == {} and first.drift is None and first.margin is None
    assert trained.approaches["random"].test_over_seeds is None and trained.learning_curve is None
    assert seeds.approaches["random"].test_over_seeds.n == 20 and seeds.margin is not None
    assert curve.complete and curve.learning_curve.sizes == (1, 2, 4)
    whole = run_experiment(kata)
    assert curve.learning_curve == whole.learning_curve and curve.margin == whole.margin


def test_each_change_recomputes_only_what_it_determines(kata):
    session = Session(disk=None)
    first = computed(session, kata)
    assert first["counts"] == 1 and first["classifier:fine_tuned"] == 1
    assert computed(session, kata) == Counter()  # the same settings again: nothing
    weighting = computed(session, dataclasses.replace(kata, weighting="ppmi"))
    assert weighting["counts"] == 0 and weighting["vectors"] == 1
    assert weighting["random"] == 0 and weighting["classifier:random_fine_tuned"] == 0  # same vocabulary and dimension
    assert weighting["classifier:fine_tuned"] == 1
    seed = computed(session, dataclasses.replace(kata, seed=43))
    assert seed["classifier:random"] == seed["classifier:random_fine_tuned"] == 1  # seed 62; 43..61 are kept
    assert {k for k in seed if k.startswith("classifier:")} == {"classifier:random", "classifier:random_fine_tuned"}
    assert seed["counts"] == seed["vectors"] == 0
    assert seed["neighbours"] == 1  # the probes' in the new random vectors (ExperimentResult.probe_neighbors)
    window = computed(session, dataclasses.replace(kata, window=4))
    assert window["counts"] == 1 and window["labeled"] == 0 and window["pairs"] == 1


def test_a_small_cache_forgets_but_stays_right(kata):
    tiny = Session(max_bytes=1, disk=None)
    assert run_experiment(kata, session=tiny).margin == run_experiment(kata).margin
    assert len(tiny._entries) == 1


@pytest.mark.parametrize("step", ["counting", "training", "seeds", "curve"])
def test_cancel_inside_each_phase_keeps_what_arrived(kata, step):
    """Stop as soon as a phase reports progress: the run ends there, nothing more is computed (the
    counting polls between its passes and blocks too), and the phases before stay delivered."""
    session = Session(disk=None)
    stop = {}

    def on_progress(event):
        if event.step == step and not stop:
            stop["at"] = Counter(session.stats)

    arrived = []
    with pytest.raises(RunCancelled):
        for result in session.run(kata, lambda: bool(stop), on_progress):
            arrived.append(result.phase)
    assert set(session.stats - stop["at"]) == set()
    assert arrived == list(PHASES[: ["counting", "training", "seeds", "curve"].index(step)])


def test_cancel_stops_training_between_epochs(kata):
    """Inside one training batch: the epoch loop polls, so a stop lands before the next epoch."""
    session = Session(disk=None)
    polls = []

    def should_stop():
        polls.append(1)
        return len(polls) > 50

    with pytest.raises(RunCancelled):
        list(session.run(kata, should_stop))
    assert len(polls) == 51 and session.stats["classifier:fine_tuned"] == 0


def test_disk_cache_reuses_validates_and_bounds(kata, tmp_path):
    disk = DiskCache(tmp_path / "cache", min_corpus_bytes=0)
    first = Session(disk=disk, share_results=False)  # the vectors' entries alone: results are tests/test_shared_results.py's
    vectors = run_experiment(kata, session=first).pretrained
    (entry,) = (tmp_path / "cache").glob("*.npz")
    again = Session(disk=disk, share_results=False)
    reused = run_experiment(kata, session=again)
    assert again.stats["counts"] == 0 and again.stats["disk load"] == 1
    assert np.array_equal(reused.pretrained.matrix, vectors.matrix)

    entry.write_bytes(entry.read_bytes()[:200])  # damaged: dropped and counted again
    damaged = Session(disk=disk, share_results=False)
    assert np.array_equal(run_experiment(kata, session=damaged).pretrained.matrix, vectors.matrix)
    assert damaged.stats["counts"] == 1 and damaged.stats["disk load"] == 0

    small = DiskCache(tmp_path / "cache", max_bytes=1, min_corpus_bytes=0)
    run_experiment(dataclasses.replace(kata, window=2), session=Session(disk=small, share_results=False))
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1  # the older entry went


def test_small_corpora_are_not_written_to_disk(kata, tmp_path):
    run_experiment(kata, session=Session(disk=DiskCache(tmp_path), share_results=False))  # their vectors, that is
    assert not list(tmp_path.glob("*.npz"))


def test_an_approach_is_one_entry_even_without_word_vectors(kata, monkeypatch):
    """A bag-of-words nearest centroid (word counts, no vectors) added to the registry alone."""

    def bag_of_words(run, seed, subset):
        n = len(run.data.words)
        return Features(sp.identity(n, format="csr"), np.ones(n, dtype=bool))

    words = VectorSource("bag_of_words", seeded=False, features=bag_of_words)
    extra = Approach("bag_of_words", "word counts; nearest centroid", words, CENTROID)
    monkeypatch.setattr(registry, "APPROACHES", registry.APPROACHES + (extra,))
    result = run_experiment(kata)
    got = result.approaches["bag_of_words"].test
    assert "bag_of_words" in result.learning_curve.mean

    # Independently: mean word-count vectors per class, cosine, as the lesson's classifier does.
    vocabulary = sorted({t for s in kata.train + kata.test for t in preprocess(s.text, kata.stopwords)})

    def counts(text):
        v = np.zeros(len(vocabulary))
        tokens = preprocess(text, kata.stopwords)
        for t in tokens:
            v[vocabulary.index(t)] += 1 / len(tokens)
        return v

    centroids = {label: np.mean([counts(s.text) for s in kata.train if s.label == label], axis=0)
                 for label in kata.labels}
    for p, s in zip(got.predictions, kata.test):
        v = counts(s.text)
        for label, c in centroids.items():
            assert p.scores[label] == pytest.approx(v @ c / np.linalg.norm(v) / np.linalg.norm(c), abs=1e-12)


def test_a_large_labeled_vocabulary_with_svd(tmp_path):
    """More than 5,000 distinct labeled words: nothing is refused; from-scratch counts stay sparse, with
    the 5,000 most frequent words as contexts."""
    from helpers import synthetic

    labeled_experiment, zipf_words = synthetic().labeled_experiment, synthetic().zipf_words

    manifest = labeled_experiment(tmp_path / "wide", 20_000, 20_000, (40, 60, 60), weighting="svd", dim=16)
    words = np.array(zipf_words(20_000)[0])  # an array: choice() would make one of a list at each call
    rng = np.random.default_rng(0)
    rows = [" ".join(rng.choice(words, size=12)) + f",{'ab'[k % 2]}" for k in range(700)]
    (tmp_path / "wide" / "train.csv").write_text("text,label\n" + "\n".join(rows) + "\n")
    manifest.write_text(manifest.read_text().replace("[analysis]", "epochs = 5\n[analysis]") + "[random]\nseeds = 2\n")
    result = run_experiment(load_experiment(manifest))
    scratch = result.vectors["from_scratch"]
    assert len(scratch.words) > 5000 and sp.issparse(scratch.matrix)
    assert np.count_nonzero(scratch.matrix.getnnz(axis=0)) == 5000  # the most frequent words as contexts
    assert result.learning_curve.sizes[-1] == 350
