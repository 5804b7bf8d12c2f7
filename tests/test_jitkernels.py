"""The compiled kernels (activations/jitkernels.py, jitloops.py, vecmath.py): their polynomial
exp / expm1 / log1p / erfc against numpy and scipy over dense grids, the kernels against the
float64 reference, NaN / inf / extremes as the reference has them, SIMD code, and the NumPy
fallback (numba missing, ACTLAB_NUMBA=0, small arrays). test_kernels.py runs its whole suite
on the compiled path too."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from actlab.activations import get_activation, jitkernels

pytestmark = pytest.mark.skipif(
    not jitkernels.available(), reason="numba not installed or ACTLAB_NUMBA=0"
)

SPECS = [
    "relu",
    "leaky_relu",
    "leaky_relu:-0.5",
    "prelu",
    "elu",
    "elu:0.5",
    "selu",
    "sigmoid",
    "tanh",
    "softsign",
    "softplus",
    "swish",
    "swish:0.5",
    "gelu",
    "mish",
    "maxout",
    "maxout:3",
    "step",
]


@pytest.fixture
def compiled(monkeypatch):
    monkeypatch.setattr(jitkernels, "JIT_FROM", 0)


def _ulps(value, ref, dtype):
    """|value - ref| in units of the last place of ref rounded to dtype (subnormals: of the
    smallest normal, so a flushed or rounded subnormal does not count as thousands of ulps)."""
    spacing = np.spacing(np.maximum(np.abs(ref).astype(dtype), np.finfo(dtype).tiny))
    return np.abs(value.astype(np.float64) - ref) / spacing.astype(np.float64)


def _run(fn_name, x):
    """vecmath's ``fn_name`` over ``x``, element by element in one compiled loop."""
    from numba import njit

    from actlab.activations import vecmath

    fn = getattr(vecmath, fn_name)

    @njit(error_model="numpy", fastmath={"contract"})
    def loop(x, out):
        for i in range(x.size):
            out[i] = fn(x[i])

    out = np.empty_like(x)
    loop(x, out)
    return out


