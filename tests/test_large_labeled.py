"""A large labeled set, at a reduced scale: progress all through the training phase, and the seeds cut
to a number the result, the JSON and the report state."""

import numpy as np
import pytest

from pretrain_explorer.engine.run import context
from pretrain_explorer.engine import Session, load_experiment, run_experiment
from pretrain_explorer.engine.run.json_form import to_json
from helpers import synthetic
from pretrain_explorer.tui.presentation.printed_report import render_text


@pytest.fixture(scope="module")
def many_classes(tmp_path_factory):
    """300 train rows in 20 classes, each class marked by words of its own (benchmarks/synthetic.py)."""
    folder = tmp_path_factory.mktemp("classes")
    return load_experiment(synthetic().labeled_experiment(folder, 20_000, 2_000, (300, 150, 20), classes=20, dim=16))


def test_training_reports_progress_all_through(many_classes):
    fractions = []

    def on_progress(event):
        if event.step == "training":
            assert event.label == "Training: main seed"
            fractions.append(event.fraction)

    phases = Session(disk=None).run(many_classes, on_progress=on_progress)
    next(phases), next(phases)  # pretraining, then training: the main seed's accuracies
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(b >= a for a, b in zip(fractions, fractions[1:]))
    # The phase's three kinds of classifier fit in turn, a third of it each: the centroids by set
    # of vectors, the softmax layers every 10 epochs, the bag of words every 10 L-BFGS iterations
    # (an L-BFGS fit that converges early jumps to its end).
    for low, high, reports in ((0, 1 / 3, 2), (1 / 3, 2 / 3, 20), (2 / 3, 1, 5)):
        assert len({f for f in fractions if low < f < high}) >= reports

def test_seeds_are_cut_where_their_trainings_would_be_too_many(many_classes, monkeypatch):
    # 300 sentences x 20 classes is 6,000 per trained seed: a budget of 15,000 allows 2, and at
    # least 3 run; the curve's draws (about twice the sentences, three trained approaches) too.
    monkeypatch.setattr(context, "SEEDS_WORK", 15_000)
    stages = set()
    result = run_experiment(many_classes, on_progress=lambda event, overall: stages.add((event.step, event.label)))
    assert many_classes.seeds == 20
    assert {label for step, label in stages if step == "seeds"} == {"Training over 3 seeds"}  # the phase's name, as it runs
    assert result.approaches["random_fine_tuned"].test_over_seeds.n == 3
    assert result.learning_curve.seeds == 3
    out = to_json(result)
    assert out["approaches"]["random"]["test"]["accuracy_over_seeds"]["n"] == 3
    assert out["learning_curve"]["seeds"] == 3
    text = render_text(result, 100)
    assert "over 3 seeds" in text and "mean over 3 draws" in text and "20 seeds" not in text


def test_sparse_centroid_scores_by_blocks_are_the_whole_products(many_classes, monkeypatch):
    """From-scratch vectors score a large split a block of sentences at a time (dense over the
    context columns): the same cosines as the one sparse product, with progress after each block."""
    from pretrain_explorer.engine.finetuning import centroid as classify
    from pretrain_explorer.engine.finetuning.labeled import from_scratch_features, labeled_data, window_pairs

    e = many_classes
    data = labeled_data(e.stopwords, e.train, e.test, None)
    features = from_scratch_features(data, window_pairs(data, e.window), np.arange(len(data.train)))
    (whole,) = classify.centroid_scores(data, features, [np.arange(len(data.train))], ("test",))
    monkeypatch.setattr(classify, "SPARSE_BLOCK", 64)
    fractions = []
    (blocks,) = classify.centroid_scores(data, features, [np.arange(len(data.train))], ("test",), fractions.append)
    assert np.abs(blocks["test"] - whole["test"]).max() < 1e-12
    assert fractions == [min(1.0, 64 * k / len(e.test)) for k in range(1, len(fractions) + 1)]
    assert len(fractions) == 3  # 150 test sentences, 64 at a time


def test_many_subsets_are_scored_a_few_at_a_time_with_the_same_numbers(many_classes, monkeypatch):
    """Learning-curve subsets of one set of vectors are scored in products of bounded size: the
    same cosines as all of them in one product, and a curve task keeps only its best labels."""
    from pretrain_explorer.engine.finetuning import centroid as classify
    from pretrain_explorer.engine.finetuning.approaches import TaskOutcome, Task, BY_NAME
    from pretrain_explorer.engine.finetuning.labeled import labeled_data, restricted
    from pretrain_explorer.engine.vectors import random_vectors

    e = many_classes
    data = labeled_data(e.stopwords, e.train, e.test, None)
    features = restricted(random_vectors(data.words, 16, 7), data.words)
    rng = np.random.default_rng(0)
    subsets = [np.sort(rng.choice(len(data.train), size=100 + 10 * k, replace=False)) for k in range(7)]
    whole = classify.centroid_scores(data, features, subsets, ("test",))
    monkeypatch.setattr(classify, "SCORES_BYTES", 2 * 8 * 20 * len(e.test))  # two subsets a product
    fractions = []
    parts = classify.centroid_scores(data, features, subsets, ("test",), fractions.append)
    assert all(np.abs(a["test"] - b["test"]).max() < 1e-12 for a, b in zip(whole, parts))
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    kept = TaskOutcome.of(Task(BY_NAME["pretrained"], None, subsets[0]), whole[0])
    assert kept.scores == {} and np.array_equal(kept.best("test"), whole[0]["test"].argmax(axis=1))
