"""Stage 1's masked language model view (l): trained there on the kata with a tiny budget, stopped
and gone on from its checkpoint to the same model as a training never stopped; and a word in
context (o): the kata word's occurrences placed and split, the same figures as the engine's."""

import pytest
from helpers import screen_text, settled, until
from pretrain_explorer.engine.inspect.contextual import context_spread
from pretrain_explorer.engine.pretraining.masked_lm import corpus_texts, train_masked_lm
from pretrain_explorer.tui.app import PretrainExplorer
from pretrain_explorer.tui.screens.masked_lm import ContextView, MaskedLMView

pytestmark = pytest.mark.warm_kata

BUDGET = 1_200


async def test_the_view_estimates_trains_and_shows_how_the_model_did_then_a_word_in_context():
    app = PretrainExplorer()
    app.mlm_budget = BUDGET
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, ContextView))
        assert "No masked language model of this corpus yet" in screen_text(app)
        await pilot.press("escape", "l")
        await until(pilot, lambda: isinstance(app.screen, MaskedLMView))
        assert f"It trains on {BUDGET:,} tokens" in screen_text(app)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: app.masked_lm_for(app.result.experiment) is not None)
        await settled(app, pilot)
        model = app.masked_lm_for(app.result.experiment)
        text = screen_text(app)
        assert f"masked LM: {model.tokens_trained:,} tokens" in text and "held-out blanks right" in text
        e = app.result.experiment
        again = train_masked_lm(corpus_texts(e.corpus_path), e.stopwords, e.seed, token_budget=BUDGET)
        assert again.losses == model.losses  # the view's model is the engine's
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, ContextView))
        word = app.screen.query_one("#context-word").value
        await until(pilot, lambda: "occurrences" in screen_text(app) or "fewer than twice" in screen_text(app))
        spread = context_spread(model, word, corpus_texts(e.corpus_path), e.stopwords)
        text = " ".join(screen_text(app).split())  # wrapped lines joined
        assert f"'{word}': {spread.found:,} occurrences" in text
        assert f"Separation (mean silhouette, -1 to 1) {spread.separation:.2f}" in text
        assert "Its fixed vector (pretrained) is one point for all" in text


async def test_a_training_stopped_earlier_goes_on_from_its_checkpoint_to_the_uninterrupted_model():
    from pretrain_explorer.engine import RunCancelled
    from pretrain_explorer.engine.pretraining.masked_lm_store import trained_or_stored

    budget, calls = 4_000, []
    app = PretrainExplorer()
    app.mlm_budget = budget
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        e = app.result.experiment
        with pytest.raises(RunCancelled):  # stopped after 6 steps: its checkpoint is in the explorer's cache
            trained_or_stored(e.corpus_path, e.stopwords, e.seed, budget, app.session.disk,
                              should_stop=lambda: calls.append(1) or len(calls) > 6)
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, MaskedLMView))
        await pilot.press("ctrl+t")
        await until(pilot, lambda: "Going on from its checkpoint at" in screen_text(app)
                    or app.masked_lm_for(e) is not None)
        await until(pilot, lambda: app.masked_lm_for(e) is not None)
        model = app.masked_lm_for(e)
        whole = train_masked_lm(corpus_texts(e.corpus_path), e.stopwords, e.seed, token_budget=budget)
        assert model.losses == whole.losses and model.accuracy == whole.accuracy
