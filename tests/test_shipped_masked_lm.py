"""The masked language models shipped beside the experiments: found by the explorer's lookup (so a
class does not wait), and the kata's rebuilt by corpora/train_masked_lm.py byte for byte."""

import subprocess
import sys

import pytest
from pretrain_explorer.engine import builtin_experiment_path, load_experiment
from pretrain_explorer.engine.pretraining.masked_lm_store import SHIPPED_MODEL, trained_or_stored
from pretrain_explorer.engine.settings import MASKED_LM

SHIPPED = [name for name in ("kata", "held-out", "reviews", "packages")
           if (builtin_experiment_path(name).parent / SHIPPED_MODEL).is_file()]


def test_the_kata_and_held_out_ship_a_model():
    assert {"kata", "held-out"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_model_is_found_for_its_experiment_and_not_for_other_settings(name):
    e = load_experiment(builtin_experiment_path(name))
    shipped = e.manifest.parent / SHIPPED_MODEL
    budget = e.mlm_tokens or MASKED_LM.token_budget
    never = lambda: (_ for _ in ()).throw(AssertionError("trained instead of found"))  # noqa: E731
    model, found = trained_or_stored(e.corpus_path, e.stopwords, e.seed, budget, None, shipped=shipped,
                                     should_stop=lambda: False, before_training=lambda tokens: never())
    assert found and model.tokens_trained >= budget and model.seed == e.seed
    other = []  # another seed's model is not this file's: it would be trained (stopped at once here)
    with pytest.raises(Exception):
        trained_or_stored(e.corpus_path, e.stopwords, e.seed + 1, budget, None, shipped=shipped,
                          before_training=lambda tokens: other.append(tokens) or never())
    assert other == [0]


def test_the_script_rebuilds_the_kata_s_shipped_model_byte_for_byte(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pretrain_explorer.corpora.train_masked_lm", "kata",
                           "--output-folder", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    shipped = builtin_experiment_path("kata").parent / SHIPPED_MODEL
    assert (tmp_path / "kata.npz").read_bytes() == shipped.read_bytes()


async def masked_lm_view_of_the_kata(app, pilot):
    """The kata's explorer with the masked LM's view (l) open; the experiment on screen."""
    from helpers import settled, until
    from pretrain_explorer.tui.screens.masked_lm import MaskedLMView

    await settled(app, pilot)
    await pilot.press("l")
    await until(pilot, lambda: isinstance(app.screen, MaskedLMView))
    return app.result.experiment


@pytest.mark.warm_kata
async def test_the_explorer_finds_the_kata_s_shipped_model_without_training():
    from helpers import screen_text
    from pretrain_explorer.engine.pretraining.masked_lm_store import stored_model
    from pretrain_explorer.tui.app import PretrainExplorer

    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        e = await masked_lm_view_of_the_kata(app, pilot)
        model = app.masked_lm_for(e)
        assert model is not None and app.masked_lm_training() is None
        shipped = stored_model(e.corpus_path, e.stopwords, e.seed, e.mlm_tokens, None,
                               shipped=e.manifest.parent / SHIPPED_MODEL)
        assert model.losses == shipped.losses
        assert f"masked LM: {model.tokens_trained:,} tokens" in screen_text(app)


@pytest.mark.warm_kata
async def test_a_new_seed_keeps_the_shipped_model_it_was_pretrained_with():
    """r draws again what comes after pretraining: the masked language model stays the manifest's
    seed's (the shipped one), found without training."""
    from helpers import settled, until
    from pretrain_explorer.engine.experiment import with_overrides
    from pretrain_explorer.tui.app import PretrainExplorer
    from pretrain_explorer.tui.screens.masked_lm import MaskedLMView

    assert with_overrides(with_overrides(load_experiment(), seed=43), seed=44).pretraining_seed == 42
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("r")
        await settled(app, pilot)
        e = app.result.experiment
        assert e.seed == 43 and e.pretraining_seed == 42
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, MaskedLMView))
        model = app.masked_lm_for(e)
        assert model is not None and model.seed == 42 and app.masked_lm_training() is None


@pytest.mark.warm_kata
async def test_ctrl_t_on_a_shipped_model_trains_it_again_to_watch_and_ends_at_the_same_model():
    from helpers import notifications, until
    from pretrain_explorer.tui.app import PretrainExplorer

    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        e = await masked_lm_view_of_the_kata(app, pilot)
        shipped = app.masked_lm_for(e)
        await pilot.press("ctrl+t")
        assert "training it again from the start" in notifications(app)
        await until(pilot, lambda: app.masked_lm_for(e) is not shipped)
        await until(pilot, lambda: app.masked_lm_training() is None)
        again = app.masked_lm_for(e)
        assert again is not shipped and again.losses == shipped.losses
