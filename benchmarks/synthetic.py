"""Deterministic synthetic experiments for benchmarks: Zipfian word streams of a chosen size."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import numpy as np

from pretrain_explorer.engine import builtin_experiment_path


def zipf_words(vocabulary: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Pronounceable made-up words and Zipf (s = 1) probabilities for them."""
    words, p = _zipf_words(vocabulary, seed)
    return list(words), p.copy()


@functools.lru_cache(maxsize=8)
def _zipf_words(vocabulary: int, seed: int) -> tuple[tuple[str, ...], np.ndarray]:
    # Made once per size: an experiment's corpus and each of its labeled files ask for the same words.
    rng = np.random.default_rng(seed)
    syllables = np.array([c + v for c in "bdfgklmnprstvz" for v in "aeiou"])  # the same draws as a list gives
    words, seen = [], set()
    while len(words) < vocabulary:
        word = "".join(syllables[rng.integers(0, len(syllables), size=rng.integers(2, 5))])
        if word not in seen:
            seen.add(word)
            words.append(word)
    ranks = np.arange(1, vocabulary + 1)
    return tuple(words), (1 / ranks) / (1 / ranks).sum()


def zipf_lines(tokens: int, vocabulary: int, line_length: int = 12, seed: int = 0):
    """Lines of `line_length` words drawn from a Zipfian vocabulary, `tokens` words in all."""
    words, p = zipf_words(vocabulary, seed)
    rng = np.random.default_rng(seed + 1)
    vocab = np.array(words)
    for start in range(0, tokens, 100_000):
        ids = rng.choice(vocabulary, size=min(100_000, tokens - start), p=p)
        chunk = vocab[ids]
        for i in range(0, len(chunk), line_length):
            yield " ".join(chunk[i : i + line_length])


def experiment_folder(folder: Path, tokens: int, vocabulary: int) -> Path:
    """The kata's labeled files with a synthetic corpus (the kata's own lines included)."""
    kata = builtin_experiment_path().parent
    shutil.copytree(kata, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    with open(folder / "general.txt", "a", encoding="utf-8") as out:
        for line in zipf_lines(tokens, vocabulary):
            out.write(line + "\n")
    return folder / "experiment.toml"


def labeled_rows(count: int, classes: int, vocabulary: int, seed: int, class_words: int = 40,
                 length: int = 12) -> list[tuple[str, str]]:
    """(text, label) rows: Zipfian filler words with three words typical of the row's class, drawn
    from that class's own band of mid-frequency words, so that labels relate to words."""
    words, p = zipf_words(vocabulary, 0)
    rng = np.random.default_rng(seed)
    band = np.arange(200, 200 + classes * class_words).reshape(classes, class_words)
    rows = []
    for _ in range(count):
        label = int(rng.integers(classes))
        filler = rng.choice(vocabulary, size=length - 3, p=p)
        typical = rng.choice(band[label], size=3)
        ids = rng.permutation(np.concatenate([filler, typical]))
        rows.append((" ".join(words[i] for i in ids), f"class{label:02d}"))
    return rows


def labeled_experiment(folder: Path, tokens: int, vocabulary: int, sizes: tuple[int, int, int],
                       classes: int = 2, weighting: str = "svd", dim: int = 100, window: int = 5) -> Path:
    """A synthetic corpus of `tokens` Zipfian words and train, test and transfer sets of the given
    sizes whose labels relate to words (see labeled_rows)."""
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "general.txt", "w", encoding="utf-8") as out:
        for line in zipf_lines(tokens, vocabulary):
            out.write(line + "\n")
    for name, count, seed in zip(("train", "test", "transfer"), sizes, (1, 2, 3)):
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["text", "label"])
            writer.writerows(labeled_rows(count, classes, vocabulary, seed))
    words, _ = zipf_words(vocabulary, 0)
    probes = ", ".join(f'"{w}"' for w in words[200:204])
    (folder / "experiment.toml").write_text(
        f'name = "synthetic"\n[pretraining]\ncorpus = "general.txt"\nwindow = {window}\n'
        f'weighting = "{weighting}"\ndim = {dim}\n'
        '[finetuning]\ntrain = "train.csv"\ntest = "test.csv"\ntransfer = "transfer.csv"\n'
        f'[analysis]\nprobes = [{probes}]\ntop_n = 5\n'
    )
    return folder / "experiment.toml"
