"""Every key does visibly what it says, or says why it does nothing; a control or a run that
fails leaves the explorer as it was (issue 23)."""

import itertools
import re
import string
import sys
from xml.etree import ElementTree

import pytest
from helpers import notifications, screen_text, settled, until
from textual.widgets import Input, OptionList, Static

from pretrain_explorer.engine import builtin_experiment_path, load_experiment
from pretrain_explorer.engine.pretraining import svd, weighting
from pretrain_explorer.engine.progress import LABEL_WIDTH, ProgressEvent, counting_label
from pretrain_explorer.engine.settings import MAX_DENSE_WORDS, WEIGHTINGS
from pretrain_explorer.tui import control_keys
from pretrain_explorer.tui.app import PretrainExplorer
from pretrain_explorer.tui.presentation.printed_report import render_markdown
from pretrain_explorer.tui.presentation.progress import StepClock
from pretrain_explorer.tui.presentation.style import a_or_an
from pretrain_explorer.tui.screens.open import OpenExperiment
from pretrain_explorer.tui.screens.quiz import QuizAnswer

# These look at what the explorer shows of the kata: its results are found stored (conftest.py).
pytestmark = pytest.mark.warm_kata


def without_gensim(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "gensim", None)
    monkeypatch.setitem(sys.modules, "gensim.models", None)


async def test_w_goes_round_the_weightings_this_install_can_run(monkeypatch):
    without_gensim(monkeypatch)
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        seen = [app.result.corpus.weighting]
        for _ in range(4):
            await pilot.press("w")
            await settled(app, pilot)
            seen.append(app.result.corpus.weighting)
        assert seen == ["counts", "ppmi", "svd", "counts", "ppmi"]  # round, past sgns
        assert "sgns skipped: " in notifications(app)
        assert "pip install 'pretrain-explorer[word2vec]'" in notifications(app)
        assert "Could not run" not in notifications(app)


async def test_a_control_that_fails_keeps_the_settings_and_results_it_found(monkeypatch):
    without_gensim(monkeypatch)
    monkeypatch.setattr(control_keys, "runnable_weightings", lambda: WEIGHTINGS)  # as if gensim were there
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("w", "w")
        await settled(app, pilot)
        kept = app.result
        assert kept.corpus.weighting == "svd"
        await pilot.press("w")  # sgns, which fails here
        await until(pilot, lambda: "Could not run the experiment" in notifications(app))
        await settled(app, pilot)
        assert app.result is kept and app.controls.weighting == "svd"
        assert "· svd" in screen_text(app).splitlines()[1] and "computing" not in screen_text(app)
        assert "/site-packages/" not in notifications(app)  # short: the file's name, not its path


async def test_a_run_refused_at_start_says_what_was_refused_and_what_to_do(kata_copy):
    letters = itertools.product(string.ascii_lowercase, repeat=3)
    words = ["".join(w) for w in itertools.islice(letters, MAX_DENSE_WORDS + 50)]  # too many for counts vectors
    (kata_copy / "general.txt").write_text("\n".join(" ".join(words[i:i + 10]) for i in range(0, len(words), 10)))
    app = PretrainExplorer(load_experiment(kata_copy))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "Could not run the experiment" in notifications(app))
        await pilot.pause()
        text = screen_text(app)
        assert "kata: not run (see below)" in text and "computing" not in text
        assert "kata was not run. …/kata/general.txt: the vocabulary has" in text
        assert "What to do: ctrl+p, then Open experiment" in text
        assert str(kata_copy) not in notifications(app)


