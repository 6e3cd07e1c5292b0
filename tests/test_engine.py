"""The engine's own behaviour beyond the kata's figures: tokens, ties, classes, seeds, purity."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pretrain_explorer import engine
from pretrain_explorer.engine import ExperimentError, load_experiment, run_experiment
from pretrain_explorer.engine.experiment import builtin_experiments
from pretrain_explorer.engine.finetuning.centroid import CentroidClassifier
from pretrain_explorer.engine.text import LabeledSentence, tokenize
from pretrain_explorer.engine.pretraining.pretrain import vectors_from_sentences
from pretrain_explorer.engine.vectors import random_vectors

ENGINE = Path(engine.__file__).parent  # as installed


def test_running_the_engine_loads_no_textual(tmp_path):
    code = (
        "import sys; from pretrain_explorer.engine import load_experiment, run_experiment; "
        "from pretrain_explorer.engine.run.json_form import to_json; to_json(run_experiment(load_experiment())); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'plotext') "
        "or m.startswith('pretrain_explorer.tui')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert out.strip() == "[]"


def test_tokens_are_lowercase_letter_runs():
    assert tokenize("Don't STOP-me now: 3 cafés, naïve!") == ["don", "t", "stop", "me", "now", "cafés", "naïve"]
    assert tokenize("x2y_z") == ["x", "y", "z"]


def test_cooccurrence_counts_stay_inside_a_line_and_window():
    vectors = vectors_from_sentences(["a b c d", "d e"], frozenset(), window=1)
    assert vectors.words == ("a", "b", "c", "d", "e")
    a = vectors.vector("a")
    assert list(a) == [0, 1, 0, 0, 0]  # only b is within 1 of a
    d = vectors.vector("d")  # c (line 1) and e (line 2), each once, normalised
    assert d == pytest.approx([0, 0, 2**-0.5, 0, 2**-0.5])


def test_an_isolated_word_has_a_zero_vector_and_zero_cosine():
    vectors = vectors_from_sentences(["alone", "x y"], frozenset(), window=3)
    assert not vectors.vector("alone").any()
    assert vectors.nearest("alone", 2) == (("x", 0.0), ("y", 0.0))


def test_unknown_probe_has_no_neighbours():
    result = run_experiment(dataclasses.replace(load_experiment(), probes=("zebra",)))
    assert result.neighbors == {"zebra": ()}


def test_ties_go_to_the_alphabetically_first_label():
    vectors = random_vectors(("good", "bad"), 4, seed=1)
    train = (LabeledSentence("good", "positive", 2), LabeledSentence("bad", "negative", 3))
    classifier = CentroidClassifier.fit(train, vectors, frozenset())
    predicted, scores = classifier.predict("unknown words only", vectors, frozenset())
    assert scores == {"negative": 0.0, "positive": 0.0}
    assert predicted == "negative"


def test_more_than_two_classes(kata_copy):
    extra = "\nthe food at the hotel,neutral\nthe weather in spring,neutral\n"
    (kata_copy / "train.csv").write_text((kata_copy / "train.csv").read_text().rstrip("\n") + extra)
    result = run_experiment(load_experiment(kata_copy))
    prediction = result.approaches["pretrained"].test.predictions[0]
    assert set(prediction.scores) == {"negative", "neutral", "positive"}
    assert result.experiment.labels == ("negative", "neutral", "positive")


def test_random_vectors_follow_the_seed():
    words = ("a", "b", "c")
    same = random_vectors(words, 5, 7).matrix, random_vectors(words, 5, 7).matrix
    assert np.array_equal(*same)
    assert not np.allclose(random_vectors(words, 5, 8).matrix, same[0])
    assert np.linalg.norm(same[0], axis=1) == pytest.approx(np.ones(3))


def test_window_changes_the_vectors():
    kata = load_experiment()
    wide = run_experiment(dataclasses.replace(kata, window=5))
    assert wide.corpus.window == 5
    assert wide.neighbors["excellent"] != run_experiment(kata).neighbors["excellent"]


def test_without_stopwords_the_vocabulary_grows():
    kata = load_experiment()
    result = run_experiment(dataclasses.replace(kata, stopwords=frozenset()))
    assert result.corpus.vocabulary == 86 + len({w for line in kata.corpus_preview for w in tokenize(line)} & kata.stopwords)


def test_results_are_immutable():
    result = run_experiment(load_experiment())
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.corpus.window = 9
    with pytest.raises(ValueError):
        result.pretrained.matrix[0, 0] = 1.0


def test_cancelling_a_run_raises_and_returns_nothing():
    from pretrain_explorer.engine import RunCancelled

    with pytest.raises(RunCancelled):
        run_experiment(load_experiment(), should_stop=lambda: True)


def test_progress_is_reported_in_order():
    stages = []
    run_experiment(load_experiment(), on_progress=lambda event, overall: stages.append(overall))
    assert stages[0] == 0.0 and stages[-1] == 1.0 and stages == sorted(stages)


def test_shipped_experiments_open_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert builtin_experiments() == ("held-out", "kata", "packages", "reviews")
    for name in builtin_experiments():
        experiment = load_experiment(name)
        assert experiment.name == name and experiment.manifest.parent.name == name
    (tmp_path / "kata").mkdir()  # a folder of that name where the user stands comes first
    with pytest.raises(ExperimentError, match="experiment.toml: file not found"):
        load_experiment("kata")


def test_the_corpus_shown_is_its_start_bounded_in_lines_and_characters(tmp_path):
    """Laying out 300 long review lines each time stage 1 came back took up to 0.9 s: what is kept
    for showing stops at 300 lines or 12,000 characters, and cuts a first line longer than that."""
    from pretrain_explorer.engine.pretraining.corpus import preview_lines
    from pretrain_explorer.engine.experiment import PREVIEW_CHARACTERS, PREVIEW_LINES

    short, long, huge = tmp_path / "short.txt", tmp_path / "long.txt", tmp_path / "huge.txt"
    short.write_text("".join(f"line {k} of the corpus\n\n" for k in range(1000)))
    long.write_text("".join(f"review {k} " + "word " * 400 + "\n" for k in range(50)))
    huge.write_text("word " * 10_000 + "\nsecond line\n")
    lines = preview_lines(short, PREVIEW_LINES, PREVIEW_CHARACTERS)
    assert lines == tuple(f"line {k} of the corpus" for k in range(PREVIEW_LINES))  # blank lines skipped
    lines = preview_lines(long, PREVIEW_LINES, PREVIEW_CHARACTERS)
    assert lines[0].startswith("review 0 ") and 1 <= len(lines) < 50
    assert sum(map(len, lines)) <= PREVIEW_CHARACTERS
    assert preview_lines(huge, PREVIEW_LINES, PREVIEW_CHARACTERS) == (("word " * 10_000)[:PREVIEW_CHARACTERS],)
