"""Fused kernels: the forward and backward of training in fewer passes over memory.

These are the NumPy kernels. From 1 MiB of float32 on, where numba is installed, the compiled
kernels of jitkernels.py stand in for them (``kernel_for``): one loop forward, one backward;
these remain for smaller arrays, other dtypes and strided views, and without numba.

Each activation's readable ``f`` and ``df`` / ``vjp`` (in its family's module) is the reference;
a kernel here computes the same numbers (tested: float32 within a few ulp, float64 within
1e-12, same zeros, no overflow warnings) for ``Activation.forward`` / ``backward`` only.
``derivative`` and ``act(z)`` keep using the reference.

What makes them faster, measured on 1 MiB float32 arrays (numpy 2.4, AVX-512):

- no boolean masks in arithmetic: numpy has no SIMD loop for float * bool, ``np.where`` or a
  masked copy (12x, 57x and 125x a copy); a comparison that writes 0.0 / 1.0 straight into a
  float array (``np.greater(z, 0, out=m)``) costs about one copy, and so does a float multiply;
- one output array per call, worked on in place (``out=``), no further temporaries; it comes
  from ``act.out`` (actlab.buffers): a fresh array, or during the Trainer's steps an array the
  activation keeps per role and shape, so a step allocates nothing (at 64 MiB a fresh array
  costs about a copy more: the operating system zero-fills its pages);
- a forward that keeps exactly what the backward needs (softplus keeps its output, since
  sigmoid(z) = -expm1(-softplus(z)); GELU keeps Phi(z), so erfc runs once a step, not twice);
- softplus (softplus, mish) through numerics.softplus, which writes numpy's logaddexp formula
  max(z, 0) + log1p(exp(-|z|)) as four SIMD ufuncs (logaddexp itself has no SIMD loop).

A kernel is a class with ``forward(act, z) -> (a, cache)`` and ``vjp(act, cache, grad_a)``
(and ``param_grads(act, cache, grad_a)`` for learnable parameters); ``kernel_for(act)`` picks
it, or None where the reference is used (custom activations, trainable Swish / SELU, GELU's
tanh form, any input that is not a float array).
"""

from __future__ import annotations

import math

import numpy as np

from ..numerics import erfc, sigmoid, softplus

_SQRT1_2 = 1 / math.sqrt(2.0)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _out(act, grad_a, like, role="dz") -> np.ndarray:
    """The array for grad_z (``act.out``: fresh, or kept while training): the shape of
    ``grad_a``, the dtype grad_a * f'(z) would have."""
    dtype = grad_a.dtype if grad_a.dtype == like.dtype else np.result_type(grad_a, like)
    return act.out.get(role, grad_a.shape, dtype)


def _new(act, z, role="a") -> np.ndarray:
    """The array for a forward output shaped and typed like ``z`` (``act.out``)."""
    return act.out.get(role, z.shape, z.dtype)


def _positive_mask(z, out) -> np.ndarray:
    """1.0 where z > 0, else 0.0 (NaN: 0), written into the float array ``out``."""
    return np.greater(z, 0, out=out)


class ReLU:
    elementwise = True

    @staticmethod
    def forward(act, z):
        # np.clip has a SIMD loop (np.maximum tests each element for NaN): see ReLU.f
        out = _new(act, z)
        a = np.clip(z, 0, np.inf, out=out) if z.size > 65536 else np.maximum(z, 0, out=out)
        return a, a

    @staticmethod
    def vjp(act, a, grad_a):  # f'(z) = 1 where a > 0 (z > 0), else 0
        d = _positive_mask(a, _out(act, grad_a, a))
        d *= grad_a
        return d


class LeakyReLU:
    elementwise = True

    @staticmethod
    def forward(act, z):
        s = act.slope
        a = np.multiply(z, s, out=_new(act, z))
        # z > 0: max(z, s z) = z for s <= 1 (min for s > 1); z <= 0: s z. No mask needed.
        (np.maximum if s <= 1 else np.minimum)(z, a, out=a)
        return a, z

    @staticmethod
    def vjp(act, z, grad_a):  # f'(z) = 1 if z > 0 else slope
        s = act.slope
        d = _positive_mask(z, _out(act, grad_a, z))
        if 0 <= s <= 1:
            np.maximum(d, s, out=d)  # exactly 1 or s
        else:
            d *= 1 - s
            d += s
        d *= grad_a
        return d


