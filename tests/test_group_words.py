"""Groups that mean something (issue 22): `new` picks each class's group words by the weighted log-odds
ratio with an informative Dirichlet prior; a manifest may name a lexicon instead; stage 5 says where
its groups come from and shows random vectors' cosines beside the pretrained ones."""

import math
import random
from collections import Counter

import numpy as np
import pytest

from pretrain_explorer.engine import ExperimentError, Session, load_experiment
from pretrain_explorer.engine.inspect.log_odds import class_log_odds
from pretrain_explorer.engine.new_experiment import GROUPS_PICKED_BY
from pretrain_explorer.engine.settings import GROUP_MIN_Z
from pretrain_explorer.tui.cli import main
from pretrain_explorer.tui.presentation.printed_report import SECTIONS
from pretrain_explorer.tui.presentation.stages import STAGES

PLANTED = {"positive": {"delicious", "friendly", "cozy"}, "negative": {"rude", "bland", "stale"}}
NEUTRAL = ["food", "place", "service", "table", "menu", "night", "dinner", "order"]


def planted_task(folder, per_class=100, seed=3):
    """Labeled sentences where each class has three words of its own (a few leak into the other class),
    over frequent neutral words both share; `minutes` leans negative a little, as on real reviews; two
    rare words fall in one class only by chance; `zorbly` is typical of positive but not in the corpus."""
    rng = random.Random(seed)
    rows = []
    for label, other in (("positive", "negative"), ("negative", "positive")):
        for k in range(per_class):
            words = rng.sample(NEUTRAL, 3)
            if rng.random() < 0.9:
                words.append(rng.choice(sorted(PLANTED[label])))
            if rng.random() < 0.05:
                words.append(rng.choice(sorted(PLANTED[other])))
            if rng.random() < (0.35 if label == "negative" else 0.25):
                words.append("minutes")
            if k < 3:
                words.append("tuesday" if label == "positive" else "parking")
            if label == "positive" and k < 8:
                words.append("zorbly")
            rng.shuffle(words)
            rows.append((" ".join(words), label))
    counts = {**{w: 2000 for w in NEUTRAL}, "minutes": 1500, "tuesday": 60, "parking": 60,
              **{w: 300 for words in PLANTED.values() for w in words}}
    corpus = [w for w, n in counts.items() for _ in range(n)]
    rng.shuffle(corpus)
    (folder / "corpus.txt").write_text("".join(" ".join(corpus[i:i + 12]) + "\n" for i in range(0, len(corpus), 12)))
    for name in ("train.csv", "test.csv"):
        (folder / name).write_text("text,label\n" + "".join(f"{t},{label}\n" for t, label in rows))
    return rows


