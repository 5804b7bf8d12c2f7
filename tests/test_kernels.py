"""The fused kernels (activations/kernels.py) against the readable reference of each activation:
forward == f(z), backward == vjp(z, f(z), grad) and the parameter gradients, float32 within a
few ulp and float64 within 1e-12, and no overflow / invalid / divide warning for any finite
input (underflow to 0 is the exact limit and allowed, as for the reference)."""

from __future__ import annotations

import numpy as np
import pytest

from actlab.activations import Activation, get_activation, register_activation
from actlab.activations import kernels as K
from actlab.activations.custom import unregister_activation
from actlab.activations.relu_like import ReLU

# float32: 8 eps, |kernel - reference| <= 8 eps (1 + |reference|). The float32 reference is
# itself up to about 4.2 eps from the exact value (float64) in mish' and swish' (its 1 - tanh^2
# and 1 - s cancel), where the compiled kernels are within 1 eps of it (test_jitkernels.py
# holds them to 4 eps of the float64 reference): the two can differ by 4-5 eps.
TOL = {np.float32: 8 * np.finfo(np.float32).eps, np.float64: 1e-12}


@pytest.fixture(autouse=True, params=["numpy", "compiled"])
def path(request, monkeypatch):
    """Every test twice: with the NumPy kernels (numba off, as ACTLAB_NUMBA=0) and with the
    compiled kernels of jitkernels.py on arrays of any size (JIT_FROM lowered to 0)."""
    from actlab.activations import jitkernels

    if request.param == "numpy":
        monkeypatch.setattr(jitkernels, "_ON", [False])
    else:
        if not jitkernels.available():
            pytest.skip("numba is not installed or ACTLAB_NUMBA=0")
        monkeypatch.setattr(jitkernels, "JIT_FROM", 0)
    return request.param


