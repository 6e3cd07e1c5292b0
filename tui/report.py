"""The report as `pretrain-explorer report` prints it, and as the explorer exports it."""

from __future__ import annotations

import json

from engine.pipeline import ExperimentResult
from engine.report import text_sections, to_json
from tui.charts import chart


def render_json(result: ExperimentResult) -> str:
    return json.dumps(to_json(result), indent=2)


def render_text(result: ExperimentResult, width: int = 80, color: bool = False) -> str:
    rule = "=" * min(width, 65)
    out: list[str] = []
    for section in text_sections(result):
        out += [rule, section.title.upper(), rule, *section.lines]
        for name in section.charts:
            out += ["", chart(result, name, width=min(width, 100) - 2, color=color)]
        out.append("")
    return "\n".join(out)
