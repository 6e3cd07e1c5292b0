"""Each control of the explorer recomputes only the engine stages its change invalidates: the
session's counters say which stages computed, key by key."""

from collections import Counter

import numpy as np

from pretrain_explorer.engine.finetuning.approaches import APPROACHES
from pretrain_explorer.engine.finetuning.labeled import labeled_key
from pretrain_explorer.engine.run.context import curve_subset
from helpers import screen_text, settled
from pretrain_explorer.tui.app import PretrainExplorer

SEEDED = {"random", "random_fine_tuned"}
LABELED = ("stopwords", "train", "test", "transfer")


async def press(app, pilot, *keys) -> Counter:
    before = Counter(app.session.stats)
    await pilot.press(*keys)
    await settled(app, pilot)
    return Counter({k: v for k, v in (app.session.stats - before).items() if v})


def subsets(app, draw: int) -> list[bytes]:
    """The learning curve's train subsets of one draw, below the largest size (the whole set)."""
    data = app.session.peek("labeled", labeled_key(*(getattr(app.result.experiment, f) for f in LABELED)))
    return [curve_subset(data, size, np.random.default_rng([draw, size])).tobytes()
            for size in app.result.learning_curve.sizes[:-1]]


def new_curve_fits(app, previous, new: int) -> Counter:
    """Per approach, the curve tasks a new draw adds: all of a seeded approach's (its own random
    vectors), and for the others the subsets no previous draw had."""
    known = {b for draw in previous for b in subsets(app, draw)}
    own = subsets(app, new)
    return +Counter({a.name: len(own) if a.seeded else len(set(own) - known) for a in APPROACHES})


def curve_tasks(app) -> int:
    return len(APPROACHES) * app.result.experiment.seeds * (len(app.result.learning_curve.sizes) - 1)


async def test_each_key_recomputes_only_what_it_changes():
    app = PretrainExplorer()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(app, pilot)
        # Moving, comparing and asking for a word run nothing.
        assert await press(app, pilot, "n", "3", "p", "left", "5", "1") == Counter()
        assert await press(app, pilot, "c", "c") == Counter()
        assert await press(app, pilot, "slash", *["backspace"] * 12, *"terrible", "enter", "escape") == Counter()
        assert "pretrained · “terrible”" in screen_text(app)

        # top-N: the probes' neighbour lists in each set of vectors (pretrained, random, from scratch,
        # fine-tuned), nothing else; back to the previous length, not even those.
        assert await press(app, pilot, "right_square_bracket") == Counter(neighbours=4)
        assert len(app.result.neighbors["excellent"]) == 5 and "top 5" in screen_text(app)
        assert await press(app, pilot, "left_square_bracket") == Counter()
        assert len(app.result.neighbors["excellent"]) == 4

        # A new seed: the seed-dependent approaches for the one new seed of the spread (43..62),
        # and of the learning curve only that seed's draw (its subsets are seed 62's; a subset an
        # earlier draw already had is not fitted again, and the largest size is the whole train
        # set, fitted above); nothing of the pretrained side.
        seed = await press(app, pilot, "r")
        fitted = {k.partition(":")[2] for k in seed if k.startswith("classifier:")}
        assert fitted == SEEDED and all(seed[f"classifier:{name}"] == 1 for name in SEEDED)
        assert not {"counts", "vectors", "groups", "labeled"} & set(seed)
        assert seed["neighbours"] == 1  # the probes' lists in the new random vectors only
        assert app.result.experiment.seed == 43
        curve = Counter({k.partition(":")[2]: v for k, v in seed.items() if k.startswith("curve:")})
        assert curve == new_curve_fits(app, previous=range(42, 62), new=62)
        assert curve["random_fine_tuned"] == len(app.result.learning_curve.sizes) - 1
        assert sum(curve.values()) < 0.1 * curve_tasks(app)

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
