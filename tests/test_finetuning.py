"""Fine-tuning for real, and the experiments that show when pretraining helps."""

import dataclasses
import filecmp
import json
import runpy

import numpy as np
import pytest

from pretrain_explorer.engine import load_experiment, run_experiment
from pretrain_explorer.engine.finetuning.softmax import TrainingSettings, train
from pretrain_explorer.engine.finetuning.approaches import APPROACH_NAMES
from pretrain_explorer.tui.cli import main

from helpers import HELD_OUT


@pytest.fixture(scope="module")
def kata():
    return run_experiment(load_experiment())


@pytest.fixture(scope="module")
def held_out():
    return run_experiment(load_experiment(HELD_OUT))


def test_every_approach_is_reported(kata):
    assert tuple(kata.approaches) == APPROACH_NAMES
    assert set(APPROACH_NAMES) == {"random", "pretrained", "from_scratch", "linear_probe", "fine_tuned", "random_fine_tuned",
                               "bag_of_words"}


@pytest.mark.parametrize("name", ["linear_probe", "fine_tuned", "random_fine_tuned"])
def test_training_lowers_the_loss(kata, name):
    losses = kata.approaches[name].losses
    assert len(losses) == 301  # before each of 300 epochs, and after the last
    assert losses[0] == pytest.approx(np.log(2))  # a zero layer: both classes equally likely
    assert losses[-1] < 0.05 < losses[0]
    assert all(b <= a + 1e-12 for a, b in zip(losses, losses[1:]))  # full-batch descent never climbs here


def test_fine_tuning_moves_vectors_and_the_probe_does_not():
    e = load_experiment()
    pretrained = run_experiment(e).pretrained
    tuned = train(e.train, pretrained, e.stopwords, e.training, update_vectors=True)
    frozen = train(e.train, pretrained, e.stopwords, e.training, update_vectors=False)
    assert np.array_equal(frozen.trained_rows, pretrained.matrix[frozen.rows])
    assert all(distance == 0.0 for _, distance in frozen.drift())
    moved = dict(tuned.drift())
    assert moved["excellent"] == pytest.approx(1.0579, abs=1e-4)
    assert min(moved.values()) > 0
    # Words outside the labeled sentences keep their pretrained vectors exactly.
    after = tuned.vectors()
    untouched = [i for i, w in enumerate(pretrained.words) if w not in moved]
    assert np.array_equal(after.matrix[untouched], pretrained.matrix[untouched])


def test_drift_on_the_kata(kata):
    assert [w for w, _ in kata.drift.moved[:3]] == ["excellent", "remarkable", "horrible"]
    assert [w for w, _ in kata.drift.neighbors_before["excellent"]] == ["flowers", "warm", "company", "garden"]
    assert [w for w, _ in kata.drift.neighbors_after["excellent"]] == ["remarkable", "wonderful", "outstanding", "great"]


def test_training_is_deterministic_for_a_seed():
    e = load_experiment()
    first, second = run_experiment(e), run_experiment(e)
    assert first.approaches["random_fine_tuned"].losses == second.approaches["random_fine_tuned"].losses
    other = run_experiment(dataclasses.replace(e, seed=7))
    assert other.approaches["random_fine_tuned"].losses != first.approaches["random_fine_tuned"].losses


def test_from_scratch_vectors_come_from_the_labeled_sentences_alone(kata):
    scratch = kata.vectors["from_scratch"]
    labeled_words = {w for s in kata.experiment.train for w in s.text.split()} - kata.experiment.stopwords
    assert set(scratch.words) == labeled_words
    assert "flowers" not in scratch  # a corpus-only word


