"""Fine-tuning the masked language model (engine.finetuning.masked_lm_classifier): the classifier's
gradients against finite differences, the same outcome for the same seed, on held-out the pretrained
encoder fine-tuned beats its from-scratch twin by a paired test, the three approaches in a run's
result, report and JSON when an experiment asks for them, and the refusals."""

import dataclasses
import json

import numpy as np
import pytest
from pretrain_explorer.engine import ExperimentError, RunCancelled, Session, load_experiment, run_experiment
from pretrain_explorer.engine.experiment import with_overrides
from pretrain_explorer.engine.finetuning import approaches as registry
from pretrain_explorer.engine.finetuning.masked_lm_classifier import (
    class_probabilities,
    fine_tune,
    pooled_sentences,
    random_encoder,
    sentence_ids,
    train_head,
)
from pretrain_explorer.engine.inspect.significance import paired_test
from pretrain_explorer.engine.pretraining.masked_lm import corpus_texts, train_masked_lm
from pretrain_explorer.engine.pretraining.transformer import Shape, classifier_loss, head_loss, initial_parameters
from pretrain_explorer.engine.run import context
from pretrain_explorer.engine.settings import MASKED_LM, MASKED_LM_FINE_TUNING

MLM_NAMES = tuple(a.name for a in registry.MASKED_LM_APPROACHES)
TINY = dataclasses.replace(MASKED_LM, layers=1, dim=16, heads=2, hidden=32, max_length=12, batch=32, learning_rate=0.01)
FEW_EPOCHS = dataclasses.replace(MASKED_LM_FINE_TUNING, epochs=15)


ENTRIES = 12  # of each parameter, checked by finite differences (the first and others at random)


