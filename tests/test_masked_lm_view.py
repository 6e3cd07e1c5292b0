"""Fill the blank by the masked language model: trained from the view (ctrl+t) on the kata with a
tiny budget, its words shown beside the co-occurrence scoring; a second ctrl+t stops a training."""

import pytest
from helpers import notifications, screen_text, settled, until
from pretrain_explorer.engine.inspect.explain import BLANK
from pretrain_explorer.engine.pretraining.masked_lm import fill_sentence
from pretrain_explorer.tui.app import PretrainExplorer
from pretrain_explorer.tui.screens.live import BLANK_ROWS, FillBlankView

pytestmark = pytest.mark.warm_kata

TINY_BUDGET = 1_500


async def test_the_model_trained_from_the_view_fills_the_blank_beside_the_counts():
    app = PretrainExplorer()
    app.mlm_budget = TINY_BUDGET
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        assert "Train a masked language model" in [c.title for c in app.get_system_commands(app.screen)]
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, FillBlankView))
        assert "No masked language model of this corpus yet" in screen_text(app)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: app.masked_lm_for(app.result.experiment) is not None)
        await settled(app, pilot)
        model = app.masked_lm_for(app.result.experiment)
        assert model.tokens_trained >= TINY_BUDGET
        text = screen_text(app)
        assert "masked LM" in text and "pretrained" in text and "random" in text
        assert f"{model.tokens_trained:,} tokens" in text and "held-out blanks right" in text
        sentence = app.screen.query_one("#blank-input").value
        answer = fill_sentence(model, sentence, BLANK, app.result.experiment.stopwords, BLANK_ROWS)
        best, probability = answer.candidates[0]
        assert f"{probability:.3f}" in text and best[:8] in text
        assert f"on {model.tokens_trained:,} tokens" in notifications(app)


async def test_a_second_ctrl_t_stops_the_training_and_keeps_no_model():
    app = PretrainExplorer()
    app.mlm_budget = 10**9
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, FillBlankView))
        await pilot.press("ctrl+t")
        await until(pilot, lambda: "Training the masked language model" in screen_text(app))
        await pilot.press("ctrl+t")
        await until(pilot, lambda: "cancelled" in notifications(app))
        await settled(app, pilot)
        assert app.masked_lm_for(app.result.experiment) is None
        assert "cancelled" in notifications(app)
        assert "No masked language model of this corpus yet" in screen_text(app)