class PReLU:
    @staticmethod
    def forward(act, z):
        alpha = act._alpha()
        neg = np.minimum(z, 0, out=_new(act, z, "neg"))  # z if z <= 0, else 0: dL/dalpha / grad_a
        a = np.multiply(neg, alpha, out=_new(act, z))
        if np.all(np.less_equal(alpha, 1)):
            np.maximum(a, z, out=a)  # z > 0: max(0, z) = z; z <= 0: alpha z >= z
        else:
            a += np.maximum(z, 0)
        return a, (z, neg)

    @staticmethod
    def vjp(act, cache, grad_a):  # f'(z) = 1 if z > 0 else alpha
        z, _ = cache
        alpha = act._alpha()
        d = _positive_mask(z, _out(act, grad_a, z))
        if np.all((alpha >= 0) & (alpha <= 1)):
            np.maximum(d, alpha, out=d)
        else:
            d = d * (1 - alpha) + alpha
        d *= grad_a
        return d

    @staticmethod
    def param_grads(act, cache, grad_a):  # df/dalpha = z if z <= 0 else 0
        neg = cache[1]
        if act.per_unit or grad_a.ndim < 2:
            return {"alpha": np.multiply(grad_a, neg, out=_out(act, grad_a, neg, "da"))}
        # one alpha per layer: sum(grad_a * neg) per replica as one dot product (a GEMM of
        # (R, 1, n) by (R, n, 1)), one pass and no temporary
        R = grad_a.shape[0]
        dot = np.matmul(grad_a.reshape(R, 1, -1), neg.reshape(R, -1, 1))
        return {"alpha": dot.reshape((R,) + (1,) * (grad_a.ndim - 1))}


class ELU:
    elementwise = True

    @staticmethod
    def forward(act, z):
        e = np.minimum(z, 0, out=_new(act, z, "e"))
        np.expm1(e, out=e)
        if act.alpha != 1:
            e *= act.alpha  # alpha (e^z - 1) where z <= 0, 0 where z > 0
        a = np.maximum(z, 0, out=_new(act, z))
        a += e
        return a, (z, e)

    @staticmethod
    def vjp(act, cache, grad_a):  # f'(z) = 1 if z > 0 else alpha + alpha (e^z - 1)
        z, e = cache
        d = np.add(e, act.alpha, out=_out(act, grad_a, e))
        if act.alpha != 1:  # where z > 0, e = 0 and d = alpha: add 1 - alpha there
            m = _positive_mask(z, _out(act, grad_a, e, "mask"))
            m *= 1 - act.alpha
            d += m
        d *= grad_a
        return d


class SELU:
    elementwise = True

    @staticmethod
    def forward(act, z):
        sa = act.scale * act.alpha
        e = np.minimum(z, 0, out=_new(act, z, "e"))
        np.expm1(e, out=e)
        e *= sa  # scale alpha (e^z - 1) where z <= 0, 0 where z > 0
        from .base import float_cap

        a = np.clip(z, 0, float_cap(z.dtype, act.scale), out=_new(act, z))  # scale z finite
        a *= act.scale
        a += e
        return a, (z, e)

    @staticmethod
    def vjp(act, cache, grad_a):  # f'(z) = scale if z > 0 else scale alpha e^z
        z, e = cache
        sa = act.scale * act.alpha
        d = np.add(e, sa, out=_out(act, grad_a, e))
        m = _positive_mask(z, _out(act, grad_a, e, "mask"))
        m *= act.scale - sa
        d += m
        d *= grad_a
        return d


class Sigmoid:
    elementwise = True

    @staticmethod
    def forward(act, z):
        a = sigmoid(z, out=_new(act, z))
        return a, a

    @staticmethod
    def vjp(act, a, grad_a):  # a (1 - a)
        d = np.subtract(1, a, out=_out(act, grad_a, a))
        d *= a
        d *= grad_a
        return d


class Tanh:
    elementwise = True

    @staticmethod
    def forward(act, z):
        a = np.tanh(z, out=_new(act, z))
        return a, a

    @staticmethod
    def vjp(act, a, grad_a):  # 1 - a^2
        d = np.multiply(a, a, out=_out(act, grad_a, a))
        np.subtract(1, d, out=d)
        d *= grad_a
        return d


class Softsign:
    elementwise = True

    @staticmethod
    def forward(act, z):
        r = np.abs(z, out=_new(act, z, "r"))
        r += 1
        a = np.divide(z, r, out=_new(act, z))
        np.reciprocal(r, out=r)  # 1 / (1 + |z|), kept for the backward
        return a, r

    @staticmethod
    def vjp(act, r, grad_a):  # (1 / (1 + |z|))^2
        with np.errstate(under="ignore"):
            d = np.multiply(r, r, out=_out(act, grad_a, r))
            d *= grad_a
        return d


class Softplus:
    elementwise = True

    @staticmethod
    def forward(act, z):
        a = softplus(z, out=_new(act, z))  # numerics.softplus: one pass per ufunc
        return a, a

    @staticmethod
    def vjp(act, a, grad_a):  # sigmoid(z) = 1 - e^-softplus(z) = -expm1(-a)
        d = np.negative(a, out=_out(act, grad_a, a))
        np.expm1(d, out=d)
        np.negative(d, out=d)
        d *= grad_a
        return d


