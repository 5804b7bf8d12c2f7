"""What an activation costs: per-element time, and its share of a whole training step.

The seed says exp makes sigmoid and tanh slow; the references say the activation is a small
share of training (ELU nets were 5% slower than ReLU nets on ImageNet, Clevert et al. 2015).
Both are measurable, and this module measures them:

- :func:`activation_cost`: forward and forward+backward nanoseconds per element for each
  activation, beside two baselines timed in the same run: a plain array copy (``np.copyto``
  into a preallocated array: the memory traffic any elementwise function pays) and ReLU.
- :func:`step_share`: the fraction of a training step's time spent inside the activations'
  forward and backward, measured by wrapping the activation *instances'* methods.

Timings are medians of ``repeats`` after one warm-up; each timed sample loops over the array
enough times to process at least about a million elements, so small sizes are not dominated by
the timer's resolution. Machines are shared and noisy: read ratios, not absolute numbers.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .activations import get_activation
from .errors import ParameterError, check_float_dtype, check_int, is_int
from .network import Network, check_sizes
from .optimizers import get_optimizer

__all__ = ["activation_cost", "step_share"]

_WIDTH = 100  # last axis of the benchmark input (times ``pieces`` for Maxout when needed)
_MIN_ELEMENTS_PER_SAMPLE = 1_000_000


def _check_sizes(sizes) -> list[int]:
    allowed = f"a non-empty list of integers >= {_WIDTH}, e.g. 10000,100000"
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise ParameterError("sizes", sizes, allowed)
    out = list(sizes)
    if not out:
        raise ParameterError("sizes", sizes, allowed)
    for s in out:
        if not is_int(s) or s < _WIDTH:
            raise ParameterError("sizes", sizes, allowed)
    return [int(s) for s in out]


def _median_time(fn, repeats: int, inner: int) -> float:
    """Median seconds of one call of ``fn`` (each sample times ``inner`` calls), after a warm-up."""
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - start) / inner)
    return float(np.median(samples))


def _input_for(act, size: int, dtype, rng):
    """z of shape (1, rows, width) with about ``size`` elements; width a multiple of pieces."""
    pieces = act.pieces
    width = _WIDTH if _WIDTH % pieces == 0 else _WIDTH * pieces
    rows = max(1, size // width)
    z = rng.standard_normal((1, rows, width)).astype(dtype)
    act.build(1, (width // pieces,), dtype)
    return z


def _time_activation(spec, size, dtype, repeats, rng):
    """(elements, forward seconds, forward+backward seconds) for one activation and size."""
    act = get_activation(spec)
    z = _input_for(act, size, dtype, rng)
    a = act.forward(z)
    grad = rng.standard_normal(a.shape).astype(dtype)
    inner = max(1, _MIN_ELEMENTS_PER_SAMPLE // z.size)

    def fwd_bwd():
        act.forward(z)
        act.backward(grad)

    with np.errstate(all="ignore"):
        t_fwd = _median_time(lambda: act.forward(z), repeats, inner)
        t_both = _median_time(fwd_bwd, repeats, inner)
    return z.size, t_fwd, t_both


def _time_copy(size, dtype, repeats, rng):
    """A plain copy: forward = one copy, forward+backward = two (each pass writes one array)."""
    rows = max(1, size // _WIDTH)
    src = rng.standard_normal((1, rows, _WIDTH)).astype(dtype)
    dst = np.empty_like(src)
    inner = max(1, _MIN_ELEMENTS_PER_SAMPLE // src.size)
    t_one = _median_time(lambda: np.copyto(dst, src), repeats, inner)
    t_two = _median_time(lambda: (np.copyto(dst, src), np.copyto(dst, src)), repeats, inner)
    return src.size, t_one, t_two


def activation_cost(
    names, sizes=(10_000, 100_000, 1_000_000), repeats=5, dtype="float32"
) -> list[dict]:
    """Forward and forward+backward time per element of each activation, and ratios.

    Parameters
    ----------
    names : activation specs (``"relu"``, ``"leaky_relu:0.1"``, ``"maxout"``, ...). ReLU and a
        plain copy are always timed too, as the baselines (rows ``"relu"`` and ``"copy"``).
    sizes : elements per call; the input is (1, size // 100, 100) (Maxout: the input's last
        axis is units * pieces, and its elements are counted).
    repeats : timed samples per measurement; the median is reported.
    dtype : ``"float32"`` or ``"float64"``.

    Returns one row per (activation, size): ``activation``, ``size`` (elements actually
    timed), ``dtype``, ``fwd_ns_per_element``, ``fwd_bwd_ns_per_element`` and the ratios of
    both to ReLU's and to the copy's (``fwd_ratio_to_relu``, ``fwd_bwd_ratio_to_relu``,
    ``fwd_ratio_to_copy``, ``fwd_bwd_ratio_to_copy``). The copy's forward+backward is two
    copies.
    """
    if isinstance(names, str):
        names = [names]
    names = list(names)
    for spec in names:
        get_activation(spec)  # UnknownNameError / ParameterError before any timing
    sizes = _check_sizes(sizes)
    repeats = check_int("repeats", repeats)
    dt = check_float_dtype(dtype)
    order = ["relu"] + [n for n in dict.fromkeys(names) if n != "relu"]
    rng = np.random.default_rng(0)
    rows = []
    for size in sizes:
        n_copy, copy_fwd, copy_both = _time_copy(size, dt, repeats, rng)
        timed = {"copy": (n_copy, copy_fwd, copy_both)}
        for spec in order:
            timed[spec] = _time_activation(spec, size, dt, repeats, rng)
        _, relu_fwd, relu_both = timed["relu"]
        for spec, (n, t_fwd, t_both) in timed.items():
            # ratios per element, so Maxout's wider input is compared fairly
            fwd_pe, both_pe = t_fwd / n, t_both / n
            rows.append(
                {
                    "activation": str(spec),
                    "size": int(n),
                    "dtype": dt.name,
                    "fwd_ns_per_element": fwd_pe * 1e9,
                    "fwd_bwd_ns_per_element": both_pe * 1e9,
                    "fwd_ratio_to_relu": fwd_pe / (relu_fwd / timed["relu"][0]),
                    "fwd_bwd_ratio_to_relu": both_pe / (relu_both / timed["relu"][0]),
                    "fwd_ratio_to_copy": fwd_pe / (copy_fwd / n_copy),
                    "fwd_bwd_ratio_to_copy": both_pe / (copy_both / n_copy),
                }
            )
    return rows


class _Clock:
    """Accumulates the seconds spent in wrapped calls."""

    def __init__(self):
        self.seconds = 0.0

    def wrap(self, fn):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed


def step_share(
    name, hidden=(100, 100), n_features=64, n_classes=10, batch_size=32, steps=50, dtype="float32"
) -> dict:
    """The share of a training step's time spent in the activations' forward and backward.

    Builds ``Network(n_features, hidden, n_classes, activation=name)`` (one replica), draws
    random data from a fixed Generator, and times ``steps`` training steps (loss_and_grad and
    an SGD update) after two warm-up steps. The activations' ``forward`` and ``backward`` are
    wrapped with timers on the instances (the classes are untouched; the wrappers are removed
    afterwards). Returns ``{"activation", "step_seconds", "activation_seconds", "share"}``
    with the seconds summed over the ``steps`` steps.
    """
    get_activation(name)
    hidden = check_sizes(hidden)
    if not hidden:
        raise ParameterError("hidden", hidden, "at least one hidden layer (else no activation)")
    n_features = check_int("n_features", n_features)
    n_classes = check_int("n_classes", n_classes, 2)
    batch_size = check_int("batch_size", batch_size)
    steps = check_int("steps", steps)
    dt = check_float_dtype(dtype)
    net = Network(n_features, hidden, n_classes, activation=name, seeds=(0,), dtype=dt)
    rng = np.random.default_rng(0)
    n = batch_size * 4
    X = rng.standard_normal((n, n_features)).astype(dt)
    y = rng.integers(0, n_classes, size=n)
    opt = get_optimizer("sgd", lr=0.01)
    params = [p for _, p, _ in net.parameters()]
    grads = [g for _, _, g in net.parameters()]
    clock = _Clock()

    def step(k):
        i = (k * batch_size) % n
        xb, yb = X[None, i : i + batch_size], y[None, i : i + batch_size]
        net.loss_and_grad(xb, yb)
        opt.step(params, grads)

    with np.errstate(all="ignore"):
        for k in range(2):  # warm-up (allocations, BLAS threads), untimed
            step(k)
        for act in net.activations:
            act.forward = clock.wrap(act.forward)
            act.backward = clock.wrap(act.backward)
        try:
            start = time.perf_counter()
            for k in range(1, steps + 1):
                step(k)
            total = time.perf_counter() - start
        finally:
            for act in net.activations:
                del act.forward, act.backward  # back to the class methods
    share = clock.seconds / total if total > 0 else math.nan
    return {
        "activation": str(name),
        "step_seconds": total,
        "activation_seconds": clock.seconds,
        "share": share,
    }
