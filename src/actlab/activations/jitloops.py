"""The compiled loops behind jitkernels.py: one pass over memory per forward and per backward.

Each loop runs over flat C-contiguous arrays of one float dtype (float32 or float64, compiled
for each on first use and cached on disk: ``cache=True``). ``error_model="numpy"`` drops
Python's division-by-zero checks, ``fastmath={"contract"}`` only allows fused multiply-adds
(no reassociation, no NaN / inf assumptions: NaN and inf behave as in the reference); both are
needed for LLVM to vectorize. Single-threaded. Transcendentals come from vecmath.py.

Each loop is the formula of its activation's reference (f / df in the family modules), written
for one element: forward ``f(z)``, backward ``grad_a * f'(z)`` with the reference's masks
as multiplications (a NaN or inf gradient gives NaN where the reference's 0 * g does).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .vecmath import (
    erfc_pos,
    exp_neg,
    expm1_neg,
    float_to_bits,
    log1p_unit,
    typed,
)

JIT = {"cache": True, "error_model": "numpy", "fastmath": {"contract"}}
_SUM = {"cache": True, "error_model": "numpy", "fastmath": {"contract", "reassoc"}}
_INV_SQRT2 = 1 / math.sqrt(2.0)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


@njit(inline="always")
def _positive(x):
    """1 where x > 0, else 0 (NaN: 0), in x's type: the reference's mask z > 0."""
    return typed(x, 1.0) if x > 0 else typed(x, 0.0)


@njit(inline="always")
def _sigmoids(x):
    """(sigmoid(x), sigmoid(-x) = 1 - sigmoid(x)), both to a few ulp, from e = e^-|x| <= 1:
    1 / (1 + e) and e / (1 + e)."""
    e = exp_neg(-abs(x))
    r = typed(x, 1.0) / (typed(x, 1.0) + e)
    return (r, e * r) if x >= 0 else (e * r, r)


@njit(inline="always")
def _sigmoid(x):
    return _sigmoids(x)[0]


# --- piecewise linear ------------------------------------------------------------------------
@njit(**JIT)
def relu_fwd(z, a):
    for i in range(z.size):
        a[i] = np.maximum(z[i], typed(z[i], 0.0))


@njit(**JIT)
def mask_bwd(z, g, d):  # relu, and d = g * (z > 0) for any cached z or a
    for i in range(z.size):
        d[i] = g[i] * _positive(z[i])


@njit(**JIT)
def leaky_fwd(z, a, slope):
    for i in range(z.size):
        x = z[i]
        a[i] = x if x > 0 else slope * x


@njit(**JIT)
def leaky_bwd(z, g, d, slope):
    for i in range(z.size):
        d[i] = g[i] if z[i] > 0 else slope * g[i]


@njit(**JIT)
def prelu_fwd(z, a, alpha):
    """z, a: (R, M, U); alpha: (R, U), one slope per unit (last axis)."""
    R, M, U = z.shape
    for r in range(R):
        for m in range(M):
            for u in range(U):
                x = z[r, m, u]
                a[r, m, u] = x if x > 0 else alpha[r, u] * x


@njit(**_SUM)
def prelu_bwd(z, g, d, alpha, dalpha):
    """d = f'(z) g and dalpha[r, u] = sum over m of g z where z <= 0 (float64 sums)."""
    R, M, U = z.shape
    acc = np.zeros(U, dtype=np.float64)
    for r in range(R):
        acc[:] = 0.0
        for m in range(M):
            for u in range(U):
                x = z[r, m, u]
                gi = g[r, m, u]
                d[r, m, u] = gi if x > 0 else alpha[r, u] * gi
                acc[u] += 0.0 if x > 0 else np.float64(gi * x)
        for u in range(U):
            dalpha[r, u] = acc[u]


@njit(**JIT)
def prelu_layer_fwd(z, a, alpha):
    """z, a: (R, N); alpha: (R,), one slope per layer."""
    R, N = z.shape
    for r in range(R):
        s = alpha[r]
        for i in range(N):
            x = z[r, i]
            a[r, i] = x if x > 0 else s * x


@njit(**_SUM)
def prelu_layer_bwd(z, g, d, alpha, dalpha):
    R, N = z.shape
    for r in range(R):
        s = alpha[r]
        acc = 0.0
        for i in range(N):
            x = z[r, i]
            gi = g[r, i]
            d[r, i] = gi if x > 0 else s * gi
            acc += 0.0 if x > 0 else np.float64(gi * x)
        dalpha[r] = acc


@njit(**JIT)
def step_fwd(z, a):
    for i in range(z.size):
        a[i] = _positive(z[i])


@njit(**JIT)
def maxout_fwd(z, a, k):
    for j in range(a.size):
        m = z[j * k]
        for i in range(1, k):
            m = np.maximum(m, z[j * k + i])
        a[j] = m


