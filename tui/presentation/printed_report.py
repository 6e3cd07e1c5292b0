"""The report as `pretrain-explorer report` prints it and the explorer exports it: text, stage by
stage in at most `width` columns, or JSON (the engine's form of the result with the notes)."""

from __future__ import annotations

import io
import json
import re

from rich.cells import cell_len
from rich.console import Console
from rich.terminal_theme import DEFAULT_TERMINAL_THEME
from rich.text import Text

from ...engine.inspect.space import AXIS, PCA
from ...engine.run.json_form import grid_json, to_json
from ...engine.run.results import ApproachResult, ExperimentResult
from ...engine.settings import MASKED_LM_FINE_TUNING
from . import map_axes, verdicts, word_map
from .approaches import describe, on_encoder, score_kind
from .charts import chart
from .claims import all_claims, margin
from .grid import GRID_APPROACH, GRID_TITLE, grid_lines, grid_reading
from .memory import memory_sentence
from .stages import STAGES, class_list, further_comparisons, imported_note, vectors_quality
from .style import number, pct, score, seeds, similarity
from .widths import clip, head, left, pack, right, short, wrap

PREDICTION_TEXT_CELLS = 10  # at least this much of a sentence beside its scores, else the scores go below it
RANDOM_NOTE = ("The lesson does not give its random generator, so its random-feature figures cannot "
               "be reproduced; these come from numpy's PCG64 seeded with [random] seed.")


def _neighbours(ns) -> str:
    return ", ".join(f"{w} ({s:.3f})" for w, s in ns) if ns else "not in the vocabulary"


def _pretraining(result: ExperimentResult, width: int, handout: bool = False) -> list[str]:
    """Stage 1's figures; for the handout, without the method's details (which SVD, how exact, the
    memory estimate): those are the text report's, for whoever runs the experiment."""
    e, c = result.experiment, result.corpus
    lines = wrap(f"Experiment: {e.name} ({e.title})", width)
    if imported_note(result) is not None:
        lines += wrap(imported_note(result), width)
        lines += wrap(f"Vocabulary: {c.vocabulary:,} words; dimension {c.dimension:,}", width)
    elif e.vectors_path is not None:
        lines += wrap(f"Vectors pretrained once: {e.vectors_path}, from {c.sentences:,} lines, "
                      f"{c.tokens:,} tokens, {c.kept_tokens:,} kept", width)
    else:
        lines += wrap(f"Corpus: {c.sentences:,} lines, {c.tokens:,} tokens, {c.kept_tokens:,} after "
                      f"removing {len(e.stopwords)} stopwords", width)
    if imported_note(result) is None:
        lines += wrap(f"Vocabulary: {c.vocabulary:,} words; dimension {c.dimension:,}; window {c.window}; "
                      f"weighting {c.weighting}", width)
    for sentence in vectors_quality(result, detailed=not handout):
        lines += wrap(sentence, width)
    if result.memory is not None and not handout:
        lines += wrap(memory_sentence(result.memory), width)
    lines += ["", f"Nearest neighbours (pretrained, top {e.top_n}):"]
    for probe, ns in result.neighbors.items():
        lines += wrap(f'"{probe}" --> {_neighbours(ns)}', width, "  ")
    scratch = result.vectors["from_scratch"]
    lines += [""] + wrap(f"Nearest neighbours from scratch (counts over the {len(e.train)} labeled "
                         f"sentences alone, {len(scratch.words)} words):", width)
    found = result.probe_neighbors.get("from_scratch", {})  # as the run found them, else searched now
    for probe in e.probes:
        ns = found[probe] if probe in found else scratch.nearest(probe, e.top_n)
        lines += wrap(f'"{probe}" --> {_neighbours(ns)}', width, "  ")
    return lines