class Swish:  # beta fixed (not trainable), |beta| <= 1: t = beta z never overflows
    elementwise = True

    @staticmethod
    def forward(act, z):
        beta = act.beta  # fixed, |beta| <= 1 (kernel_for): t = beta z never overflows
        t = z if beta == 1 else np.multiply(z, beta, out=_new(act, z, "t"))
        s = sigmoid(t, out=_new(act, z, "s"))
        return np.multiply(z, s, out=_new(act, z)), (t, s)

    @staticmethod
    def vjp(act, cache, grad_a):  # s + t s (1 - s), t = beta z
        t, s = cache
        d = np.subtract(1, s, out=_out(act, grad_a, s))
        d *= s
        d *= t
        d += s
        d *= grad_a
        return d


class GELU:  # approximate="none"
    elementwise = True

    @staticmethod
    def forward(act, z):
        phi = np.multiply(z, -_SQRT1_2, out=_new(act, z, "phi"))
        erfc(phi, out=phi)
        phi *= 0.5  # Phi(z), kept: the backward needs it and erfc is the costly part
        return np.multiply(z, phi, out=_new(act, z)), (z, phi)

    @staticmethod
    def vjp(act, cache, grad_a):  # Phi(z) + z phi(z), z clipped where phi(z) is 0 anyway
        z, cdf = cache
        zc = np.clip(z, -act._CLIP, act._CLIP, out=_new(act, z, "zc"))
        d = np.multiply(zc, zc, out=_out(act, grad_a, z))
        d *= -0.5
        with np.errstate(under="ignore"):
            np.exp(d, out=d)
        d *= _INV_SQRT_2PI
        d *= zc
        d += cdf
        d *= grad_a
        return d


class Mish:
    elementwise = True

    @staticmethod
    def forward(act, z):
        sp = softplus(z, out=_new(act, z, "sp"))
        t = np.tanh(sp, out=_new(act, z, "t"))
        return np.multiply(z, t, out=_new(act, z)), (z, sp, t)

    @staticmethod
    def vjp(act, cache, grad_a):  # t + z sigmoid(z) (1 - t^2), sigmoid(z) = -expm1(-sp)
        z, sp, t = cache
        d = np.negative(sp, out=_out(act, grad_a, sp))
        np.expm1(d, out=d)
        d *= z  # -z sigmoid(z)
        w = np.multiply(t, t, out=_out(act, grad_a, sp, "w"))
        w -= 1  # -(1 - t^2)
        d *= w
        d += t
        d *= grad_a
        return d


class Maxout:
    @staticmethod
    def forward(act, z):
        zs = act._split(z)
        a = np.maximum(zs[..., 0], zs[..., 1], out=_new(act, zs[..., 0]))  # k >= 2 pieces
        for i in range(2, act.pieces):
            np.maximum(a, zs[..., i], out=a)
        return a, (z, zs, a)

    @staticmethod
    def vjp(act, cache, grad_a):  # grad_a to the first piece equal to the max, 0 to the others
        z, zs, a = cache
        dtype = np.result_type(grad_a, z)
        out = act.out.get("dz", zs.shape, dtype)
        m = act.out.get("m", grad_a.shape, dtype)  # contiguous: into a strided view is ~40x
        rest = grad_a  # what no earlier piece has taken
        for i in range(act.pieces - 1):
            np.equal(zs[..., i], a, out=m)
            np.multiply(m, rest, out=out[..., i])
            last = i == act.pieces - 2  # the last piece takes what is left, written in place
            into = out[..., -1] if last else act.out.get("rest", grad_a.shape, dtype)
            rest = np.subtract(rest, out[..., i], out=into)
        return out.reshape(z.shape)


class Step:
    elementwise = True

    @staticmethod
    def forward(act, z):
        return _positive_mask(z, _new(act, z)), None

    @staticmethod
    def vjp(act, cache, grad_a):  # f'(z) = 0 (almost everywhere)
        d = _out(act, grad_a, grad_a)
        d.fill(0)
        return d


# --- large arrays: the same kernels, block by block -------------------------------------------
#
# Each numpy call is one pass over its arrays; on an array larger than the caches every pass
# goes to memory, so a kernel of k calls moves k times the data. Run on blocks that stay in
# cache, the k passes over a block cost cache traffic and only the block's first read and last
# write go to memory. Only for kernels marked ``elementwise`` (every output element depends on
# the same element of each input: no per-replica parameters, no pieces), on C-contiguous input.
BLOCK = 1 << 15  # elements per block: 128 KiB of float32; a kernel's few arrays stay in L2
BLOCKED_FROM = 1 << 20  # blocks only from 4 MiB of float32 (below, the arrays fit in cache)


