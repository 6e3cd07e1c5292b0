"""Every stage and every live view on the kata, at 80x24 and 120x40, must not drift. Update
deliberately with `.venv/bin/pytest tests/test_snapshots.py --snapshot-update`, after looking at
the new screens."""

import pytest

from helpers import settled
from pretrain_explorer.tui.app import PretrainExplorer
from pretrain_explorer.tui.preferences import save_preferences

@pytest.fixture(autouse=True)
def hinted() -> None:
    """The first run's welcome, a notification that times out, is no part of the screens compared."""
    save_preferences({"hinted": True})


SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


@SIZES
@pytest.mark.parametrize("stage", ["1", "2", "3", "4", "5"])
def test_stage(snap_compare, stage, size):
    app = PretrainExplorer()

    async def ready(pilot):
        await settled(app, pilot)
        await pilot.press(stage)
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=size, run_before=ready)


# Each view by the keys a user presses: the three live views, the help, predict first asked and answered.
VIEWS = {"fill-blank": ("f",), "why-neighbours": ("e",), "why-prediction": ("y",), "help": ("question_mark",),
         "quiz-asked": ("3",), "quiz-answered": ("3", "a", "1"), "curve-numbers": ("t",), "curve-chart": ("3",)}
SCROLLED_TO = {"curve-numbers": ".curve-numbers", "curve-chart": "#curve"}  # below the accuracy chart


@SIZES
@pytest.mark.parametrize("view", list(VIEWS))
def test_view(snap_compare, view, size):
    app = PretrainExplorer(quiz=view.startswith("quiz"))

    async def ready(pilot):
        await settled(app, pilot)
        await pilot.press(*VIEWS[view])
        await settled(app, pilot)  # the view drawn
        if view in SCROLLED_TO:
            app.query_one(SCROLLED_TO[view]).scroll_visible(animate=False, top=True)
            await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=size, run_before=ready)
