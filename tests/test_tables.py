"""Tables at the widths they get at 80 and 120 columns: numbers whole, words cut only where a
legend or the inputs name them, headers that stay over their rows."""

import re

import pytest
from rich.console import Console

from pretrain_explorer.engine import load_experiment, run_experiment
from pretrain_explorer.engine.inspect.explain import Explainer, shared_contexts
from pretrain_explorer.tui.presentation.views import push_header, push_pages, push_table, shared_table
from pretrain_explorer.tui.widgets.neighbours import neighbour_table
from helpers import screen_text, settled, until

# These look at what the explorer shows of the kata: its results are found stored (conftest.py).
pytestmark = pytest.mark.warm_kata


@pytest.fixture(scope="module")
def kata():
    return run_experiment(load_experiment())


def printed(renderable, width: int) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


@pytest.mark.parametrize("width", [34, 37, 57])  # a side of the `e` view at 80 and 120 columns
def test_why_neighbours_shows_every_share_whole_beside_long_words(kata, width):
    for name in ("pretrained", "random"):
        answer = shared_contexts(kata.vectors[name], "remarkable", "outstanding", 8, name == "pretrained")
        assert answer.contributions
        text = printed(shared_table(name, answer), width)
        assert "a: remarkable · b: outstanding" in text
        assert max(len(line.rstrip()) for line in text.splitlines()) <= width
        for c in answer.contributions:
            assert f"{c.first:.2f}  {c.second:.2f}  {c.share:.3f}".replace("  -", " -") in text, (c, text)


def test_a_neighbour_of_ten_letters_reads_whole_in_a_side_at_120_columns():
    text = printed(neighbour_table("random · “excellent”", (("completely", 0.257), ("decisions", -0.297))), 29)
    assert re.search(r"completely +0\.257", text) and re.search(r"decisions +-0\.297", text), text


def test_the_push_tables_header_stands_over_its_rows(kata):
    explainer = Explainer(kata)
    explained = {name: explainer.explain(name, kata.experiment.test[0].text) for name in kata.approaches}
    for page in push_pages(explained, 78):
        shown = {n: explained[n] for n in page}
        header = printed(push_header(shown), 78).splitlines()[0]
        rows = printed(push_table(kata, shown, show_header=False), 78).splitlines()
        assert not rows[0].startswith("word")
        score = next(line for line in rows if line.startswith("score"))
        for name in page:  # each name starts where its column's values start
            assert score[header.index(name)] in "np", (name, header, score)


async def test_the_pushes_scroll_with_page_down_and_keep_their_header():
    from pretrain_explorer.tui.app import PretrainExplorer
    from pretrain_explorer.tui.screens.live import WhyPredictionView

    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, WhyPredictionView))
        await pilot.pause()
        last = "+ " + app.screen.explainer.explain("pretrained", app.result.experiment.test[0].text).words[-1].word
        before = screen_text(app)
        assert "pgup/pgdn scroll" in before and last not in before  # the last word is below the fold
        await pilot.press("pagedown")
        await pilot.pause()
        after = screen_text(app)
        assert last in after and "word " in after and "from_scratch" in after
        await pilot.press("down")  # the next sentence, from its top
        await pilot.pause()
        assert "score" in screen_text(app)


@pytest.mark.parametrize("width", [78, 118])
def test_the_curves_numbers_wrap_into_tables_that_fit_with_every_cell_whole(kata, width):
    import dataclasses

    from pretrain_explorer.tui.widgets.accuracy import CurveTable

    sizes = tuple(2 ** k for k in range(12))  # a large train set's curve: 1 .. 2,048 per class
    names = list(kata.learning_curve.mean)
    curve = dataclasses.replace(kata.learning_curve, sizes=sizes,
                                mean={n: tuple(0.5 + 0.04 * k for k in range(12)) for n in names},
                                std={n: tuple(0.01 * k for k in range(12)) for n in names})
    text = printed(CurveTable(dataclasses.replace(kata, learning_curve=curve)), width)
    assert max(len(line.rstrip()) for line in text.splitlines()) <= width
    for name in names:
        cells = re.findall(r"\d+ ± \d+", " ".join(line for line in text.splitlines() if line.startswith(f" {name} ")))
        assert cells == [f"{100 * m:.0f} ± {100 * s:.0f}" for m, s in zip(curve.mean[name], curve.std[name])]
    assert all(f" {size} " in text or text.rstrip().endswith(str(size)) for size in sizes)
