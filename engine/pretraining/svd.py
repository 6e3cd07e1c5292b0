"""The truncated SVD of a (sparse) matrix by three methods under one contract: each singular
value within a stated relative tolerance of the matrix's, checked from the residuals.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..progress import Progress, ProgressEvent
from ..errors import stop_if_asked

# the matrix, each singular value within `tolerance` (relative) of a singular value of the matrix,
# checked afterwards from the residuals whichever method ran.
SVD_TOLERANCE = 1e-4
# LAPACK's dense SVD cannot be interrupted: only where it takes well under the half second that
# cancelling may take (about 0.2 s at 1,000 rows on one core).
DENSE_SVD_UP_TO = 1000
# ARPACK's peak memory, measured on PPMI matrices through svds: about 5 * dim float64 columns of
# the vocabulary's length (its Lanczos basis of 2 * dim + 1 vectors, then svds's products).
# Past this budget the randomized method, which needs about 3 * dim columns (and 200 more for
# its products a few columns at a time), takes over.
SVD_MEMORY = 2 << 30
ARPACK_COLUMNS_PER_DIM = 5
RANDOMIZED_MAX_ITERATIONS = 200
_BLOCK = 32  # columns per sparse product in the randomized method: bounds the temporaries
# Singular values below this fraction of the largest are judged against it instead of themselves:
# rounding in the residual (about 1e-16 of the largest squared) would swamp their own size.
_RELATIVE_FLOOR = 1e-4

SVD_METHODS = {
    "lapack": "exact SVD (LAPACK, dense)",
    "arpack": "ARPACK (scipy.sparse.linalg.svds)",
    "randomized": "randomized subspace iteration (float64)",
}
# Progress names the step and its method in plain words; the method's own name and tolerance are in
# the result (SvdMethod).
LABELS = {"lapack": "Reducing dimensions: SVD, exact", "arpack": "Reducing dimensions: SVD, iterative",
          "randomized": "Reducing dimensions: SVD, randomized"}


@dataclass(frozen=True)
class SvdMethod:
    """Which method computed a truncated SVD and how close it came."""

    name: str  # a key of SVD_METHODS: "lapack", "arpack" or "randomized"
    tolerance: float  # required: each singular value within this relative distance of one of the matrix's
    error_bound: float  # achieved, from the residuals; above `tolerance` only if the randomized method ran out of iterations
    iterations: int = 0  # power iterations of the randomized method; 0 for the others

    @property
    def met(self) -> bool:
        return self.error_bound <= self.tolerance

    def __str__(self) -> str:
        what = SVD_METHODS[self.name]
        if self.iterations:
            what += f", {self.iterations} power iteration{'s' if self.iterations != 1 else ''}"
        verdict = "" if self.met else f", tolerance {self.tolerance:.0e} NOT met"
        return f"{what}: singular values within {self.error_bound:.1e} relative{verdict}"


@dataclass(frozen=True, eq=False)
class SvdResult:
    vectors: np.ndarray  # (rows, dim) left singular vectors, float64, each with its largest-magnitude entry positive
    singular_values: np.ndarray  # (dim,), largest first
    method: SvdMethod


def truncated_svd(
    matrix,
    dim: int,
    *,
    tolerance: float = SVD_TOLERANCE,
    dense_up_to: int = DENSE_SVD_UP_TO,
    sparse_up_to: int | None = None,
    seed: int = 0,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Progress = lambda event: None,
) -> SvdResult:
    """The top `dim` left singular vectors and values of a sparse (or dense) matrix.

    LAPACK on the dense matrix up to `dense_up_to` rows; ARPACK through `svds` up to `sparse_up_to`
    rows (by default as many as fit in SVD_MEMORY: 179,000 at dim 300); randomized subspace
    iteration beyond (or for nearly all the values, which ARPACK cannot find), iterated until the
    tolerance is met. `should_stop` is polled between products and raises RunCancelled;
    `on_progress` gets the step svd, its label naming the method. Deterministic for a given `seed`."""
    import scipy.linalg  # here, not at the top: counting and the counts weighting need none of it

    rows, columns = matrix.shape
    dim = min(dim, rows, columns)
    if sparse_up_to is None:
        sparse_up_to = SVD_MEMORY // (8 * ARPACK_COLUMNS_PER_DIM * max(dim, 1))
    stop_if_asked(should_stop)
    if rows <= dense_up_to:
        on_progress(ProgressEvent("svd", 0.0, LABELS["lapack"]))
        dense = matrix.toarray() if sp.issparse(matrix) else np.array(matrix, dtype=np.float64)  # a copy: overwritten
        u, s, _ = scipy.linalg.svd(dense, full_matrices=False, overwrite_a=True, check_finite=False)  # scipy's BLAS: see _gram
        del dense
        name, iterations, u, s = "lapack", 0, np.ascontiguousarray(u[:, :dim]), s[:dim]
    elif rows <= sparse_up_to and dim < min(rows, columns) - 1:  # ARPACK finds at most min(shape) - 2
        name, iterations = "arpack", 0
        u, s = _arpack(matrix, dim, tolerance, seed, should_stop, on_progress)
    else:
        name = "randomized"
        u, s, iterations = _randomized(matrix, dim, tolerance, seed, should_stop, on_progress)
    u[_rows_outside(matrix, u)] = 0.0
    _fix_signs(u)
    bound = _error_bound(matrix, u, s, should_stop)
    on_progress(ProgressEvent("svd", 1.0, LABELS[name]))
    return SvdResult(u, s, SvdMethod(name, tolerance, bound, iterations))


def _rows_outside(matrix, u: np.ndarray) -> np.ndarray:
    """Rows that are exactly zero in the exact vectors but rounding noise in computed ones, which
    normalising would turn into a random direction: those of words (a square matrix's rows and
    columns are the same words) in a group that never co-occurs with the rest and carries none of
    the top singular values. Each singular vector lies within one group, so a group's share of
    the vectors' squared norm is a whole number: 0 up to rounding (about 1e-20) for these."""
    from scipy.sparse.csgraph import connected_components

    if sp.issparse(matrix):
        graph = matrix
    else:
        graph = sp.csr_matrix(np.asarray(matrix))
    if graph.shape[0] != graph.shape[1]:
        graph = sp.bmat([[None, graph], [graph.T, None]], format="csr")  # rows and columns apart
    _, group = connected_components(graph, directed=False)
    group = group[: u.shape[0]]
    share = np.bincount(group, weights=np.einsum("ij,ij->i", u, u))
    return np.flatnonzero(share[group] < 1e-6)


