"""Each control of the explorer recomputes only the engine stages its change invalidates: the
session's counters say which stages computed, key by key (issue #10)."""

from collections import Counter

from helpers import screen_text, settled
from tui.app import PretrainExplorer

SEEDED = {"random", "random_fine_tuned"}


async def press(app, pilot, *keys) -> Counter:
    before = Counter(app.session.stats)
    await pilot.press(*keys)
    await settled(app, pilot)
    return Counter({k: v for k, v in (app.session.stats - before).items() if v})


async def test_each_key_recomputes_only_what_it_changes():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        # Moving, comparing and asking for a word run nothing.
        assert await press(app, pilot, "n", "3", "p", "left", "5", "1") == Counter()
        assert await press(app, pilot, "c", "c") == Counter()
        assert await press(app, pilot, "slash", *["backspace"] * 12, *"terrible", "enter", "escape") == Counter()
        assert "pretrained · “terrible”" in screen_text(app)

        # top-N: the neighbour lists of the pretrained and fine-tuned vectors, nothing else; back
        # to the previous length, not even those.
        assert await press(app, pilot, "right_square_bracket") == Counter(neighbours=2)
        assert len(app.result.neighbors["excellent"]) == 5 and "top 5" in screen_text(app)
        assert await press(app, pilot, "left_square_bracket") == Counter()
        assert len(app.result.neighbors["excellent"]) == 4

        # A new seed: the seed-dependent approaches for the one new seed of the spread (43..62),
        # the learning curve (its subsets follow the seed), nothing of the pretrained side.
        seed = await press(app, pilot, "r")
        fitted = {k.partition(":")[2] for k in seed if k.startswith("classifier:")}
        assert fitted == SEEDED and all(seed[f"classifier:{name}"] == 1 for name in SEEDED)
        assert not {"counts", "vectors", "neighbours", "groups", "labeled"} & set(seed)
        assert app.result.experiment.seed == 43

        # Another weighting reuses the counts (and the random vectors: same vocabulary and dimension).
        weighting = await press(app, pilot, "w")
        assert weighting["vectors"] == 1 and "counts" not in weighting and "random" not in weighting
        assert not {f"classifier:{name}" for name in SEEDED} & set(weighting)
        assert app.result.corpus.weighting == "ppmi"

        # The window recounts; back to the previous one, everything is still there.
        window = await press(app, pilot, "plus")
        assert window["counts"] == 1 and "labeled" not in window
        assert app.result.corpus.window == 4
        assert "counts" not in await press(app, pilot, "minus")
        assert app.result.corpus.window == 3