SPECS = [
    "relu",
    "leaky_relu",
    "leaky_relu:0.3",
    "leaky_relu:-0.5",
    "leaky_relu:2.0",
    "prelu",
    "elu",
    "elu:0.5",
    "elu:2.0",
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


def _inputs(dtype, pieces, rng, big=True):
    z = rng.standard_normal((3, 40, 12 * pieces)) * 5
    special = [0.0, -0.0, 1e-3, -1e-3, 20.0, -20.0, 40.0, -40.0, 100.0, -100.0]
    if big:
        special += [1e4, -1e4, 1e30, -1e30]
    z.flat[: len(special)] = special
    if pieces > 1:  # ties: the first of equal pieces takes the gradient
        z[0, 1, :pieces] = 0.5
    return z.astype(dtype)


def _built(spec, dtype, n_units, slopes=True):
    act = get_activation(spec)
    if act.learnable:
        act.build(3, (n_units,), dtype)
        if "alpha" in act.params and slopes:  # slopes both sides of 0 and 1 (one per layer)
            act.params["alpha"][...] = np.array([-0.3, 0.25, 1.5]).reshape(3, 1, 1)
    return act


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("spec", SPECS)
def test_kernel_equals_the_reference(spec, dtype, path):
    from actlab.activations.jitkernels import _Cache

    rng = np.random.default_rng(1)
    act = _built(spec, dtype, 12 * get_activation(spec).pieces)
    assert K.kernel_for(act) is not None
    z = _inputs(dtype, act.pieces, rng, big=not spec.endswith("2.0"))
    g = rng.standard_normal((3, 40, 12)).astype(dtype)
    a = act.forward(z)
    grad_z = act.backward(g)
    fast_param_grads = {k: v.copy() for k, v in act.grads.items()}
    assert act._kernel is not None  # the kernel ran, not the reference
    assert isinstance(act._seen[0], _Cache) == (path == "compiled")  # and the path's kernel
    ref_a = act.f(z)
    ref_grad = act.vjp(z, ref_a, g)
    tol = TOL[dtype]
    assert a.dtype == grad_z.dtype == dtype and a.shape == ref_a.shape
    np.testing.assert_allclose(a, ref_a, rtol=tol, atol=tol)
    np.testing.assert_allclose(grad_z, ref_grad, rtol=tol, atol=tol)
    for key, value in (act.param_grads(z, ref_a, g) if act.params else {}).items():
        ref = value.sum(axis=tuple(range(1, value.ndim)), keepdims=True)
        np.testing.assert_allclose(fast_param_grads[key], ref, rtol=tol * 10, atol=tol * 100)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("spec", SPECS)
def test_no_warning_for_any_finite_input(spec, dtype):
    big = np.finfo(dtype).max
    if spec.endswith("2.0"):  # slope or alpha 2 at the float maximum overflows by definition
        big = big / 4
    z = np.array([1e4, -1e4, 1e30, -1e30, big, -big, 0.0, np.finfo(dtype).tiny], dtype=dtype)
    act = _built(spec, dtype, 8 * get_activation(spec).pieces, slopes=False)  # init 0.25
    z = np.tile(z, act.pieces).reshape(1, 1, -1).repeat(3, axis=0)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = act.forward(z)
        grad_z = act.backward(np.ones_like(a))
    assert np.isfinite(a).all() and np.isfinite(grad_z).all()


def test_kernel_is_a_different_computation_than_the_reference():
    """The test above could fail: a kernel that is wrong by one ulp-scale term is caught."""

    class Off(K.Sigmoid):
        @staticmethod
        def vjp(act, a, grad_a):
            return K.Sigmoid.vjp(act, a, grad_a) * (1 + 1e-5)

    act = get_activation("sigmoid")
    z = np.linspace(-5, 5, 101).reshape(1, 1, -1)
    a, cache = Off.forward(act, z)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(
            Off.vjp(act, cache, np.ones_like(a)),
            act.vjp(z, a, np.ones_like(a)),
            rtol=1e-12,
            atol=1e-12,
        )


@pytest.mark.parametrize("spec", ["swish:1.5", "gelu:tanh", "identity"])
def test_configurations_without_a_kernel_use_the_reference(spec):
    act = get_activation(spec)
    assert K.kernel_for(act) is None
    z = np.linspace(-3, 3, 12).reshape(1, 2, 6)
    a = act.forward(z)
    np.testing.assert_array_equal(a, act.f(z))
    np.testing.assert_array_equal(act.backward(np.ones_like(a)), act.vjp(z, a, np.ones_like(a)))


def test_trainable_and_custom_activations_keep_their_own_formulas():
    assert K.kernel_for(get_activation("swish", trainable=True)) is None
    assert K.kernel_for(get_activation("selu", trainable=True)) is None

    class MyReLU(ReLU):
        name = "my_relu"

        def f(self, z):
            return np.maximum(z, 0) * 2

    assert K.kernel_for(MyReLU()) is None
    register_activation("twice_tanh", lambda z: 2 * np.tanh(z), lambda z: 2 * (1 - np.tanh(z) ** 2))
    try:
        act = get_activation("twice_tanh")
        assert isinstance(act, Activation) and K.kernel_for(act) is None
    finally:
        unregister_activation("twice_tanh")


@pytest.mark.parametrize("activation", ["tanh", "elu", "prelu", "maxout", "mish"])
def test_training_with_kernels_matches_training_with_the_reference(activation, monkeypatch):
    """Whole fits in float64: with the kernels and with every kernel switched off."""
    from actlab.activations import base
    from actlab.network import Network
    from actlab.training import Trainer

    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)

    def fit():
        net = Network(6, [8], 2, activation=activation, seeds=[0, 1], dtype=np.float64)
        Trainer("sgd", lr=0.1, momentum=0.9, epochs=3, batch_size=16).fit(net, X, y)
        return np.concatenate([p.ravel() for _, p, _ in net.parameters()])

    fast = fit()
    monkeypatch.setattr(base, "kernel_for", lambda act: None)
    reference = fit()
    np.testing.assert_allclose(fast, reference, rtol=1e-10, atol=1e-12)
    assert not np.array_equal(fast, fit() * 0)  # trained weights, not zeros


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("spec", SPECS)
def test_kernel_with_kept_output_arrays_equals_the_reference(spec, dtype):
    """Training mode (act.out.on): outputs go into arrays the activation keeps. A second call on
    other input overwrites them and still gives the reference's numbers; the arrays are the
    same objects (nothing allocated), and fresh mode gives arrays of its own again."""
    rng = np.random.default_rng(2)
    act = _built(spec, dtype, 12 * get_activation(spec).pieces)
    act.out.on = True
    z1, z2 = (_inputs(dtype, act.pieces, rng, big=False) for _ in range(2))
    g1, g2 = (rng.standard_normal((3, 40, 12)).astype(dtype) for _ in range(2))
    a1 = act.forward(z1)
    d1 = act.backward(g1)
    a2 = act.forward(z2)
    d2 = act.backward(g2)
    assert a2 is a1 and (d2 is d1 or d2.base is d1.base)  # kept, not fresh
    tol = TOL[dtype]
    ref_a = act.f(z2)
    np.testing.assert_allclose(a2, ref_a, rtol=tol, atol=tol)
    np.testing.assert_allclose(d2, act.vjp(z2, ref_a, g2), rtol=tol, atol=tol)
    act.out.on = False
    assert not np.shares_memory(act.forward(z1), a2)


@pytest.mark.parametrize("keep", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("spec", SPECS)
def test_kernel_block_by_block_equals_the_kernel_whole(spec, dtype, keep, monkeypatch):
    """Arrays beyond the caches run block by block (elementwise kernels only): the same output,
    cache and gradient as the kernel run on the whole array, to the last bit; blocks of 100
    elements over 1440 (the last block shorter), here forced by lowering the thresholds."""
    rng = np.random.default_rng(3)
    act = _built(spec, dtype, 12 * get_activation(spec).pieces)
    act.out.on = keep
    z = _inputs(dtype, act.pieces, rng)
    g = rng.standard_normal((3, 40, 12)).astype(dtype)
    whole_a = act.forward(z).copy()
    whole_d = act.backward(g).copy()
    monkeypatch.setattr(K, "BLOCKED_FROM", 1000)
    monkeypatch.setattr(K, "BLOCK", 100)
    kernel = K.kernel_for(act)
    assert K.blocked(kernel, z) == getattr(kernel, "elementwise", False)
    a = act.forward(z)
    d = act.backward(g)
    assert a.shape == whole_a.shape and d.shape == whole_d.shape
    np.testing.assert_array_equal(a, whole_a)
    np.testing.assert_array_equal(d, whole_d)
    if keep:  # the blocks were written into the arrays the activation keeps
        assert act.forward(z) is a
