"""Your own data: `new` builds an experiment from files a user brings; `evaluate` scores word pairs;
`sgns` pretrains by prediction."""

import json
import shutil
import sys

import numpy as np
import pytest
from scipy.stats import spearmanr

from pretrain_explorer.engine import ExperimentError, load_experiment
from pretrain_explorer.engine.errors import RunCancelled
from pretrain_explorer.engine.pretraining.sgns import SgnsSettings, train_sgns
from pretrain_explorer.engine.vectors import cosine
from helpers import HELD_OUT, KATA
from pretrain_explorer.tui.cli import main


def write_pairs(path, rows):
    path.write_text("# word1\tword2\tscore\n" + "".join(f"{a}\t{b}\t{s}\n" for a, b, s in rows))
    return path


def test_evaluate_correlates_cosines_with_human_scores_over_the_known_pairs(tmp_path, capsys):
    rows = [("excellent", "superb", 9.1), ("excellent", "awful", 1.0), ("superb", "dreadful", 1.5),
            ("awful", "dreadful", 8.7), ("movie", "film", 9.0), ("excellent", "unheardofword", 5.0)]
    pairs = write_pairs(tmp_path / "pairs.tsv", rows)
    assert main(["evaluate", str(HELD_OUT), str(pairs), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    vectors = load_vectors_of(HELD_OUT)
    known = [(a, b, s) for a, b, s in rows if a in vectors and b in vectors]
    expected = spearmanr([cosine(vectors.vector(a), vectors.vector(b)) for a, b, _ in known],
                         [s for *_, s in known]).statistic
    assert (report["total"], report["covered"]) == (6, len(known)) and len(known) < 6
    assert report["coverage"] == pytest.approx(len(known) / 6)
    assert report["spearman"] == pytest.approx(expected, abs=1e-12)
    assert "unheardofword" in report["missing_words"]
    assert main(["evaluate", str(HELD_OUT), str(pairs)]) == 0
    text = capsys.readouterr().out
    assert f"{len(known)} of 6 pairs have both words in the vocabulary" in text
    assert f"Spearman correlation {expected:.3f} over those pairs" in text


def load_vectors_of(folder):
    from pretrain_explorer.engine.pretraining.pretrain import pretrain_vectors

    e = load_experiment(folder)
    return pretrain_vectors(e.corpus_path, e.stopwords, e.window, e.weighting, e.dim, e.vocabulary)[0]


def test_evaluate_takes_vectors_as_every_command_does(tmp_path, capsys, monkeypatch):
    """A .npz and the experiment it was pretrained from score the same; a large corpus is counted
    once, then found in the disk cache (the session's, as for `report` and the explorer)."""
    from pretrain_explorer.engine.run import session

    pairs = write_pairs(tmp_path / "pairs.tsv", [("excellent", "superb", 9.1), ("excellent", "awful", 1.0),
                                                 ("awful", "dreadful", 8.7), ("movie", "film", 9.0)])
    vectors = tmp_path / "held.npz"
    assert main(["pretrain", str(HELD_OUT / "general.txt"), "-o", str(vectors),
                 "--stopwords", str(HELD_OUT / "stopwords.txt")]) == 0
    capsys.readouterr()
    scores = []
    for source in (vectors, HELD_OUT):
        assert main(["evaluate", str(source), str(pairs), "--json"]) == 0
        scores.append(json.loads(capsys.readouterr().out))
    assert scores[0]["spearman"] == scores[1]["spearman"] and scores[0]["covered"] == scores[1]["covered"] == 4

    text = (HELD_OUT / "general.txt").read_text()
    large = tmp_path / "large"
    shutil.copytree(HELD_OUT, large, ignore=shutil.ignore_patterns("__pycache__"))
    (large / "general.txt").write_text(text * (1_200_000 // len(text) + 1))  # past the disk cache's 1 MiB
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # empty: the first evaluate must count
    counted = []
    corpus_counts = session.corpus_counts
    monkeypatch.setattr(session, "corpus_counts", lambda *a: counted.append(a) or corpus_counts(*a))
    outputs = []
    for _ in range(2):
        assert main(["evaluate", str(large), str(pairs)]) == 0
        outputs.append(capsys.readouterr().out)
    assert len(counted) == 1 and outputs[0] == outputs[1]
    assert "4 of 4 pairs have both words in the vocabulary" in outputs[0]


def test_evaluate_says_when_no_correlation_can_be_computed(tmp_path, capsys):
    pairs = write_pairs(tmp_path / "p.tsv", [("excellent", "superb", 5), ("nothere", "norhere", 2)])
    assert main(["evaluate", str(KATA), str(pairs)]) == 0
    assert "no correlation can be computed" in capsys.readouterr().out


@pytest.mark.parametrize("content, problem", [
    ("excellent superb\n", "line 1: expected two words and a score, found 2 field(s)"),
    ("a\tb\tlots\n", "line 1: the score 'lots' is not a number"),
    ("# only comments\n", "holds no word pairs"),
    ("a\tb\tnan\n", "line 1: the score nan is not a finite number"),
])
def test_evaluate_refuses_a_bad_pairs_file_in_one_line(tmp_path, capsys, content, problem):
    (tmp_path / "bad.tsv").write_text(content)
    assert main(["evaluate", str(KATA), str(tmp_path / "bad.tsv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.tsv" in err and problem in err and "Traceback" not in err


def test_new_builds_an_experiment_that_opens(tmp_path, capsys):
    folder = tmp_path / "mine"
    argv = ["new", str(folder), "--corpus", str(HELD_OUT / "general.txt"), "--train", str(HELD_OUT / "train.csv"),
            "--test", str(HELD_OUT / "test.csv"), "--transfer", str(HELD_OUT / "transfer.csv")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    experiment = load_experiment(folder)
    assert len(experiment.train) == 12 and experiment.transfer is not None
    # 39,405 tokens, under 100,000: min_count 1; 48 words: ppmi, one dimension each.
    assert (experiment.vocabulary.min_count, experiment.weighting, experiment.window) == (1, "ppmi", 5)
    assert "39,405 tokens (counted)" in out and "12 sentences in 2 classes: negative 6 (50%), positive 6 (50%)" in out
    assert f"pretrain-explorer {folder}" in out
    for label, words in experiment.groups:  # each class's typical words come from its own sentences
        own = " ".join(s.text for s in experiment.train if s.label == label)
        assert words and all(w in own for w in words)
    assert main(argv) == 2  # never replaces what is there
    assert "experiment.toml: exists; not replaced (add --force to replace it)" in capsys.readouterr().err


def test_new_reads_other_column_names_and_warns_of_imbalance(tmp_path, capsys):
    rows = [("great fun", "yes")] * 9 + [("awful bore", "no")] * 3
    csv = "review,stars,verdict\n" + "".join(f"{t},5,{v}\n" for t, v in rows)
    for name in ("train.csv", "test.csv"):
        (tmp_path / name).write_text(csv)
    (tmp_path / "corpus.txt").write_text("great fun film\nawful bore film\n")
    argv = ["new", str(tmp_path / "exp"), "--corpus", str(tmp_path / "corpus.txt"), "--train",
            str(tmp_path / "train.csv"), "--test", str(tmp_path / "test.csv")]
    assert main(argv) == 2
    assert "train.csv, line 1: the header row has no column text or label" in capsys.readouterr().err
    assert main(argv + ["--text-column", "review", "--label-column", "verdict"]) == 0
    out = capsys.readouterr().out
    assert "the train set is unbalanced (9 against 3)" in out
    assert [s.label for s in load_experiment(tmp_path / "exp").train].count("yes") == 9


def test_sgns_is_reproducible_and_cancels_between_epochs():
    e = load_experiment(HELD_OUT)
    settings = SgnsSettings(dim=16, window=3, seed=7, epochs=2)
    first = train_sgns(e.corpus_path, e.stopwords, settings)
    second = train_sgns(e.corpus_path, e.stopwords, settings)
    assert first.words == tuple(sorted(first.words)) and len(first.words) == 48
    assert np.array_equal(first.matrix, second.matrix)
    assert np.allclose(np.linalg.norm(first.matrix, axis=1), 1.0)
    phases = []

    def stop_in_the_second_epoch():
        return any(event.label.startswith("Training sgns: epoch 2") for event in phases)

    with pytest.raises(RunCancelled):
        train_sgns(e.corpus_path, e.stopwords, settings, stop_in_the_second_epoch, phases.append)
    assert phases[0].label == "Building the vocabulary" and phases[-1].label == "Training sgns: epoch 2 of 2"
    assert {event.step for event in phases} == {"sgns"}


def test_sgns_without_gensim_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "gensim", None)
    monkeypatch.setitem(sys.modules, "gensim.models", None)
    with pytest.raises(ExperimentError, match=r"pip install 'pretrain-explorer\[word2vec\]'"):
        train_sgns(KATA / "general.txt", frozenset(), SgnsSettings(dim=4, window=2))


def test_sgns_is_a_weighting_of_pretrain_and_report(tmp_path, capsys):
    out = tmp_path / "sg.npz"
    assert main(["pretrain", str(HELD_OUT / "general.txt"), "-o", str(out), "--stopwords",
                 str(HELD_OUT / "stopwords.txt"), "--weighting", "sgns", "--dim", "12"]) == 0
    assert "48 words x 12 dimensions (sgns, window 3)" in capsys.readouterr().out
    assert main(["report", "--json", str(HELD_OUT), "--weighting", "sgns", "--dim", "12"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dimension"] == 12 and len(report["neighbors"]["superb"]) == load_experiment(HELD_OUT).top_n
    assert set(report["approaches"]) >= {"pretrained", "fine_tuned", "bag_of_words"}


def test_an_experiment_with_word_pairs_scores_them_on_screen_and_in_the_report(kata_copy, capsys):
    rows = [("excellent", "remarkable", 9), ("excellent", "terrible", 1), ("awful", "terrible", 8),
            ("results", "experiment", 6), ("excellent", "wonderful", 9), ("notaword", "excellent", 3)]
    write_pairs(kata_copy / "pairs.tsv", rows)
    manifest = kata_copy / "experiment.toml"
    manifest.write_text(manifest.read_text().replace("[analysis]\n", '[analysis]\npairs = "pairs.tsv"\n'))
    assert main(["report", "--json", str(kata_copy)]) == 0
    report = json.loads(capsys.readouterr().out)
    vectors = load_vectors_of(KATA)
    known = [(a, b, s) for a, b, s in rows if a in vectors and b in vectors]
    expected = spearmanr([cosine(vectors.vector(a), vectors.vector(b)) for a, b, _ in known], [s for *_, s in known])
    pretrained = report["word_pairs"]["pretrained"]
    assert pretrained["spearman"] == pytest.approx(expected.statistic, abs=1e-12)
    assert (pretrained["covered"], pretrained["total"]) == (len(known), 6)
    assert set(report["word_pairs"]) == {"pretrained", "random"}
    assert main(["report", str(kata_copy)]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert (f"Word pairs (pairs.tsv): cosines rank them as people do at Spearman {expected.statistic:.2f}; random "
            f"vectors {report['word_pairs']['random']['spearman']:.2f}; {len(known)} of 6 pairs known") in text
    (kata_copy / "pairs.tsv").write_text("excellent remarkable\n")
    assert main(["report", str(kata_copy)]) == 2
    assert "pairs.tsv, line 1: expected two words and a score" in capsys.readouterr().err


async def test_an_experiment_without_transfer_sentences_walks_every_stage(tmp_path, capsys):
    """`new` without --transfer makes an experiment the explorer shows whole: stage 4 says it has no
    transfer sentences instead of failing."""
    from helpers import notifications, screen_text, settled
    from pretrain_explorer.tui.app import PretrainExplorer

    folder = tmp_path / "no-transfer"
    assert main(["new", str(folder), "--corpus", str(HELD_OUT / "general.txt"), "--train",
                 str(HELD_OUT / "train.csv"), "--test", str(HELD_OUT / "test.csv")]) == 0
    app = PretrainExplorer(load_experiment(folder))
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        assert app.result.experiment.transfer is None
        for stage in "12354":
            await pilot.press(stage)
            await pilot.pause(0.05)
        assert app.stage == 4 and "No transfer sentences in this experiment." in screen_text(app)
        assert "rror" not in notifications(app)
