"""The word map's times at a large vocabulary (issue 24): 40 words on the map of a 100,000-word
vocabulary of synthetic 300-dimensional vectors.

    python benchmarks/word_map.py [--words 100000] [--dimension 300] [--repeats 15] [--no-write]

Measures the installed package, in one process (the vectors are made up: a word's place does not
depend on what the vectors mean), each the median of `repeats`:
- redraw: both panels and the legend drawn from a map already computed (x back to a projection
  seen, a resize), at the 80x24 view's panel size;
- a new map: the projection computed and drawn, the separation figure already known (it is kept
  per pair of groups): PCA, the axis between two groups, typed pairs' axis, a chosen word with its
  nearest words in both panels (a search of the whole vocabulary each);
- once each: the separation figure (leave-one-out over the run's random seeds, each seed's rows
  drawn from its whole stream), the axis over the whole vocabulary (o), the Projector export's files.
Writes its section of docs/benchmarks.md (between its markers) unless --no-write.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # benchmarks/engine.py would shadow the engine

import numpy as np  # noqa: E402
from pretrain_explorer.engine.inspect.projector import projector_files  # noqa: E402
from pretrain_explorer.engine.inspect.maps import Space  # noqa: E402
from pretrain_explorer.engine.inspect.space import AXIS, PAIRS, PCA  # noqa: E402
from pretrain_explorer.engine.inspect.typed_axes import parse_pairs  # noqa: E402
from pretrain_explorer.engine.settings import MAP_MAX_WORDS  # noqa: E402
from pretrain_explorer.engine.vectors import WordVectors, random_vectors  # noqa: E402
from pretrain_explorer.tui.presentation import word_map as words  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: benchmarks.docs_section
from benchmarks.docs_section import write_section  # noqa: E402

HEADING = "## Word map at a large vocabulary (issue 24)"
BEGIN, END = "<!-- benchmarks/word_map.py writes this section: begin -->", "<!-- benchmarks/word_map.py: end -->"
PANEL = (37, 10)  # a panel's cells at 80x24: half the answer's width, the grid's rows
TARGET_MS = 50


def letters(k: int) -> str:
    name = ""
    for _ in range(4):
        name, k = chr(97 + k % 26) + name, k // 26
    return "w" + name


class Result(SimpleNamespace):
    """What the map's functions read of a run's result, over made-up vectors."""


def synthetic(count: int, dimension: int, seeds: int) -> Result:
    rng = np.random.default_rng(0)
    vocabulary = tuple(sorted(letters(k) for k in range(count)))
    matrix = rng.standard_normal((count, dimension))
    chosen = rng.choice(count, MAP_MAX_WORDS, replace=False)
    matrix[chosen[:20], 0] += 3  # two groups of 20 apart along one direction
    matrix[chosen[20:], 0] -= 3
    groups = (SimpleNamespace(name="first", present=tuple(vocabulary[i] for i in chosen[:20])),
              SimpleNamespace(name="second", present=tuple(vocabulary[i] for i in chosen[20:])))
    experiment = SimpleNamespace(seed=42, seeds=seeds, probes=(), top_n=5, lexicon=None, labels=("a", "b"))
    result = Result(experiment=experiment, groups=SimpleNamespace(groups=groups, pairs=()),
                    vectors={"pretrained": WordVectors(vocabulary, matrix),
                             "random": random_vectors(vocabulary, dimension, experiment.seed)})
    result.space = Space(result)
    return result


def median_ms(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def once_ms(action) -> float:
    start = time.perf_counter()
    action()
    return 1000 * (time.perf_counter() - start)


def draw(made) -> None:
    for projection in (made.pretrained, made.random):
        words.scatter(projection, ("a", "b"), ("first", "second"), *PANEL)
    words.legend(("a", "b"), ("first", "second"), False, words.roles_shown(made))


def measure(count: int, dimension: int, repeats: int, seeds: int) -> list[tuple[str, float, bool]]:
    result = synthetic(count, dimension, seeds)
    space = result.space
    pair = ("first", "second")
    rows = [("separation figure, first time (leave-one-out, " + f"{seeds} random seeds)",
             once_ms(lambda: space.map(PCA, pair)), False)]
    made = space.map(PCA, pair)
    rows.append(("redraw (both panels and the legend, map computed)", median_ms(lambda: draw(made), repeats), True))
    g = result.groups.groups
    typed = parse_pairs(f"{g[1].present[0]}-{g[0].present[0]}, {g[1].present[1]}-{g[0].present[1]}",
                        result.vectors["pretrained"])
    targets = [("new map: PCA", lambda: draw(space.map(PCA, pair))),
               ("new map: axis between the groups", lambda: draw(space.map(AXIS, pair))),
               ("new map: typed pairs' axis", lambda: draw(space.map(PAIRS, pair, None, typed))),
               ("new map: a chosen word and its 5 nearest in each panel",
                lambda: draw(space.map(PCA, pair, g[0].present[2])))]
    for name, action in targets:
        def fresh(action=action):
            space._maps.clear()  # computed afresh each time; the separation figure stays known
            action()
        rows.append((name, median_ms(fresh, repeats), True))
    rows.append(("axis over the whole vocabulary (o), first time", once_ms(lambda: space.reach(pair)), False))
    rows.append(("Projector export's files (text of 2,000,000 cells)",
                 once_ms(lambda: projector_files(result, made)), False))
    return rows


def section(rows, count: int, dimension: int, repeats: int, seeds: int, load_before: float, load_after: float) -> str:
    head = (f"40 words on the map of a {count:,}-word vocabulary of synthetic {dimension}-dimensional vectors, "
            f"panels of {PANEL[0]}x{PANEL[1]} cells as at 80x24. Medians of {repeats} where marked, else one "
            f"measurement. Written by `python benchmarks/word_map.py` on {platform.machine()}, {os.cpu_count()} "
            f"cores, {date.today()}; load average {load_before:.1f} before, {load_after:.1f} after.\n\n"
            f"| what | ms | median of {repeats} | under {TARGET_MS} ms |\n| --- | ---: | --- | --- |\n")
    lines = [f"| {name} | {ms:,.1f} | {'yes' if median else 'once'} | "
             f"{('yes' if ms < TARGET_MS else 'no') if median else ''} |" for name, ms, median in rows]
    return head + "\n".join(lines) + "\n"


def write(text: str) -> None:
    write_section(HEADING, BEGIN, END, text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--dimension", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seeds", type=int, default=3, help="random seeds of the separation figure")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    before = os.getloadavg()[0]
    rows = measure(args.words, args.dimension, args.repeats, args.seeds)
    text = section(rows, args.words, args.dimension, args.repeats, args.seeds, before, os.getloadavg()[0])
    print(text)
    if not args.no_write:
        write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
