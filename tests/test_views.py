"""The live views, predict first, the remembered theme, and text from data shown literally."""

import json

import pytest
from pretrain_explorer.engine import load_experiment
from helpers import notifications, screen_text, settled, until
from pretrain_explorer.tui.app import PretrainExplorer
from pretrain_explorer.tui.screens.live import FillBlankView, WhyNeighboursView, WhyPredictionView
from pretrain_explorer.tui.preferences import preferences_path
from pretrain_explorer.tui.widgets.stage_bar import StageBar

# These look at what the explorer shows of the kata: its results are found stored (conftest.py).
pytestmark = pytest.mark.warm_kata


def words_on_screen(app) -> str:
    """The screen's words in one line: wrapped sentences read whole (the quiz panel's edge removed)."""
    return " ".join(screen_text(app).replace("█", " ").split())


async def open_view(app, pilot, key: str, view) -> None:
    """Press `key` and wait until its view is the screen."""
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, view))


async def test_each_live_view_is_a_key_away_and_esc_leaves():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        for key, view, shown in [
            ("f", FillBlankView, ["context: experiment, produced, excellent, results", "laboratory   0.433"]),
            ("e", WhyNeighboursView, ["pretrained · cosine 0.542", "produced  0.49  0.45  0.217"]),
            ("y", WhyPredictionView, ["an excellent performance with remarkable skill", "pos +0.856", "unknown"]),
        ]:
            await open_view(app, pilot, key, view)
            text = screen_text(app)
            for fragment in shown:
                assert fragment in text, (key, fragment)
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, view))


async def test_why_this_prediction_pages_through_every_approach_at_80_columns():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await open_view(app, pilot, "y", WhyPredictionView)
        await pilot.pause()
        first = screen_text(app)
        assert "page 1 of 2" in first and "from_scratch" in first and "bag_of_words" not in first
        await pilot.press("right")
        await pilot.pause()
        second = screen_text(app)
        assert "page 2 of 2" in second and "random_fine_tuned" in second and "bag_of_words" in second
        assert all(len(line) <= 80 for line in second.splitlines())
        # The kept bag of words on the first sentence: its score row as the engine computes it.
        e = app.screen.explainer.explain("bag_of_words", app.result.experiment.test[0].text)
        assert f"pos {e.scores['positive']:+.3f}" in second


async def test_fill_the_blank_answers_a_typed_sentence():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await open_view(app, pilot, "f", FillBlankView)
        app.screen.query_one("#blank-input").value = "the terrible service at the awful _"
        await pilot.press("enter")
        await pilot.pause()
        assert "restaurant" in screen_text(app)
        app.screen.query_one("#blank-input").value = "no blank"
        await pilot.press("enter")
        await pilot.pause()
        assert "Put _ where the missing" in screen_text(app)  # three columns with the shipped masked LM's: wrapped


async def test_predict_first_hides_the_numbers_until_answered():
    app = PretrainExplorer(quiz=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("3")
        text = screen_text(app)
        assert "Predict first: will pretrained beat random on the test sentences?" in text
        assert "Test accuracy (%)" not in text and "12 of their 25 words" not in text
        await pilot.press("a", "1")
        await pilot.pause()
        text = words_on_screen(app)
        assert "You said: pretrained will beat random. Outcome: pretrained and random are level" in text
        assert "✗ not this time" in text and "Test accuracy (%)" in text


async def test_predict_first_from_the_palette():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        assert "Predict first (quiz)" in [c.title for c in app.get_system_commands(app.screen)]
        app.command_quiz()
        await pilot.press("4", "a", "3")
        await pilot.pause()
        text = words_on_screen(app)
        assert "You said: they will be level. Outcome: pretrained and random are level" in text and "✓ right" in text


async def test_the_theme_is_remembered_between_runs():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        app.theme = "textual-light"
        await pilot.pause()
    assert json.loads(preferences_path().read_text())["theme"] == "textual-light"
    again = PretrainExplorer()
    async with again.run_test(size=(80, 24)) as pilot:
        await settled(again, pilot)
        assert again.theme == "textual-light"


async def test_stage_tabs_are_clickable():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        bar = app.query_one(StageBar)
        x = next(x for x in range(80) if bar.stage_at(x) == 4)
        await pilot.click(StageBar, offset=(x, 0))
        assert app.stage == 4 and "[4 Transfer]" in screen_text(app)


async def test_text_from_data_is_shown_literally(kata_copy):
    folder = kata_copy.rename(kata_copy.parent / "kata[1]")
    manifest = folder / "experiment.toml"
    manifest.write_text(manifest.read_text().replace('name = "kata"', 'name = "[b]kata[/b]"'))
    corpus = folder / "general.txt"
    corpus.write_text("[note] the experiment produced [b]excellent[/b] results\n" + corpus.read_text())
    app = PretrainExplorer(load_experiment(folder))
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(app, pilot)
        text = screen_text(app)
        assert "[note] the experiment produced [b]excellent[/b] results" in text  # a corpus line
        assert "[b]kata[/b] · window 3" in text  # a name
        await pilot.press("slash", *["backspace"] * 12, *"[red]zz[/red]", "enter")
        await settled(app, pilot)
        assert "“[red]zz[/red]” is not in the vocabulary" in screen_text(app)  # a word
        corpus.write_text("")
        app.command_open()
        await pilot.pause()
        app.screen.query_one("#prompt-input").focus()
        app.screen.query_one("#prompt-input").value = str(folder)
        await pilot.press("enter")
        await until(pilot, lambda: "Could not run" in notifications(app))
        assert "kata[1]/general.txt: the corpus is empty" in notifications(app)  # a file name, an error
        assert not any(n.markup for n in app._notifications)


async def test_long_splits_show_their_first_sentences_and_m_shows_more():
    """A split of many sentences is laid out a page at a time (all of them held the screen for
    seconds on the reviews corpus): the first 20 per approach, twice as many at each m."""
    import dataclasses

    from rich.console import Console

    base = load_experiment()
    e = dataclasses.replace(base, test=base.test * 10, seeds=2)  # few seeds: the pages are tested, not the spread
    total = len(e.test)
    assert 40 < total <= 80

    def printed(app) -> str:
        console = Console(width=100, record=True)
        console.print(app.query_one("#accuracy-test .predictions").content)
        return console.export_text()

    def marks(app) -> int:
        text = printed(app)
        return text.count("✓") + text.count("✗")

    app = PretrainExplorer(e)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("3")
        await pilot.pause()
        approaches = len(app.result.approaches)
        assert marks(app) == 20 * approaches
        assert f"… {total - 20} more of {total} sentences (m shows 40)" in printed(app)
        await pilot.press("m")
        await pilot.pause()
        assert marks(app) == 40 * approaches
        await pilot.press("m")
        await pilot.pause()
        assert marks(app) == total * approaches
        assert "more of" not in printed(app)
