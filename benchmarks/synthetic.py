"""Deterministic synthetic experiments for benchmarks: Zipfian word streams of a chosen size."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from engine import builtin_experiment_path


def zipf_words(vocabulary: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Pronounceable made-up words and Zipf (s = 1) probabilities for them."""
    rng = np.random.default_rng(seed)
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words, seen = [], set()
    while len(words) < vocabulary:
        word = "".join(rng.choice(syllables, size=rng.integers(2, 5)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    ranks = np.arange(1, vocabulary + 1)
    return words, (1 / ranks) / (1 / ranks).sum()


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
