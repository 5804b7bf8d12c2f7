"""exp, expm1, log1p and erfc that LLVM can vectorize, for the numba kernels (jitkernels.py).

numba from PyPI has no SVML: ``math.exp`` in a loop is a scalar libm call and the loop stays
scalar (a numba sigmoid was 163x a copy). These are written from +, *, / and selects only, so a
loop over them compiles to AVX-512 / AVX2 code (jitkernels' tests check the assembly for ymm or
zmm registers). Each has a float32 and a float64 variant, picked by the argument's type at
compile time (``overload``); all are ``inline='always'``.

- exp(x), x <= 0: Cody & Waite range reduction x = n ln2 + r, |r| <= ln2 / 2, with ln2 split in
  two parts so r is exact (Cephes expf.c / exp.c, S. Moshier); e^r by the polynomial of Cephes
  expf.c (float32) or the Taylor series to r^13 (float64: truncation < 2e-17 relative); 2^n is
  built in the exponent bits as 2^(n + 64), a normal float for n down to -150 (float32) /
  -1077, and the result times 2^-64 (one rounding, the same bits as a subnormal 2^n would
  give: subnormals, then 0). NaN stays NaN; x is floored at -104 / -746 by one vmaxps.
- expm1(x), x <= 0: the same reduction, e^x - 1 = 2^n (e^r - 1) + (2^n - 1) with e^r - 1 by
  its Taylor series to r^7 (float32) / r^13 (float64): no cancellation near 0 (Cephes
  expm1f.c uses the same decomposition).
- log1p(v), 0 <= v <= 1: float32 v P(v), P of degree 9 fitted to log1p(v) / v (least squares
  at Chebyshev nodes: relative error 4.8e-9 before rounding; no division, 0.86x the loop time
  of the atanh series); float64 log(1 + v) = 2 atanh(s), s = v / (2 + v) in [0, 1/3], by the
  atanh series s + s^3/3 + ... to s^33: (1/3)^35 / 35 < 2e-19 relative.
- erfc(y), y >= 0: Numerical Recipes' erfcc (Press et al. 1992, 2nd ed., section 6.2: a
  Chebyshev fit, fractional error < 1.2e-7 everywhere), erfc(y) = t exp(-y^2 + P(t)),
  t = 1 / (1 + y / 2), with y^2 split as Cephes erfcf.c / expx2f.c do (y = y_hi + y_lo, y_hi of
  12 bits: y_hi^2 is exact) and -y_hi^2 reduced apart from the small rest, so the large
  exponent adds no rounding error, in one exp. float32 only (float64
  uses libm's erfc: its error is far below 1e-12, this fit's is not).

Accuracy against numpy / scipy in float64 over dense grids: tests/test_jitkernels.py
(test_polynomials_*).

numba's on-disk cache keys each loop on jitloops.py's modification time and size only, so an
edit to this file alone would leave the cached loops with the old inlined code: jitkernels
drops that cache when this file's digest changes (jitcache.refresh, tested in test_compiled).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload

# --- bits <-> floats (LLVM bitcast: free, and vectorizes) -------------------------------------


@intrinsic
def bits_to_float(typingctx, x, like):
    """The float whose bits are the integer ``x`` (32 bits for float32 ``like``, else 64)."""
    wide = like != types.float32
    width, ftype = (64, ir.DoubleType()) if wide else (32, ir.FloatType())

    def codegen(context, builder, signature, args):
        v = args[0]
        if v.type.width > width:
            v = builder.trunc(v, ir.IntType(width))
        elif v.type.width < width:
            v = builder.sext(v, ir.IntType(width))
        return builder.bitcast(v, ftype)

    return (types.float64 if wide else types.float32)(x, like), codegen


@intrinsic
def float_to_bits(typingctx, x):
    """The bits of the float ``x`` as a signed integer of the same width."""
    wide = x == types.float64
    itype = types.int64 if wide else types.int32

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64 if wide else 32))

    return itype(x), codegen


def typed(x, v):
    """``v`` as a constant of ``x``'s float type (in kernels: float32 math stays float32)."""
    raise NotImplementedError  # compiled only (overload below)


@overload(typed, inline="always")
def _typed(x, v):
    if x == types.float32:
        return lambda x, v: np.float32(v)
    return lambda x, v: np.float64(v)


