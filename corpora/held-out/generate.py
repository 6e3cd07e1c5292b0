"""Writes the held-out-words experiment's data from lexicon.toml, deterministically.

    python corpora/held-out/generate.py [OUTPUT_FOLDER]

The output (general.txt, stopwords.txt, train.csv, test.csv, transfer.csv) is committed beside this
file; running the generator again reproduces it byte for byte.
"""

from __future__ import annotations

import csv
import random
import re
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def articled(text: str) -> str:
    """"a" becomes "an" before a vowel, so the sentences read as English."""
    return re.sub(r"\ba (?=[aeiou])", "an ", text)


def sentence(rng: random.Random, templates: list[str], topics: list[str], adjectives: list[str],
             contexts: list[str]) -> str:
    template = rng.choice(templates)
    return articled(template.format(topic=rng.choice(topics), adjective=rng.choice(adjectives),
                                    context=rng.choice(contexts)))


def labeled(rng: random.Random, lexicon: dict, per_class: int, topics: list[str], part: str) -> list[tuple[str, str]]:
    """`per_class` sentences a class; topics cycle so each occurs as often in both classes."""
    rows = []
    for label in ("positive", "negative"):
        adjectives = lexicon[f"{label}_{part}"]
        for i in range(per_class):
            template = lexicon["labeled_templates"][i % len(lexicon["labeled_templates"])]
            text = template.format(topic=topics[i % len(topics)], adjective=rng.choice(adjectives))
            rows.append((articled(text), label))
    rng.shuffle(rows)
    return rows


def write_csv(path: Path, rows: list[tuple[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["text", "label"])
        writer.writerows(rows)


def main(out: Path = HERE) -> None:
    lexicon = tomllib.loads((HERE / "lexicon.toml").read_text(encoding="utf-8"))
    rng = random.Random(lexicon["seed"])
    topics = lexicon["entertainment"] + lexicon["products"]
    lines = []
    for _ in range(lexicon["corpus_sentences"]):
        label = rng.choice(("positive", "negative"))
        adjectives = lexicon[f"{label}_labeled"] + lexicon[f"{label}_held_out"]
        lines.append(sentence(rng, lexicon["corpus_templates"], topics, adjectives, lexicon[f"{label}_context"]))
    (out / "general.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "stopwords.txt").write_text(lexicon["stopwords"] + "\n", encoding="utf-8")
    write_csv(out / "train.csv", labeled(rng, lexicon, lexicon["labeled_per_class"], lexicon["entertainment"], "labeled"))
    write_csv(out / "test.csv", labeled(rng, lexicon, lexicon["test_per_class"], lexicon["entertainment"], "held_out"))
    write_csv(out / "transfer.csv", labeled(rng, lexicon, lexicon["transfer_per_class"], lexicon["products"], "held_out"))


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