def _fix_signs(u: np.ndarray) -> None:
    """Each column's largest-magnitude entry made positive, in place: a singular vector is defined
    up to sign, and the methods (or runs) must not disagree on it."""
    if u.size == 0:
        return
    largest = u[np.argmax(np.abs(u), axis=0), np.arange(u.shape[1])]
    u *= np.where(largest < 0, -1.0, 1.0)


def _relative_bounds(residual_norms: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Per value, the relative distance within which the matrix has a singular value.

    With r = ||A A^T u - s^2 u|| for a unit vector u, A A^T has an eigenvalue within r of s^2
    (the residual bound for symmetric matrices), so a singular value in
    [sqrt(s^2 - r), sqrt(s^2 + r)]: at most 1 - sqrt(1 - r / s^2) below or above s, relatively."""
    if len(s) == 0 or s[0] == 0:
        return np.zeros(len(s))
    rho = residual_norms / np.maximum(s, s[0] * _RELATIVE_FLOOR) ** 2
    return np.where(rho < 1, rho / (1 + np.sqrt(np.maximum(1 - rho, 0.0))), 1.0)


def _error_bound(matrix, u: np.ndarray, s: np.ndarray, should_stop: Callable[[], bool]) -> float:
    """The largest relative bound over the values, from residuals computed a block of columns at a
    time (no second full-size dense array)."""
    norms = np.empty(len(s))
    for start in range(0, len(s), _BLOCK):
        stop_if_asked(should_stop)
        block = u[:, start : start + _BLOCK]
        residual = matrix @ (matrix.T @ block)
        residual -= block * s[start : start + _BLOCK] ** 2
        norms[start : start + _BLOCK] = np.linalg.norm(residual, axis=0)
    return float(_relative_bounds(norms, s).max(initial=0.0))


def _arpack(matrix, dim, tolerance, seed, should_stop, on_progress) -> tuple[np.ndarray, np.ndarray]:
    """ARPACK (implicitly restarted Lanczos on A^T A) through svds, with every product checking
    `should_stop`. ARPACK rather than PROPACK: PROPACK is about as accurate and faster, but an
    exception raised in its callback does not stop it (the Fortran loop carries on
    and ends in a SystemError), so it could not be cancelled; ARPACK calls back to Python between
    its steps, where RunCancelled propagates at once."""
    import scipy.sparse.linalg as spla

    small = min(matrix.shape)
    ncv = min(small, max(2 * dim + 1, 20))  # svds's default Lanczos basis
    # Progress is an estimate: on PPMI matrices ARPACK takes 2 to 3 basis-lengths of products.
    expected = 3 * ncv
    products = 0
    label = LABELS["arpack"]

    def counted(product):
        def run(x):
            nonlocal products
            stop_if_asked(should_stop)
            products += 1
            if products % 16 == 0:
                on_progress(ProgressEvent("svd", min(products / (2 * expected), 0.99), label))
            return product(x)
        return run

    operator = spla.LinearOperator(
        matrix.shape, dtype=np.float64,
        matvec=counted(lambda x: matrix @ x), rmatvec=counted(lambda x: matrix.T @ x),
        matmat=counted(lambda x: matrix @ x), rmatmat=counted(lambda x: matrix.T @ x),
    )
    on_progress(ProgressEvent("svd", 0.0, label))
    v0 = np.random.default_rng(seed).standard_normal(small)
    # svds hands ARPACK tol**2, relative to the eigenvalues s**2 of A^T A.
    u, s, _ = spla.svds(operator, k=dim, ncv=ncv, tol=np.sqrt(tolerance), v0=v0,
                        solver="arpack", return_singular_vectors="u")
    order = np.argsort(-s, kind="stable")
    return np.ascontiguousarray(u[:, order]), s[order]


def _gram_into(matrix, block: np.ndarray, out: np.ndarray, should_stop, pool: ThreadPoolExecutor) -> None:
    """out = A A^T block, a few columns at a time, two at once on two threads (scipy's sparse
    products release the interpreter); `should_stop` is asked here, between pairs, never from the
    threads, so it is asked once a pair and need not be thread-safe."""

    def one(start: int) -> None:
        part = np.ascontiguousarray(block[:, start : start + _BLOCK])
        out[:, start : start + _BLOCK] = matrix @ (matrix.T @ part)

    starts = range(0, block.shape[1], _BLOCK)
    for pair in range(0, len(starts), 2):
        stop_if_asked(should_stop)
        for future in [pool.submit(one, start) for start in starts[pair : pair + 2]]:
            future.result()


def _gram(block: np.ndarray) -> np.ndarray:
    """block^T block, by scipy's BLAS like every dense product of the randomized method: numpy
    and scipy each bring their own OpenBLAS, and alternating between the two makes each one's
    idle threads spin against the other's."""
    from scipy.linalg.blas import dsyrk

    upper = dsyrk(1.0, block, trans=1)  # the upper triangle only
    return np.triu(upper) + np.triu(upper, 1).T


def _orthonormalize(block: np.ndarray, gram: np.ndarray | None = None) -> np.ndarray:
    """An orthonormal basis of the columns of `block` (Fortran order), computed in its place;
    `gram` is block^T block if the caller has it. Cholesky QR twice (Yamamoto et al. 2015): Gram
    products and triangular solves, a few large BLAS calls, where Householder QR makes hundreds of
    small ones that stall when the cores are busy. Householder where the block is too
    ill-conditioned for Cholesky (a rank-deficient one, say)."""
    import scipy.linalg
    from scipy.linalg.blas import dtrsm

    if gram is None:
        gram = _gram(block)
    for attempt in range(2):
        try:
            upper = scipy.linalg.cholesky(gram, lower=False, check_finite=False)
        except np.linalg.LinAlgError:
            break
        diagonal = np.abs(np.diag(upper))
        if diagonal.min() <= 1e-7 * diagonal.max():  # condition number past 1e7: Cholesky QR fails
            break
        block = dtrsm(1.0, upper, block, side=1, lower=0, overwrite_b=1)  # block @ inv(upper), in place
        if attempt == 1:
            return block
        gram = _gram(block)
        # Near orthonormal after one pass (spectral distance from I under a half), the second pass
        # makes it orthonormal to rounding; otherwise Householder on this block (same columns' span).
        if np.abs(gram - np.eye(len(gram))).max() * len(gram) >= 0.5:
            break
    return scipy.linalg.qr(block, mode="economic", overwrite_a=True, check_finite=False)[0]


def _randomized(matrix, dim, tolerance, seed, should_stop, on_progress) -> tuple[np.ndarray, np.ndarray, int]:
    """Subspace iteration on A A^T (Halko, Martinsson and Tropp 2011, algorithm 4.4), in float64,
    re-orthonormalised after every product, with a Rayleigh-Ritz step and the residual bound
    checked after each, until every value is within `tolerance`. Memory: two dense blocks of
    dim + oversampling columns (the basis is orthonormalised in place)."""
    import scipy.linalg
    from scipy.linalg.blas import dgemm

    rows, columns = matrix.shape
    width = min(dim + max(dim // 2, 20), rows, columns)
    label = LABELS["randomized"]
    on_progress(ProgressEvent("svd", 0.0, label))
    rng = np.random.default_rng(seed)
    basis = np.empty((rows, width), order="F")
    for start in range(0, width, _BLOCK):  # the random start a few columns at a time
        stop_if_asked(should_stop)
        part = min(_BLOCK, width - start)
        basis[:, start : start + part] = matrix @ rng.standard_normal((columns, part))
    basis = _orthonormalize(basis)
    first = None
    with ThreadPoolExecutor(2) as pool:
        for iteration in range(1, RANDOMIZED_MAX_ITERATIONS + 1):
            image = np.empty((rows, width), order="F")
            _gram_into(matrix, basis, image, should_stop, pool)
            # Rayleigh-Ritz: the eigenpairs of Q^T A A^T Q give s^2 and u = Q w; ||A A^T u - s^2 u||^2
            # is w^T (Y^T Y) w - s^4 with Y = A A^T Q, so the residuals cost no full-size product.
            projected = dgemm(1.0, basis, image, trans_a=1)
            eigenvalues, eigenvectors = scipy.linalg.eigh((projected + projected.T) / 2, check_finite=False)
            eigenvalues, eigenvectors = eigenvalues[::-1][:dim], eigenvectors[:, ::-1][:, :dim]
            gram = _gram(image)
            squared = np.einsum("ij,ij->j", eigenvectors, dgemm(1.0, gram, eigenvectors)) - eigenvalues**2
            s = np.sqrt(np.maximum(eigenvalues, 0.0))
            worst = float(_relative_bounds(np.sqrt(np.maximum(squared, 0.0)), s).max(initial=0.0))
            if worst <= tolerance or iteration == RANDOMIZED_MAX_ITERATIONS:
                del image, gram  # before the vectors are made: the peak stays at two blocks
                return dgemm(1.0, basis, eigenvectors), s, iteration
            # Progress: how far the bound has fallen from the first one towards the tolerance.
            first = first or worst
            if first > tolerance and worst < first:
                on_progress(ProgressEvent("svd", min(np.log(first / worst) / np.log(first / tolerance), 0.99), label))
            del projected
            basis = _orthonormalize(image, gram)
            del image, gram