def _fine_tuning(result: ExperimentResult, width: int) -> list[str]:
    e = result.experiment
    lines = wrap(f"Labeled sentences: {len(e.train):,} in {len(e.labels):,} classes ({class_list(e.labels)})", width)
    label_width = max(cell_len(short(label)) for label in e.labels)
    for s in e.train:
        lines.append(clip(f"  {right(short(s.label), label_width)}  {s.text}", width))
    lines += [""] + wrap(f"Training: {e.training.epochs} epochs of full-batch gradient descent, learning "
                         f"rate {e.training.learning_rate:g}, L2 {e.training.l2:g} (mean-pooled vectors, "
                         "softmax, cross-entropy)", width)
    for a in result.approaches.values():
        if a.losses and not on_encoder(a.name):
            lines.append(f"  {a.name:>18}: loss {a.losses[0]:.4f} -> {a.losses[-1]:.4f}")
    if any(on_encoder(name) for name in result.approaches):
        lines += wrap(f"Training of the masked language model's approaches: {MASKED_LM_FINE_TUNING.epochs} epochs of "
                      f"Adam in batches of {MASKED_LM_FINE_TUNING.batch}, end to end at most "
                      f"{MASKED_LM_FINE_TUNING.max_steps} steps (mean-pooled hidden states, softmax, "
                      "cross-entropy)", width)
        for a in result.approaches.values():
            if a.losses and on_encoder(a.name):
                lines.append(f"  {a.name:>18}: loss {a.losses[0]:.4f} -> {a.losses[-1]:.4f}")
    if unfinished := verdicts.unfinished_training(result):
        lines += wrap(unfinished, width)
    lines += [""] + wrap("Words whose vectors fine-tuning moved most (Euclidean distance): "
                         + ", ".join(f"{w} ({d:.3f})" for w, d in result.drift.moved), width)
    lines += ["", "Neighbours before -> after fine-tuning:"]
    for probe in e.probes:
        before = ", ".join(w for w, _ in result.drift.neighbors_before[probe]) or "not in the vocabulary"
        after = ", ".join(w for w, _ in result.drift.neighbors_after[probe]) or "not in the vocabulary"
        lines += wrap(f'"{probe}": {before}', width, "  ") + wrap(f"-> {after}", width, "    ")
    return lines


def _predictions(approach: ApproachResult, split: str, labels: tuple[str, ...], width: int) -> list[str]:
    scores_of = getattr(approach, split)
    lines = [head(f"--- {approach.name}: {describe(approach.name)} ---", width), f"  scores: {score_kind(approach)}"]
    for p in scores_of.predictions:
        mark = "OK   " if p.correct else "WRONG"
        scores = [f"{left(head(label, 3), 3)} {score(p.scores[label])}" for label in labels]
        verdict = f"  {mark} {right(short(p.predicted), 8)} (true {right(short(p.label), 8)})  "
        line = f"{verdict}{' '.join(scores)}  "
        if cell_len(line) + PREDICTION_TEXT_CELLS <= width:  # as it always was: the scores, then the sentence
            lines.append(line + clip(p.text, width - cell_len(line)))
        else:  # too many classes or too long a label: the sentence, then the scores below it, whole
            lines.append(verdict + clip(p.text, width - cell_len(verdict)))
            lines += pack(scores, width, "      ")
    stats = approach.over_seeds(split)
    accuracy = f"  Accuracy: {scores_of.correct}/{len(scores_of.predictions)} = {pct(scores_of.accuracy)}"
    if stats is not None:
        accuracy += f" (over {seeds(stats.n)}: {pct(stats.mean)} ± {number(100 * stats.std)})"
    return lines + [accuracy, ""]


def _seen(result: ExperimentResult, split: str, width: int) -> list[str]:
    lines = ["Words of each sentence that also occur in the labeled sentences:"]
    for p in getattr(next(iter(result.approaches.values())), split).predictions:
        seen = "seen: " + (", ".join(p.seen_words) or "none")
        lines.append(clip(f"  {left(clip(p.text, 40), 40)}  {seen}", width))
    return lines + [""]


def _split(result: ExperimentResult, split: str, width: int) -> list[str]:
    e = result.experiment
    lines = [line for sentence in further_comparisons(result, split) for line in wrap(sentence, width)] + [""]
    for name, description in ((n, describe(n)) for n in result.approaches):
        lines += wrap(f"{name}: {description}", width, "  ")
    lines += [""] + _seen(result, split, width)
    for approach in result.approaches.values():
        if getattr(approach, split) is not None:
            lines += _predictions(approach, split, e.labels, width)
    return lines


