"""The svd weighting's truncated SVD against scipy's svds and the randomized SVD it replaced.

    python benchmarks/svd.py [--tokens 1000000] [--vocabulary 20000] [--dims 100,300] [--randomized-dims 100]

On the PPMI matrix of a generated Zipfian corpus (window 5, every word kept), for each dimension:
time, peak memory (numpy's allocations during the call, by tracemalloc) and the largest relative
error of the singular values against svds at its defaults (ARPACK to machine precision, the
reference), and how many of the top-10 neighbours of the 100 most frequent words agree with the
reference's. Rows: the new `truncated_svd` (its default method at that size), the same forced onto
its randomized fallback (for the dimensions in --randomized-dims: it is the slow one), svds, and
the old randomized SVD (one power iteration, 10 extra columns, float32), copied here as it was.
One run each, on whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.synthetic import zipf_lines  # noqa: E402
from pretrain_explorer.engine.pretraining.corpus import block_of
from pretrain_explorer.engine.pretraining.counting import count_cooccurrences  # noqa: E402
from pretrain_explorer.engine.pretraining.weighting import EIGENVALUE_WEIGHT, ppmi
from pretrain_explorer.engine.pretraining.vocabulary import VocabularySettings, prune
from pretrain_explorer.engine.pretraining.svd import truncated_svd  # noqa: E402


def _product(matrix, dense: np.ndarray) -> np.ndarray:
    """The old engine's: matrix @ dense, the columns split over two threads."""
    half = dense.shape[1] // 2
    if half == 0:
        return matrix @ dense
    parts = [np.ascontiguousarray(dense[:, :half]), np.ascontiguousarray(dense[:, half:])]
    with ThreadPoolExecutor(2) as pool:
        left, right = pool.map(lambda part: matrix @ part, parts)
    return np.hstack([left, right])


def old_randomized(matrix: sp.csr_matrix, dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The old engine's truncated_svd (before issue 10), its randomized branch."""
    matrix = matrix.astype(np.float32, copy=False)
    rng = np.random.default_rng(seed)
    sample = _product(matrix, rng.standard_normal((matrix.shape[1], dim + 10), dtype=np.float32))
    sample, _ = np.linalg.qr(sample)
    sample = _product(matrix, _product(matrix.T, sample))
    basis, _ = np.linalg.qr(sample)
    del sample
    projected = _product(matrix.T, basis)
    gram = (projected.T @ projected).astype(np.float64)
    del projected
    eigenvalues, eigenvectors = np.linalg.eigh(gram)
    order = np.argsort(eigenvalues)[::-1][:dim]
    singular = np.sqrt(np.maximum(eigenvalues[order], 0.0))
    return basis @ eigenvectors[:, order].astype(np.float32), singular


def reference(matrix, dim):
    u, s, _ = spla.svds(matrix, k=dim, rng=np.random.default_rng(0))
    order = np.argsort(-s)
    return u[:, order], s[order]


def measure(run):
    tracemalloc.start()
    started = time.perf_counter()
    u, s, note = run()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return np.asarray(u, dtype=np.float64), np.asarray(s, dtype=np.float64), seconds, peak, note


def top10(u, s, probes):
    """Top-10 neighbours by cosine of each probe row, vectors weighted as word_vectors weights them."""
    v = u * s**EIGENVALUE_WEIGHT
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    v = np.where(norms > 1e-8 * norms.max(), v / np.maximum(norms, 1e-300), 0.0)
    scores = v[probes] @ v.T
    scores[np.arange(len(probes)), probes] = -np.inf
    return [set(np.argsort(-row)[:10]) for row in scores]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--vocabulary", type=int, default=20_000)
    parser.add_argument("--dims", default="100,300")
    parser.add_argument("--randomized-dims", default="100")
    args = parser.parse_args()

    started = time.perf_counter()
    co = count_cooccurrences([block_of(list(zipf_lines(args.tokens, args.vocabulary)))], frozenset(), 5)
    _, counts = prune(co, VocabularySettings(), "zipf")
    matrix = ppmi(counts)
    probes = np.argsort(-co.word_counts, kind="stable")[:100]  # prune keeps every word: same order
    print(f"PPMI of {args.tokens:,} Zipfian tokens: {matrix.shape[0]:,} words, {matrix.nnz:,} non-zeros "
          f"({time.perf_counter() - started:.1f} s to build)\n", flush=True)
    print("| dim | method | time s | peak MB | max rel. error of singular values | top-10 neighbours shared |")
    print("|---|---|---|---|---|---|")
    for dim in (int(d) for d in args.dims.split(",")):
        rows = [("scipy svds (reference)", lambda: (*reference(matrix, dim), ""))]
        rows.append(("new truncated_svd", lambda: (lambda r: (r.vectors, r.singular_values, str(r.method)))(
            truncated_svd(matrix, dim))))
        if str(dim) in args.randomized_dims.split(","):
            rows.append(("new, forced randomized", lambda: (lambda r: (r.vectors, r.singular_values, str(r.method)))(
                truncated_svd(matrix, dim, dense_up_to=0, sparse_up_to=0))))
        rows.append(("old randomized", lambda: (*old_randomized(matrix, dim), "")))
        exact_s = exact_neighbours = None
        for name, run in rows:
            u, s, seconds, peak, note = measure(run)
            if exact_s is None:
                exact_s, exact_neighbours = s, top10(u, s, probes)
            error = np.max(np.abs(s - exact_s) / exact_s)
            shared = np.mean([len(a & b) / 10 for a, b in zip(top10(u, s, probes), exact_neighbours)])
            label = f"{name} ({note})" if note else name
            print(f"| {dim} | {label} | {seconds:.1f} | {peak / 1e6:.0f} | {error:.1e} | {shared:.0%} |", flush=True)


if __name__ == "__main__":
    main()
