"""Compiled loops (numba) for counting co-occurrences over the bytes of a block of text."""

from __future__ import annotations

import numpy as np
from numba import njit

# What each byte is, for `scan`: > 0 a byte of a word (the value is the byte the word keeps,
# lowercased), 0 a separator, -1 a newline (the end of a line).
NEWLINE = -1


def _ascii_classes() -> np.ndarray:
    """ASCII text as the lesson tokenizes it: maximal runs of letters, lowercased."""
    classes = np.zeros(256, dtype=np.int16)
    for c in range(ord("a"), ord("z") + 1):
        classes[c] = c
    for c in range(ord("A"), ord("Z") + 1):
        classes[c] = c + 32
    classes[ord("\n")] = NEWLINE
    return classes


def _spaced_classes() -> np.ndarray:
    """Text already split into lowercased words, joined by spaces (UTF-8): every other byte is a word's."""
    classes = np.arange(256, dtype=np.int16)
    classes[ord(" ")] = 0
    classes[ord("\n")] = NEWLINE
    return classes


ASCII_CLASSES = _ascii_classes()
SPACED_CLASSES = _spaced_classes()

# Slots of `meta`, the scan's running state (kept between calls: a block may take several).
WORDS, POOL_USED, TOKENS, KEPT, LINES, LINE_HAS_TOKEN, FILL, POSITION, PAIRS, EMITTED = range(10)
META_SIZE = 10
# Roles of a word in the pass: below 0 it has no pairs counted.
STOPWORD = -1  # removed before the windows are taken: takes no position
POSITION_ONLY = -2  # takes its place in the windows, but its pairs are not counted
# Pair modes. EMIT_ROLES writes each position's role (and LINE_END at each line's end) to `emitted`:
# in a first pass, whose roles are the word ids, for `count_emitted` to pair in the second.
NO_PAIRS, DENSE_PAIRS, HASHED_PAIRS, EMIT_ROLES = 0, 1, 2, 3
LINE_END = -3
EMPTY_KEY = np.uint64(0xFFFFFFFFFFFFFFFF)

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, nogil=True)
def _pair_slot(key, shift):
    return np.int64((key * _GOLDEN) >> shift)


@njit(inline="always", cache=True, nogil=True)
def _end_line(line_has_token, lines, pair_mode, emitted, out):
    """A line ends (a newline, or the block's end): it counts if it held a token, and the first
    pass writes LINE_END. Returns (lines, out)."""
    if line_has_token:
        lines += 1
        if pair_mode == EMIT_ROLES:
            emitted[out] = LINE_END
            out += 1
    return lines, out


