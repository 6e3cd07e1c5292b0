"""Analogy questions in the Google format (`: section` lines, then `a b c d` lines: a is to b as c
is to d), answered by 3CosAdd and counted exactly as gensim's KeyedVectors.evaluate_word_analogies
counts them: words compared in capitals (the first word of each capitalisation stands for it), the
answer searched among the first `restrict` words, questions with a word outside them skipped (and
counted against coverage), the best of the first ANALOGY_TOP_N answers that is not a question word
taken as the prediction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ExperimentError
from ..settings import ANALOGY_TOP_N
from ..text import read_text

_BATCH = 256  # questions scored in one matrix product


@dataclass(frozen=True)
class Question:
    a: str
    b: str
    c: str
    expected: str
    line: int


@dataclass(frozen=True)
class SectionScore:
    name: str
    questions: int  # in the file
    asked: int  # all four words among the words searched
    correct: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.asked if self.asked else None

    @property
    def coverage(self) -> float:
        return self.asked / self.questions if self.questions else 0.0


def read_analogy_questions(path: Path) -> tuple[tuple[str, tuple[Question, ...]], ...]:
    """The sections in order, each with its questions; ExperimentError naming the line of anything
    else (gensim skips a line that is not four words silently; this program says so)."""
    sections: list[tuple[str, list[Question]]] = []
    for number, line in enumerate(read_text(Path(path)).splitlines(), start=1):
        if line.startswith(": "):
            sections.append((line.lstrip(": ").strip(), []))
            continue
        if not line.strip():
            continue
        if not sections:
            raise ExperimentError(path, "a question before the first `: section` line", number)
        words = line.split()
        if len(words) != 4:
            raise ExperimentError(path, f"expected four words (a is to b as c is to d), found {len(words)}", number)
        sections[-1][1].append(Question(*words, number))
    if not any(questions for _, questions in sections):
        raise ExperimentError(path, "holds no analogy questions (`: section` lines, then lines of four words)")
    return tuple((name, tuple(questions)) for name, questions in sections)


def looks_like_analogies(path: Path) -> bool:
    """Whether a file's first non-blank line is a `: section` line (word pairs never start so)."""
    for line in read_text(Path(path)).splitlines():
        if line.strip():
            return line.startswith(": ")
    return False


def evaluate_analogies(words, matrix: np.ndarray, sections, restrict: int) -> tuple[SectionScore, ...]:
    """Each section's score, then the total ('Total accuracy', as gensim names it), for vectors
    whose `words` are in order of frequency (an imported file's order) or any order for all."""
    kept = list(words[:restrict])
    index: dict[str, int] = {}
    for i in reversed(range(len(kept))):  # the first of each capitalisation wins, as in gensim
        index[kept[i].upper()] = i
    rows = np.asarray(matrix[:len(kept)], dtype=np.float64)
    norms = np.linalg.norm(rows, axis=1)
    unit = rows / np.where(norms > 0, norms, 1.0)[:, None]
    scores = []
    for name, questions in sections:
        known = [q for q in questions if all(w.upper() in index for w in (q.a, q.b, q.c, q.expected))]
        correct = 0
        for first in range(0, len(known), _BATCH):
            batch = known[first:first + _BATCH]
            correct += sum(_answers(batch, index, kept, unit))
        scores.append(SectionScore(name, len(questions), len(known), correct))
    scores.append(SectionScore("Total accuracy", sum(s.questions for s in scores), sum(s.asked for s in scores),
                               sum(s.correct for s in scores)))
    return tuple(scores)


def _answers(batch: list[Question], index: dict[str, int], kept: list[str], unit: np.ndarray) -> list[bool]:
    """Whether each question's prediction is its expected word: gensim's most_similar(positive=[b, c],
    negative=[a]) over the unit vectors, the question's rows left out, then its loop over the answers."""
    inputs = np.array([[index[q.a.upper()], index[q.b.upper()], index[q.c.upper()]] for q in batch])
    query = unit[inputs[:, 1]] + unit[inputs[:, 2]] - unit[inputs[:, 0]]
    query /= np.where((n := np.linalg.norm(query, axis=1)) > 0, n, 1.0)[:, None]
    cosines = unit @ query.T  # words x questions
    take = min(ANALOGY_TOP_N + 3, len(kept))
    top = np.argpartition(-cosines, take - 1, axis=0)[:take] if take < len(kept) else \
        np.broadcast_to(np.arange(len(kept))[:, None], (len(kept), len(batch)))
    out = []
    for j, q in enumerate(batch):
        candidates = sorted(top[:, j], key=lambda i: -cosines[i, j])
        typed = set(inputs[j].tolist())
        answers = [kept[i].upper() for i in candidates if i not in typed][:ANALOGY_TOP_N]
        ignore = {q.a.upper(), q.b.upper(), q.c.upper()}
        predicted = None
        for predicted in answers:
            if predicted in index and predicted not in ignore:
                break
        out.append(predicted == q.expected.upper())
    return out