def test_new_picks_the_planted_class_words_and_says_why(tmp_path, capsys):
    planted_task(tmp_path)
    folder = tmp_path / "exp"
    argv = ["new", str(folder), "--corpus", str(tmp_path / "corpus.txt"), "--train", str(tmp_path / "train.csv"),
            "--test", str(tmp_path / "test.csv")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    experiment = load_experiment(folder)
    assert {label: set(words) for label, words in experiment.groups} == PLANTED
    assert experiment.groups_picked_by == GROUPS_PICKED_BY
    manifest = (folder / "experiment.toml").read_text()
    for label, words in PLANTED.items():
        for word in words:  # why: its z-score and counts, in the manifest's comment and on the terminal
            line = next(line for line in out.splitlines() if line.startswith(f"  {label}: {word} (z "))
            assert f"# {line}" in manifest
            z = float(line.split("(z ")[1].split(":")[0])
            assert z >= GROUP_MIN_Z and f"in {label}," in line and "in the other classes" in line
    for word in NEUTRAL + ["minutes", "tuesday", "parking", "zorbly"]:
        assert f" {word} (z " not in out


def test_without_evidence_no_group_is_made_and_the_nearest_words_are_shown(tmp_path, capsys):
    planted_task(tmp_path, per_class=6)  # six sentences a class: nothing can pass a z-score of 1.96
    folder = tmp_path / "exp"
    assert main(["new", str(folder), "--corpus", str(tmp_path / "corpus.txt"), "--train",
                 str(tmp_path / "train.csv"), "--test", str(tmp_path / "test.csv")]) == 0
    out = capsys.readouterr().out
    experiment = load_experiment(folder)
    assert experiment.groups == () and experiment.groups_picked_by == ""
    assert "  positive: no group, 0 word(s) pass; the most typical: " in out


def test_z_scores_are_the_formula_of_monroe_colaresi_and_quinn(tmp_path):
    rows = planted_task(tmp_path)
    by_class = {label: Counter() for label in ("positive", "negative")}
    for text, label in rows:
        by_class[label].update(text.split())
    corpus = Counter((tmp_path / "corpus.txt").read_text().split())
    a0 = 500.0
    scored = class_log_odds(by_class, corpus, a0)
    # Eq. 16 and 17, written out over arrays: y the class's counts, n its total, a the prior.
    words = sorted(set(by_class["positive"]) | set(by_class["negative"]))
    words = [w for w in words if corpus[w]]
    a = a0 * np.array([corpus[w] for w in words], float) / sum(corpus.values())
    for label, other in (("positive", "negative"), ("negative", "positive")):
        yi = np.array([by_class[label][w] for w in words], float)
        yj = np.array([by_class[other][w] for w in words], float)
        ni, nj = yi.sum() + by_class[label]["zorbly"], yj.sum() + by_class[other]["zorbly"]
        delta = np.log((yi + a) / (ni + a0 - yi - a)) - np.log((yj + a) / (nj + a0 - yj - a))
        z = delta / np.sqrt(1 / (yi + a) + 1 / (yj + a))
        assert [scored[label][w].z for w in words] == pytest.approx(z.tolist(), rel=1e-12)
        assert "zorbly" not in scored[label]  # no corpus count: no prior, never a group word
    assert all(math.isclose(scored["positive"][w].z, -scored["negative"][w].z) for w in words)  # two classes


# --- a lexicon instead ----------------------------------------------------------------------------

def with_lexicon(folder, text, name="lexicon.csv", keep_groups=False):
    manifest = folder / "experiment.toml"
    source = manifest.read_text()
    if not keep_groups:
        source = source.split("[analysis.groups]")[0] + source[source.index("[random]"):]
    manifest.write_text(source.replace("top_n = 4", f'top_n = 4\nlexicon = "{name}"'))
    (folder / name).write_text(text)
    return folder / name


def test_a_class_lexicon_makes_the_groups(kata_copy):
    with_lexicon(kata_copy, "word,class\nexcellent,positive\nterrible,negative\ngreat,positive\n# a comment\n"
                            "awful,negative\n")
    e = load_experiment(kata_copy)
    assert e.groups == (("positive", ("excellent", "great")), ("negative", ("terrible", "awful")))
    assert e.lexicon.words == 4 and not e.lexicon.scored


def test_a_score_lexicon_groups_by_the_sign_largest_first(kata_copy):
    with_lexicon(kata_copy, "good\t2\nexcellent\t3.5\nterrible\t-3\nfood\t0\nbad\t-2\n", name="scores.tsv")
    e = load_experiment(kata_copy)
    assert e.groups == (("positive", ("excellent", "good")), ("negative", ("terrible", "bad")))
    assert e.lexicon.scored and e.lexicon.words == 5


@pytest.mark.parametrize("text, line, problem", [
    ("excellent,positive\nterrible,negative,extra\n", 2, "expected a word and a class or score, found 3 field(s)"),
    ("excellent,positive\nterrible\n", 2, "expected a word and a class or score, found 1 field(s)"),
    ("word,score\nexcellent,3\nterrible,very bad\n", 3, "the score 'very bad' is not a finite number"),
    ("excellent,3\nterrible,nan\n", 2, "the score 'nan' is not a finite number"),
    ("excellent,positive\ncan't stand,negative\n", 2, "\"can't stand\" is not one word of letters"),
    ("excellent,positive\nbad,negative\nexcellent,negative\n", 3, "excellent is listed already, on line 1"),
    ("excellent,positive\nbad,\n", 2, "bad has no class or score"),
])
def test_a_bad_lexicon_line_is_named_with_its_file_and_line(kata_copy, capsys, text, line, problem):
    path = with_lexicon(kata_copy, text)
    with pytest.raises(ExperimentError) as caught:
        load_experiment(kata_copy)
    assert str(caught.value).startswith(f"{path}, line {line}: {problem}")
    assert main(["report", str(kata_copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"lexicon.csv, line {line}: " in err and "Traceback" not in err


def test_a_lexicon_and_groups_together_are_refused_at_the_key(kata_copy):
    with_lexicon(kata_copy, "excellent,positive\n", keep_groups=True)
    with pytest.raises(ExperimentError, match=r"experiment.toml, line 21: \[analysis\] lexicon: give either"):
        load_experiment(kata_copy)


# --- stage 5 --------------------------------------------------------------------------------------

def first_phase(experiment):
    return next(iter(Session().run(experiment)))


def test_stage_5_shows_random_cosines_over_the_same_words(kata_copy):
    with_lexicon(kata_copy, "excellent,3\ngreat,2\nterrible,-3\nawful,-2\nunheard,1\n")
    result = first_phase(load_experiment(kata_copy))
    random_vectors = result.vectors["random"]
    positive, negative = result.groups.groups
    assert positive.present == ("excellent", "great") and positive.missing == ("unheard",)
    a, b, c, d = (random_vectors.vector(w) for w in ("excellent", "great", "terrible", "awful"))

    def cos(x, y):
        return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))

    assert positive.random_within == pytest.approx(cos(a, b))
    assert result.groups.pairs[0].random_between == pytest.approx((cos(a, c) + cos(a, d) + cos(b, c) + cos(b, d)) / 4)
    note = STAGES[4].note(result)
    assert (f"Random vectors, over the same words: positive within {positive.random_within:.3f}; negative within "
            f"{negative.random_within:.3f}; positive vs negative {result.groups.pairs[0].random_between:.3f}.") in note
    assert "The groups come from the lexicon lexicon.csv (5 words; grouped by the sign of its scores" in note
    report = SECTIONS[5][0](result, 80)  # the text report's stage 5
    assert f"  positive within: {positive.within:.4f} (random vectors: {positive.random_within:.4f})" in report


def test_stage_5_says_when_its_groups_were_picked_automatically(kata_copy):
    manifest = kata_copy / "experiment.toml"
    manifest.write_text(manifest.read_text().replace("top_n = 4", 'top_n = 4\ngroups_picked_by = "the log-odds"'))
    note = STAGES[4].note(first_phase(load_experiment(kata_copy)))
    assert "These groups were picked automatically, by the log-odds: check that they mean what" in note
    assert "picked automatically" not in STAGES[4].note(first_phase(load_experiment()))  # the kata's own
