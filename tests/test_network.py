"""Dense, output heads and whole networks against finite differences (float64)."""

import numpy as np
import pytest
from conftest import numerical_grad

from actlab.layers import Dense
from actlab.losses import (
    IdentityMSE,
    SigmoidBinaryCrossEntropy,
    SoftmaxCrossEntropy,
    log_softmax,
    softmax,
)
from actlab.network import Network


def test_dense_gradients_match_finite_differences(rng):
    R, B, F, H = 3, 4, 5, 6
    W = rng.normal(size=(R, F, H))
    b = rng.normal(size=(R, 1, H))
    x = rng.normal(size=(R, B, F))
    up = rng.normal(size=(R, B, H))
    layer = Dense(W, b)

    def f():
        return float(np.sum(layer.forward(x) * up))

    layer.forward(x)
    gx = layer.backward(up)
    np.testing.assert_allclose(layer.grads["W"], numerical_grad(f, W), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(layer.grads["b"], numerical_grad(f, b), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gx, numerical_grad(f, x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("head_cls", [SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy, IdentityMSE])
def test_head_gradient_at_logits(head_cls, rng):
    R, B, K = 2, 5, 4
    z = rng.normal(scale=3, size=(R, B, K))
    head = head_cls()
    if head_cls is SoftmaxCrossEntropy:
        y = rng.integers(0, K, size=(R, B))
    elif head_cls is SigmoidBinaryCrossEntropy:
        y = rng.integers(0, 2, size=(R, B, K)).astype(float)
    else:
        y = rng.normal(size=(R, B, K))
    loss, grad = head.loss_and_grad(z, y)
    np.testing.assert_allclose(loss, head.loss(z, y))
    np.testing.assert_allclose(
        grad, numerical_grad(lambda: float(head.loss(z, y).sum()), z), rtol=1e-5, atol=1e-8
    )


def test_softmax_cross_entropy_matches_direct_formula(rng):
    z = rng.normal(size=(1, 6, 3))
    y = np.array([[0, 1, 2, 2, 1, 0]])
    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    expected = -np.mean(np.log(p[0, np.arange(6), y[0]]))
    assert SoftmaxCrossEntropy().loss(z, y)[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_and_log_softmax_stable_for_huge_logits(dtype):
    z = np.array(
        [[[1e30, -1e30, 0.0], [np.finfo(dtype).max, -np.finfo(dtype).max, 1.0]]], dtype=dtype
    )
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = softmax(z)
        lp = log_softmax(z)
        loss, grad = SoftmaxCrossEntropy().loss_and_grad(z, np.array([[0, 1]]))
        bce = SigmoidBinaryCrossEntropy().loss_and_grad(z, np.ones_like(z))
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(grad)) and np.all(np.isfinite(bce[1]))
    np.testing.assert_allclose(p[0, 0], [1, 0, 0])
    assert lp[0, 0, 0] == 0 and lp.dtype == dtype
    assert loss[0] > 1e29  # the wrong class for the second sample costs ~ 2 * finfo.max / 2


@pytest.mark.parametrize(
    "activation",
    [
        "sigmoid",
        "tanh",
        "relu",
        "elu",
        "swish",
        "prelu",
        "selu",
        "maxout",
        "softplus",
        "gelu",
        "mish",
        "softsign",
        "leaky_relu",
        "identity",
    ],
)
@pytest.mark.parametrize("output", ["softmax", "sigmoid", "identity"])
def test_whole_network_gradient(activation, output, rng):
    """Every parameter of a 3-hidden-layer network against central differences, in float64."""
    net = Network(
        4,
        [5, 3, 4],
        3,
        activation=activation,
        output=output,
        init="xavier_normal",
        seeds=[7, 8],
        dtype=np.float64,
    )
    x = rng.normal(size=(2, 6, 4))
    if output == "softmax":
        y = rng.integers(0, 3, size=(2, 6))
    elif output == "sigmoid":
        y = rng.integers(0, 2, size=(2, 6, 3)).astype(float)
    else:
        y = rng.normal(size=(2, 6, 3))
    for dense in net.dense:  # zero biases would put dead ReLU layers exactly on the kink
        dense.b[...] += rng.normal(scale=0.1, size=dense.b.shape)
    for act in net.activations:  # move learnable parameters off their defaults, per replica
        for value in act.params.values():
            value += rng.normal(scale=0.1, size=value.shape)

    def f():
        return float(net.head.loss(net.forward(x), y).sum())

    net.loss_and_grad(x, y)
    analytic = {name: g.copy() for name, _, g in net.parameters()}
    assert any(name.startswith("act") for name in analytic) == (activation in ("prelu",))
    for name, p, _ in net.parameters():
        np.testing.assert_allclose(
            analytic[name], numerical_grad(f, p), rtol=1e-5, atol=1e-7, err_msg=name
        )


def test_learnable_activation_parameters_are_listed():
    net = Network(3, [4, 4], 2, activation=["prelu", "swish"], seeds=[0], dtype=np.float64)
    names = [n for n, _, _ in net.parameters()]
    assert names[:6] == ["dense0.W", "dense0.b", "dense1.W", "dense1.b", "dense2.W", "dense2.b"]
    assert len(names) == 6 + 1  # prelu slope; swish beta is fixed by default


def test_maxout_layer_before_has_k_times_the_units():
    net = Network(3, [4], 2, activation="maxout:3", seeds=[0])
    assert net.dense[0].W.shape == (1, 3, 12)
    assert net.dense[1].W.shape == (1, 4, 2)


def test_linear_collapse_identity_network_is_one_affine_map(rng):
    """The seed: without activations, a deep network is a single layer W, b (exactly)."""
    net = Network(
        5, [7, 6, 4], 3, activation="identity", init="xavier_normal", seeds=[1], dtype=np.float64
    )
    W = np.eye(5)
    b = np.zeros((1, 5))
    for dense in net.dense:
        b = b @ dense.W[0] + dense.b[0]
        W = W @ dense.W[0]
    x = rng.normal(size=(20, 5))
    np.testing.assert_allclose(net.forward(x)[0], x @ W + b, rtol=1e-12, atol=1e-12)
    relu = Network(
        5, [7, 6, 4], 3, activation="relu", init="xavier_normal", seeds=[1], dtype=np.float64
    )
    for a, c in zip(relu.dense, net.dense):
        a.W[...] = c.W
        a.b[...] = c.b + 0.1
    assert np.abs(relu.forward(x)[0] - (x @ W + b)).max() > 1e-2


def test_bad_hidden_sizes_are_refused():
    with pytest.raises(
        ValueError, match=r"hidden: got \[10, 0\]; allowed: a list of positive integers"
    ):
        Network(3, [10, 0], 2)
    with pytest.raises(ValueError, match="activation: got"):
        Network(3, [10, 10], 2, activation=["relu"])


@pytest.mark.parametrize(
    "arch, input_shape",
    [
        ("conv1d:3x3:p1,act,maxpool1d:2,conv1d:4x2:s2,act,flatten,dense:5,act", (8, 2)),
        ("conv2d:2x3,act,avgpool2d:2,flatten", (6, 6, 1)),
        ("conv1d:3x3,maxout:2,flatten,dense:4,prelu", (7, 1)),
    ],
)
def test_conv_network_gradient(arch, input_shape, rng):
    """A whole convolutional network against central differences, float64, two replicas."""
    net = Network(
        int(np.prod(input_shape)),
        n_outputs=3,
        activation="tanh",
        arch=arch,
        input_shape=input_shape,
        init="xavier_normal",
        seeds=[1, 2],
        dtype=np.float64,
    )
    for layer in net.dense:
        layer.b[...] += rng.normal(scale=0.1, size=layer.b.shape)
    x = rng.normal(size=(2, 4, *input_shape))
    y = rng.integers(0, 3, size=(2, 4))

    def f():
        return float(net.head.loss(net.forward(x), y).sum())

    net.loss_and_grad(x, y)
    analytic = {name: g.copy() for name, _, g in net.parameters()}
    assert any(name.startswith("conv") for name in analytic)
    for name, p, _ in net.parameters():
        np.testing.assert_allclose(
            analytic[name], numerical_grad(f, p), rtol=1e-5, atol=1e-7, err_msg=name
        )


def test_arch_network_reshapes_flat_rows_and_checks_outputs(rng):
    net = Network(40, n_outputs=10, arch="conv1d:4x5,relu,flatten", input_shape=(40, 1), seeds=[0])
    assert net.forward(rng.normal(size=(3, 40)).astype(np.float32)).shape == (1, 3, 10)
    assert net.dense[-1].W.shape == (1, 36 * 4, 10)  # a final dense:10 was appended
    with pytest.raises(ValueError, match=r"arch: got .*; allowed: a last layer dense:10"):
        Network(40, n_outputs=10, arch="conv1d:4x5,relu,flatten,dense:7", input_shape=(40, 1))
    with pytest.raises(ValueError, match="kernel 50 larger than"):
        Network(40, n_outputs=10, arch="conv1d:4x50,relu,flatten", input_shape=(40, 1))