def test_seen_words_explain_why_random_scores_on_the_kata(kata):
    first = kata.approaches["random"].test.predictions[0]
    assert first.text == "an excellent performance with remarkable skill"
    assert first.seen_words == ("excellent", "remarkable")
    assert kata.seen_share == pytest.approx(12 / 25)
    assert (kata.overlap["test"].seen, kata.overlap["test"].total) == (12, 25)  # measured once, by the engine
    assert set(kata.overlap) == {"test"} | ({"transfer"} if kata.experiment.transfer else set())
    stats = kata.approaches["random"].test_over_seeds
    assert (stats.n, round(stats.mean, 4), round(stats.std, 4)) == (20, 0.9917, 0.0363)
    assert kata.approaches["pretrained"].test_over_seeds is None  # no random draw, no spread


def test_held_out_margin(held_out):
    """Pretrained and fine-tuned beat random and from-scratch by at least 25 points over seeds."""
    acc = {name: a.mean_accuracy() for name, a in held_out.approaches.items()}
    assert acc["pretrained"] == 1.0 and acc["fine_tuned"] == 1.0
    assert acc["from_scratch"] == 0.5  # no held-out word is in its vocabulary: every sentence ties
    assert acc["random"] == pytest.approx(0.5083, abs=1e-4)
    assert held_out.margin.points == pytest.approx(49.17, abs=0.01)
    assert held_out.margin.points >= 25
    assert held_out.seen_share == 0.5  # the topic words are seen, the sentiment words never


def test_held_out_sentiment_words_never_reach_the_labeled_set(held_out):
    e = held_out.experiment
    held = {w for name, words in e.groups if "held out" in name for w in words}
    labeled = {w for s in e.train for w in s.text.split()}
    tested = {w for s in e.test + e.transfer for w in s.text.split()}
    corpus = {w for line in (HELD_OUT / "general.txt").read_text().splitlines() for w in line.split()}
    assert not held & labeled
    assert held & tested == held & tested & corpus and held & tested


def test_learning_curve(kata, held_out):
    assert kata.learning_curve.sizes == (1, 2, 4)
    assert held_out.learning_curve.sizes == (1, 2, 4, 6)
    curve = held_out.learning_curve
    for name in APPROACH_NAMES:
        assert len(curve.mean[name]) == len(curve.std[name]) == 4
    assert curve.mean["pretrained"] == (1.0, 1.0, 1.0, 1.0)
    assert max(curve.mean["from_scratch"]) == 0.5
    # With one example per class pretrained features already beat random by far.
    assert curve.mean["pretrained"][0] - curve.mean["random"][0] > 0.4


def test_the_generator_reproduces_the_committed_data(tmp_path):
    generate = runpy.run_path(str(HELD_OUT / "generate.py"))
    generate["main"](tmp_path)
    for name in ("general.txt", "stopwords.txt", "train.csv", "test.csv", "transfer.csv"):
        assert filecmp.cmp(tmp_path / name, HELD_OUT / name, shallow=False), name
    assert len((HELD_OUT / "general.txt").read_text().splitlines()) == 6000