# --- 2^n and the Cody-Waite reduction --------------------------------------------------------
_F32 = {"magic": 12582912.0, "bias": 127, "shift": 23, "lo": -104.0}  # 1.5 * 2^23
_F64 = {"magic": 6755399441055744.0, "bias": 1023, "shift": 52, "lo": -746.0}  # 1.5 * 2^52
_LOG2E = 1.4426950408889634
_LN2_HI32, _LN2_LO32 = 0.693359375, -2.12194440e-4  # Cephes expf.c C1, C2
_LN2_HI64, _LN2_LO64 = 6.93145751953125e-1, 1.42860682030941723212e-6  # Cephes exp.c C1, C2
_UNSCALE = 2.0**-64  # 2^n is built as 2^(n + 64), a normal float down to n = -150 / -1077


@njit(inline="always")
def _floor_at(x, lo):
    """max(x, lo) with NaN passing: one vmaxps (np.maximum's NaN test costs three more)."""
    return lo if x < lo else x


@njit(inline="always")
def _ceil_at(x, hi):
    """min(x, hi) with NaN passing: one vminps."""
    return hi if x > hi else x


@njit(inline="always")
def _reduce32(x):
    """(r, 2^(n + 64)): x = n ln2 + r, |r| <= ln2/2; 2^n = 2^(n + 64) 2^-64 (_UNSCALE)."""
    x = _floor_at(x, np.float32(-104.0))  # NaN passes
    t = x * np.float32(_LOG2E) + np.float32(12582912.0)  # rounds x log2(e) to an integer
    n = t - np.float32(12582912.0)
    r = x - n * np.float32(_LN2_HI32) - n * np.float32(_LN2_LO32)
    k = float_to_bits(t) - np.int32(0x4B400000 - 127 - 64)  # n + 127 + 64, in [41, 191]
    return r, bits_to_float(k << 23, x)


@njit(inline="always")
def _exp_sum32(a, b):
    """e^(a + b) for a + b <= 0, a an exact float32 (here -hi^2) and |b| small: reduced as
    (a - n C1) - n C2 + b, so a's size adds no rounding (a - n C1 is exact: Sterbenz)."""
    a = _floor_at(a, np.float32(-104.0))
    t = (a + b) * np.float32(_LOG2E) + np.float32(12582912.0)
    n = t - np.float32(12582912.0)
    r = (a - n * np.float32(_LN2_HI32)) - n * np.float32(_LN2_LO32) + b
    k = float_to_bits(t) - np.int32(0x4B400000 - 127 - 64)
    s = bits_to_float(k << 23, a)
    return (_expf_poly(r) * s + s) * np.float32(_UNSCALE)


@njit(inline="always")
def _expf_poly(r):
    """e^r - 1 on |r| <= ln2 / 2 (the caller adds the 1 as (q + 1) 2^k = q 2^k + 2^k, one
    fma, the same bits): Cephes expf.c's polynomial, evaluated by Estrin's scheme (three
    independent pairs, then two levels: Horner's six dependent steps were the long pole of the
    loops' dependency chains, which the out-of-order window could not hide)."""
    r2 = r * r
    p01 = np.float32(5.0000001201e-1) + np.float32(1.6666665459e-1) * r
    p23 = np.float32(4.1665795894e-2) + np.float32(8.3334519073e-3) * r
    p45 = np.float32(1.3981999507e-3) + np.float32(1.9875691500e-4) * r
    p = (p01 + p23 * r2) + p45 * (r2 * r2)
    return p * r2 + r


@njit(inline="always")
def _reduce64(x):
    x = _floor_at(x, -746.0)
    t = x * _LOG2E + 6755399441055744.0
    n = t - 6755399441055744.0
    r = x - n * _LN2_HI64 - n * _LN2_LO64
    k = float_to_bits(t) - np.int64(0x4338000000000000 - 1023 - 64)  # n + 1023 + 64 >= 10
    return r, bits_to_float(k << 52, x)


# --- e^r - 1 on |r| <= ln2 / 2 ---------------------------------------------------------------
@njit(inline="always")
def _em1_poly32(r):
    """e^r - 1 by Taylor to r^7: truncation (ln2/2)^7 / 8! < 2e-8 relative."""
    p = np.float32(1 / 5040)
    p = p * r + np.float32(1 / 720)
    p = p * r + np.float32(1 / 120)
    p = p * r + np.float32(1 / 24)
    p = p * r + np.float32(1 / 6)
    p = p * r + np.float32(0.5)
    return p * r * r + r


