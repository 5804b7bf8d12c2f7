"""Compiled kernels: each activation's forward and backward in one pass over memory (numba).

The same interface and numbers as the NumPy kernels of kernels.py (``forward(act, z) ->
(a, cache)``, ``vjp(act, cache, grad_a)``; PReLU's ``backward`` also returns its parameter
gradient), tested equal to the readable reference f / df of each activation. A NumPy kernel
makes one pass over memory per ufunc call (up to eight per step); these loops make one each
way, and compute exp / erfc in SIMD registers (vecmath.py), so a forward + backward moves
about 2.5 copies' worth of memory (read z, write a; read z or a and grad_a, write grad_z).

Used when numba is installed and ``ACTLAB_NUMBA`` is not ``0`` (``available()``), for float32
and float64 C-contiguous arrays of at least JIT_FROM elements; anything else (a smaller array,
another dtype, a strided view) goes to the NumPy kernel, which every class here names as
``numpy``. The loops are compiled on first use per dtype, about 0.35 s each, and cached on disk
(numba's cache, ``NUMBA_CACHE_DIR``). JIT_FROM is 1 MiB of float32 (the large model's hidden
layer, (1, 256, 1024)): a compile only pays on many calls on large arrays. ``actlab compare``'s
largest arrays are probe batches of (5, 450, 100): a compiled sigmoid would save about 80 us a
call there, some 20 ms a run, for 0.7 s of compiling its two loops in each worker; below
JIT_FROM numba is never imported, so the first compare is as fast as without it (issue 15's
condition on the compiler).
"""

from __future__ import annotations

import os
from importlib.util import find_spec

import numpy as np

from . import kernels as nk
from .base import float_cap

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_LITTLE = np.little_endian  # maxout's float32 pairs are written as int64s: piece 0 low


JIT_FROM = 1 << 18  # elements: below, the NumPy kernels (see the module docstring)


def available() -> bool:
    """Whether the compiled kernels are on: ACTLAB_NUMBA is not "0" and numba is installed
    (imported only when the first array of JIT_FROM elements arrives)."""
    if not _ON:
        try:
            found = find_spec("numba") is not None
        except (ImportError, ValueError):  # ValueError: sys.modules["numba"] is None
            found = False
        _ON.append(os.environ.get("ACTLAB_NUMBA", "1") != "0" and found)
    return _ON[0]


_ON: list = []  # [bool], filled on first call
_LOOPS: list = []  # [jitloops module, or None where numba fails to import]


def _loops():
    """jitloops (imports numba: about 0.3 s), or None where numba does not import."""
    if not _LOOPS:
        try:
            from . import jitloops as module
        except ImportError:  # a broken numba / llvmlite: the NumPy kernels
            module = None
        if module is not None:  # cached loops built from an older vecmath.py: compile again
            from . import vecmath
            from .jitcache import refresh

            refresh(module, [module.__file__, vecmath.__file__])
        _LOOPS.append(module)
    return _LOOPS[0]


class _Cache(tuple):
    """What a compiled forward keeps: (z or a, ...), marked so vjp knows whose cache it is."""


def _compiled(z) -> bool:
    """Whether a forward on ``z`` runs compiled: large enough, float32 or float64 ("f", "d"),
    C-contiguous, and numba imports. (Checked on every forward: kept to a few attributes.)"""
    return (
        z.size >= JIT_FROM
        and z.dtype.char in "fd"
        and z.flags.c_contiguous
        and (_LOOPS[0] if _LOOPS else _loops()) is not None
    )


def _flat(x):
    return x.reshape(-1)


class Elementwise:
    """a = fwd(z) and grad_z = bwd(kept, grad_a) elementwise; subclasses name the loops, what
    the backward reads (``keep``: "z", "a" or both) and the scalar arguments."""

    elementwise = False  # one pass already: never split into blocks (kernels.blocked)
    numpy = None  # the NumPy kernel for what the loops do not take
    keep = ("z",)
    fwd = bwd = ""  # names in jitloops

    @staticmethod
    def fargs(act, dtype) -> tuple:
        return ()

    @staticmethod
    def bargs(act, dtype) -> tuple:
        return ()

    @classmethod
    def forward(cls, act, z):
        if not _compiled(z):
            return cls.numpy.forward(act, z)
        a = act.out.get("a", z.shape, z.dtype)
        zf, af = _flat(z), _flat(a)  # the cache keeps these flat views, ready for the loop
        getattr(_LOOPS[0], cls.fwd)(zf, af, *cls.fargs(act, z.dtype))
        keep = cls.keep
        if keep == ("z",):
            return a, _Cache((zf,))
        if keep == ("a",):
            return a, _Cache((af,))
        return a, _Cache({"z": zf, "a": af}[k] for k in keep)

    @classmethod
    def vjp(cls, act, cache, grad_a):
        if not isinstance(cache, _Cache):
            return cls.numpy.vjp(act, cache, grad_a)
        cache, g = _common(cache, grad_a)  # flat arrays (the forward's views)
        d = act.out.get("dz", g.shape, g.dtype)
        getattr(_LOOPS[0], cls.bwd)(*cache, _flat(g), _flat(d), *cls.bargs(act, g.dtype))
        return d


