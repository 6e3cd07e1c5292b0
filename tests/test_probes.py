"""Stage 1 shows every probe of the experiment: as many as the pane holds, the rest a key (m) away,
the key named in the pane (issue 23); group names stay apart in the corpus pane's legend."""

import pytest
from helpers import settled, screen_text
from pretrain_explorer.engine import load_experiment
from pretrain_explorer.engine.inspect import explain
from pretrain_explorer.engine.vectors import WordVectors
from pretrain_explorer.tui.app import PretrainExplorer

# These look at what the explorer shows of the kata: its results are found stored (conftest.py).
pytestmark = pytest.mark.warm_kata

PROBES = ("excellent", "terrible", "results", "produced")  # the kata's


def shown_probes(text: str) -> list[str]:
    return [p for p in PROBES if f"pretrained · “{p}”" in text]


def first_neighbour_on_screen(app, text: str, probe: str) -> bool:
    word, score = app.result.neighbors[probe][0]
    return any(word[:8] in line and f"{score:.3f}" in line for line in text.splitlines())


async def test_a_tall_pane_shows_every_probe_with_its_neighbours(monkeypatch):
    """Read from the stored result, as a served class's visitors find it: neither the probes' lists
    nor the notes search the vectors."""
    searched = []
    monkeypatch.setattr(WordVectors, "nearest", lambda *args: searched.append("nearest"))
    monkeypatch.setattr(explain, "_nearest_rows", lambda *args: searched.append("nearest rows"))
    app = PretrainExplorer()
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        text = screen_text(app)
        assert searched == [] and app.session.stats["results load"] == 1
        assert shown_probes(text) == list(PROBES)
        assert all(f"random · “{p}”" in text for p in PROBES)
        assert all(first_neighbour_on_screen(app, text, p) for p in PROBES)
        assert "4 probes of this experiment · / looks up another word" in text


async def test_a_short_pane_pages_through_the_probes_with_m():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        text = screen_text(app)
        assert shown_probes(text) == ["excellent"] and "1 of 4 words · m shows terrible" in text
        assert "· 2 of 4 neighbours fit here" in text  # top 4: the rows that do not fit are said
        for k, probe in enumerate(PROBES[1:] + PROBES[:1], start=2):
            await pilot.press("m")
            await pilot.pause(0.05)
            text = screen_text(app)
            assert shown_probes(text) == [probe] and first_neighbour_on_screen(app, text, probe)
            assert f"{(k - 1) % 4 + 1} of 4 words · m shows {PROBES[k % 4]}" in text
        await pilot.press("slash", *"great", "enter")  # a word typed comes first, the probes after it
        await settled(app, pilot)
        text = screen_text(app)
        assert "pretrained · “great”" in text and "1 of 5 words · esc, then m shows excellent" in text


async def test_group_names_of_several_words_stay_apart():
    app = PretrainExplorer(load_experiment("held-out"))
    async with app.run_test(size=(240, 40)) as pilot:
        await settled(app, pilot)
        text = screen_text(app)
        assert "group words: positive seen · positive held out · negative seen · negative held out; first 300" in text
