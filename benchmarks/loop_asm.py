"""Instructions per element of the compiled kernel loops (jitloops), counted in their assembly.

Each loop is compiled afresh for float32 (uncached: numba shows no assembly for cached code) and
its main vector loop found: the branch-free block that jumps back to itself with the most zmm /
ymm instructions. Its instruction count times 16 over the elements one pass of it handles (the
index increment before the backward jump) is the figure: instructions per 16 elements, one
AVX-512 register of float32. The yardstick is a scaling loop (a = s z: a load, a multiply, a
store and the loop's bookkeeping), the cheapest loop that is not turned into a memcpy call.
Used by profile_lines for the kernels whose goal is not met.
"""

from __future__ import annotations

import inspect
import re

import numpy as np

SCALARS = {  # float32 scalars after the arrays
    "leaky_fwd": 1,
    "leaky_bwd": 1,
    "elu_fwd": 3,
    "elu_bwd": 2,
    "swish_fwd": 1,
    "swish_bwd": 1,
    "gelu_bwd": 1,
}
ARRAYS = {  # loops whose arrays are not all float32
    "maxout2_fwd_first": (np.float32, np.float32, np.uint8),
    "maxout2_bwd_first_pairs": (np.uint8, np.float32, np.int64),
}


def _scale(z, a, s):
    for i in range(z.size):
        a[i] = z[i] * s


def loops(name: str) -> tuple[str | None, str | None]:
    """The jitloops names of ``name``'s forward and backward loop (None: not a jitloops loop,
    e.g. tanh's forward, np.tanh)."""
    from actlab.activations import get_activation, jitkernels
    from actlab.activations.kernels import kernel_for

    act = get_activation(name)
    cls = kernel_for(act)
    if cls is jitkernels.Maxout and act.pieces == 2:
        return "maxout2_fwd_first", "maxout2_bwd_first_pairs"
    if cls not in jitkernels._BY_NUMPY.values() or not issubclass(cls, jitkernels.Elementwise):
        return None, None
    fwd = cls.fwd if cls.forward.__func__ is jitkernels.Elementwise.forward.__func__ else None
    return fwd or None, cls.bwd or None


def _compile(py_func, n_scalars: int, arrays=None):
    from numba import njit

    from actlab.activations import jitloops

    fresh = njit(**{**jitloops.JIT, "cache": False})(py_func)
    n_arrays = len(inspect.signature(py_func).parameters) - n_scalars
    kinds = arrays or (np.float32,) * n_arrays
    fresh(*[np.zeros(64, k) for k in kinds], *[np.float32(1)] * n_scalars)
    return fresh.inspect_asm(fresh.signatures[0])


def main_loop(asm: str) -> tuple[int, int]:
    """(instructions, elements per pass) of the vector loop in ``asm``."""
    lines = asm.splitlines()
    labels = {m.group(1): i for i, ln in enumerate(lines) if (m := re.match(r"(\.LBB\w+):", ln))}
    best = None
    for i, ln in enumerate(lines):
        m = re.match(r"\s+j\w+\s+(\.LBB\w+)", ln)
        if not m or labels.get(m.group(1), i) >= i:
            continue
        block = lines[labels[m.group(1)] + 1 : i + 1]
        if any(re.match(r"\.LBB\w+:", x) for x in block):
            continue  # not one block
        body = [x for x in block if x.startswith("\t") and not x.strip().startswith(".")]
        wide = sum("%zmm" in x or "%ymm" in x for x in body)
        if best is None or wide > best[0]:
            best = (wide, body)
    if best is None or best[0] == 0:
        raise ValueError("no vector loop in this assembly")
    body = best[1]
    steps = [int(m.group(1)) for x in body if (m := re.search(r"add[lq]\s+\$(\d+), %r", x))]
    if not steps:
        raise ValueError("no index increment in the vector loop")
    return len(body), steps[-1]


def per_16(loop: str) -> float:
    """Instructions per 16 elements of jitloops' ``loop``, float32."""
    from actlab.activations import jitloops

    asm = _compile(getattr(jitloops, loop).py_func, SCALARS.get(loop, 0), ARRAYS.get(loop))
    n, step = main_loop(asm)
    return n * 16 / step


def scale_per_16() -> float:
    n, step = main_loop(_compile(_scale, 1))
    return n * 16 / step
