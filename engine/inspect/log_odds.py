"""Words typical of each class: the weighted log-odds ratio with an informative Dirichlet prior
(Monroe, Colaresi and Quinn 2008, "Fightin' Words", eq. 16 and 17), one class against the others.

For word w, class i and the other classes j together, with the prior's pseudo-counts a_w (a share of
a0 = the sum of every a_w, in proportion to w's frequency in the unlabeled corpus):

    delta_w = log((y_wi + a_w) / (n_i + a0 - y_wi - a_w)) - log((y_wj + a_w) / (n_j + a0 - y_wj - a_w))
    var_w  ~= 1 / (y_wi + a_w) + 1 / (y_wj + a_w)          z_w = delta_w / sqrt(var_w)

The prior shrinks a word seen a few times towards its corpus frequency, so neither rare words that
happen to fall in one class nor frequent words with a small lean come first."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class WordScore:
    word: str
    z: float
    in_class: int  # occurrences in the class's sentences
    in_others: int  # in the other classes' sentences
    in_corpus: int


def class_log_odds(by_class: dict[str, Counter], corpus: Counter, prior_total: float) -> dict[str, dict[str, WordScore]]:
    """Per class, every word of the labeled counts that the corpus has, with its z-score against the
    other classes. `by_class`: word counts of each class's sentences; `corpus`: the unlabeled counts
    (the words to consider, stopwords already out); `prior_total`: a0."""
    corpus_size = sum(corpus.values())
    total = sum(by_class.values(), Counter())
    out: dict[str, dict[str, WordScore]] = {}
    for label, own in by_class.items():
        n_i = sum(own.values())
        n_j = sum(total.values()) - n_i
        scores = {}
        for word in total:
            if not corpus[word]:
                continue  # no prior, and no vector to look at later
            a = prior_total * corpus[word] / corpus_size
            y_i, y_j = own[word], total[word] - own[word]
            delta = (math.log((y_i + a) / (n_i + prior_total - y_i - a))
                     - math.log((y_j + a) / (n_j + prior_total - y_j - a)))
            z = delta / math.sqrt(1 / (y_i + a) + 1 / (y_j + a))
            scores[word] = WordScore(word, z, y_i, y_j, corpus[word])
        out[label] = scores
    return out


def typical_words(by_class: dict[str, Counter], corpus: Counter, prior_weight: float, min_labeled: int,
                  min_corpus: int, most: int) -> dict[str, tuple[WordScore, ...]]:
    """Per class (sorted), at most `most` words leaning to it (z above 0), highest z first, among those
    with at least `min_labeled` labeled and `min_corpus` corpus occurrences; the prior's pseudo-counts
    total `prior_weight` times the labeled tokens."""
    labeled_tokens = sum(sum(c.values()) for c in by_class.values())
    scored = class_log_odds(by_class, corpus, prior_weight * labeled_tokens)
    out = {}
    for label in sorted(scored):
        leaning = [s for s in scored[label].values()
                   if s.in_class + s.in_others >= min_labeled and s.in_corpus >= min_corpus and s.z > 0]
        out[label] = tuple(sorted(leaning, key=lambda s: (-s.z, s.word))[:most])
    return out
