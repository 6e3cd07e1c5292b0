"""A sentence's pushes toward each class, summed word by word: what every linear classifier's explanation is made of.
"""

from __future__ import annotations


import numpy as np


def pushes_by_word(tokens: list[str], per_token) -> dict[str, np.ndarray]:
    """Each known word's summed push over its tokens (per_token gives None for an unknown one)."""
    totals: dict[str, np.ndarray] = {}
    for token in tokens:
        push = per_token(token)
        if push is not None:
            totals[token] = totals.get(token, 0) + push
    return totals
