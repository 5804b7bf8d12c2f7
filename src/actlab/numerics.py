"""Stable elementwise formulas shared by activations and losses: sigmoid, softplus, log-sum-exp.

Each is exact in its limits and raises no overflow, invalid or divide-by-zero warning for any
finite float32 / float64 input; float32 in gives float32 out.
"""

from __future__ import annotations

import math

import numpy as np


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """sigmoid(x) = 1 / (1 + e^-x), in four in-place passes (the exp(-|x|) form took eight).

    For x below about -88 (float32; -709 in float64) e^-x overflows to inf and 1 / (1 + inf) is
    0, the exact limit: that overflow is expected and silenced. Accurate to a few ulp in both
    tails (1 + e^-x never cancels). ``out``: an array to write into (may be ``x`` itself).
    """
    e = np.negative(x, out=out)
    with np.errstate(over="ignore"):
        np.exp(e, out=e)
    e += 1
    return np.reciprocal(e, out=e)


def softplus(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|): x for large x, e^x for very
    negative x. The formula of numpy's logaddexp(0, x), written as four ufuncs because
    logaddexp has no SIMD loop (about 60x slower here on float32); e^-|x| <= 1 never overflows.
    ``out``: an array to write into (not ``x`` itself: x is read again at the end).
    """
    u = np.abs(x, out=out)
    np.negative(u, out=u)
    with np.errstate(under="ignore"):  # e^-|x| underflows to 0 beyond |x| ~ 88 (float32): exact
        np.exp(u, out=u)
    np.log1p(u, out=u)
    u += np.maximum(x, 0)
    return u


def shift_by_max(z: np.ndarray, axis: int = -1, out=None, maxima=None) -> np.ndarray:
    """z - max(z) along ``axis``: the largest entry becomes 0, so exp never overflows.

    For z near the float maximum the difference can exceed it; it is then -inf, the exact limit
    for what follows (exp gives 0), so that overflow is silenced. ``out``: the array to write
    into; ``maxima``: max(z) along ``axis`` (keepdims) when the caller has it (``row_max``).
    """
    if maxima is None:
        maxima = np.maximum.reduce(z, axis=axis, keepdims=True)  # np.max minus its wrapper
    with np.errstate(over="ignore"):
        return np.subtract(z, maxima, out=out)


def row_max(z: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    """max(z) along the last axis, keepdims, for z of shape (..., K) with K small (logits).

    numpy reduces a short last axis row by row (20 us for (10, 32, 10) float32); z copied to
    (K, rows) and reduced along its first axis is one vectorized maximum per k (3 us). A max
    rounds nothing, so the values are np.maximum.reduce's, NaN included; only where +0 and -0
    tie for the largest entry the sign of that zero may differ (the two compare in another
    order). z - max then differs only in the sign of a zero, which exp and log(sum) - (z - max)
    do not see. ``scratch``: a (K, rows) array of z's dtype to copy into.
    """
    K = z.shape[-1]
    rows = z.size // K if K else 0
    if scratch is None:
        scratch = np.empty((K, rows), z.dtype)
    np.copyto(scratch, z.reshape(rows, K).T)
    return np.maximum.reduce(scratch, axis=0).reshape(*z.shape[:-1], 1)


def log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(z) = z - logsumexp(z), with logsumexp(z) = max(z) + log(sum(exp(z - max z))).

    The max is subtracted first, so nothing overflows for any finite z (Goodfellow, Bengio &
    Courville 2016, Deep Learning, section 4.1).
    """
    shifted = shift_by_max(z, axis)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(z) = exp(z - max z) / sum(exp(z - max z))."""
    e = np.exp(shift_by_max(z, axis))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def erfc(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """erfc(x) = 1 - erf(x), elementwise, accurate in both tails (GELU's normal CDF).

    scipy.special.erfc, imported on first use so the core imports without scipy; where scipy is
    missing, math.erfc element by element (the same values, slower). Keeps the float dtype.
    """
    try:
        from scipy.special import erfc as scipy_erfc
    except ImportError:
        x = np.asarray(x)
        y = np.frompyfunc(math.erfc, 1, 1)(x).astype(x.dtype if x.dtype.kind == "f" else float)
        if out is None:
            return y
        out[...] = y
        return out
    return scipy_erfc(x, out=out)
