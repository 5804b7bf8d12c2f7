"""Figure 4: activation kernels, forward + backward per element, against a plain copy.

Two sizes: (1, 256, 1024) float32 (1 MiB, the large model's hidden layer: stays in cache) and
(1, 4096, 4096) float32 (64 MiB: does not fit in any cache, so every pass goes to memory). The
input is standard normal; the upstream gradient is another such array. A plain copy (np.copyto)
of the same array is the yardstick: the cheapest pass over the data there is (one read, one
write). A forward and a backward move about 2.5 copies' worth of memory (read z, write a; read g
and what the forward cached, write dz), hence the issue's 3x goal at 64 MiB. Maxout (k = 2)
reads twice the elements; its time is per output element and its goal lines use the copy of
the output array, the issue's "copy of the same 1 MiB array" (its input z is 2 MiB); the note
under the table adds its ratio against a copy of z, for which the same traffic is half as many
copies. The activations write into the arrays they keep during training (actlab.buffers), as
the Trainer's steps do.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

SHAPE = (1, 256, 1024)  # 1 MiB of float32
LARGE = (1, 4096, 4096)  # 64 MiB of float32

# Issue 15's figures for (fwd+bwd) / copy at 1 MiB, measured before it on a quiet machine
# (softsign had none there: its figure is main's at 1e6858c, measured at the start of issue 15).
ISSUE_1MIB = {
    "relu": 6.3,
    "tanh": 8.1,
    "sigmoid": 12.9,
    "swish": 20.7,
    "leaky_relu": 83.8,
    "prelu": 138.8,
    "elu": 94.6,
    "selu": 119.8,
    "softplus": 289.7,
    "gelu": 320.0,
    "mish": 247.8,
    "maxout": 195.0,
    "softsign": 8.3,
}
PIECEWISE_LINEAR = ("relu", "leaky_relu", "prelu", "step", "identity", "maxout")
LAST: dict = {}  # the last run's {name: (ratio 1 MiB, goal 1 MiB, ratio 64 MiB)}, for run.py
# the last run's seconds a call, for profile_lines: {name: {"small": (fwd, bwd), "large": ...}},
# and "copy": {"small": s, "large": s}; "input copy" likewise for activations of k > 1 pieces
DETAIL: dict = {}


def goal_1mib(name: str) -> float:
    """The 1 MiB goal: 4x a copy for piecewise-linear activations, else half the issue's figure."""
    if name in PIECEWISE_LINEAR:
        return 4.0
    return ISSUE_1MIB.get(name, 4.0) / 2


def _time(fn, number, repeats):
    fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        out.append((time.perf_counter() - t0) / number)
    return statistics.median(out)


def measure(shape, repeats: int, number: int, names=None, inputs=None) -> tuple[dict, float]:
    """{activation: (forward s, backward s)} per call on ``shape``, and a copy's seconds;
    ``inputs`` (a dict), if given, gets {name: a copy's seconds of that activation's input}
    where the input is wider than the output (maxout)."""
    from actlab.activations import available_activations, get_activation

    rng = np.random.default_rng(0)
    src = rng.standard_normal(shape, dtype=np.float32)
    dst = np.empty_like(src)
    copy = _time(lambda: np.copyto(dst, src), number, repeats)
    # what a fresh output array costs: np.copy writes into new memory (page faults and zeroing
    # by the kernel for large arrays), np.copyto into memory already touched
    out = {"(a fresh copy: np.copy)": (_time(lambda: np.copy(src), number, repeats), 0.0)}
    for name in names or available_activations():
        act = get_activation(name)
        act.out.on = True  # as in the Trainer's steps: outputs into arrays the activation keeps
        zshape = (*shape[:-1], shape[-1] * act.pieces)
        z = rng.standard_normal(zshape, dtype=np.float32)
        if inputs is not None and act.pieces > 1:
            wide = np.empty_like(z)
            inputs[name] = _time(lambda z=z, wide=wide: np.copyto(wide, z), number, repeats)
            del wide
        act.build(1, zshape[2:], np.float32)
        a = act.forward(z)
        g = rng.standard_normal(a.shape, dtype=np.float32)
        del a
        fwd = _time(lambda act=act, z=z: act.forward(z), number, repeats)
        bwd = _time(lambda act=act, g=g: act.backward(g), number, repeats)
        out[name] = (fwd, bwd)
    return out, copy