GRIDS = {  # the domain each function is written for, densely, plus magnitudes down to 1e-30
    "exp_neg": lambda: -np.concatenate([np.linspace(0, 110, 400001), np.geomspace(1e-30, 1, 2001)]),
    "expm1_neg": lambda: (
        -np.concatenate([np.linspace(0, 110, 400001), np.geomspace(1e-30, 1, 2001)])
    ),
    "log1p_unit": lambda: np.concatenate([np.linspace(0, 1, 400001), np.geomspace(1e-30, 1, 2001)]),
    "erfc_pos": lambda: np.linspace(0, 12, 400001),
}
NUMPY = {"exp_neg": np.exp, "expm1_neg": np.expm1, "log1p_unit": np.log1p}
MAX_ULPS = {  # measured 1.0, 0.8, 1.7, 7.5 (float32; erfc 7.5 at ff8bc6d too); 1.0, 1.0, 2.0
    ("exp_neg", np.float32): 1.5,
    ("expm1_neg", np.float32): 1.5,
    ("log1p_unit", np.float32): 2.5,
    ("erfc_pos", np.float32): 8,
    ("exp_neg", np.float64): 1.5,
    ("expm1_neg", np.float64): 1.5,
    ("log1p_unit", np.float64): 2.5,
    ("erfc_pos", np.float64): 2,
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", list(GRIDS))
def test_polynomials_match_numpy_over_dense_grids(fn, dtype):
    from scipy.special import erfc

    x = GRIDS[fn]().astype(dtype)
    ref = (NUMPY.get(fn) or erfc)(x.astype(np.float64))
    if fn == "erfc_pos" and dtype == np.float64:  # scipy's is ~10 ulp off in the tail: mpmath
        mpmath = pytest.importorskip("mpmath")
        mpmath.mp.dps = 40
        x = x[x < 26][::200]
        ref = np.array([float(mpmath.erfc(mpmath.mpf(float(v)))) for v in x])
    worst = _ulps(_run(fn, x), ref, dtype).max()
    assert worst <= MAX_ULPS[fn, dtype], f"{fn} {dtype.__name__}: {worst:.2f} ulp"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_polynomials_keep_nan_and_limits(dtype):
    x = np.array([np.nan, -np.inf, -0.0, -1e30, -np.finfo(dtype).max], dtype=dtype)
    np.testing.assert_array_equal(_run("exp_neg", x), [np.nan, 0, 1, 0, 0])
    np.testing.assert_array_equal(_run("expm1_neg", x), [np.nan, -1, 0, -1, -1])
    y = np.array([np.nan, np.inf, 0.0, 1e30], dtype=dtype)
    np.testing.assert_array_equal(_run("erfc_pos", y), [np.nan, 0, 1, 0])


def test_a_wrong_polynomial_coefficient_is_caught():
    """The grid test could fail: exp's polynomial with one coefficient off by 1e-4 relative."""
    x = GRIDS["exp_neg"]().astype(np.float32)
    off = np.exp(x.astype(np.float64)) * (1 + 1e-4 * (x % 0.35) ** 2)
    assert _ulps(off.astype(np.float32), np.exp(x.astype(np.float64)), np.float32).max() > 8


def _grid(dtype, pieces):
    z = np.concatenate([np.linspace(-30, 30, 24001), np.geomspace(1e-12, 1e3, 1201)])
    z = np.concatenate([z, -z[24001:]])
    z = z[: z.size // (12 * pieces) * 12 * pieces]
    return z.reshape(1, -1, 12 * pieces).astype(dtype)


@pytest.mark.parametrize("spec", SPECS)
def test_float32_kernels_are_within_4_eps_of_the_float64_reference(spec, compiled):
    """Stronger than test_kernels' check against the float32 reference: the exact formula."""
    act = get_activation(spec)
    z = _grid(np.float32, act.pieces)
    act.build(1, z.shape[2:], np.float32)
    a = act.forward(z)
    d = act.backward(np.ones_like(a))
    assert isinstance(act._seen[0], jitkernels._Cache)
    ref = get_activation(spec)
    ref.build(1, z.shape[2:], np.float64)
    z64 = z.astype(np.float64)
    a64 = ref.f(z64)
    d64 = ref.vjp(z64, a64, np.ones_like(a64))
    eps = np.finfo(np.float32).eps
    assert (np.abs(a - a64) / (1 + np.abs(a64))).max() <= 4 * eps
    assert (np.abs(d - d64) / (1 + np.abs(d64))).max() <= 4 * eps


EXTREMES = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e4, -1e4, 1e30, -1e30, 1e-40, -1e-40]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("spec", SPECS)
def test_nan_inf_and_extremes_as_the_reference(spec, dtype, compiled):
    """NaN, +-inf, +-0, the float maximum and 1e30 give what the reference gives (NaN where
    it has NaN), forward and backward; finite input raises no warning."""
    act = get_activation(spec)
    big = np.finfo(dtype).max
    row = np.array([*EXTREMES, big, -big, 3.0, -3.0, 0.5], dtype=dtype)
    z = np.repeat(row, act.pieces).reshape(1, 1, -1)
    z = np.concatenate([z, np.roll(z, 1, axis=-1)], axis=1)  # maxout: NaN against 3, ...
    act.build(1, z.shape[2:], dtype)
    a = act.forward(z)
    g = np.ones_like(a)
    d = act.backward(g)
    with np.errstate(all="ignore"):
        ref_a = act.f(z)
        ref_d = act.vjp(z, ref_a, g)
    np.testing.assert_allclose(a, ref_a, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(d, ref_d, rtol=1e-6, atol=1e-6)
    finite = np.array([1e4, -1e4, 1e30, -1e30, big, -big, 0.0, 3.0], dtype=dtype)
    finite = np.repeat(finite, act.pieces).reshape(1, 1, -1)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = act.forward(finite)
        grad = act.backward(np.ones_like(out))
    assert isinstance(act._seen[0], jitkernels._Cache)
    assert np.isfinite(out).all() and np.isfinite(grad).all()


LOOP_ARGS = {  # arrays, then float32 scalars
    "sigmoid_fwd": (2, 0),
    "softplus_fwd": (2, 0),
    "elu_fwd": (2, 3),
    "gelu_fwd": (2, 0),
    "mish_bwd": (3, 0),
    "swish_bwd": (3, 1),
}


@pytest.mark.parametrize("loop", list(LOOP_ARGS))
def test_loops_compile_to_simd_code(loop):
    """The transcendental loops vectorize (packed AVX-512 zmm or AVX2 ymm arithmetic): numba
    has no SVML here, a libm call would keep them scalar. Compiled afresh, uncached."""
    from numba import njit

    from actlab.activations import jitloops

    fresh = njit(**{**jitloops.JIT, "cache": False})(getattr(jitloops, loop).py_func)
    arrays, scalars = LOOP_ARGS[loop]
    fresh(*[np.zeros(64, np.float32) for _ in range(arrays)], *[np.float32(1)] * scalars)
    asm = fresh.inspect_asm(fresh.signatures[0])
    packed = [ln for ln in asm.splitlines() if "ps\t" in ln and ("%zmm" in ln or "%ymm" in ln)]
    assert len(packed) > 20, f"{loop}: {len(packed)} packed float32 instructions"
    assert "exp" not in " ".join(ln for ln in asm.splitlines() if "call" in ln)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_maxout_backward_follows_the_forwards_winner_bytes(dtype, compiled):
    """Maxout (k = 2) keeps one byte per pair, not z: the gradient goes where the reference
    sends it for ties, signed zeros, infinities and NaN (bit for bit: +0.0 to the loser),
    and stays there when z's buffer is overwritten after the forward (the layer before reuses
    it); a float64 grad_a gives a float64 grad_z, as numpy would."""
    nan, inf = np.nan, np.inf
    pairs = [(nan, 3), (3, nan), (nan, nan), (-0.0, 0.0), (0.0, -0.0), (inf, inf), (2, 2)]
    pairs += [(-inf, -5), (1, -1), (-1, 1), (4, 7)]
    z = np.array(pairs * 4, dtype=dtype).reshape(1, 4, -1)
    act = get_activation("maxout")
    act.build(1, z.shape[2:], dtype)
    a = act.forward(z)
    cache = act._seen[0]
    assert isinstance(cache, jitkernels._Cache) and cache[1].dtype == np.uint8
    g = -np.arange(1, a.size + 1, dtype=dtype).reshape(a.shape)  # -0.0 nowhere: 0 is the loser
    want = act.vjp(z.copy(), a.copy(), g)
    z[...] = z[..., ::-1].copy()  # the winners would swap, were z read again
    d = act.backward(g)
    assert d.dtype == dtype and d.shape == z.shape
    np.testing.assert_array_equal(d.view(f"i{d.itemsize}"), want.view(f"i{d.itemsize}"))
    act.forward(z[..., ::-1].copy())
    d64 = act.backward(g.astype(np.float64))
    assert d64.dtype == np.float64
    np.testing.assert_array_equal(d64, want.astype(np.float64))


@pytest.mark.parametrize(
    "loop, kinds",
    [
        ("maxout2_fwd_first", (np.float32, np.float32, np.uint8)),
        ("maxout2_bwd_first_pairs", (np.uint8, np.float32, np.int64)),
    ],
)
def test_maxout_loops_compile_to_simd_code(loop, kinds):
    """maxout's winner-byte loops vectorize too (a scalar byte loop would cost several times
    the copies it saves). Compiled afresh, uncached."""
    from numba import njit

    from actlab.activations import jitloops

    fresh = njit(**{**jitloops.JIT, "cache": False})(getattr(jitloops, loop).py_func)
    fresh(
        *[np.zeros(64 * (2 if k == np.float32 and i == 0 else 1), k) for i, k in enumerate(kinds)]
    )
    asm = fresh.inspect_asm(fresh.signatures[0])
    packed = [ln for ln in asm.splitlines() if "%zmm" in ln or "%ymm" in ln]
    assert len(packed) > 10, f"{loop}: {len(packed)} vector instructions"


def test_small_arrays_and_other_dtypes_use_the_numpy_kernels():
    act = get_activation("sigmoid")
    act.forward(np.zeros((1, 2, 3), np.float32))  # below JIT_FROM
    assert not isinstance(act._seen[0], jitkernels._Cache)
    n = jitkernels.JIT_FROM
    act.forward(np.zeros((1, 1, n), np.float16))
    assert not isinstance(act._seen[0], jitkernels._Cache)
    act.forward(np.zeros((1, 1, 2 * n), np.float32)[..., ::2])  # strided
    assert not isinstance(act._seen[0], jitkernels._Cache)
    a = act.forward(np.zeros((1, 1, n), np.float32))
    assert isinstance(act._seen[0], jitkernels._Cache)
    d = act.backward(np.ones((1, 1, n), np.float64))  # another dtype: float64 out, as numpy
    assert d.dtype == np.float64 and np.allclose(d, 0.25) and a.dtype == np.float32


def test_a_numba_that_does_not_import_falls_back(monkeypatch):
    monkeypatch.setattr(jitkernels, "JIT_FROM", 0)
    monkeypatch.setattr(jitkernels, "_LOOPS", [None])
    act = get_activation("gelu")
    z = np.linspace(-3, 3, 24).reshape(1, 2, 12)
    a = act.forward(z)
    assert not isinstance(act._seen[0], jitkernels._Cache) and act._kernel is jitkernels.GELU
    np.testing.assert_allclose(a, act.f(z), rtol=1e-12)
    np.testing.assert_allclose(act.backward(np.ones_like(a)), act.derivative(z), rtol=1e-12)


PROBE = """
import sys
{setup}
import numpy as np
from actlab.activations import get_activation, jitkernels
from actlab.activations.kernels import kernel_for
act = get_activation("tanh")
small = act.forward(np.zeros((1, 4, 8), np.float32))
print(jitkernels.available(), sys.modules.get("numba") is not None, kernel_for(act).__module__)
big = act.forward(np.full((1, 4, jitkernels.JIT_FROM), 0.5, np.float32))
print(type(act._seen[0]).__name__, float(act.backward(np.ones_like(big)).max()))
"""


@pytest.mark.parametrize(
    "setup, env, expect",
    [
        ("", {}, ["True False actlab.activations.jitkernels", "_Cache"]),
        ("", {"ACTLAB_NUMBA": "0"}, ["False False actlab.activations.kernels", "ndarray"]),
        ("sys.modules['numba'] = None", {}, ["False False actlab.activations.kernels", "ndarray"]),
    ],
)
def test_fallback_in_a_fresh_process(setup, env, expect, tmp_path):
    """Small arrays never import numba; ACTLAB_NUMBA=0 or a missing numba: the NumPy kernels
    for large arrays too, with the same gradient (1 - tanh(0.5)^2)."""
    import os

    full = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), **env}
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(setup=setup)],
        capture_output=True,
        text=True,
        check=True,
        env=full,
    ).stdout.split("\n")
    assert out[0] == expect[0]
    kind, grad = out[1].split()
    assert kind == expect[1]
    assert abs(float(grad) - (1 - np.tanh(np.float32(0.5)) ** 2)) < 1e-6