def test_report_json_has_the_new_keys(capsys):
    assert main(["report", "--json", str(HELD_OUT)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["approaches"]) == set(APPROACH_NAMES)
    for name in ("random", "random_fine_tuned"):
        for split in ("test", "transfer"):
            seeds = out["approaches"][name][split]["accuracy_over_seeds"]
            assert set(seeds) == {"mean", "std", "n"} and seeds["n"] == 20
    assert "accuracy_over_seeds" not in out["approaches"]["pretrained"]["test"]
    first = out["approaches"]["pretrained"]["test"]["predictions"][0]
    assert first["text"] == "a brilliant movie" and first["seen_words"] == ["movie"]
    assert out["learning_curve"]["sizes"] == [1, 2, 4, 6]
    assert set(out["learning_curve"]["approaches"]["fine_tuned"]) == {"mean", "std"}
    assert [w for w, _ in out["drift"]["moved"][:2]] == ["great", "terrible"]
    assert set(out["drift"]["neighbors_before"]) == set(out["drift"]["neighbors_after"]) == {"superb", "dreadful", "excellent", "film"}
    assert out["margin"]["points"] == pytest.approx(49.17, abs=0.01)


def test_report_text_says_the_margin(capsys):
    assert main(["report", str(HELD_OUT)]) == 0
    out = capsys.readouterr().out
    words = " ".join(out.split())  # sentences wrap at 80 columns
    assert ("1. Do pretrained features beat random ones under the same classifier (nearest centroid)? Yes — "
            "pretrained beat random by 49.2 points") in words
    assert "2. Does fine-tuning from pretrained vectors beat fine-tuning from random ones? Yes — fine_tuned beat" in words
    assert "Learning curve: test accuracy (%), mean over 20 draws" in out
    assert "Training loss (cross-entropy on the labeled sentences)" in out
    # pretrained and linear_probe score the same at every size: one line, named together
    assert "R random   P pretrained = linear_probe   S from_scratch" in out


@pytest.mark.parametrize("line, problem", [
    ("epochs = 0", "[finetuning] epochs: must be a whole number at least 1 and at most 100,000, got 0"),
    ("learning_rate = 0", "[finetuning] learning_rate: must be a number above 0 and at most 1000, got 0"),
    ("l2 = -1", "[finetuning] l2: must be a number at least 0 and at most 1000, got -1"),
    ("learning_rate = \"fast\"", "[finetuning] learning_rate: must be a number above 0 and at most 1000, got 'fast'"),
])
def test_bad_training_settings(capsys, kata_copy, line, problem):
    manifest = kata_copy / "experiment.toml"
    manifest.write_text(manifest.read_text().replace('transfer = "transfer.csv"', f'transfer = "transfer.csv"\n{line}'))
    assert main(["report", str(kata_copy)]) == 2
    assert f"experiment.toml, line 17: {problem}" in capsys.readouterr().err


def test_training_settings_are_read(kata_copy):
    manifest = kata_copy / "experiment.toml"
    text = manifest.read_text().replace('transfer = "transfer.csv"', 'transfer = "transfer.csv"\nepochs = 10\nlearning_rate = 0.1\nl2 = 0')
    manifest.write_text(text.replace("seed = 42", "seed = 42\nseeds = 3"))
    e = load_experiment(kata_copy)
    assert e.training == TrainingSettings(epochs=10, learning_rate=0.1, l2=0.0) and e.seeds == 3
    assert run_experiment(e).approaches["random"].test_over_seeds.n == 3


@pytest.mark.parametrize("where, classes", [("held-out", None), ("synthetic", 5)])
def test_bag_of_words_lbfgs_finds_scipys_minimum(where, classes):
    """The bag of words is fitted by its own L-BFGS (engine.finetuning.bag_of_words.lbfgs); scipy's L-BFGS-B on
    the same loss, from the same start, must reach the same minimum."""
    from scipy.optimize import minimize

    from pretrain_explorer.engine import load_experiment
    from pretrain_explorer.engine.finetuning.bag_of_words import PENALTY, fit_on_counts
    from pretrain_explorer.engine.finetuning.labeled import labeled_data
    import scipy.sparse as sp

    if where == "held-out":
        e = load_experiment(HELD_OUT)
        train = labeled_data(e.stopwords, e.train, e.test, e.transfer).splits["train"]
        terms, labels, classes = train.terms, train.label_ids, int(train.label_ids.max()) + 1
    else:  # more classes and words than sentences: the weights are far from determined by the data alone
        rng = np.random.default_rng(3)
        terms = sp.random(60, 200, density=0.05, random_state=rng, format="csr") * 3
        terms.data = np.round(terms.data)
        labels = rng.integers(0, classes, size=60)
    ours = fit_on_counts(terms, labels, classes)
    shown = np.unique(sp.csr_matrix(terms).indices)
    x = sp.csr_matrix(terms, dtype=np.float64)[:, shown]
    targets = np.eye(classes)[labels]

    def loss(flat):
        w, b = flat[: x.shape[1] * classes].reshape(-1, classes), flat[x.shape[1] * classes:]
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        log_z = np.log(np.exp(logits).sum(axis=1, keepdims=True))
        error = np.exp(logits - log_z) - targets
        return (-np.sum(targets * (logits - log_z)) + 0.5 * PENALTY * np.sum(w * w),
                np.concatenate([(x.T @ error + PENALTY * w).ravel(), error.sum(axis=0)]))

    reference = minimize(loss, np.zeros(x.shape[1] * classes + classes), jac=True, method="L-BFGS-B",
                         options={"maxiter": 2000, "gtol": 1e-10, "ftol": 0.0}).x
    assert np.max(np.abs(ours.weights[shown].ravel() - reference[: x.shape[1] * classes])) < 1e-6
    assert np.max(np.abs(ours.bias - reference[x.shape[1] * classes:])) < 1e-6
    assert np.array_equal(ours.scores(terms).argmax(axis=1), (x @ reference[: x.shape[1] * classes].reshape(-1, classes)
                                                              + reference[x.shape[1] * classes:]).argmax(axis=1))


def _plain_gradient_descent(data, problem, features, settings, update):
    """The training train_batch does, written out for one problem in float64: mean pooling, a
    softmax layer, full-batch gradient descent on the layer and (when updating) the word vectors."""
    pooling = data.pooled("train", features.known)[problem.subset].toarray()
    vectors = features.matrix.copy()
    targets = np.eye(len(data.labels))[data.train.label_ids[problem.subset]]
    weights, bias = np.zeros((len(data.labels), vectors.shape[1])), np.zeros(len(data.labels))
    n, losses = len(problem.subset), []
    for epoch in range(settings.epochs + 1):
        pooled = pooling @ vectors
        logits = pooled @ weights.T + bias
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        losses.append(-np.mean(np.log(probabilities[targets == 1] + 1e-12)))
        if epoch == settings.epochs:
            break
        error = (probabilities - targets) / n
        moves = pooling.T @ (error @ weights) if update else 0.0
        weights, bias = weights - settings.learning_rate * (error.T @ pooled + settings.l2 * weights), \
            bias - settings.learning_rate * error.sum(axis=0)
        vectors = vectors - settings.learning_rate * moves
    return vectors - features.matrix, weights, bias, np.array(losses)


@pytest.mark.parametrize("classes", [2, 3])
def test_batched_training_is_plain_gradient_descent(classes):
    """Training many problems as one float32 batch (with the last class's weights kept as minus the
    others' sum, and the features moved by a rank classes - 1 product) gives what plain float64
    gradient descent gives each problem alone, frozen or updated."""
    from pretrain_explorer.engine.finetuning.softmax import Problem, train_batch
    from pretrain_explorer.engine.finetuning.labeled import Features, labeled_data
    from pretrain_explorer.engine.text import LabeledSentence

    rng = np.random.default_rng(classes)
    words = [f"w{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(120)]  # the tokenizer keeps letters
    train = [LabeledSentence(" ".join(rng.choice(words, size=6)), f"c{i % classes}", i + 2) for i in range(30)]
    data = labeled_data(frozenset(), train, train[:5], None)
    known = rng.random(len(data.words)) < 0.9
    starts = [Features(np.where(known[:, None], rng.standard_normal((len(data.words), 8)), 0.0), known)
              for _ in range(3)]
    problems = [Problem.of(data, f, np.sort(rng.choice(30, size=12, replace=False))) for f in starts]
    settings = TrainingSettings(epochs=80)
    update = [True, False, True]
    for problem, features, trained, updating in zip(problems, starts, train_batch(data, problems, settings, update),
                                                    update):
        moved, weights, bias, losses = _plain_gradient_descent(data, problem, features, settings, updating)
        assert np.abs(moved[trained.rows] - trained.moved).max() < 1e-5
        assert np.abs(np.delete(moved, trained.rows, axis=0)).max() == 0.0  # only the subset's words move
        assert np.abs(weights - trained.weights).max() < 1e-5
        assert np.abs(bias - trained.bias).max() < 1e-5
        assert np.abs(losses - trained.losses).max() < 1e-5
        assert losses[-1] < losses[0] - 0.1  # it learned something: the comparison is not of two zeros