async def test_the_quiz_answers_on_its_own_keys_and_spoils_nothing():
    app = PretrainExplorer(quiz=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("3")
        assert "Then press a to answer." in screen_text(app)
        await pilot.press("y")  # why this prediction would show every approach's scores
        said = screen_text(app).splitlines()[1]
        assert "Answer stages 3 and 4 first (a): this view shows every approach's scores." in said  # whole
        for key in ["g", "1", "g"]:  # the grid's accuracies too, from any stage
            await pilot.press(key)
            assert app.screen is app.screen_stack[0], key
        await pilot.press("3")
        await pilot.press("t")
        assert "the learning curve waits for it" in screen_text(app)
        await pilot.press("a")
        assert isinstance(app.screen, QuizAnswer)
        text = screen_text(app)
        for line in ["1  pretrained will beat random", "2  random will beat pretrained", "3  they will be level",
                     "esc: not now"]:
            assert line in text, line  # whole, at 80 columns
        await pilot.press("1")
        assert not isinstance(app.screen, QuizAnswer) and app.stage == 3  # 1 answered; it did not go to stage 1
        assert app.answers == {"test": "pretrained"}
        assert "You said: pretrained will beat random. Outcome:" in screen_text(app)
        await pilot.press("a")
        assert "This stage's question is answered already." in screen_text(app)


async def test_keys_with_nothing_to_do_say_why():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        for keys, said in [(["5", "m"], "m shows more probes on stage 1 and more sentences on stages 2, 3 and 4."),
                           (["2", "m"], "Every sentence is shown already."),  # the kata's 8, all on screen
                           (["a"], "Predict first is off: ctrl+p"),
                           (["escape"], "Nothing to cancel: no job is running."),
                           (["1", "p"], "Stage 1 is the first: n goes on."),
                           (["5", "n"], "Stage 5 is the last: p goes back.")]:
            await pilot.press(*keys)
            assert said in screen_text(app).splitlines()[1], keys
        await pilot.press("r")
        await settled(app, pilot)
        assert "Seed 43: new random vectors; stages 3-4 now average seeds 43 to 62." in notifications(app)


async def test_t_brings_the_learning_curve_into_view():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("1", "t")
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert "[3 Compare]" in lines[0] and "Learning curve: its numbers as a table" in lines[1]
        # the table itself, though stage 3 opens at its note, far above it
        assert any("mean ± std over 20 draws (t: the chart)" in line for line in lines[2:])
        assert any(line.split()[:1] == ["pretrained"] and "±" in line for line in lines[2:])
        await pilot.press(*["down"] * 12, "t")  # scrolled past the curve, t shows it again
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert "Learning curve: the chart (t: its numbers)" in lines[1]
        assert any("labeled examples per class" in line for line in lines[2:])


async def test_open_lists_the_shipped_experiments_and_takes_a_path():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        app.command_open()
        await pilot.pause()
        assert isinstance(app.screen, OpenExperiment)
        text = screen_text(app)
        for name in ["kata · corpus 1 KB · about a second (open now)", "held-out · corpus 241 KB · a few seconds",
                     "reviews · corpus 4.9 MB gzip", "Test words the labeled sentences never show"]:
            assert name in text, name
        assert app.screen.query_one("#prompt-input", Input).value == ""  # no path cut at the left
        assert app.screen.query_one("#prompt-input", Input).has_focus  # typed keys land in it, in order
        shipped = app.screen.query_one(OptionList)
        await pilot.press("down", "down", "up")  # the arrows move the list from the path box
        assert shipped.highlighted == 1 and app.screen.query_one("#prompt-input", Input).value == ""
        await pilot.press("up")
        await pilot.press("enter")  # the first, the kata, opened again
        await settled(app, pilot)
        assert not isinstance(app.screen, OpenExperiment)
        assert app.base.manifest == builtin_experiment_path("kata")


async def test_the_kata_points_to_where_pretraining_shows():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        note = app.query_one("#note-3", Static).render().plain
        assert "Pretraining made no measurable difference on these 6 sentences" in note
        assert "Where it does: held-out, whose test sentiment words never occur in the labeled ones" in note
        assert "packages, on real text (pretrain-explorer held-out; pretrain-explorer packages)" in note


async def test_the_handout_is_the_report_in_markdown_without_keys(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        app.command_export("markdown")
        await pilot.pause()
        assert app.screen.query_one("#prompt-input").value == "kata-handout.md"
        await pilot.press("enter")
        await pilot.pause()
        handout = (tmp_path / "kata-handout.md").read_text()
        charts = {"loss": "kata-handout-loss.svg", "accuracy:test": "kata-handout-accuracy-test.svg",
                  "curve": "kata-handout-curve.svg", "accuracy:transfer": "kata-handout-accuracy-transfer.svg",
                  "groups": "kata-handout-groups.svg"}
        assert handout == render_markdown(app.result, charts) + "\n"
        assert f"Report written to {tmp_path / 'kata-handout.md'}, its 5 charts beside it" in notifications(app)
        # Again to the same name: nothing replaced, not even a chart.
        app.command_export("markdown")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "exists" in notifications(app)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(["kata-handout.md", *charts.values()])
    assert handout.startswith("# kata: ") and "## 3 Comparison" in handout and "```text" in handout
    assert "Pretraining made no measurable difference on these 6 sentences" in handout  # the notes, as paragraphs
    for hint in ["· c compare", "(t: ", "esc cancels", "ctrl+p", "k adds", "v a map", "Memory: about"]:
        assert hint not in handout, hint
    # Each chart a picture of its own: SVG, with the chart's title and axis words, shown in the handout.
    assert "![Learning curve: test accuracy (%), mean over 20 draws](kata-handout-curve.svg)" in handout
    assert "┌" not in handout and "└" not in handout  # the charts' frames: drawn in the pictures, not as text
    for name, file in charts.items():
        picture = ElementTree.parse(tmp_path / file).getroot()
        assert picture.tag.endswith("svg"), name
        drawn = "".join(t.text or "" for t in picture.iter() if t.tag.endswith("text")).replace("\xa0", " ")
        [title] = re.findall(rf"!\[(.*)\]\({re.escape(file)}\)", handout)
        assert title and title in drawn, name  # the picture is of the chart its caption names


def test_a_long_step_shows_its_time_and_an_estimate_from_its_pace():
    now = [0.0]
    clock = StepClock(lambda: now[0])
    clock.report(ProgressEvent("svd", 0.0, "Reducing dimensions: SVD, iterative"))
    assert clock.text() == ""  # its first second: no clock
    now[0] = 2.0
    clock.report(ProgressEvent("svd", 0.25, "Reducing dimensions: SVD, iterative"))
    assert clock.text() == "2s of ~8s"
    now[0] = 30.0  # its fraction stopped moving short of 1: the time still passes
    clock.report(ProgressEvent("svd", 0.99, "Reducing dimensions: SVD, iterative"))
    assert clock.text() == "30s"
    clock.report(ProgressEvent("training", 0.0, "Training: main seed"))  # a new step starts its own clock
    assert clock.text() == ""


def test_counting_says_which_pass():
    assert counting_label(1_234_567, 1, 1) == "Counting: 1,234,567 tokens"
    assert counting_label(1_234_567, 2, 2) == "Counting (2 of 2): 1,234,567 tokens"
    assert len(counting_label(99_999_999, 2, 2)) <= LABEL_WIDTH
    for label in [*svd.LABELS.values(), weighting.PPMI_LABEL]:
        assert len(label) <= LABEL_WIDTH, label


async def test_an_answered_quiz_survives_a_new_run_and_a_new_experiment(kata_copy):
    app = PretrainExplorer(quiz=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("3", "a", "3")
        assert app.answers == {"test": "level"}
        await pilot.press("plus")  # its first phase has no accuracies yet
        await settled(app, pilot)
        assert app.is_running and "You said: they will be level. Outcome:" in screen_text(app)
        app.start_run(app.base, None, location=str(kata_copy))
        await settled(app, pilot)
        assert app.is_running and app.answers == {} and "Then press a to answer." in screen_text(app)


def test_the_article_before_a_number_is_as_it_is_read():
    assert [a_or_an(n) for n in (8, 11, 18, 80, 86, 100, 300, 800, 1_100, 11_000, 18_500, 110_000)] == \
        ["an", "an", "an", "an", "an", "a", "a", "an", "a", "an", "an", "a"]


async def test_why_this_prediction_from_the_transfer_stage_starts_at_its_sentences():
    from pretrain_explorer.tui.screens.live import WhyPredictionView
    from textual.widgets import OptionList

    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("4", "y")
        await pilot.pause()
        assert isinstance(app.screen, WhyPredictionView)
        e = app.result.experiment
        assert app.screen.query_one(OptionList).highlighted == len(e.test)
        assert e.transfer[0].text in screen_text(app)


async def test_another_experiment_starts_at_the_top_without_the_word_typed_before(kata_copy):
    from pretrain_explorer.tui.widgets.neighbours import NeighboursPane
    from pretrain_explorer.tui.widgets.scroller import Scroller

    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        app.query_one(NeighboursPane).set_word("warm")
        await pilot.press("5", "end")
        await pilot.pause()
        assert app.query_one("#stage-5", Scroller).scroll_y > 0
        app.start_run(None, None, str(kata_copy))
        await settled(app, pilot)
        assert app.base.manifest == kata_copy / "experiment.toml"
        assert app.query_one(NeighboursPane).word == "" and app.query_one("#stage-5", Scroller).scroll_y == 0


async def test_setting_keys_at_their_limits_or_out_of_sight_say_so_in_the_status_line():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("3", "right_square_bracket")
        await settled(app, pilot)
        assert "Neighbour lists of 5 words, on stage 1." in screen_text(app).splitlines()[1]
        for _ in range(3):
            await pilot.press("minus")
            await settled(app, pilot)
        assert app.result.experiment.window == 1
        await pilot.press("minus")
        await pilot.pause()
        assert "The window stays between 1 and" in screen_text(app).splitlines()[1]
        assert "window stays" not in notifications(app)