@njit(**JIT)
def maxout_bwd(z, a, g, d, k):
    """g to the first piece equal to the max (the first NaN where the max is NaN), else 0."""
    for j in range(a.size):
        m = a[j]
        free = True
        for i in range(k):
            x = z[j * k + i]
            take = free & ((x == m) | (x != x))  # bitwise: no branch
            d[j * k + i] = g[j] if take else typed(x, 0.0)
            free = free & ~take


@njit(inline="always")
def _first_wins(x, y):
    """Whether piece x, not y, takes the gradient: x >= y, or x is NaN (argmax: the first NaN;
    y NaN and x not: y)."""
    return (x != x) | (x >= y)


@njit(**JIT)
def maxout2_fwd_first(z, a, first):
    """k = 2, the default (a loop LLVM vectorizes): a = the max of each pair, and first[j] = 1
    where piece 0 takes the gradient (_first_wins), 0 where piece 1 does: the backward then
    reads one byte per pair instead of the pair (8 bytes in float32, 16 in float64)."""
    for j in range(a.size):
        x, y = z[2 * j], z[2 * j + 1]
        a[j] = np.maximum(x, y)
        first[j] = np.uint8(1) if _first_wins(x, y) else np.uint8(0)


@njit(**JIT)
def maxout2_bwd_first_pairs(first, g, dp):
    """float32 grad_z from maxout2_fwd_first's bytes, each pair written as one int64 (``dp``:
    grad_z's int64 view, little-endian: piece 0 in the low half, +0.0 in the other): LLVM does
    not vectorize the interleaved float32 stores of maxout2_bwd_first (6.6x slower in cache)."""
    for j in range(g.size):
        bits = np.int64(float_to_bits(g[j])) & np.int64(0xFFFFFFFF)
        dp[j] = bits if first[j] else bits << 32


@njit(**JIT)
def maxout2_bwd_first(first, g, d):  # float64 (or a big-endian machine)
    for j in range(g.size):
        take = first[j] != 0
        d[2 * j] = g[j] if take else typed(g[j], 0.0)
        d[2 * j + 1] = typed(g[j], 0.0) if take else g[j]


# --- exponential -----------------------------------------------------------------------------
@njit(**JIT)
def elu_fwd(z, a, scale, alpha, cap):
    """scale (min(z, cap) if z > 0 else alpha (e^z - 1)): ELU (scale 1, cap inf) and SELU."""
    for i in range(z.size):
        x = z[i]
        neg = alpha * expm1_neg(np.minimum(x, typed(x, 0.0)))
        a[i] = scale * (np.minimum(x, cap) if x > 0 else neg)


@njit(**JIT)
def elu_bwd(z, g, d, scale, alpha):
    """scale g if z > 0 else scale alpha e^z g."""
    for i in range(z.size):
        x = z[i]
        gi = g[i]
        neg = gi * (alpha * exp_neg(np.minimum(x, typed(x, 0.0))))
        d[i] = scale * (gi if x > 0 else neg)


# --- saturating ------------------------------------------------------------------------------
@njit(**JIT)
def sigmoid_fwd(z, a):
    for i in range(z.size):
        a[i] = _sigmoid(z[i])


@njit(**JIT)
def sigmoid_bwd(a, g, d):  # a (1 - a), from the output
    for i in range(a.size):
        s = a[i]
        d[i] = g[i] * ((typed(s, 1.0) - s) * s)


@njit(**JIT)
def tanh_fwd(z, a):
    """tanh(x) = sign(x) (-t) / (2 + t), t = e^{-2|x|} - 1 in (-1, 0]: no cancellation near 0
    (expm1), no overflow for large |x| (t -> -1); +-0 and NaN are returned as they are. The
    compiled training step's (actlab.compiled); the Tanh kernel's forward is np.tanh itself
    (numpy's SIMD tanh is cheaper on large arrays than this loop; see jitkernels.Tanh)."""
    for i in range(z.size):
        x = z[i]
        t = expm1_neg(typed(x, -2.0) * abs(x))
        r = -t / (typed(x, 2.0) + t)
        a[i] = r if x > 0 else (-r if x < 0 else x)


@njit(**JIT)
def tanh_bwd(a, g, d):  # 1 - a^2, from the output
    for i in range(a.size):
        s = a[i]
        d[i] = g[i] * (typed(s, 1.0) - s * s)


@njit(**JIT)
def softsign_fwd(z, a):
    for i in range(z.size):
        x = z[i]
        a[i] = x / (typed(x, 1.0) + abs(x))


@njit(**JIT)
def softsign_bwd(z, g, d):  # (1 / (1 + |z|))^2
    for i in range(z.size):
        x = z[i]
        r = typed(x, 1.0) / (typed(x, 1.0) + abs(x))
        d[i] = g[i] * (r * r)