def _common(cache, grad_a):
    """The cached arrays and grad_a in one dtype, C-contiguous (copies only where they differ:
    a gradient of another dtype or layout than the forward's input). The cache is the
    compiled forward's: float32 or float64, C-contiguous already."""
    if not cache or (grad_a.dtype == cache[0].dtype and grad_a.flags.c_contiguous):
        return cache, grad_a
    dtype = np.result_type(grad_a, *cache)
    dtype = dtype if dtype in _FLOATS else np.dtype(np.float64)
    return (
        tuple(np.ascontiguousarray(x, dtype=dtype) for x in cache),
        np.ascontiguousarray(grad_a, dtype=dtype),
    )


def _typed(dtype, *values):
    return tuple(dtype.type(v) for v in values)


class ReLU(Elementwise):
    numpy, keep, fwd, bwd = nk.ReLU, ("a",), "relu_fwd", "mask_bwd"


class LeakyReLU(Elementwise):
    numpy, fwd, bwd = nk.LeakyReLU, "leaky_fwd", "leaky_bwd"

    @staticmethod
    def fargs(act, dtype):
        return _typed(dtype, act.slope)

    bargs = fargs


class ELU(Elementwise):
    numpy, fwd, bwd = nk.ELU, "elu_fwd", "elu_bwd"

    @staticmethod
    def fargs(act, dtype):
        return _typed(dtype, 1.0, act.alpha, np.inf)

    @staticmethod
    def bargs(act, dtype):
        return _typed(dtype, 1.0, act.alpha)


class SELU(ELU):
    numpy = nk.SELU

    @staticmethod
    def fargs(act, dtype):  # scale z capped so it stays finite (SELU._unscaled)
        return _typed(dtype, act.scale, act.alpha, float_cap(dtype, act.scale))

    @staticmethod
    def bargs(act, dtype):
        return _typed(dtype, act.scale, act.alpha)


class Sigmoid(Elementwise):
    numpy, keep, fwd, bwd = nk.Sigmoid, ("a",), "sigmoid_fwd", "sigmoid_bwd"


class Tanh(Elementwise):
    """Forward: np.tanh itself (numpy's SIMD tanh is 2.2 copies in cache, a compiled
    exp-based one 4.4); backward 1 - a^2 compiled."""

    numpy, keep, bwd = nk.Tanh, ("a",), "tanh_bwd"

    @classmethod
    def forward(cls, act, z):
        if not _compiled(z):
            return cls.numpy.forward(act, z)
        a = np.tanh(z, out=act.out.get("a", z.shape, z.dtype))
        return a, _Cache((_flat(a),))


class Softsign(Elementwise):
    numpy, fwd, bwd = nk.Softsign, "softsign_fwd", "softsign_bwd"


class Softplus(Elementwise):
    numpy, keep, fwd, bwd = nk.Softplus, ("a",), "softplus_fwd", "softplus_bwd"


class Swish(Elementwise):  # |beta| <= 1 (kernels.kernel_for)
    numpy, fwd, bwd = nk.Swish, "swish_fwd", "swish_bwd"

    @staticmethod
    def fargs(act, dtype):
        return _typed(dtype, act.beta)

    bargs = fargs


class GELU(Elementwise):  # approximate="none" (kernels.kernel_for)
    numpy, keep, fwd, bwd = nk.GELU, ("z", "a"), "gelu_fwd", "gelu_bwd"

    @staticmethod
    def bargs(act, dtype):
        return _typed(dtype, act._CLIP)


class Mish(Elementwise):
    numpy, fwd, bwd = nk.Mish, "mish_fwd", "mish_bwd"


class Step(Elementwise):
    numpy, keep, fwd = nk.Step, (), "step_fwd"

    @classmethod
    def vjp(cls, act, cache, grad_a):  # f'(z) = 0: zeros, whatever grad_a holds
        return nk.Step.vjp(act, cache, grad_a)


