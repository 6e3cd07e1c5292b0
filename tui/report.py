"""The report as `pretrain-explorer report` prints it, and as the explorer exports it."""

from __future__ import annotations

import json

from pretrain_explorer.engine.run.results import ExperimentResult
from pretrain_explorer.engine.run.json_form import to_json
from pretrain_explorer.tui.presentation.report import notes, render_text

__all__ = ["render_json", "render_text"]


def render_json(result: ExperimentResult) -> str:
    return json.dumps({**to_json(result), "notes": notes(result)}, indent=2)