def blocked(kernel, z) -> bool:
    """Whether ``z`` is large enough, and ``kernel`` elementwise, to run block by block."""
    return z.size >= BLOCKED_FROM and getattr(kernel, "elementwise", False) and z.flags.c_contiguous


class _Blocks:
    """Stands in for ``act.out`` while a kernel runs on one block: ``get(role, ...)`` returns
    that block of a whole array per role (from the real ``act.out``: kept or fresh), and
    remembers which role each returned block belongs to, to hand back the whole arrays."""

    def __init__(self, out, shape):
        self.out, self.shape = out, shape
        self.wholes, self.roles = {}, {}
        self.start = self.stop = 0

    def get(self, role, shape, dtype):
        whole = self.wholes.get(role)
        if whole is None:
            full = self.out.get(role, self.shape, dtype)
            whole = self.wholes[role] = (full, full.reshape(-1))
        block = whole[1][self.start : self.stop]
        self.roles[id(block)] = (role, block)  # the block object stays alive: its id is unique
        return block

    def whole(self, x, inputs):
        """The whole array behind ``x`` (a kernel output or cache of the last block), in the
        caller's shape; an input's block maps back to that input."""
        if x is None:
            return None
        if isinstance(x, tuple):
            return tuple(self.whole(v, inputs) for v in x)
        found = self.roles.get(id(x))
        if found is not None and found[1] is x:
            return self.wholes[found[0]][0]
        for flat, full in inputs:
            if np.shares_memory(x, flat):
                return full
        raise ValueError("a blocked kernel returned an array that is neither an output nor input")


def _arrays(cache) -> list:
    """The arrays in a kernel's cache (an array, a tuple of them, or None)."""
    if cache is None:
        return []
    return [x for v in cache for x in _arrays(v)] if isinstance(cache, tuple) else [cache]


def _run_blocks(act, shape, size, inputs, step):
    """Call ``step(start, stop)`` per block with ``act.out`` swapped for a _Blocks; returns the
    whole arrays behind what the last call returned."""
    blocks = _Blocks(act.out, shape)
    act.out = blocks
    try:
        for start in range(0, size, BLOCK):
            blocks.roles.clear()
            blocks.start, blocks.stop = start, min(start + BLOCK, size)
            result = step(start, blocks.stop)
    finally:
        act.out = blocks.out
    return blocks.whole(result, inputs)


def forward_blocked(kernel, act, z):
    """kernel.forward(act, z), block by block over the flattened z: the same (a, cache)."""
    flat = z.reshape(-1)
    return _run_blocks(
        act, z.shape, z.size, [(flat, z)], lambda i, j: kernel.forward(act, flat[i:j])
    )


def vjp_blocked(kernel, act, cache, grad_a):
    """kernel.vjp(act, cache, grad_a), block by block: the same grad_z."""
    if not all(x.flags.c_contiguous for x in _arrays(cache)):  # a forward that ran whole
        return kernel.vjp(act, cache, grad_a)
    g = grad_a.reshape(-1)

    def cut(x, i, j):
        if x is None:
            return None
        if isinstance(x, tuple):
            return tuple(cut(v, i, j) for v in x)
        return x.reshape(-1)[i:j]

    return _run_blocks(
        act, grad_a.shape, g.size, [], lambda i, j: kernel.vjp(act, cut(cache, i, j), g[i:j])
    )


_BY_CLASS: dict = {}  # Activation class -> kernel, filled on first use (no import cycle)


def _by_class() -> dict:
    if not _BY_CLASS:
        from . import exponential, gated, maxout, relu_like, sigmoid_like

        for module in (exponential, gated, maxout, relu_like, sigmoid_like):
            for name, cls in vars(module).items():
                kernel = globals().get(name)
                if isinstance(cls, type) and isinstance(kernel, type) and hasattr(kernel, "vjp"):
                    _BY_CLASS[cls] = kernel
    return _BY_CLASS


def kernel_for(act):
    """The kernel for this activation, or None: use its reference f / vjp.

    Only actlab's own classes (a subclass or a custom activation has its own formulas), and
    only where the kernel covers the configuration: fixed Swish with |beta| <= 1, fixed SELU,
    GELU's erfc form. The compiled kernel of jitkernels.py where numba is on, else the NumPy
    kernel of this module."""
    kernel = (_BY_CLASS or _by_class()).get(type(act))
    if kernel is None or getattr(act, "trainable", False):
        return None
    if kernel is Swish and not abs(act.beta) <= 1:
        return None
    if kernel is GELU and act.approximate != "none":
        return None
    if not _JIT:  # jitkernels imports numba only for its first large array
        from .jitkernels import jit_kernel

        _JIT.append(jit_kernel)
    return _JIT[0](kernel) or kernel  # compiled, one pass (numba); None without numba


_JIT: list = []  # [jitkernels.jit_kernel], bound on first use (jitkernels imports this module)