# --- smooth ReLUs and gates ------------------------------------------------------------------
@njit(**JIT)
def softplus_fwd(z, a):
    """max(z, 0) + log1p(e^-|z|) (numerics.softplus's formula)."""
    for i in range(z.size):
        x = z[i]
        a[i] = log1p_unit(exp_neg(-abs(x))) + np.maximum(x, typed(x, 0.0))


@njit(**JIT)
def softplus_bwd(a, g, d):
    """f'(z) = sigmoid(z) = 1 - e^-softplus(z) = -expm1(-a), from the output (no division)."""
    for i in range(a.size):
        d[i] = g[i] * -expm1_neg(-a[i])


@njit(**JIT)
def swish_fwd(z, a, beta):
    for i in range(z.size):
        x = z[i]
        a[i] = x * _sigmoid(beta * x)


@njit(**JIT)
def swish_bwd(z, g, d, beta):  # s + t s (1 - s), t = beta z
    for i in range(z.size):
        t = beta * z[i]
        s, s1 = _sigmoids(t)  # s1 = 1 - s without the cancellation
        d[i] = g[i] * (s1 * s * t + s)


@njit(inline="always")
def _phi(x):
    """Phi(x) = erfc(-x / sqrt 2) / 2, from q = erfc(|x| / sqrt 2) / 2: q below 0, 1 - q above."""
    q = typed(x, 0.5) * erfc_pos(abs(x) * typed(x, _INV_SQRT2))
    return typed(x, 1.0) - q if x > 0 else q


@njit(**JIT)
def gelu_fwd(z, a):
    for i in range(z.size):
        x = z[i]
        a[i] = x * _phi(x)


@njit(**JIT)
def gelu_bwd(z, a, g, d, clip):
    """Phi(z) + zc phi(zc), zc = z clipped to +-clip; Phi = a / z from the output (z != 0 and
    |z| <= clip; 1/2 at 0, the 0 / 1 limit beyond the clip). a[i] is read unconditionally and
    divided by 1 at z = 0: ``a[i] / x if x != 0`` compiled to a masked load of a, which at
    64 MiB made this loop 1.7x slower (0.97 against 0.56 ns/elem, the same in cache)."""
    for i in range(z.size):
        x = z[i]
        ai = a[i]
        zc = clip if x > clip else (-clip if x < -clip else x)  # NaN passes: two selects
        pdf = exp_neg(typed(x, -0.5) * zc * zc) * typed(x, _INV_SQRT_2PI)
        cdf = ai / (x if x != 0 else typed(x, 1.0))
        cdf = cdf if x != 0 else typed(x, 0.5)
        cdf = cdf if abs(x) <= clip else _positive(x)
        d[i] = g[i] * (cdf + zc * pdf)


@njit(inline="always")
def _mish_parts(x):
    """(num, den, e) with tanh(softplus(x)) = num / den, from e = e^-|x| <= 1 alone:
    x <= 0, w = e^x = e: tanh(log(1 + w)) = n / (n + 2), n = w (w + 2) = e^2 + 2e;
    x > 0, w = 1 / e: the same ratio times e^2, (1 + 2e) / (1 + 2e + 2e^2). No cancellation,
    no overflow (e^x itself is never formed)."""
    e = exp_neg(-abs(x))
    pos = x > 0
    e2 = e * e
    num = typed(x, 1.0) + typed(x, 2.0) * e if pos else e2 + typed(x, 2.0) * e
    den = num + (typed(x, 2.0) * e2 if pos else typed(x, 2.0))
    return num, den, e


@njit(**JIT)
def mish_fwd(z, a):
    for i in range(z.size):
        x = z[i]
        num, den, _ = _mish_parts(x)
        a[i] = x * (num / den)


@njit(**JIT)
def mish_bwd(z, g, d):
    """t + z sigmoid(z) sech^2(softplus z), t = num / den (_mish_parts), over one division
    r = 1 / den: z <= 0 (w = e): sech^2 = 1 - t^2 = (den - num)(den + num) / den^2 =
    4 (1 + e)^2 / den^2 and sigmoid = e / (1 + e); z > 0 (both scaled by e^2): sech^2 =
    4 e^2 (1 + e)^2 / den^2 and sigmoid = 1 / (1 + e). So f'(z) = r (num + 4 z c (1 + e) r),
    c = e (z <= 0) or e^2 (z > 0): every term positive but z's sign (the reference's
    cancellation near f' = 0 only). Every select on z > 0 comes before the division: one after
    it made LLVM thread the jumps into two copies of the body, a division in each."""
    for i in range(z.size):
        x = z[i]
        num, den, e = _mish_parts(x)
        c = e * e if x > 0 else e
        r = typed(x, 1.0) / den
        d[i] = g[i] * (r * (num + x * (typed(x, 4.0) * c * (typed(x, 1.0) + e) * r)))