@njit(inline="always")
def _em1_poly64(r):
    """e^r - 1 by Taylor to r^13: truncation (ln2/2)^13 / 14! < 2e-17 relative."""
    p = 1 / 6227020800
    for c in (
        1 / 479001600,
        1 / 39916800,
        1 / 3628800,
        1 / 362880,
        1 / 40320,
        1 / 5040,
        1 / 720,
        1 / 120,
        1 / 24,
        1 / 6,
        0.5,
    ):
        p = p * r + c
    return p * r * r + r


def exp_neg(x):
    """e^x for x <= 0 (compiled only)."""
    raise NotImplementedError


@overload(exp_neg, inline="always")
def _exp_neg(x):
    if x == types.float32:

        def f32(x):
            r, s = _reduce32(x)
            return (_expf_poly(r) * s + s) * np.float32(_UNSCALE)  # (e^r - 1) s + s: one fma

        return f32

    def f64(x):
        r, s = _reduce64(x)
        return (_em1_poly64(r) * s + s) * _UNSCALE  # (q + 1) 2^k as one fma, as float32

    return f64


def expm1_neg(x):
    """e^x - 1 for x <= 0, accurate near 0 (compiled only)."""
    raise NotImplementedError


@overload(expm1_neg, inline="always")
def _expm1_neg(x):
    if x == types.float32:

        def f32(x):
            r, s = _reduce32(x)
            s = s * np.float32(_UNSCALE)  # 2^n, exact (0 below 2^-149)
            return _em1_poly32(r) * s + (s - np.float32(1.0))

        return f32

    def f64(x):
        r, s = _reduce64(x)
        s = s * _UNSCALE
        return _em1_poly64(r) * s + (s - 1.0)

    return f64


# log1p(v) / v on [0, 1], degree 9: a least-squares fit at 2000 Chebyshev nodes (relative error
# 4.8e-9 in float64, under 0.1 ulp of float32), coefficients rounded to float32
_LOG1P32 = (
    1.0,
    -0.4999990463256836,
    0.33330005407333374,
    -0.24954558908939362,
    0.19678117334842682,
    -0.15311862528324127,
    0.10614264756441116,
    -0.057064201682806015,
    0.019907161593437195,
    -0.003256378462538123,
)


def log1p_unit(v):
    """log(1 + v) for 0 <= v <= 1 (compiled only)."""
    raise NotImplementedError


@overload(log1p_unit, inline="always")
def _log1p_unit(v):
    if v == types.float32:

        def f32(v):  # v P(v), no division (_LOG1P32)
            p = np.float32(_LOG1P32[9])
            for c in _LOG1P32[8::-1]:
                p = p * v + np.float32(c)
            return v * p

        return f32

    def f64(v):
        s = v / (2.0 + v)
        s2 = s * s
        p = 1 / 33
        for c in (1 / 31, 1 / 29, 1 / 27, 1 / 25, 1 / 23, 1 / 21, 1 / 19, 1 / 17, 1 / 15):
            p = p * s2 + c
        for c in (1 / 13, 1 / 11, 1 / 9, 1 / 7, 1 / 5, 1 / 3):
            p = p * s2 + c
        return 2.0 * (s + s * s2 * p)

    return f64


def erfc_pos(y):
    """erfc(y) for y >= 0 (compiled only)."""
    raise NotImplementedError


@overload(erfc_pos, inline="always")
def _erfc_pos(y):
    if y == types.float32:

        def f32(y):
            y = _ceil_at(y, np.float32(10.5))  # erfc(10.5) < 1e-49: 0
            t = np.float32(1.0) / (np.float32(1.0) + np.float32(0.5) * y)
            # the polynomial in t by Estrin's scheme: four independent pairs, then three
            # levels (Horner's nine dependent steps left the loop waiting on latency)
            t2 = t * t
            t4 = t2 * t2
            q0 = np.float32(-1.26551223) + np.float32(1.00002368) * t
            q1 = np.float32(0.37409196) + np.float32(0.09678418) * t
            q2 = np.float32(-0.18628806) + np.float32(0.27886807) * t
            q3 = np.float32(-1.13520398) + np.float32(1.48851587) * t
            q4 = np.float32(-0.82215223) + np.float32(0.17087277) * t
            p = (q0 + q1 * t2) + (q2 + q3 * t2) * t4 + q4 * (t4 * t4)
            hi = bits_to_float(float_to_bits(y) & np.int32(-4096), y)  # 12 bits: hi^2 exact
            lo = y - hi
            return t * _exp_sum32(-hi * hi, p - lo * (y + hi))  # y^2 = hi^2 + lo (y + hi)

        return f32

    return lambda y: math.erfc(y)