def _comparison(result: ExperimentResult, width: int) -> list[str]:
    lines = [f"Test sentences: {len(result.experiment.test)}"] + wrap(RANDOM_NOTE, width) + [""]
    lines += _split(result, "test", width)
    lines += [line for sentence in margin(result).split("\n") for line in wrap(sentence, width)]
    curve = result.learning_curve
    lines += [""] + wrap(f"Learning curve: test accuracy (%) by labeled examples per class, mean over "
                         f"{curve.seeds} seeds", width)
    names = max(len(name) for name in curve.mean)
    # As many sizes a row as fit the width; more sizes continue in a second block below.
    per_row = max(1, (width - names - 2) // 6)
    for start in range(0, len(curve.sizes), per_row):
        sizes = range(start, min(start + per_row, len(curve.sizes)))
        lines.append("  " + " " * names + "".join(f"{curve.sizes[i]:>6}" for i in sizes))
        lines += ["  " + f"{name:>{names}}" + "".join(f"{100 * curve.mean[name][i]:>6.1f}" for i in sizes)
                  for name in curve.mean]
    return lines


def _transfer(result: ExperimentResult, width: int) -> list[str]:
    return [f"New-domain sentences: {len(result.experiment.transfer)}, classified by the same classifiers", ""] \
        + _split(result, "transfer", width)


def _captures(result: ExperimentResult, width: int) -> list[str]:
    lines = ["Average cosine within each group:"]
    for g in result.groups.groups:
        lines.append(f"  {short(g.name)} within: {similarity(g.within)}"
                     + (f" (random vectors: {similarity(g.random_within)})" if g.random_within is not None else ""))
        lines += wrap("words: " + ", ".join(g.present), width, "    ")
        if g.missing:
            lines += wrap("not in the vocabulary: " + ", ".join(g.missing), width, "    ")
    lines.append("Average cosine between groups:")
    for p in result.groups.pairs:  # the random figure on a line of its own when both do not fit
        line = f"  {short(p.first)} vs {short(p.second)}: {similarity(p.between)}"
        extra = f" (random vectors: {similarity(p.random_between)})" if p.random_between is not None else ""
        lines += [line + extra] if cell_len(line + extra) <= width else [line, "   " + extra]
    return lines + _word_map(result, width)


def _word_map(result: ExperimentResult, width: int) -> list[str]:
    """Stage 5's word map: the PCA picture, pretrained beside random, the coordinates, and the
    separation figure of the axis between the least alike groups."""
    made = result.space.map()
    if not made.pretrained.words:
        return []
    groups = tuple(g.name for g in result.groups.groups)
    lines = ["", "Word map (unit vectors; PCA of the shown words):"]
    lines += [line.plain.rstrip() for line in word_map.side_by_side(made, result.experiment.labels, groups, width)]
    lines += ["", "Coordinates:"] + word_map.coordinate_lines(made, width)
    lines += [""] + wrap(word_map.separation_sentence(made.separation), width)
    reach = result.space.reach()
    return lines + ([""] + [line.plain.rstrip() for line in map_axes.reach_lines(reach, result.experiment.lexicon, width)]
                    if reach is not None else [])


SECTIONS = {1: (_pretraining, ()), 2: (_fine_tuning, ("loss",)), 3: (_comparison, ("accuracy:test", "curve")),
            4: (_transfer, ("accuracy:transfer",)), 5: (_captures, ("groups",))}


def _sections(result: ExperimentResult):
    """The stages the result shows (no transfer stage without transfer sentences), each with the
    lines and the charts SECTIONS gives it."""
    for stage in STAGES:
        if stage.number == 4 and result.experiment.transfer is None:
            continue
        yield (stage, *SECTIONS[stage.number])


def _plain(text: Text, color: bool) -> str:
    if not color:
        return text.plain
    console = Console(color_system="truecolor", force_terminal=True, width=10_000)
    with console.capture() as captured:
        console.print(text, end="", soft_wrap=True)
    return captured.get()


def render_text(result: ExperimentResult, width: int = 80, color: bool = False, grid=None) -> str:
    """The report; with `grid` (engine.run.grid's LabelGrid, `report --grid`) its heat map at the end."""
    width = min(width, 80)
    out: list[str] = []
    for stage, lines, charts in _sections(result):
        out += ["=" * min(width, 65), f"{stage.number} {stage.title}".upper(), "=" * min(width, 65)]
        out += wrap(stage.note(result, keys=False), width) + [""] + lines(result, width)
        for name in charts:
            out += ["", _plain(chart(result, name, width - 2), color)]
        out.append("")
    if grid is not None:
        out += ["=" * min(width, 65), GRID_TITLE.upper(), "=" * min(width, 65)]
        out += [_plain(line, color) for line in grid_lines(grid, width, color)] + [""]
    return "\n".join(out)


# Key hints belong on screen: a handout has no keys to press.
_KEY_HINTS = re.compile(r" ?/ a word · c compare · f fill a blank · e why neighbours| \(y shows each word's push\)"
                        r"| \(t: [^)]*\)")


def handout_charts(result: ExperimentResult) -> dict[str, str]:
    """The handout's charts as SVG pictures, by chart name (CHARTS), in the order the handout shows
    them: drawn as the report draws them at 80 columns, in colour, on a light page for printing."""
    drawn = {}
    for _, _, charts in _sections(result):
        for name in charts:
            console = Console(record=True, width=80, file=io.StringIO(), color_system="truecolor",
                              force_terminal=True)
            picture = chart(result, name, 78)
            console.print(picture, soft_wrap=True)
            title = picture.plain.split("\n", 1)[0].strip()
            drawn[name] = console.export_svg(title=f"{result.experiment.name}: {title}",
                                             theme=DEFAULT_TERMINAL_THEME)
    return drawn


def chart_file(handout: str, name: str) -> str:
    """The file name of chart `name` beside the handout file `handout` (a name, not a path)."""
    stem = handout.rsplit(".", 1)[0] if "." in handout else handout
    return f"{stem}-{name.replace(':', '-')}.svg"


def render_markdown(result: ExperimentResult, chart_files: dict[str, str] | None = None) -> str:
    """The report as a handout to print: Markdown, the notes as paragraphs, each stage's figures as
    render_text lays them out (in fixed-width blocks), without key hints. Its charts are drawn in
    the text blocks, or, given `chart_files` (chart name -> file beside the handout, see
    handout_charts), shown as those pictures."""
    e = result.experiment
    out = [f"# {e.name}: {e.title}", ""]
    for stage, lines, charts in _sections(result):
        out += [f"## {stage.number} {stage.title}", "", stage.note(result, keys=False), "", "```text"]
        body = _pretraining(result, 80, handout=True) if stage.number == 1 else lines(result, 80)
        out += [_KEY_HINTS.sub("", line).rstrip() for line in body]
        pictures = []
        for name in charts:
            drawn = _plain(chart(result, name, 78), False).split("\n")
            if chart_files and name in chart_files:
                pictures += [f"![{drawn[0].strip()}]({chart_files[name]})", ""]
            else:
                out += [""] + [_KEY_HINTS.sub("", line).rstrip() for line in drawn]
        out += ["```", ""] + pictures
    return "\n".join(out)


def notes(result: ExperimentResult) -> dict[str, str]:
    """Each stage's note as the text report prints it (no explorer keys), for the JSON report."""
    return {stage.title: stage.note(result, keys=False) for stage in STAGES}


def claims(result: ExperimentResult) -> dict[str, list[dict]]:
    """Every claim of every split and of the learning curve, with its figures, p and words: the
    sentences the text report prints under the notes."""
    return {where: [c.as_json() for c in found] for where, found in all_claims(result).items()}


def render_json(result: ExperimentResult, grid=None) -> str:
    extra = {} if grid is None else {"grid": {**grid_json(grid), "shown": GRID_APPROACH,
                                              "reading": grid_reading(grid, GRID_APPROACH)}}
    return json.dumps({**to_json(result), "notes": notes(result), "claims": claims(result),
                       "word_map": word_maps(result), **extra}, indent=2)


def word_maps(result: ExperimentResult) -> dict:
    """Stage 5's word map by PCA and along the axis between the least alike groups: every shown
    word's coordinates under pretrained and random vectors, and the separation figure."""
    return {"pca": word_map.map_json(result.space.map(PCA)),
            "axis": word_map.map_json(result.space.map(AXIS)) if result.space.default_pair else None,
            "vocabulary_axis": map_axes.reach_json(result.space.reach(), result.experiment.lexicon)}