class Maxout(Elementwise):
    """k = 2 (the default): the forward also writes one byte per pair, whether piece 0 takes
    the gradient, and the backward reads those bytes and grad_a instead of z: per output
    element a forward + backward moves 4 + 8 + 1 bytes, then 1 + 4 + 8 (float32), not 12 and
    20; 3.25 copies of the output where reading z back needs 4 (kernels.min_copies). Other k:
    the backward reads z and a."""

    numpy, keep = nk.Maxout, ("z", "a")

    @classmethod
    def forward(cls, act, z):
        zs = act._split(z)  # checks the width
        if not _compiled(z):
            return cls.numpy.forward(act, z)
        a = act.out.get("a", zs.shape[:-1], z.dtype)
        if act.pieces == 2:
            first = act.out.get("first", a.shape, np.uint8).reshape(-1)
            _LOOPS[0].maxout2_fwd_first(_flat(z), _flat(a), first)
            return a, _Cache((a, first, z.shape))
        _LOOPS[0].maxout_fwd(_flat(z), _flat(a), act.pieces)
        return a, _Cache((z, a))

    @classmethod
    def vjp(cls, act, cache, grad_a):
        if not isinstance(cache, _Cache):
            return cls.numpy.vjp(act, cache, grad_a)
        if act.pieces == 2:  # (a, the winner bytes, z's shape)
            a, first, shape = cache
            g = grad_a
            if g.dtype != a.dtype or not g.flags.c_contiguous:
                (a,), g = _common((a,), g)  # grad_a in the forward's dtype
            d = act.out.get("dz", shape, g.dtype)
            if g.dtype.char == "f" and _LITTLE:
                _LOOPS[0].maxout2_bwd_first_pairs(first, _flat(g), _flat(d).view(np.int64))
            else:
                _LOOPS[0].maxout2_bwd_first(first, _flat(g), _flat(d))
            return d
        (z, a), g = _common(cache, grad_a)
        d = act.out.get("dz", z.shape, g.dtype)
        _LOOPS[0].maxout_bwd(_flat(z), _flat(a), _flat(g), _flat(d), act.pieces)
        return d


class PReLU:
    """One slope per layer (alpha (R, 1, ..., 1)) or per unit (R, 1, ..., 1, U); the backward
    gives grad_z and dL/dalpha in one pass."""

    elementwise = False
    numpy = nk.PReLU

    @staticmethod
    def _views(act, z):
        """(loop suffix, 3-D or 2-D shape of z, alpha as (R, U) or (R,)), or None."""
        alpha = act._alpha()
        if z.ndim < 2 or np.ndim(alpha) == 0:
            return None
        alpha = np.ascontiguousarray(alpha, dtype=z.dtype)
        R = z.shape[0]
        if alpha.size == R:
            return "prelu_layer", (R, -1), alpha.reshape(R)
        return "prelu", (R, -1, alpha.shape[-1]), alpha.reshape(R, -1)

    @classmethod
    def forward(cls, act, z):
        views = cls._views(act, z) if _compiled(z) else None
        if views is None:
            return cls.numpy.forward(act, z)
        name, shape, alpha = views
        a = act.out.get("a", z.shape, z.dtype)
        getattr(_loops(), name + "_fwd")(z.reshape(shape), a.reshape(shape), alpha)
        return a, _Cache((z,))

    @classmethod
    def vjp(cls, act, cache, grad_a):
        if not isinstance(cache, _Cache):
            return cls.numpy.vjp(act, cache, grad_a)
        return cls.backward(act, cache, grad_a)[0]

    @classmethod
    def backward(cls, act, cache, grad_a):
        """(grad_z, {"alpha": dL/dalpha in alpha's shape})."""
        if not isinstance(cache, _Cache):
            grads = cls.numpy.param_grads(act, cache, grad_a)
            return cls.numpy.vjp(act, cache, grad_a), grads
        (z,), g = _common(cache, grad_a)
        name, shape, alpha = cls._views(act, z)
        d = act.out.get("dz", g.shape, g.dtype)
        dalpha = np.empty(alpha.shape, g.dtype)
        getattr(_loops(), name + "_bwd")(
            z.reshape(shape), g.reshape(shape), d.reshape(shape), alpha, dalpha
        )
        return d, {"alpha": dalpha.reshape(act.params["alpha"].shape)}


def jit_kernel(numpy_kernel):
    """The compiled kernel standing in for ``numpy_kernel`` (a kernels.py class), or None."""
    return _BY_NUMPY.get(numpy_kernel) if available() else None


_BY_NUMPY = {
    cls.numpy: cls
    for cls in (
        ReLU,
        LeakyReLU,
        PReLU,
        ELU,
        SELU,
        Sigmoid,
        Tanh,
        Softsign,
        Softplus,
        Swish,
        GELU,
        Mish,
        Step,
        Maxout,
    )
}
