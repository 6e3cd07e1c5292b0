"""The report as `pretrain-explorer report` prints it, and as the explorer exports it."""

from __future__ import annotations

import json

from engine.pipeline import ExperimentResult
from engine.report import text_sections, to_json
from tui.charts import chart


def render_json(result: ExperimentResult) -> str:
    return json.dumps(to_json(result), indent=2)


def render_text(result: ExperimentResult, width: int = 80, color: bool = False) -> str:
    # The lesson's chart colour, #3b82f6, when colour is asked for.
    rule = "=" * min(width, 65)
    out: list[str] = []
    for section in text_sections(result):
        out += [rule, section.title.upper(), rule, *section.lines]
        if section.chart:
            out += ["", chart(result, section.chart, width=min(width, 100) - 2, bar_color=(59, 130, 246) if color else None)]
        out.append("")
    return "\n".join(out)
