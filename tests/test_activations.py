"""Activations: gradients against finite differences, constants, stability, PyTorch as oracle."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import numerical_grad

from actlab.activations import (
    Activation,
    available_activations,
    check_derivative,
    describe,
    get_activation,
    register_activation,
    unregister_activation,
)
from actlab.errors import ParameterError, UnknownNameError

# (id, name, constructor kwargs): every registered activation, learnable variants included
CASES = [
    ("identity", "identity", {}),
    ("sigmoid", "sigmoid", {}),
    ("tanh", "tanh", {}),
    ("relu", "relu", {}),
    ("leaky_relu", "leaky_relu", {}),
    ("leaky_relu_0.2", "leaky_relu", {"slope": 0.2}),
    ("prelu", "prelu", {}),
    ("prelu_per_unit", "prelu", {"per_unit": True}),
    ("elu", "elu", {}),
    ("elu_0.5", "elu", {"alpha": 0.5}),
    ("selu", "selu", {}),
    ("selu_trainable", "selu", {"trainable": True}),
    ("swish", "swish", {}),
    ("swish_beta2", "swish", {"beta": 2.0}),
    ("swish_trainable", "swish", {"trainable": True}),
    ("maxout", "maxout", {}),
    ("maxout_3", "maxout", {"pieces": 3}),
    ("step", "step", {}),
    ("gelu", "gelu", {}),
    ("gelu_tanh", "gelu", {"approximate": "tanh"}),
    ("softplus", "softplus", {}),
    ("softsign", "softsign", {}),
    ("mish", "mish", {}),
]
IDS = [c[0] for c in CASES]
ELEMENTWISE = [c for c in CASES if c[1] != "maxout"]


def test_cases_cover_every_registered_activation():
    assert {c[1] for c in CASES} == set(available_activations())


def _input(rng, shape=(2, 5, 7), pieces=1):
    """Values spanning [-20, 20] including the ends, none within 0.05 of the kink at 0."""
    shape = (*shape[:-1], shape[-1] * pieces)
    z = rng.uniform(-20, 20, size=shape)
    z.flat[:4] = [-20.0, 20.0, -0.3, 0.4]
    z = np.where(np.abs(z) < 0.05, 0.05 * np.sign(z + 1e-12) + z, z)
    if pieces > 1:  # well-separated pieces so that a tiny step never changes the winner
        zs = z.reshape(*shape[:-1], -1, pieces)
        order = rng.permuted(np.tile(np.arange(pieces), (*zs.shape[:-1], 1)), axis=-1)
        zs = zs[..., :1] + 0.5 * order  # pieces of one unit differ by >= 0.5
        z = zs.reshape(shape)
    return z


def _make(name, kwargs, z):
    act = get_activation(name, **kwargs)
    act.build(z.shape[0], z.shape[2:], z.dtype)
    return act


def _set_distinct_params(act, rng):
    """Different values per replica (and per unit), so a sum over R would be caught."""
    for key, p in act.params.items():
        base = {"alpha": 0.3, "beta": 1.2, "scale": 1.05}[key]
        p[...] = base + rng.uniform(-0.2, 0.2, size=p.shape)
        p[0] += 0.4  # replica 0 clearly different from replica 1


def _numeric_grad(fun, x, h=1e-6):
    """Central differences of a scalar fun() with respect to every entry of x (in place)."""
    return numerical_grad(fun, x, eps=h)


# ---------------------------------------------------------------------------------------------
# gradients


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_backward_matches_finite_differences(case):
    _, name, kwargs = case
    rng = np.random.default_rng(0)
    pieces = kwargs.get("pieces", 2) if name == "maxout" else 1
    z = _input(rng, pieces=pieces)
    act = _make(name, kwargs, z)
    _set_distinct_params(act, rng)
    a = act.forward(z)
    grad_a = rng.uniform(-1, 1, size=a.shape)
    grad_z = act.backward(grad_a)
    assert grad_z.shape == z.shape

    zz = z.copy()
    numeric = _numeric_grad(lambda: np.sum(grad_a * act(zz)), zz)
    np.testing.assert_allclose(grad_z, numeric, rtol=1e-5, atol=1e-7)


LEARNABLE = [
    c for c in CASES if c[0] in ("prelu", "prelu_per_unit", "selu_trainable", "swish_trainable")
]


@pytest.mark.parametrize("case", LEARNABLE, ids=[c[0] for c in LEARNABLE])
def test_parameter_gradients_match_finite_differences(case):
    _, name, kwargs = case
    rng = np.random.default_rng(1)
    z = _input(rng)
    act = _make(name, kwargs, z)
    _set_distinct_params(act, rng)
    assert act.params, "a learnable activation has parameters after build"
    a = act.forward(z)
    grad_a = rng.uniform(-1, 1, size=a.shape)
    act.backward(grad_a)
    for key, p in act.params.items():
        assert act.grads[key].shape == p.shape
        numeric = _numeric_grad(lambda: np.sum(grad_a * act(z)), p)
        np.testing.assert_allclose(act.grads[key], numeric, rtol=1e-5, atol=1e-7, err_msg=key)
        # the replicas' gradients differ: nothing was summed over axis 0
        assert not np.allclose(act.grads[key][0], act.grads[key][1])


@pytest.mark.parametrize("case", LEARNABLE, ids=[c[0] for c in LEARNABLE])
def test_gradients_are_written_into_the_arrays_build_made(case):
    """The trainer keeps references to params and grads: backward must fill them in place."""
    _, name, kwargs = case
    rng = np.random.default_rng(10)
    z = _input(rng)
    act = _make(name, kwargs, z)
    params, grads = dict(act.params), dict(act.grads)
    first = None
    for _ in range(2):  # the second backward overwrites, it does not accumulate
        a = act.forward(z)
        act.backward(np.ones_like(a))
        first = first or {k: g.copy() for k, g in act.grads.items()}
    for key, value in params.items():
        assert act.params[key] is value and act.grads[key] is grads[key]
        np.testing.assert_array_equal(act.grads[key], first[key])
        assert np.any(act.grads[key] != 0)


@pytest.mark.parametrize(
    "kwargs, shape",
    [({}, (3, 1, 1, 1)), ({"per_unit": True}, (3, 1, 1, 4))],
)
def test_prelu_parameter_shapes_for_conv_features(kwargs, shape):
    act = get_activation("prelu", **kwargs)
    act.build(3, (6, 4), np.float32)  # (length, channels)
    assert act.params["alpha"].shape == shape
    assert act.params["alpha"].dtype == np.float32
    np.testing.assert_array_equal(act.params["alpha"], 0.25)
    z = np.random.default_rng(2).normal(size=(3, 2, 6, 4)).astype(np.float32)
    act.backward(np.ones_like(act.forward(z)))
    assert act.grads["alpha"].shape == shape


def test_prelu_builds_itself_from_the_first_input():
    act = get_activation("prelu", per_unit=True)
    act.forward(np.ones((2, 3, 5)))
    assert act.params["alpha"].shape == (2, 1, 5)


@pytest.mark.parametrize("case", ELEMENTWISE, ids=[c[0] for c in ELEMENTWISE])
def test_derivative_agrees_with_backward_of_ones(case):
    _, name, kwargs = case
    rng = np.random.default_rng(3)
    z = _input(rng)
    act = _make(name, kwargs, z)
    _set_distinct_params(act, rng)
    act.forward(z)
    np.testing.assert_allclose(
        act.derivative(z), act.backward(np.ones_like(z)), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "prelu", "maxout", "identity"])
def test_backward_before_forward_is_a_clear_error(name):
    act = get_activation(name)
    with pytest.raises(RuntimeError, match=rf"{name}\.backward: call forward\(z\) first"):
        act.backward(np.ones((1, 2, 4)))


def test_derivative_and_call_keep_nothing():
    """derivative(z) and act(z) do not replace what forward saw: backward still uses it."""
    act = get_activation("tanh")
    z = np.array([[[0.5, -1.0]]])
    act.forward(z)
    act.derivative(np.array([[[7.0, 8.0]]]))
    act(np.array([[[9.0, 9.0]]]))
    np.testing.assert_allclose(act.backward(np.ones_like(z)), 1 - np.tanh(z) ** 2, rtol=1e-15)


def test_prelu_on_a_1d_array_keeps_its_shape():
    """A 1-D array has no replica axis: no (n, n) slope is built, the initial slope is used."""
    act = get_activation("prelu")
    z = np.array([-2.0, -1.0, 1.0, 3.0])
    a = act.forward(z)
    assert a.shape == z.shape and not act.params
    np.testing.assert_allclose(a, [-0.5, -0.25, 1.0, 3.0])
    np.testing.assert_allclose(act.backward(np.ones_like(z)), [0.25, 0.25, 1.0, 1.0])
    assert get_activation("prelu", per_unit=True).forward(z).shape == z.shape


def test_derivative_of_unbuilt_activations_takes_plain_arrays():
    z = np.linspace(-3, 3, 13)
    for name in available_activations():
        if name == "maxout":
            continue
        d = get_activation(name).derivative(z)
        assert d.shape == z.shape
    np.testing.assert_allclose(get_activation("prelu").derivative([-1.0, 1.0]), [0.25, 1.0])
    np.testing.assert_allclose(get_activation("relu").derivative([-1, 1]), [0.0, 1.0])


# ---------------------------------------------------------------------------------------------
# constants


def test_constants_match_references():
    selu = get_activation("selu")
    assert selu.alpha == float("1.6732632423543772848170429916717")
    assert selu.scale == float("1.0507009873554804934193349852946")
    assert get_activation("leaky_relu").slope == 0.01
    assert get_activation("prelu").init == 0.25
    assert get_activation("elu").alpha == 1.0
    assert get_activation("swish").beta == 1.0
    assert get_activation("maxout").pieces == 2


@pytest.mark.parametrize(
    "spec, gain",
    [
        ("identity", 1.0),
        ("linear", 1.0),
        ("sigmoid", 1.0),
        ("tanh", 5.0 / 3.0),
        ("relu", math.sqrt(2.0)),
        ("leaky_relu", math.sqrt(2.0 / (1 + 0.01**2))),
        ("leaky_relu:0.2", math.sqrt(2.0 / (1 + 0.2**2))),
        ("selu", 0.75),
        ("elu", math.sqrt(2.0)),
        ("softsign", 1.0),
    ],
)
def test_gains(spec, gain):
    assert get_activation(spec).gain == pytest.approx(gain, rel=1e-15)


def test_families():
    fam = {n: get_activation(n).family for n in available_activations()}
    assert fam["identity"] == "linear"
    assert fam["sigmoid"] == "sigmoid"
    assert fam["tanh"] == fam["softsign"] == "tanh"
    assert fam["selu"] == "selu"
    for n in (
        "relu",
        "leaky_relu",
        "prelu",
        "elu",
        "swish",
        "gelu",
        "mish",
        "softplus",
        "maxout",
        "step",
    ):
        assert fam[n] == "relu", n


def test_every_activation_documents_formula_and_source():
    for info in describe():
        cls = type(get_activation(info["name"]))
        assert info["formula"] and info["reference"], info["name"]
        assert cls.__doc__ and len(cls.__doc__) > 40, info["name"]
    assert describe("leaky_relu")["parameters"] == {"slope": 0.01}


# ---------------------------------------------------------------------------------------------
# numerical stability and dtype

EXTREMES = {
    np.float32: [1e4, 1e30, float(np.finfo(np.float32).max)],
    np.float64: [1e4, 1e30, 1e300, float(np.finfo(np.float64).max)],
}


def _extreme_input(dtype, pieces=1):
    """One value per replica, shape (n, 1, pieces): every value is met on its own.

    (A per-layer parameter gradient sums over the batch and features; a sum of several values
    near the float maximum is out of range by arithmetic, not by instability. Sums at 1e30 are
    tested below.)
    """
    mags = EXTREMES[dtype]
    values = [-m for m in mags] + [-1.0, 0.0, 1.0] + mags
    z = np.array(values, dtype=dtype)
    z = np.stack([np.roll(z, k) for k in range(pieces)], axis=-1)  # maxout: orders differ
    return z.reshape(len(values), 1, pieces)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_stable_and_dtype_preserving_at_extremes(case, dtype):
    _, name, kwargs = case
    pieces = kwargs.get("pieces", 2) if name == "maxout" else 1
    z = _extreme_input(dtype, pieces)
    act = _make(name, kwargs, z)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = act.forward(z)
        d = act.derivative(z)
        g = act.backward(np.ones_like(a))
        c = act(z)
    for out in (a, d, g, c, *act.grads.values()):
        assert out.dtype == dtype
        assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parameter_gradients_stable_in_a_batch_at_1e30(dtype):
    z = np.full((2, 8, 3), 1e30, dtype=dtype)
    z[:, ::2] *= -1
    for name, kwargs in [
        ("prelu", {}),
        ("selu", {"trainable": True}),
        ("swish", {"trainable": True}),
    ]:
        act = _make(name, kwargs, z)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            act.backward(np.ones_like(act.forward(z)))
        for g in act.grads.values():
            assert g.dtype == dtype and np.all(np.isfinite(g)), name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_known_limits(dtype):
    big = dtype(1e30)
    f = {n: get_activation(n) for n in available_activations()}
    z = np.array([-big, big], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_array_equal(f["sigmoid"](z), [0, 1])
        np.testing.assert_array_equal(f["tanh"](z), [-1, 1])
        np.testing.assert_array_equal(f["softplus"](z), [0, big])
        np.testing.assert_array_equal(f["softsign"](z), [-1, 1])
        np.testing.assert_array_equal(f["elu"](z), [-1, big])
        np.testing.assert_allclose(
            f["selu"](z),
            [-1.6732632423543772 * 1.0507009873554805, 1.0507009873554805 * big],
            rtol=1e-6,
        )
        for n in ("swish", "gelu", "mish", "relu"):
            np.testing.assert_array_equal(f[n](z), [0, big], err_msg=n)
        np.testing.assert_array_equal(get_activation("gelu:tanh")(z), [0, big])
        for n in ("sigmoid", "tanh", "softsign", "softplus", "elu", "swish", "gelu", "mish"):
            right = 0 if n in ("sigmoid", "tanh", "softsign") else 1
            np.testing.assert_allclose(f[n].derivative(z), [0, right], atol=1e-50, err_msg=n)
        m = np.finfo(dtype).max
        selu_top = f["selu"](np.array([m], dtype=dtype))
        assert selu_top.dtype == dtype and np.isfinite(selu_top).all()  # saturates, no inf
        np.testing.assert_array_equal(f["softplus"](np.array([m], dtype=dtype)), [m])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float32_in_float32_out_at_ordinary_values(case):
    _, name, kwargs = case
    pieces = kwargs.get("pieces", 2) if name == "maxout" else 1
    z = _input(np.random.default_rng(4), pieces=pieces).astype(np.float32)
    act = _make(name, kwargs, z)
    a = act.forward(z)
    g = act.backward(np.ones_like(a))
    assert a.dtype == g.dtype == act.derivative(z).dtype == np.float32
    for key in act.params:
        assert act.params[key].dtype == act.grads[key].dtype == np.float32


def test_integer_input_becomes_float():
    assert get_activation("relu").forward(np.array([[[-1, 2]]])).dtype == np.float64


# ---------------------------------------------------------------------------------------------
# maxout and step


def test_maxout_shapes_and_pieces():
    act = get_activation("maxout:3")
    assert act.pieces == 3
    z = np.random.default_rng(5).normal(size=(2, 4, 6, 12))  # conv-like: (R, batch, length, 4*3)
    a = act.forward(z)
    assert a.shape == (2, 4, 6, 4)
    np.testing.assert_array_equal(a, z.reshape(2, 4, 6, 4, 3).max(axis=-1))
    with pytest.raises(ParameterError, match="pieces"):
        act.forward(np.zeros((1, 2, 7)))


def test_maxout_routes_the_gradient_to_the_winner():
    act = get_activation("maxout")
    z = np.array([[[1.0, 3.0, -2.0, -5.0, 4.0, 4.0]]])  # the last unit ties: first piece wins
    act.forward(z)
    g = act.backward(np.array([[[10.0, 20.0, 30.0]]]))
    np.testing.assert_array_equal(g, [[[0, 10, 20, 0, 30, 0]]])
    np.testing.assert_array_equal(act.derivative(z), [[[0, 1, 1, 0, 1, 0]]])
    assert act.derivative(z).shape == z.shape


def test_step_has_zero_derivative_everywhere():
    act = get_activation("step")
    z = np.linspace(-5, 5, 101).reshape(1, 1, -1)
    np.testing.assert_array_equal(act.forward(z), (z > 0).astype(float))
    np.testing.assert_array_equal(act.derivative(z), 0)
    np.testing.assert_array_equal(act.backward(np.ones_like(z)), 0)


# ---------------------------------------------------------------------------------------------
# lookup


def test_get_activation_parses_the_positional_parameter():
    assert get_activation("leaky_relu:0.1").slope == 0.1
    assert get_activation("elu:0.5").alpha == 0.5
    assert get_activation("swish:2").beta == 2.0
    assert get_activation("maxout:5").pieces == 5
    assert get_activation("prelu:0.1").init == 0.1
    assert get_activation("gelu:tanh").approximate == "tanh"
    assert get_activation(" ReLU ").name == "relu"


def test_get_activation_returns_new_instances():
    a = get_activation("prelu", per_unit=True)
    a.forward(np.ones((1, 2, 3)))
    b = get_activation(a)
    assert b is not a and isinstance(b, type(a)) and b.per_unit and not b.params
    assert get_activation("relu") is not get_activation("relu")
    assert isinstance(get_activation(type(a)), Activation)


def test_aliases():
    assert get_activation("linear").name == "identity"
    assert get_activation("silu").name == "swish"
    assert "linear" not in available_activations()
    assert "linear" in available_activations(include_aliases=True)
    assert available_activations() == sorted(available_activations())


def test_unknown_name_lists_choices_and_suggests_the_closest():
    with pytest.raises(UnknownNameError) as info:
        get_activation("rleu")
    msg = str(info.value)
    assert "did you mean 'relu'" in msg
    for name in ("sigmoid", "tanh", "leaky_relu", "maxout"):
        assert name in msg


@pytest.mark.parametrize(
    "spec, kwargs, word",
    [
        ("leaky_relu", {"slope": float("nan")}, "slope"),
        ("leaky_relu:abc", {}, "slope"),
        ("leaky_relu", {"slope": True}, "slope"),
        ("elu", {"alpha": float("inf")}, "alpha"),
        ("selu", {"scale": -1.0}, "scale"),
        ("swish", {"trainable": "yes"}, "trainable"),
        ("prelu", {"per_unit": 1}, "per_unit"),
        ("maxout:1", {}, "pieces"),
        ("maxout:2.5", {}, "pieces"),
        ("gelu:exact", {}, "approximate"),
        ("relu:3", {}, "relu"),
        ("leaky_relu", {"slop": 0.1}, "slop"),
        ("leaky_relu:0.1", {"slope": 0.2}, "slope"),
    ],
)
def test_bad_parameters_are_refused_by_name(spec, kwargs, word):
    with pytest.raises(ParameterError, match=word):
        get_activation(spec, **kwargs)


def test_bad_spec_type():
    with pytest.raises(ParameterError, match="activation"):
        get_activation(3)


# ---------------------------------------------------------------------------------------------
# custom activations


@pytest.fixture
def custom_name():
    name = "test_custom_xtanh"
    yield name
    if name in available_activations():
        unregister_activation(name)


def test_register_accepts_a_correct_activation(custom_name):
    cls = register_activation(
        custom_name,
        lambda x: x * np.tanh(x),
        lambda x: np.tanh(x) + x * (1 - np.tanh(x) ** 2),
        formula="x tanh(x)",
    )
    act = get_activation(custom_name)
    assert isinstance(act, cls) and custom_name in available_activations()
    assert describe(custom_name)["formula"] == "x tanh(x)"
    z = _input(np.random.default_rng(6))
    grad_a = np.random.default_rng(7).uniform(-1, 1, size=z.shape)
    act.forward(z)
    zz = z.copy()
    numeric = _numeric_grad(lambda: np.sum(grad_a * act(zz)), zz)
    np.testing.assert_allclose(act.backward(grad_a), numeric, rtol=1e-5, atol=1e-7)
    assert act.forward(z.astype(np.float32)).dtype == np.float32


def test_register_accepts_a_kinked_activation(custom_name):
    # |x| has a kink at 0: the check skips the points next to it and passes the rest
    n_checked = check_derivative(custom_name, np.abs, np.sign)
    assert 200 <= n_checked < 207  # 207 points, the few within 1e-3 of the kink skipped
    cls = register_activation(custom_name, lambda x: np.abs(x), lambda x: np.sign(x))
    act = get_activation(custom_name)
    assert isinstance(act, cls) and custom_name in available_activations()
    z = np.array([[[-2.0, -0.5, 0.5, 3.0]]])
    np.testing.assert_array_equal(act.forward(z), [[[2.0, 0.5, 0.5, 3.0]]])
    np.testing.assert_array_equal(act.backward(np.full_like(z, 2.0)), [[[-2.0, -2.0, 2.0, 2.0]]])
    # a kink does not excuse a wrong derivative elsewhere: sign(x) / 2 is refused
    with pytest.raises(ParameterError, match="differs at z="):
        check_derivative(custom_name, np.abs, lambda x: np.sign(x) / 2)


def test_register_refuses_a_wrong_derivative(custom_name):
    with pytest.raises(ParameterError) as info:
        register_activation(custom_name, lambda x: x * np.tanh(x), lambda x: np.tanh(x))
    msg = str(info.value)
    assert "differs at z=" in msg and "finite differences give" in msg
    assert custom_name not in available_activations()


def test_register_refuses_duplicates_and_non_callables(custom_name):
    with pytest.raises(ParameterError, match="already"):
        register_activation("relu", np.tanh, lambda x: 1 - np.tanh(x) ** 2)
    with pytest.raises(ParameterError, match="callable"):
        register_activation(custom_name, "tanh", lambda x: 1 - np.tanh(x) ** 2)
    with pytest.raises(ParameterError, match="callable"):
        register_activation(custom_name, np.tanh, None)
    register_activation(custom_name, np.tanh, lambda x: 1 - np.tanh(x) ** 2)
    with pytest.raises(ParameterError, match="already"):
        register_activation(custom_name, np.tanh, lambda x: 1 - np.tanh(x) ** 2)
    register_activation(custom_name, np.sin, np.cos, overwrite=True)
    assert get_activation(custom_name)(np.array([0.5])) == pytest.approx(math.sin(0.5))


# ---------------------------------------------------------------------------------------------
# PyTorch as oracle (skipped when torch is not installed; pin: pip install torch==2.13.0)

TORCH_CASES = [
    ("sigmoid", {}, lambda F, x: F.sigmoid(x)),
    ("tanh", {}, lambda F, x: F.tanh(x)),
    ("relu", {}, lambda F, x: F.relu(x)),
    ("leaky_relu", {}, lambda F, x: F.leaky_relu(x, 0.01)),
    ("leaky_relu", {"slope": 0.2}, lambda F, x: F.leaky_relu(x, 0.2)),
    ("elu", {}, lambda F, x: F.elu(x)),
    ("elu", {"alpha": 0.5}, lambda F, x: F.elu(x, alpha=0.5)),
    ("selu", {}, lambda F, x: F.selu(x)),
    ("swish", {}, lambda F, x: F.silu(x)),
    ("gelu", {}, lambda F, x: F.gelu(x)),
    ("gelu", {"approximate": "tanh"}, lambda F, x: F.gelu(x, approximate="tanh")),
    ("softplus", {}, lambda F, x: F.softplus(x)),
    ("softsign", {}, lambda F, x: F.softsign(x)),
    ("mish", {}, lambda F, x: F.mish(x)),
]


@pytest.mark.parametrize(
    "name, kwargs, fn", TORCH_CASES, ids=[f"{n}{k or ''}" for n, k, _ in TORCH_CASES]
)
def test_against_torch(name, kwargs, fn):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    z = np.concatenate([_input(rng).ravel(), np.linspace(-8, 8, 161), [0.0]]).reshape(2, 1, -1)
    grad_a = rng.uniform(-1, 1, size=z.shape)
    act = get_activation(name, **kwargs)
    a = act.forward(z)
    g = act.backward(grad_a)
    x = torch.tensor(z, requires_grad=True)
    y = fn(torch.nn.functional, x)
    y.backward(torch.tensor(grad_a))
    np.testing.assert_allclose(a, y.detach().numpy(), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(g, x.grad.numpy(), rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("per_unit", [False, True])
def test_prelu_against_torch(per_unit):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    z = _input(rng, shape=(1, 6, 5))
    act = _make("prelu", {"per_unit": per_unit}, z)
    _set_distinct_params(act, rng)
    grad_a = rng.uniform(-1, 1, size=z.shape)
    a = act.forward(z)
    g = act.backward(grad_a)
    x = torch.tensor(z[0], requires_grad=True)
    w = torch.tensor(act.params["alpha"].reshape(-1), requires_grad=True)
    y = torch.nn.functional.prelu(x, w)
    y.backward(torch.tensor(grad_a[0]))
    np.testing.assert_allclose(a[0], y.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(g[0], x.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(act.grads["alpha"].reshape(-1), w.grad.numpy(), rtol=1e-10)


def test_gains_against_torch():
    torch = pytest.importorskip("torch")
    gain = torch.nn.init.calculate_gain
    assert get_activation("identity").gain == pytest.approx(gain("linear"))
    assert get_activation("sigmoid").gain == pytest.approx(gain("sigmoid"))
    assert get_activation("tanh").gain == pytest.approx(gain("tanh"))
    assert get_activation("relu").gain == pytest.approx(gain("relu"))
    assert get_activation("selu").gain == pytest.approx(gain("selu"))
    for slope in (0.01, 0.2):
        assert get_activation(f"leaky_relu:{slope}").gain == pytest.approx(
            gain("leaky_relu", slope)
        )
    assert get_activation("prelu").gain == pytest.approx(gain("leaky_relu", 0.25))