@pytest.mark.parametrize("activation", ["gelu", "swish", "softplus", "prelu"])
def test_float32_training_with_the_compiled_kernels_matches_the_numpy_kernels(
    activation, monkeypatch
):
    """A float32 fit, compiled kernels on every array against the NumPy kernels: weights
    within float32 rounding after 3 epochs (test_kernels compares float64 fits to 1e-10)."""
    from actlab.network import Network
    from actlab.training import Trainer

    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 6)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)

    def fit(on):
        monkeypatch.setattr(jitkernels, "_ON", [on])
        monkeypatch.setattr(jitkernels, "JIT_FROM", 0)
        net = Network(6, [16], 2, activation=activation, seeds=[0, 1], dtype=np.float32)
        Trainer("sgd", lr=0.1, momentum=0.9, epochs=3, batch_size=16).fit(net, X, y)
        params = np.concatenate([p.ravel() for _, p, _ in net.parameters()])
        return params, net.activations[0]

    fast, act = fit(True)
    assert isinstance(act._seen[0], jitkernels._Cache)  # the fit ran the compiled kernels
    reference, act = fit(False)
    assert not isinstance(act._seen[0], jitkernels._Cache)
    np.testing.assert_allclose(fast, reference, rtol=1e-4, atol=1e-5)
    assert np.abs(fast).max() > 0.01  # trained weights, not zeros