def kernel_job(name: str):
    """callgrind job: one forward and one backward of ``name`` in training mode (kept output
    arrays), on a small array: the count of numpy ufunc calls does not depend on the size, and
    each call over the activation's arrays is one pass over memory. See callgrind.py."""
    from actlab.activations import get_activation

    act = get_activation(name)
    act.out.on = True
    rng = np.random.default_rng(0)
    z = rng.standard_normal((1, 64, 64 * act.pieces), dtype=np.float32)
    g = rng.standard_normal((1, 64, 64), dtype=np.float32)
    act.build(1, z.shape[2:], np.float32)

    def setup():
        act.forward(z)
        act.backward(g)
        return act

    def run(act):
        act.forward(z)
        act.backward(g)

    return setup, run


def min_copies(name: str) -> float:
    """Memory traffic of actlab's compiled kernel, in copies of the output array (a copy reads
    it once and writes it once): forward reads z (pieces x wide) and writes a; backward reads z
    (or a) again, reads grad_a and writes grad_z (pieces x wide): 2.5 for every elementwise
    activation (gelu's backward reads z and a: 3). Maxout, k = 2: the forward also writes one
    byte per output (which piece wins, 1/4 of a float32) and the backward reads those bytes in
    place of z, (2 + 1 + 1/4 + 1/4 + 1 + 2) / 2 = 3.25, beyond the 3x goal by its shape alone
    (4 if it read z back); other k read z and a back."""
    from actlab.activations import get_activation

    act = get_activation(name)
    k = act.pieces
    if k == 2:
        return (k + 1 + 0.25 + 0.25 + 1 + k) / 2
    if name == "gelu":
        return 3.0
    return (k + 1 + k + 1 + k + (1 if k > 2 else 0)) / 2


def run(repeats: int, number: int = 20, names=None, large_number: int = 1):
    """Rows of the kernels table at 1 MiB and 64 MiB, and the goals each one is held to.

    Returns header, rows, a note, and {name: (ratio 1 MiB, goal 1 MiB, ratio 64 MiB)}.
    """
    wide_s, wide_l = {}, {}
    small, copy_s = measure(SHAPE, repeats, number, names, wide_s)
    large, copy_l = measure(LARGE, repeats, large_number, names, wide_l)
    DETAIL.clear()
    DETAIL["copy"] = {"small": copy_s, "large": copy_l}
    DETAIL["input copy"] = {n: {"small": wide_s[n], "large": wide_l[n]} for n in wide_s}
    n_s, n_l = int(np.prod(SHAPE)), int(np.prod(LARGE))
    rows, ratios = [], {}
    for name in small:
        fs, bs = small[name]
        fl, bl = large[name]
        r_s, r_l = (fs + bs) / copy_s, (fl + bl) / copy_l
        if not name.startswith("("):
            ratios[name] = LAST[name] = (r_s, goal_1mib(name), r_l)
            DETAIL[name] = {"small": (fs, bs), "large": (fl, bl)}
        rows.append(
            [
                name,
                f"{fs / n_s * 1e9:.2f}",
                f"{bs / n_s * 1e9:.2f}",
                f"{r_s:.1f}x",
                f"{goal_1mib(name):.1f}x" if name in ratios else "-",
                f"{fl / n_l * 1e9:.2f}",
                f"{bl / n_l * 1e9:.2f}",
                f"{r_l:.1f}x",
            ]
        )
    header = [
        "activation",
        "1 MiB fwd ns/elem",
        "bwd ns/elem",
        "(fwd+bwd) / copy",
        "goal",
        "64 MiB fwd ns/elem",
        "bwd ns/elem",
        "(fwd+bwd) / copy (goal 3x)",
    ]
    note = (
        f"copy: {copy_s / n_s * 1e9:.3f} ns/elem at 1 MiB, {copy_l / n_l * 1e9:.3f} ns/elem "
        f"at 64 MiB ({n_l} float32)"
    )
    for name, w in DETAIL["input copy"].items():
        (fs, bs), (fl, bl) = small[name], large[name]
        note += (
            f"; {name} against a copy of its input z ({w['small'] / copy_s:.1f}x and "
            f"{w['large'] / copy_l:.1f}x the output's copy): {(fs + bs) / w['small']:.1f}x at "
            f"1 MiB, {(fl + bl) / w['large']:.1f}x at 64 MiB (the goal lines use the output's)"
        )
    return header, rows, note, ratios


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
            t = _time(
                lambda: (
                    ne.evaluate(fwd, local_dict={"z": z}, out=a),  # noqa: B023 (timed now)
                    ne.evaluate(bwd, local_dict={"z": z, "a": a, "g": g}, out=out),  # noqa: B023
                ),
                number,
                repeats,
            )
            cells.append(f"{t / copy:.1f}x")
        rows.append(cells)
    ne.set_num_threads(default)
    header = [
        "activation",
        "numexpr 1 thread (fwd+bwd)/copy",
        f"numexpr {default} threads (fwd+bwd)/copy",
    ]
    return header, rows
