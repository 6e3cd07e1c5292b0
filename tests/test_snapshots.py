"""Every stage on the kata, at 80x24 and 120x40, must not drift. Update deliberately with
`.venv/bin/pytest tests/test_snapshots.py --snapshot-update`, after looking at the new screens."""

import pytest

from helpers import settled
from tui.app import PretrainExplorer


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("stage", ["1", "2", "3", "4", "5"])
def test_stage(snap_compare, stage, size):
    app = PretrainExplorer()

    async def ready(pilot):
        await settled(app, pilot)
        await pilot.press(stage)
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=size, run_before=ready)
