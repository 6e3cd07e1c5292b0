"""Analogies in the word box (issue 24): parsing `a - b + c`, 3CosAdd and 3CosMul against a direct
computation and against gensim's most_similar and most_similar_cosmul, and the box answering one."""

import numpy as np
import pytest

from pretrain_explorer.engine.inspect.analogy import analogy, ask, parse_analogy
from pretrain_explorer.engine.settings import COSMUL_EPSILON
from pretrain_explorer.engine.vectors import WordVectors


@pytest.fixture(scope="module")
def vectors() -> WordVectors:
    rng = np.random.default_rng(11)
    words = tuple(f"{a}{b}" for a in "abcdef" for b in "abcdefghij")  # alphabetic, as tokens are
    return WordVectors(words, rng.standard_normal((60, 8)) * rng.uniform(0.5, 3, (60, 1)))


def test_a_sum_of_words_with_plus_and_minus_is_an_analogy_and_anything_else_is_not():
    assert parse_analogy("King - man + Woman") == (("king", "woman"), ("man",))
    assert parse_analogy("king-man+woman") == (("king", "woman"), ("man",))
    assert parse_analogy("-a + b") == (("b",), ("a",))
    for text in ("king", "a b", "a + + b", "a -", "- a", "a + b c", "a + 4"):
        assert parse_analogy(text) is None, text


def _unit(v):
    return v / np.linalg.norm(v)


def test_3cosadd_and_3cosmul_equal_a_direct_computation(vectors):
    positive, negative = ("ad", "bh"), ("ec",)
    unit = {w: _unit(vectors.vector(w)) for w in vectors.words}
    others = [w for w in vectors.words if w not in (*positive, *negative)]
    target = unit["ad"] + unit["bh"] - unit["ec"]
    add = sorted(((w, float(unit[w] @ _unit(target))) for w in others), key=lambda x: -x[1])[:5]
    shifted = {w: {t: (1 + unit[w] @ unit[t]) / 2 for t in (*positive, *negative)} for w in others}
    mul = sorted(((w, float(s["ad"] * s["bh"] / (s["ec"] + COSMUL_EPSILON))) for w, s in shifted.items()),
                 key=lambda x: -x[1])[:5]
    for found, expected in ((analogy(vectors, positive, negative, "3CosAdd", 5), add),
                            (analogy(vectors, positive, negative, "3CosMul", 5), mul)):
        assert [w for w, _ in found] == [w for w, _ in expected]
        np.testing.assert_allclose([s for _, s in found], [s for _, s in expected], rtol=1e-10)


def test_the_answers_are_gensims(vectors):
    models = pytest.importorskip("gensim.models")
    keyed = models.KeyedVectors(vectors.dimension)
    keyed.add_vectors(list(vectors.words), np.asarray(vectors.matrix, dtype=np.float32))
    positive, negative = ["af", "da"], ["bb"]
    for method, theirs in (("3CosAdd", keyed.most_similar), ("3CosMul", keyed.most_similar_cosmul)):
        ours = analogy(vectors, positive, negative, method, 5)
        expected = theirs(positive=positive, negative=negative, topn=5)
        assert [w for w, _ in ours] == [w for w, _ in expected], method
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in expected], rtol=1e-5)


def test_the_word_box_answers_each_method_under_each_set_of_vectors_or_names_the_unknown_word(vectors):
    rng = np.random.default_rng(2)
    both = {"pretrained": vectors, "random": WordVectors(vectors.words, rng.standard_normal((60, 8)))}
    answers = ask(both, "ad - ec + bh", 4)
    assert [a.word for a in answers] == ["ad + bh - ec (3CosAdd)", "ad + bh - ec (3CosMul)"]
    assert answers[0].neighbors["random"] == analogy(both["random"], ("ad", "bh"), ("ec",), "3CosAdd", 4)
    assert answers[1].neighbors["pretrained"] == analogy(vectors, ("ad", "bh"), ("ec",), "3CosMul", 4)
    unknown, = ask(both, "ad - ecq + bh", 4)
    assert not unknown.known and unknown.missing == ("ecq",) and "ec" in unknown.closest
    plain, = ask(both, "ad", 4)
    assert plain.known and plain.word == "ad"


@pytest.mark.warm_kata
async def test_an_analogy_typed_in_the_word_box_shows_both_methods_answers():
    from helpers import screen_text, settled, until
    from pretrain_explorer.tui.app import PretrainExplorer

    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("slash", *"superb - excellent + terrible", "enter")
        expected = analogy(app.result.vectors["pretrained"], ("superb", "terrible"), ("excellent",), "3CosAdd", 1)
        await until(pilot, lambda: "(3CosAdd)" in screen_text(app))
        text = screen_text(app)
        assert expected[0][0] in text and f"{expected[0][1]:.3f}" in text
        assert "(3CosMul)" in text  # the next answer, named in the pager
