"""The masked language model: its hand-written gradients against finite differences, the same model
for the same seed, and on text with a planted structure it fills blanks better than the unigram
baseline."""

import dataclasses
import itertools

import numpy as np
import pytest
from pretrain_explorer.engine import RunCancelled
from pretrain_explorer.engine.pretraining.masked_lm import FIRST_WORD, mask_batch, train_masked_lm
from pretrain_explorer.engine.pretraining.transformer import Shape, initial_parameters, masked_loss
from pretrain_explorer.engine.settings import MASKED_LM

TINY = dataclasses.replace(MASKED_LM, layers=1, dim=8, heads=2, hidden=16, max_length=6, batch=2)


def test_every_gradient_matches_central_finite_differences():
    shape = Shape(vocabulary=12, max_length=6, dim=8, heads=2, hidden=16, layers=1)
    rng = np.random.default_rng(0)
    params = initial_parameters(shape, rng, np.float64)
    for name in params:  # away from the initial ones and zeros, so every term of the backward pass counts
        params[name] += rng.standard_normal(params[name].shape) * 0.3
    ids = np.array([[4, 7, 9, 5, 0, 0], [3, 11, 6, 8, 10, 4]])  # two sentences, the first padded
    inputs, rows, cols, targets = mask_batch(ids, dataclasses.replace(TINY, mask_share=0.4), rng, 12)
    _, grads = masked_loss(params, shape, inputs, rows, cols, targets)
    step = 1e-5
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for at in np.ndindex(value.shape):
            kept = value[at]
            value[at] = kept + step
            up = masked_loss(params, shape, inputs, rows, cols, targets, with_grads=False)[0]
            value[at] = kept - step
            down = masked_loss(params, shape, inputs, rows, cols, targets, with_grads=False)[0]
            value[at] = kept
            numeric[at] = (up - down) / (2 * step)
        error = np.abs(grads[name] - numeric).max() / max(np.abs(numeric).max(), 1e-12)
        assert error < 1e-6, f"{name}: relative error {error:.2e}"
    # Padding is never attended to: the first sentence alone, unpadded, has the same loss.
    first = rows == 0
    alone = masked_loss(params, shape, inputs[:1, :4], rows[first], cols[first], targets[first], with_grads=False)[0]
    padded = masked_loss(params, shape, inputs[:1], rows[first], cols[first], targets[first], with_grads=False)[0]
    assert abs(alone - padded) < 1e-12


def planted_lines(count: int, seed: int) -> list[str]:
    """Lines whose middle word is set by its first word: 'cat sat mat', 'dog ran park', ... with a
    frequent filler word so that the unigram baseline has a most frequent word to guess."""
    patterns = [("cat", "sat", "mat"), ("dog", "ran", "park"), ("bird", "flew", "sky"), ("fish", "swam", "sea")]
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(count):
        first, middle, last = patterns[rng.integers(len(patterns))]
        lines.append(f"{first} {middle} {last} {'very ' * int(rng.integers(1, 4))}often")
    return lines


def test_the_same_seed_gives_the_same_model_and_another_seed_another():
    lines = planted_lines(40, 1)
    first = train_masked_lm(lines, frozenset(), seed=3, settings=TINY, token_budget=300)
    again = train_masked_lm(lines, frozenset(), seed=3, settings=TINY, token_budget=300)
    other = train_masked_lm(lines, frozenset(), seed=4, settings=TINY, token_budget=300)
    assert first.losses == again.losses and first.accuracy == again.accuracy
    assert all(np.array_equal(first.params[n], again.params[n]) for n in first.params)
    assert not np.array_equal(first.params["embedding"], other.params["embedding"])
    with pytest.raises(ValueError):  # the result is immutable
        first.params["embedding"][0, 0] = 1.0


def test_on_planted_structure_the_model_beats_the_unigram_baseline():
    settings = dataclasses.replace(MASKED_LM, layers=1, dim=32, heads=2, hidden=64, max_length=8, batch=16,
                                   learning_rate=0.01, held_out_share=0.25)
    progress = []
    model = train_masked_lm(planted_lines(200, 2), frozenset(), seed=5, settings=settings, token_budget=25_000,
                            on_progress=lambda fraction, rate, loss: progress.append((fraction, loss)))
    assert model.held_out_blanks >= 50
    # 'very' fills most blanks; each line's other words follow from any one of them.
    assert model.baseline_word == "very"
    assert model.accuracy > model.baseline_accuracy + 0.2, (model.accuracy, model.baseline_accuracy)
    assert model.final_loss < model.losses[0][1] / 2
    assert progress[-1][0] == 1.0 and all(a[0] <= b[0] for a, b in itertools.pairwise(progress))
    best = model.fill(["dog", "ran", "park"], 1, 3)
    assert best[0][0] == "ran", best
    assert model.contextual_vectors(["dog", "ran", "park"]).shape == (3, 32)
    static = model.static_vectors()
    assert static.words == model.words[FIRST_WORD:] and static.dimension == 32