def _numeric(loss, value: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """Central differences at a few entries of `value`; NaN elsewhere."""
    out = np.full(value.shape, np.nan)
    every = list(np.ndindex(value.shape))
    picked = np.random.default_rng(value.size).permutation(len(every))[:ENTRIES]
    for at in [every[0]] + [every[i] for i in picked]:
        kept = value[at]
        value[at] = kept + step
        up = loss()
        value[at] = kept - step
        down = loss()
        value[at] = kept
        out[at] = (up - down) / (2 * step)
    return out


def _relative(analytic: np.ndarray, numeric: np.ndarray) -> float:
    checked = ~np.isnan(numeric)
    return float(np.abs(analytic[checked] - numeric[checked]).max() / max(np.abs(numeric[checked]).max(), 1e-12))


def test_the_classifier_gradients_match_central_finite_differences():
    """The head alone (the frozen encoder's training) and end to end (fine-tuning), padding included."""
    shape = Shape(vocabulary=12, max_length=6, dim=8, heads=2, hidden=16, layers=1)
    rng = np.random.default_rng(0)
    params = initial_parameters(shape, rng, np.float64)
    for name in params:  # away from the initial ones and zeros, so every term of the backward pass counts
        params[name] += rng.standard_normal(params[name].shape) * 0.3
    head = {"weight": rng.standard_normal((8, 3)), "bias": rng.standard_normal(3)}
    ids = np.array([[4, 7, 9, 5, 0, 0], [3, 11, 6, 8, 10, 4], [5, 1, 0, 0, 0, 0]])  # padded, one [UNK]
    labels = np.array([2, 0, 1])
    loss, head_grads, grads = classifier_loss(params, head, shape, ids, labels)

    def again():
        return classifier_loss(params, head, shape, ids, labels)[0]

    for name, value in head.items():
        assert _relative(head_grads[name], _numeric(again, value)) < 1e-6, name
    for name, value in params.items():
        if name == "output.bias":  # the masked words' scores: no part of a classifier
            assert not grads[name].any()
            continue
        assert _relative(grads[name], _numeric(again, value)) < 1e-6, name
    pooled = rng.standard_normal((4, 8))
    pooled_labels = np.array([0, 1, 2, 1])
    _, grads_alone, d_pooled = head_loss(head, pooled, pooled_labels)
    for name, value in head.items():
        numeric = _numeric(lambda: head_loss(head, pooled, pooled_labels)[0], value)
        assert _relative(grads_alone[name], numeric) < 1e-6, name
    assert _relative(d_pooled, _numeric(lambda: head_loss(head, pooled, pooled_labels)[0], pooled)) < 1e-6


@pytest.fixture(scope="module")
def held_out_model():
    e = load_experiment("held-out")
    return e, train_masked_lm(corpus_texts(e.corpus_path), e.stopwords, 1, TINY, 10_000)


def _data(e, model):
    labels = sorted({s.label for s in e.train})

    def split(sentences):
        return (sentence_ids(model.words, [s.text for s in sentences], e.stopwords, model.shape.max_length),
                np.array([labels.index(s.label) for s in sentences]))
    return split(e.train), split(e.test), len(labels)


def test_fine_tuning_is_the_same_for_a_seed_and_cancellable(held_out_model):
    e, model = held_out_model
    (ids, labels), _, classes = _data(e, model)
    settings = dataclasses.replace(MASKED_LM_FINE_TUNING, epochs=2)
    first = fine_tune(model.params, model.shape, ids, labels, classes, 7, settings)
    again = fine_tune(model.params, model.shape, ids, labels, classes, 7, settings)
    other = fine_tune(model.params, model.shape, ids, labels, classes, 8, settings)
    assert first[2] == again[2] and all(np.array_equal(first[0][n], again[0][n]) for n in first[0])
    assert first[2] != other[2]
    assert not np.array_equal(first[0]["embedding"], model.params["embedding"])  # the encoder moved
    pooled = pooled_sentences(model.params, model.shape, ids, 4)
    assert train_head(pooled, labels, classes, 7, settings)[1] == train_head(pooled, labels, classes, 7, settings)[1]
    assert np.array_equal(random_encoder(model.shape, 3)["embedding"], random_encoder(model.shape, 3)["embedding"])
    with pytest.raises(RunCancelled):
        fine_tune(model.params, model.shape, ids, labels, classes, 7, settings, should_stop=lambda: True)


def test_on_held_out_the_pretrained_encoder_fine_tuned_beats_its_from_scratch_twin(held_out_model):
    """held-out's test sentences carry sentiment words the labeled sentences never show, but the corpus
    does: what the model learned of them from the blanks is what its twin cannot have."""
    e, model = held_out_model
    (ids, labels), (test_ids, test_labels), classes = _data(e, model)
    runs: dict[str, list] = {"pretrained": [], "twin": []}
    for seed in range(3):
        for name, start in (("pretrained", model.params), ("twin", random_encoder(model.shape, seed))):
            params, head, losses = fine_tune(start, model.shape, ids, labels, classes, seed, FEW_EPOCHS)
            assert losses[-1] < losses[0]
            scores = class_probabilities(pooled_sentences(params, model.shape, test_ids, 64), head)
            runs[name].append(scores.argmax(1) == test_labels)
    test = paired_test(runs["pretrained"], runs["twin"])
    assert np.mean(runs["pretrained"]) > np.mean(runs["twin"]) and test.p < 0.05, test


@pytest.fixture(scope="module")
def kata_with_mlm():
    """The kata with the masked LM's approaches, at tiny sizes (the numbers do not matter here)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(context, "MASKED_LM", dataclasses.replace(TINY, token_budget=500))
        patch.setattr(registry, "MASKED_LM_FINE_TUNING", dataclasses.replace(MASKED_LM_FINE_TUNING, epochs=2))
        e = dataclasses.replace(with_overrides(load_experiment(), masked_lm=True), seeds=3)
        events, session = [], Session(disk=None)
        result = run_experiment(e, on_progress=lambda event, overall: events.append(event.step), session=session)
    return result, events, session


def test_an_experiment_that_asks_runs_the_three_beside_the_others(kata_with_mlm):
    from pretrain_explorer.tui.presentation.printed_report import render_json, render_text

    result, events, _ = kata_with_mlm
    assert "masked lm" in events  # trained within the run, its progress on the run's timetable
    assert set(MLM_NAMES) <= set(result.approaches) and set(registry.APPROACH_NAMES) <= set(result.approaches)
    for name in MLM_NAMES:
        assert result.approaches[name].over_seeds("test").n == 3
        assert name in result.learning_curve.mean
    assert result.memory.masked_lm > 0
    document = json.loads(render_json(result))
    assert set(MLM_NAMES) <= set(json.dumps(document).split('"'))
    text = render_text(result, width=100)
    assert all(name in text for name in MLM_NAMES)


def test_the_time_estimate_counts_the_trainings_the_run_made(kata_with_mlm):
    """engine.run.masked_lm_time counts, before a run, the end-to-end trainings the run then makes
    (each seed's, each curve draw's subsets), and times them by a trial step."""
    from pretrain_explorer.engine.finetuning.labeled import labeled_data
    from pretrain_explorer.engine.run.masked_lm_time import fine_tuning_work

    result, _, session = kata_with_mlm
    e = result.experiment
    work = fine_tuning_work(e, labeled_data(e.stopwords, e.train, e.test, e.transfer))
    made = sum(session.stats[f"{stage}:{name}"] for stage in ("classifier", "curve")
               for name in ("mlm_fine_tuned", "mlm_from_scratch"))
    assert work.trainings == made > 0
    assert work.steps >= work.trainings and work.step_seconds > 0 and work.encode_seconds > 0
    assert work.seconds == work.steps * work.step_seconds + work.encoded * work.encode_seconds


def test_fine_tuning_trains_the_rows_its_sentences_hold_as_the_whole_model_would(held_out_model):
    """fine_tune trains only the embedding rows of its sentences' words: the same numbers as every
    parameter stepped by Adam (the other rows' gradients and moments stay zero)."""
    from pretrain_explorer.engine.finetuning.masked_lm_classifier import initial_head
    from pretrain_explorer.engine.pretraining.transformer import Adam

    e, model = held_out_model
    (ids, labels), _, classes = _data(e, model)
    settings = dataclasses.replace(MASKED_LM_FINE_TUNING, epochs=3, batch=4)
    params, head, losses = fine_tune(model.params, model.shape, ids, labels, classes, 5, settings)
    rng = np.random.default_rng(5)  # the reference: every parameter, as fine_tune draws
    whole = {n: np.array(v) for n, v in model.params.items()}
    ref_head = initial_head(model.shape.dim, classes, rng, whole["embedding"].dtype)
    encoder_rate, head_rate = Adam(whole, settings.learning_rate), Adam(ref_head, settings.head_learning_rate)
    for _ in range(3):
        order = rng.permutation(len(labels))
        for begin in range(0, len(order), settings.batch):
            rows = order[begin: begin + settings.batch]
            trimmed = ids[rows][:, : max(1, int((ids[rows] > 0).sum(1).max()))]
            _, head_grads, grads = classifier_loss(whole, ref_head, model.shape, trimmed, labels[rows])
            encoder_rate.step(whole, grads)
            head_rate.step(ref_head, head_grads)
    assert set(params) == set(whole)
    assert all(np.array_equal(params[n], whole[n]) for n in whole), [n for n in whole if not np.array_equal(params[n], whole[n])]
    assert all(np.array_equal(head[n], ref_head[n]) for n in head)


def test_one_blas_thread_holds_while_any_user_is_inside_and_restores_after():
    from threadpoolctl import threadpool_info

    from pretrain_explorer.engine.finetuning.masked_lm_classifier import one_blas_thread

    def threads():
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    before = threads()
    with one_blas_thread():
        with one_blas_thread():  # a second user (another worker) overlapping the first
            assert set(threads()) <= {1}
        assert set(threads()) <= {1}  # the first is still inside
    assert threads() == before


def test_an_experiment_that_does_not_ask_runs_none_of_them():
    assert not load_experiment().masked_lm and not load_experiment("held-out").masked_lm
    assert registry.approaches_of(False) == registry.APPROACHES
    assert not set(MLM_NAMES) & set(registry.APPROACH_NAMES)


def test_the_masked_lm_key_is_refused_when_it_cannot_run(tmp_path):
    kata = load_experiment()
    manifest = kata.manifest.read_text()
    for value, problem in (('"yes"', "must be true or false"), ("true", "need a corpus to pretrain on")):
        folder = tmp_path / value.strip('"')
        folder.mkdir()
        for f in kata.manifest.parent.iterdir():
            if f.is_file():
                (folder / f.name).write_bytes(f.read_bytes())
        text = manifest.replace("[finetuning]", f"[finetuning]\nmasked_lm = {value}")
        if value == "true":  # vectors pretrained once, not a corpus
            (folder / "vectors.npz").write_bytes(b"")
            text = text.replace('corpus = "', 'vectors = "vectors.npz"\n# corpus = "')
        (folder / "experiment.toml").write_text(text)
        with pytest.raises(ExperimentError) as caught:
            load_experiment(folder)
        assert problem in str(caught.value) and "[finetuning] masked_lm" in str(caught.value)


def test_the_wait_is_said_before_a_run_that_trains_the_model():
    from pretrain_explorer.tui.presentation.approaches import masked_lm_wait
    from pretrain_explorer.engine.settings import MLM_TOKENS_PER_SECOND

    kata = load_experiment()
    assert masked_lm_wait(kata) is None
    said = masked_lm_wait(with_overrides(kata, masked_lm=True))
    assert f"{kata.mlm_tokens:,} tokens, under a minute" in said  # the kata's budget, 8,000 tokens
    large = dataclasses.replace(kata, masked_lm=True, mlm_tokens=MASKED_LM.token_budget)
    minutes = round(MASKED_LM.token_budget / MLM_TOKENS_PER_SECOND / 60)
    assert f"{MASKED_LM.token_budget:,} tokens, about {minutes} minutes" in masked_lm_wait(large)


def test_the_option_is_refused_with_vectors_pretrained_once(tmp_path):
    from pathlib import Path

    vectors_only = dataclasses.replace(load_experiment(), corpus_path=None, vectors_path=Path(tmp_path / "v.npz"))
    with pytest.raises(ExperimentError, match="need a corpus to pretrain on"):
        with_overrides(vectors_only, masked_lm=True)
    assert not with_overrides(vectors_only, masked_lm=None).masked_lm  # left as it is when not given


def test_a_large_train_set_takes_fewer_epochs_end_to_end():
    from pretrain_explorer.engine.finetuning.masked_lm_classifier import epochs_for

    settings = dataclasses.replace(MASKED_LM_FINE_TUNING, epochs=40, batch=16, max_steps=400)
    assert epochs_for(12, settings) == 40  # one step an epoch
    assert epochs_for(400, settings) == 16  # 25 steps an epoch
    assert epochs_for(100_000, settings) == 1


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


async def test_k_adds_the_three_to_the_explorer_and_takes_them_away(monkeypatch):
    """The explorer's k: the run goes on with the masked LM's approaches on stage 3 (the header says
    so), k again takes them away; with vectors pretrained once it is refused in one line."""
    from helpers import notifications, screen_text, settled
    from pretrain_explorer.tui.app import PretrainExplorer

    monkeypatch.setattr(context, "MASKED_LM", dataclasses.replace(TINY, token_budget=500))
    monkeypatch.setattr(registry, "MASKED_LM_FINE_TUNING", dataclasses.replace(MASKED_LM_FINE_TUNING, epochs=2))
    app = PretrainExplorer(dataclasses.replace(load_experiment(), seeds=2))
    blas_before = _blas_threads()
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        await pilot.press("3")
        assert "k adds the masked LM's approaches" in screen_text(app)
        await pilot.press("k")
        await settled(app, pilot, timeout=60)
        assert set(MLM_NAMES) <= set(app.result.approaches)
        text = screen_text(app)
        assert "masked LM" in text and "mlm_fine_tuned" in text and "k removes the masked LM's approaches" in text
        assert "fine-tuning starts now" in notifications(app) or "trained on the corpus first" in notifications(app)
        assert "end-to-end trainings" in notifications(app) and "timed by a trial step" in notifications(app)
        assert set(_blas_threads()) <= {1}  # set on the main thread while they are on
        await pilot.press("k")
        await settled(app, pilot)
        assert not set(MLM_NAMES) & set(app.result.approaches)
        assert _blas_threads() == blas_before
        assert "mlm_fine_tuned" not in screen_text(app)