@njit(inline="always", cache=True, nogil=True)
def _dense_pairs(r, history, ring, position, fill, dense, dense_n):
    """Count the pairs of word r with the `fill` positions before it (the ring `history` of length
    `ring`, whose next slot is `position`) into the upper triangle. (The ring's length is passed in,
    and the push to it left to the callers: either one here slows the compiled loop.)"""
    for d in range(1, fill + 1):
        back = position - d  # the ring's slots, without a division per pair
        p = history[back if back >= 0 else back + ring]
        if p < 0:
            continue
        a, b = (p, r) if p <= r else (r, p)
        dense[a * dense_n - (a * (a - 1)) // 2 + (b - a)] += 1


@njit(inline="always", cache=True, nogil=True)
def _hashed_pairs(r, history, ring, position, fill, keys, values, key_shift, pairs):
    """The same into the table of pair keys; returns the pairs it holds."""
    top = len(keys) - 1
    for d in range(1, fill + 1):
        back = position - d
        p = history[back if back >= 0 else back + ring]
        if p < 0:
            continue
        a, b = (p, r) if p <= r else (r, p)
        key = (np.uint64(a) << np.uint64(32)) | np.uint64(b)
        slot = _pair_slot(key, key_shift)
        while keys[slot] != key and keys[slot] != EMPTY_KEY:
            slot = slot + 1 if slot < top else 0
        if keys[slot] == EMPTY_KEY:
            keys[slot] = key
            pairs += 1
        values[slot] += 1
    return pairs


# One pass over a block tokenizes it, finds each word in an open-addressing hash table of the
# vocabulary (its bytes kept in one pool) and, as asked, counts the words and the pairs within the
# window: into a dense upper triangle when the counted words are few enough, else into an
# open-addressing table of pair keys. Every table is a numpy array owned by the caller
# (engine.pretraining.running_counts); when one is full, scan returns the position of the word it
# could not place, having changed nothing for it, and the caller grows the table and calls again.
# Compiled once per machine and cached beside this file (numba's cache=True), or in the user's
# cache folder where that is not writable.
@njit(cache=True, nogil=True)
def scan(data, start, classes, slots, slot_hashes, hashes, starts, lengths, pool, counts, role, meta,
         insert, new_role_is_id, count_words, window, history,
         pair_mode, dense, dense_n, keys, values, key_shift, pair_limit, emitted):
    """Tokenize data[start:], find or add each word, count as asked. Returns the position reached:
    len(data) when the block is done, else the start of a word that needs a table grown."""
    n = len(data)
    mask = np.uint64(len(slots) - 1)
    words, pool_used = meta[WORDS], meta[POOL_USED]
    tokens, kept, lines, line_has_token = meta[TOKENS], meta[KEPT], meta[LINES], meta[LINE_HAS_TOKEN]
    fill, position, pairs, out = meta[FILL], meta[POSITION], meta[PAIRS], meta[EMITTED]
    ring = len(history)
    i = start
    stopped = -1
    while i < n:
        c = classes[data[i]]
        if c == 0:
            i += 1
            continue
        if c < 0:  # a newline ends the line: windows do not cross it
            lines, out = _end_line(line_has_token, lines, pair_mode, emitted, out)
            line_has_token = 0
            fill = 0
            i += 1
            continue
        # A word: its end and hash (FNV-1a over the lowercased bytes).
        j = i
        h = _FNV_OFFSET
        while j < n:
            c = classes[data[j]]
            if c <= 0:
                break
            h = (h ^ np.uint64(c)) * _FNV_PRIME
            j += 1
        length = j - i
        s = np.int64(h & mask)
        w = slots[s]
        while w >= 0:
            if slot_hashes[s] == h and lengths[w] == length:
                base = starts[w]
                same = True
                for k in range(length):
                    if pool[base + k] != classes[data[i + k]]:
                        same = False
                        break
                if same:
                    break
            s = np.int64((np.uint64(s) + np.uint64(1)) & mask)
            w = slots[s]
        if w < 0 and insert and (words == len(hashes) or pool_used + length > len(pool)
                                 or 2 * (words + 1) > len(slots)):
            stopped = i
            break
        if pair_mode == HASHED_PAIRS and pairs + window > pair_limit:
            stopped = i
            break
        if w < 0:
            if insert:
                w = words
                words += 1
                slots[s] = w
                slot_hashes[s] = h
                hashes[w] = h
                starts[w] = pool_used
                lengths[w] = length
                for k in range(length):
                    pool[pool_used + k] = classes[data[i + k]]
                pool_used += length
                counts[w] = 0
                role[w] = w if new_role_is_id else POSITION_ONLY
                r = role[w]
            else:
                r = POSITION_ONLY  # a word the first pass did not see (the file changed since)
        else:
            r = role[w]
        tokens += 1
        line_has_token = 1
        i = j
        if r == STOPWORD:
            continue
        kept += 1
        if count_words and w >= 0:
            counts[w] += 1
        if pair_mode == EMIT_ROLES:
            emitted[out] = r
            out += 1
        elif pair_mode != NO_PAIRS:
            if r >= 0:
                if pair_mode == DENSE_PAIRS:
                    _dense_pairs(r, history, ring, position, fill, dense, dense_n)
                else:
                    pairs = _hashed_pairs(r, history, ring, position, fill, keys, values, key_shift, pairs)
            if window > 0:
                history[position] = r
                position = position + 1 if position + 1 < ring else 0
                fill = fill + 1 if fill < window else fill
    if stopped < 0:  # the block's end ends its last line
        lines, out = _end_line(line_has_token, lines, pair_mode, emitted, out)
        line_has_token = 0
        fill = 0
        stopped = n
    meta[WORDS], meta[POOL_USED] = words, pool_used
    meta[TOKENS], meta[KEPT], meta[LINES], meta[LINE_HAS_TOKEN] = tokens, kept, lines, line_has_token
    meta[FILL], meta[POSITION], meta[PAIRS], meta[EMITTED] = fill, position, pairs, out
    return stopped


@njit(cache=True, nogil=True)
def count_emitted(emitted, count, role, window, history, dense, dense_n):
    """The pairs of a run of word ids written by `scan` (EMIT_ROLES in the first pass, whose roles
    are the ids) into the dense triangle, each id read through `role`, exactly as `scan` counts
    them itself (DENSE_PAIRS). The run starts at a line's start."""
    ring = len(history)
    fill = 0
    position = 0
    for i in range(count):
        e = emitted[i]
        if e == LINE_END:
            fill = 0
            continue
        r = role[e] if e >= 0 else e
        if r >= 0:
            _dense_pairs(r, history, ring, position, fill, dense, dense_n)
        if window > 0:
            history[position] = r
            position = position + 1 if position + 1 < ring else 0
            fill = fill + 1 if fill < window else fill


@njit(cache=True, nogil=True)
def rehash_words(slots, slot_hashes, hashes, words):
    """Place words 0..words-1 in an empty (all -1) table of slots."""
    mask = np.uint64(len(slots) - 1)
    for w in range(words):
        s = np.int64(hashes[w] & mask)
        while slots[s] >= 0:
            s = np.int64((np.uint64(s) + np.uint64(1)) & mask)
        slots[s] = w
        slot_hashes[s] = hashes[w]


@njit(cache=True, nogil=True)
def rehash_pairs(keys, values, new_keys, new_values, key_shift):
    top = len(new_keys) - 1
    for i in range(len(keys)):
        key = keys[i]
        if key == EMPTY_KEY:
            continue
        slot = _pair_slot(key, key_shift)
        while new_keys[slot] != EMPTY_KEY:
            slot = slot + 1 if slot < top else 0
        new_keys[slot] = key
        new_values[slot] = values[i]


@njit(cache=True, nogil=True)
def _place(indices, data, nxt, a, b, c):
    """Pair (a, b) counted c times, as the lesson counts it: in row a and in row b, or twice on the
    diagonal. nxt[row] is where the row's next entry goes."""
    if a == b:
        indices[nxt[a]] = a
        data[nxt[a]] = 2 * c
        nxt[a] += 1
    else:
        indices[nxt[a]] = b
        data[nxt[a]] = c
        nxt[a] += 1
        indices[nxt[b]] = a
        data[nxt[b]] = c
        nxt[b] += 1


@njit(cache=True, nogil=True)
def _csr_for(degree, n):
    """Empty CSR arrays for rows of the given sizes (degree[row + 1]), and each row's next slot."""
    indptr = np.cumsum(degree)
    indices = np.empty(indptr[n], dtype=np.int32)
    data = np.empty(indptr[n], dtype=np.int32)
    return indptr, indices, data, indptr[:n].copy()


@njit(cache=True, nogil=True)
def _key_rows(key, rank):
    """The rows of a pair key's two words (a << 32 | b)."""
    return rank[np.int64(key >> np.uint64(32))], rank[np.int64(key & np.uint64(0xFFFFFFFF))]


@njit(cache=True, nogil=True)
def dense_to_upper(dense, n):
    """The non-zeros of an upper triangle of pair counts, a CSR row per triangle row (columns b >= a,
    in order): a third of the triangle's size or less, so that it can be freed before `upper_to_csr`
    makes the symmetric counts (the two never held at once with the full CSR)."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    at = 0
    for a in range(n):
        for b in range(a, n):
            if dense[at] != 0:
                indptr[a + 1] += 1
            at += 1
    indptr = np.cumsum(indptr)
    indices = np.empty(indptr[n], dtype=np.int32)
    data = np.empty(indptr[n], dtype=np.int32)
    k = 0
    at = 0
    for a in range(n):
        for b in range(a, n):
            c = dense[at]
            at += 1
            if c != 0:
                indices[k] = b
                data[k] = c
                k += 1
    return indptr, indices, data


@njit(cache=True, nogil=True)
def upper_to_csr(upper_indptr, upper_indices, upper_data, rank, n):
    """The symmetric CSR (indptr, indices, data) of an upper triangle's non-zeros (from
    `dense_to_upper`), its rows and columns numbered by `rank`: [a, b] and [b, a] both hold the
    pair's count, the diagonal twice its count. Columns within a row come out in triangle order,
    not sorted."""
    degree = np.zeros(n + 1, dtype=np.int64)
    for row in range(n):
        for k in range(upper_indptr[row], upper_indptr[row + 1]):
            degree[rank[row] + 1] += 1
            if upper_indices[k] != row:
                degree[rank[upper_indices[k]] + 1] += 1
    indptr, indices, data, nxt = _csr_for(degree, n)
    for row in range(n):
        a = rank[row]
        for k in range(upper_indptr[row], upper_indptr[row + 1]):
            _place(indices, data, nxt, a, rank[upper_indices[k]], upper_data[k])
    return indptr, indices, data


@njit(cache=True, nogil=True)
def hashed_to_csr(keys, values, rank, n):
    """The same from a table of pair keys (a << 32 | b, a <= b) in the numbering that `rank`
    turns into rows 0..n-1. Columns within a row come out in table order, not sorted."""
    degree = np.zeros(n + 1, dtype=np.int64)
    for i in range(len(keys)):
        key = keys[i]
        if key == EMPTY_KEY:
            continue
        a, b = _key_rows(key, rank)
        degree[a + 1] += 1
        if a != b:
            degree[b + 1] += 1
    indptr, indices, data, nxt = _csr_for(degree, n)
    for i in range(len(keys)):
        key = keys[i]
        if key == EMPTY_KEY:
            continue
        a, b = _key_rows(key, rank)
        _place(indices, data, nxt, a, b, values[i])
    return indptr, indices, data


@njit(cache=True, nogil=True)
def normalized_rows(indptr, indices, data, out):
    """out (zeros, float32) gets each CSR row divided by its length: the sum of squares in
    float64, each quotient in float64, then stored in float32."""
    for i in range(len(indptr) - 1):
        total = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            total += np.float64(data[k]) * np.float64(data[k])
        if total > 0.0:
            norm = np.sqrt(total)
            for k in range(indptr[i], indptr[i + 1]):
                out[i, indices[k]] = np.float64(data[k]) / norm