def test_a_cancel_stops_between_steps():
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(RunCancelled):
        train_masked_lm(planted_lines(20, 3), frozenset(), seed=1, settings=TINY, token_budget=10**6,
                        should_stop=stop)
    assert len(calls) == 3


def test_a_trained_model_is_stored_on_disk_and_found_again_and_a_damaged_entry_is_trained_again(tmp_path):
    from pretrain_explorer.engine.pretraining.masked_lm_store import trained_or_stored
    from pretrain_explorer.engine.storage.disk_cache import DiskCache

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(planted_lines(30, 4)) + "\n")
    disk = DiskCache(tmp_path / "cache")
    trained, stored = trained_or_stored(corpus, frozenset(), 2, 400, disk, TINY)
    found, stored_again = trained_or_stored(corpus, frozenset(), 2, 400, disk, TINY)
    assert (stored, stored_again) == (False, True)
    assert found.losses == trained.losses and found.words == trained.words and found.accuracy == trained.accuracy
    assert all(np.array_equal(found.params[n], trained.params[n]) for n in trained.params)
    assert found.fill(["cat", "sat", "mat"], 1, 3) == trained.fill(["cat", "sat", "mat"], 1, 3)
    other, stored_other = trained_or_stored(corpus, frozenset(), 3, 400, disk, TINY)  # another seed: its own
    assert not stored_other and not np.array_equal(other.params["embedding"], trained.params["embedding"])
    for path in (tmp_path / "cache").glob("*.npz"):
        path.write_bytes(b"not an entry")
    again, stored_damaged = trained_or_stored(corpus, frozenset(), 2, 400, disk, TINY)
    assert not stored_damaged and again.losses == trained.losses


def test_a_training_cancelled_and_resumed_from_its_checkpoint_ends_as_one_never_stopped():
    lines = planted_lines(40, 6)
    whole = train_masked_lm(lines, frozenset(), seed=7, settings=TINY, token_budget=600, checkpoint_steps=5)
    checkpoints, calls = [], []

    def stop() -> bool:  # cancelled at the 13th step, past two regular checkpoints
        calls.append(1)
        return len(calls) == 13

    with pytest.raises(RunCancelled):
        train_masked_lm(lines, frozenset(), seed=7, settings=TINY, token_budget=600, should_stop=stop,
                        on_checkpoint=checkpoints.append, checkpoint_steps=5)
    assert [c.steps for c in checkpoints] == [5, 10, 12]  # every 5 steps, and where it was cancelled
    for checkpoint in (checkpoints[-1], checkpoints[0]):
        resumed = train_masked_lm(lines, frozenset(), seed=7, settings=TINY, token_budget=600, resume=checkpoint,
                                  checkpoint_steps=5)
        assert resumed.losses == whole.losses and resumed.steps == whole.steps
        assert all(np.array_equal(resumed.params[n], whole.params[n]) for n in whole.params)
        assert resumed.accuracy == whole.accuracy


def test_a_cancelled_training_goes_on_from_its_checkpoint_in_the_disk_cache(tmp_path):
    from pretrain_explorer.engine.pretraining.masked_lm_store import trained_or_stored
    from pretrain_explorer.engine.storage.disk_cache import DiskCache

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(planted_lines(30, 8)) + "\n")
    disk = DiskCache(tmp_path / "cache")
    whole = train_masked_lm(planted_lines(30, 8), frozenset(), seed=2, settings=TINY, token_budget=500)
    calls, resumed_at = [], []
    with pytest.raises(RunCancelled):
        trained_or_stored(corpus, frozenset(), 2, 500, disk, TINY, should_stop=lambda: calls.append(1) or len(calls) > 8)
    model, stored = trained_or_stored(corpus, frozenset(), 2, 500, disk, TINY, before_training=resumed_at.append)
    assert not stored and resumed_at and resumed_at[0] > 0
    assert model.losses == whole.losses and np.array_equal(model.params["embedding"], whole.params["embedding"])
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1  # the model; its checkpoint is gone


def test_the_memory_estimate_grows_with_the_model_and_over_the_budget_is_refused_in_one_line():
    from pretrain_explorer.engine import builtin_experiment_path, load_experiment
    from pretrain_explorer.engine.pretraining.masked_lm import parameter_count
    from pretrain_explorer.engine.run.memory import MemoryRefused, check_masked_lm_memory, masked_lm_bytes

    kata = load_experiment(builtin_experiment_path("kata"))
    shape = Shape(vocabulary=40, max_length=6, dim=8, heads=2, hidden=16, layers=2)
    assert parameter_count(shape) == sum(v.size for v in initial_parameters(shape, np.random.default_rng(0)).values())
    small, large = masked_lm_bytes(kata, TINY), masked_lm_bytes(kata, MASKED_LM)
    assert small < large
    assert check_masked_lm_memory(dataclasses.replace(kata, memory=large), MASKED_LM) == large
    with pytest.raises(MemoryRefused) as refused:
        check_masked_lm_memory(dataclasses.replace(kata, memory=large - 1), MASKED_LM)
    assert "masked language model would need about" in str(refused.value) and "\n" not in str(refused.value)
