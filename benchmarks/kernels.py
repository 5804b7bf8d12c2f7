"""Figure 4: activation kernels, forward + backward per element, against a plain copy.

Input: (R=1, 256, 1024) float32 standard-normal pre-activations (the large model's hidden
layer, 1 MiB); the upstream gradient is another such array. A plain copy (np.copyto) of the
same array is the yardstick: the cheapest pass over the data there is. Maxout (k = 2) reads
twice the elements; its time is per output element.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

SHAPE = (1, 256, 1024)


def _time(fn, number, repeats):
    fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        out.append((time.perf_counter() - t0) / number)
    return statistics.median(out)


def run(repeats: int, number: int = 20, names=None):
    from actlab.activations import available_activations, get_activation

    rng = np.random.default_rng(0)
    n = int(np.prod(SHAPE))
    src = rng.standard_normal(SHAPE, dtype=np.float32)
    dst = np.empty_like(src)
    copy = _time(lambda: np.copyto(dst, src), number, repeats)
    rows, over = [], []
    for name in names or available_activations():
        act = get_activation(name)
        shape = SHAPE[:-1] + (SHAPE[-1] * act.pieces,)
        z = rng.standard_normal(shape, dtype=np.float32)
        act.build(1, shape[2:], np.float32)
        a = act.forward(z)
        g = rng.standard_normal(a.shape, dtype=np.float32)
        fwd = _time(lambda: act.forward(z), number, repeats)
        bwd = _time(lambda: act.backward(g), number, repeats)
        ratio = (fwd + bwd) / copy
        if ratio > 2:
            over.append(f"{name} {ratio:.1f}x")
        rows.append([name, f"{fwd / n * 1e9:.2f}", f"{bwd / n * 1e9:.2f}", f"{ratio:.1f}x",
                     "yes" if ratio <= 2 else "no"])
    header = ["activation", "forward ns/elem", "backward ns/elem", "(fwd+bwd) / copy",
              "within 2x"]
    note = f"copy: {copy / n * 1e9:.3f} ns/elem ({n} float32 = {n * 4 / 2**20:.0f} MiB)"
    return header, rows, over, note


# numexpr: would a fused-expression dependency pay? (measured only when it is installed; actlab
# does not depend on it). Integer literals keep float32 (a 1.0 would promote to float64).
NUMEXPR = {
    "relu": ("where(z > 0, z, 0)", "where(z > 0, g, 0)"),
    "sigmoid": ("1 / (1 + exp(-z))", "g * a * (1 - a)"),
    "tanh": ("tanh(z)", "g * (1 - a * a)"),
    "elu": ("where(z > 0, z, expm1(z))", "where(z > 0, g, g * (a + 1))"),
    "swish": ("z / (1 + exp(-z))", "g * (1 / (1 + exp(-z))) * (1 + z - a)"),
}


def run_numexpr(repeats: int, number: int = 20):
    """fwd+bwd / copy for the NUMEXPR expressions, at 1 thread and at numexpr's default."""
    from common import have

    if not have("numexpr"):
        return None
    import numexpr as ne

    rng = np.random.default_rng(0)
    n = int(np.prod(SHAPE))
    z = rng.standard_normal(SHAPE, dtype=np.float32)
    g = rng.standard_normal(SHAPE, dtype=np.float32)
    a, out, dst = np.empty_like(z), np.empty_like(z), np.empty_like(z)
    copy = _time(lambda: np.copyto(dst, z), number, repeats)
    default = ne.nthreads
    rows = []
    for name, (fwd, bwd) in NUMEXPR.items():
        ne.evaluate(fwd, local_dict={"z": z}, out=a)
        cells = [name]
        for threads in (1, default):
            ne.set_num_threads(threads)
            t = _time(lambda: (ne.evaluate(fwd, local_dict={"z": z}, out=a),
                               ne.evaluate(bwd, local_dict={"z": z, "a": a, "g": g}, out=out)),
                      number, repeats)
            cells.append(f"{t / copy:.1f}x")
        rows.append(cells)
    ne.set_num_threads(default)
    header = ["activation", "numexpr 1 thread (fwd+bwd)/copy",
              f"numexpr {default} threads (fwd+bwd)/copy"]
    return header, rows
