import math

import numpy as np
import pytest
from conftest import numerical_grad

from actlab.arch import infer_shapes, parse_arch
from actlab.errors import ParameterError
from actlab.initializers import init_weights
from actlab.layers import (
    AvgPool1D,
    AvgPool2D,
    Conv1D,
    Conv2D,
    Flatten,
    MaxPool1D,
    MaxPool2D,
    ShapeError,
    conv_fans,
)

R = 2  # replicas, each with its own weights


def conv1d(rng, K, C_in, C_out, dtype=np.float64, **kw):
    W = rng.normal(size=(R, K * C_in, C_out)).astype(dtype)
    b = rng.normal(size=(R, 1, 1, C_out)).astype(dtype)
    return Conv1D(W, b, kernel_size=K, **kw)


def conv2d(rng, K, C_in, C_out, dtype=np.float64, **kw):
    KH, KW = (K, K) if isinstance(K, int) else K
    W = rng.normal(size=(R, KH * KW * C_in, C_out)).astype(dtype)
    b = rng.normal(size=(R, 1, 1, 1, C_out)).astype(dtype)
    return Conv2D(W, b, kernel_size=(KH, KW), **kw)


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


# --- a direct nested-loop convolution, the definition written out -------------------------


def loop_conv1d(x, layer):
    W = layer.W.reshape(R, layer.kernel_size, layer.in_channels, layer.out_channels)
    ((lo, hi),) = layer.pads
    xp = np.pad(x, ((0, 0), (0, 0), (lo, hi), (0, 0)))
    K, s = layer.kernel_size, layer.stride[0]
    L_out = (xp.shape[2] - K) // s + 1
    out = np.zeros((R, x.shape[1], L_out, layer.out_channels))
    for r in range(R):
        for n in range(x.shape[1]):
            for t in range(L_out):
                for o in range(layer.out_channels):
                    out[r, n, t, o] = layer.b[r, 0, 0, o] + sum(
                        xp[r, n, t * s + k, c] * W[r, k, c, o]
                        for k in range(K)
                        for c in range(layer.in_channels)
                    )
    return out


def loop_conv2d(x, layer):
    KH, KW = layer.kernel_size
    W = layer.W.reshape(R, KH, KW, layer.in_channels, layer.out_channels)
    xp = np.pad(x, ((0, 0), (0, 0), *layer.pads, (0, 0)))
    sh, sw = layer.stride
    H_out, W_out = (xp.shape[2] - KH) // sh + 1, (xp.shape[3] - KW) // sw + 1
    out = np.zeros((R, x.shape[1], H_out, W_out, layer.out_channels))
    for r, n, i, j in np.ndindex(R, x.shape[1], H_out, W_out):
        patch = xp[r, n, i * sh : i * sh + KH, j * sw : j * sw + KW, :]  # (KH, KW, C_in)
        out[r, n, i, j] = np.tensordot(patch, W[r], axes=3) + layer.b[r, 0, 0, 0]
    return out


def loop_pool(x, size, stride, reduce):
    size, stride = tuple(size), tuple(stride)
    spatial = x.shape[2:-1]
    out_sp = [(n - k) // s + 1 for n, k, s in zip(spatial, size, stride)]
    out = np.zeros((*x.shape[:2], *out_sp, x.shape[-1]))
    for idx in np.ndindex(*out_sp):
        window = x[
            (
                slice(None),
                slice(None),
                *(slice(i * s, i * s + k) for i, s, k in zip(idx, stride, size)),
            )
        ]
        out[(slice(None), slice(None), *idx)] = reduce(window, axis=tuple(range(2, 2 + len(size))))
    return out


@pytest.mark.parametrize(
    "K, stride, padding",
    [(3, 1, 0), (3, 2, 1), (4, 3, 2), (2, 1, "same"), (3, 1, "same"), (1, 1, 0), (5, 2, "valid")],
)
def test_conv1d_matches_nested_loops(rng, K, stride, padding):
    layer = conv1d(rng, K, 3, 4, stride=stride, padding=padding)
    x = rng.normal(size=(R, 2, 9, 3))
    out = layer.forward(x)
    np.testing.assert_allclose(out, loop_conv1d(x, layer), rtol=1e-12, atol=1e-12)
    assert out.shape[2:] == layer.output_shape((9, 3))
    if padding == "same":
        assert out.shape[2] == 9


@pytest.mark.parametrize(
    "K, stride, padding",
    [(3, 1, 0), (3, 2, 1), ((2, 3), (2, 1), (1, 0)), (3, 1, "same"), (1, 1, 0), ((1, 2), 1, 0)],
)
def test_conv2d_matches_nested_loops(rng, K, stride, padding):
    layer = conv2d(rng, K, 2, 3, stride=stride, padding=padding)
    x = rng.normal(size=(R, 2, 6, 5, 2))
    out = layer.forward(x)
    np.testing.assert_allclose(out, loop_conv2d(x, layer), rtol=1e-12, atol=1e-12)
    assert out.shape[2:] == layer.output_shape((6, 5, 2))


@pytest.mark.parametrize(
    "cls, reduce, n",
    [
        (MaxPool1D, np.max, 1),
        (AvgPool1D, np.mean, 1),
        (MaxPool2D, np.max, 2),
        (AvgPool2D, np.mean, 2),
    ],
)
@pytest.mark.parametrize("size, stride", [(2, None), (3, 2), (2, 3)])
def test_pools_match_nested_loops(rng, cls, reduce, n, size, stride):
    x = rng.normal(size=(R, 2, *([8] * n), 3))
    layer = cls(size, stride)
    out = layer.forward(x)
    st = size if stride is None else stride
    np.testing.assert_allclose(out, loop_pool(x, (size,) * n, (st,) * n, reduce), rtol=1e-12)
    assert out.shape[2:] == layer.output_shape(x.shape[2:])


# --- finite differences --------------------------------------------------------------------


def check_gradients(layer, x, rng, rtol=1e-6, atol=1e-7):
    """Backward against central differences of L = sum(forward(x) * G), for x and every param."""
    G = rng.normal(size=layer.forward(x).shape)

    def loss():
        return float(np.sum(layer.forward(x) * G))

    layer.forward(x)
    grad_x = layer.backward(G)
    analytic = {k: v.copy() for k, v in layer.grads.items()}
    np.testing.assert_allclose(grad_x, numerical_grad(loss, x), rtol=rtol, atol=atol)
    for key, value in layer.params.items():
        np.testing.assert_allclose(analytic[key], numerical_grad(loss, value), rtol=rtol, atol=atol)
    assert grad_x.shape == x.shape


@pytest.mark.parametrize("K, stride, padding", [(3, 2, 1), (2, 1, "same"), (3, 3, 2), (1, 1, 0)])
def test_conv1d_gradients(rng, K, stride, padding):
    layer = conv1d(rng, K, 2, 3, stride=stride, padding=padding)
    assert not np.allclose(layer.W[0], layer.W[1])
    check_gradients(layer, rng.normal(size=(R, 2, 7, 2)), rng)


@pytest.mark.parametrize(
    "K, stride, padding", [(3, 2, 1), ((2, 3), (1, 2), (0, 1)), (2, 1, "same"), (1, 1, 0)]
)
def test_conv2d_gradients(rng, K, stride, padding):
    layer = conv2d(rng, K, 2, 2, stride=stride, padding=padding)
    check_gradients(layer, rng.normal(size=(R, 2, 5, 4, 2)), rng)


@pytest.mark.parametrize("cls, n", [(MaxPool1D, 1), (AvgPool1D, 1), (MaxPool2D, 2), (AvgPool2D, 2)])
@pytest.mark.parametrize("size, stride", [(2, None), (3, 2), (2, 3), (3, 1)])
def test_pool_gradients(rng, cls, n, size, stride):
    check_gradients(cls(size, stride), rng.normal(size=(R, 2, *([7] * n), 2)), rng)


def test_flatten_gradients_and_shapes(rng):
    layer = Flatten()
    x = rng.normal(size=(R, 3, 4, 5, 2))
    assert layer.forward(x).shape == (R, 3, 40)
    assert layer.output_shape((4, 5, 2)) == (40,)
    check_gradients(layer, x, rng)


def test_max_pool_routes_to_first_argmax():
    x = np.array([1.0, 3.0, 3.0, 0.0]).reshape(1, 1, 4, 1)
    layer = MaxPool1D(3, 1)
    np.testing.assert_array_equal(layer.forward(x).ravel(), [3.0, 3.0])
    g = layer.backward(np.ones((1, 1, 2, 1)))
    np.testing.assert_array_equal(g.ravel(), [0.0, 2.0, 0.0, 0.0])


# --- against torch -------------------------------------------------------------------------


def _torch_weight_1d(layer):
    torch = pytest.importorskip("torch")
    W = layer.W.reshape(R, layer.kernel_size, layer.in_channels, layer.out_channels)
    return [torch.tensor(W[r].transpose(2, 1, 0).copy(), requires_grad=True) for r in range(R)]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's own note on even kernels
@pytest.mark.parametrize("K, stride, padding", [(3, 1, 0), (5, 2, 2), (4, 1, "same"), (3, 3, 1)])
def test_conv1d_against_torch(rng, K, stride, padding):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    layer = conv1d(rng, K, 3, 4, stride=stride, padding=padding)
    x = rng.normal(size=(R, 5, 11, 3))
    out = layer.forward(x)
    G = rng.normal(size=out.shape)
    grad_x = layer.backward(G)
    weights = _torch_weight_1d(layer)
    for r in range(R):
        xt = torch.tensor(x[r].transpose(0, 2, 1).copy(), requires_grad=True)  # (B, C, L)
        ref = F.conv1d(
            xt, weights[r], torch.tensor(layer.b[r].ravel()), stride=stride, padding=padding
        )
        np.testing.assert_allclose(out[r], ref.detach().numpy().transpose(0, 2, 1), rtol=1e-10)
        ref.backward(torch.tensor(G[r].transpose(0, 2, 1).copy()))
        np.testing.assert_allclose(
            grad_x[r], xt.grad.numpy().transpose(0, 2, 1), rtol=1e-10, atol=1e-12
        )
        dW = weights[r].grad.numpy().transpose(2, 1, 0).reshape(-1, layer.out_channels)
        np.testing.assert_allclose(layer.grads["W"][r], dW, rtol=1e-10)
        np.testing.assert_allclose(layer.grads["b"][r].ravel(), G[r].sum(axis=(0, 1)), rtol=1e-10)


@pytest.mark.parametrize(
    "K, stride, padding", [(3, 1, 1), ((3, 2), (2, 1), (1, 0)), (2, 1, "same"), (3, 2, 0)]
)
def test_conv2d_against_torch(rng, K, stride, padding):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    layer = conv2d(rng, K, 3, 4, stride=stride, padding=padding)
    KH, KW = layer.kernel_size
    x = rng.normal(size=(R, 3, 8, 7, 3))
    out = layer.forward(x)
    G = rng.normal(size=out.shape)
    grad_x = layer.backward(G)
    W = layer.W.reshape(R, KH, KW, layer.in_channels, layer.out_channels)
    for r in range(R):
        wt = torch.tensor(W[r].transpose(3, 2, 0, 1).copy(), requires_grad=True)  # (O, C, KH, KW)
        xt = torch.tensor(x[r].transpose(0, 3, 1, 2).copy(), requires_grad=True)  # (B, C, H, W)
        ref = F.conv2d(xt, wt, torch.tensor(layer.b[r].ravel()), stride=stride, padding=padding)
        np.testing.assert_allclose(out[r], ref.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-10)
        ref.backward(torch.tensor(G[r].transpose(0, 3, 1, 2).copy()))
        np.testing.assert_allclose(
            grad_x[r], xt.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-12
        )
        dW = wt.grad.numpy().transpose(2, 3, 1, 0).reshape(-1, layer.out_channels)
        np.testing.assert_allclose(layer.grads["W"][r], dW, rtol=1e-10)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("size, stride", [(2, None), (3, 2), (2, 3)])
def test_pools_against_torch(rng, kind, n, size, stride):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    cls = {
        ("max", 1): MaxPool1D,
        ("avg", 1): AvgPool1D,
        ("max", 2): MaxPool2D,
        ("avg", 2): AvgPool2D,
    }[kind, n]
    fn = getattr(F, f"{kind}_pool{n}d")
    layer = cls(size, stride)
    x = rng.normal(size=(R, 3, *([9] * n), 2))
    out = layer.forward(x)
    G = rng.normal(size=out.shape)
    grad_x = layer.backward(G)
    to_cf = (0, n + 1, *range(1, n + 1))  # (B, *sp, C) -> (B, C, *sp)
    to_cl = (0, *range(2, n + 2), 1)
    for r in range(R):
        xt = torch.tensor(x[r].transpose(to_cf).copy(), requires_grad=True)
        ref = fn(xt, size, stride)
        np.testing.assert_allclose(out[r], ref.detach().numpy().transpose(to_cl), rtol=1e-12)
        ref.backward(torch.tensor(G[r].transpose(to_cf).copy()))
        np.testing.assert_allclose(grad_x[r], xt.grad.numpy().transpose(to_cl), rtol=1e-12)


# --- the layer contract ----------------------------------------------------------------------


def all_layers(rng, dtype=np.float64):
    return [
        (conv1d(rng, 3, 2, 4, dtype, stride=2, padding=1), (R, 3, 9, 2)),
        (conv2d(rng, 3, 2, 4, dtype, padding="same"), (R, 3, 5, 6, 2)),
        (MaxPool1D(3, 2), (R, 3, 9, 2)),
        (AvgPool1D(2), (R, 3, 9, 2)),
        (MaxPool2D(2, 1), (R, 3, 5, 6, 2)),
        (AvgPool2D((2, 3)), (R, 3, 5, 6, 2)),
        (Flatten(), (R, 3, 5, 6, 2)),
    ]


def test_backward_overwrites_gradients_in_place(rng):
    for layer, shape in all_layers(rng):
        x = rng.normal(size=shape)
        G = rng.normal(size=layer.forward(x).shape)
        arrays = {k: id(v) for k, v in layer.grads.items()}
        first = layer.backward(G)
        grads = {k: v.copy() for k, v in layer.grads.items()}
        second = layer.backward(G)
        np.testing.assert_array_equal(first, second)
        for key, value in grads.items():
            np.testing.assert_array_equal(layer.grads[key], value)
            assert id(layer.grads[key]) == arrays[key]  # the same arrays, written in place


def test_gradients_go_into_views_of_a_flat_buffer(rng):
    """The Network re-points params and grads at strided views of one buffer: backward must
    write through them."""
    layer = conv2d(rng, 3, 2, 4, stride=2, padding=1)
    x = rng.normal(size=(R, 2, 6, 6, 2))
    G = rng.normal(size=layer.forward(x).shape)
    layer.backward(G)
    expected = {k: v.copy() for k, v in layer.grads.items()}
    sizes = {k: v[0].size for k, v in layer.params.items()}
    flat = np.zeros((R, sum(sizes.values()) + 3))
    start = 3
    for key, size in sizes.items():
        layer.grads[key] = flat[:, start : start + size].reshape(layer.params[key].shape)
        start += size
    layer.forward(x)
    layer.backward(G)
    np.testing.assert_allclose(
        flat[:, 3 : 3 + sizes["W"]].reshape(expected["W"].shape), expected["W"], rtol=1e-12
    )
    np.testing.assert_allclose(
        flat[:, 3 + sizes["W"] :].reshape(expected["b"].shape), expected["b"], rtol=1e-12
    )


def test_no_input_gradient_when_not_needed(rng):
    layer = conv1d(rng, 3, 2, 4, padding=1)
    x = rng.normal(size=(R, 3, 6, 2))
    G = rng.normal(size=layer.forward(x).shape)
    layer.backward(G)
    expected = layer.grads["W"].copy()
    layer.grads["W"][...] = 0
    assert layer.backward(G, need_input_grad=False) is None
    np.testing.assert_array_equal(layer.grads["W"], expected)
    pool = MaxPool1D(2)
    pool.forward(rng.normal(size=(R, 3, 6, 2)))
    assert pool.backward(np.ones((R, 3, 3, 2)), need_input_grad=False) is None


def test_float32_stays_float32(rng):
    for layer, shape in all_layers(rng, np.float32):
        x = rng.normal(size=shape).astype(np.float32)
        out = layer.forward(x)
        assert out.dtype == np.float32, layer
        grad_x = layer.backward(np.ones_like(out))
        assert grad_x.dtype == np.float32, layer
        for key, g in layer.grads.items():
            assert g.dtype == np.float32, (layer, key)


def test_constructor_forms_and_properties(rng):
    W4 = rng.normal(size=(R, 5, 3, 7))
    layer = Conv1D(W4, np.zeros((R, 1, 1, 7)), stride=2, padding="valid")
    assert layer.W.shape == (R, 15, 7)
    assert (layer.kernel_size, layer.in_channels, layer.out_channels) == (5, 3, 7)
    np.testing.assert_array_equal(layer.W, W4.reshape(R, 15, 7))
    layer2 = Conv2D(rng.normal(size=(R, 3, 2, 4, 6)), np.zeros((R, 1, 1, 1, 6)))
    assert (layer2.kernel_size, layer2.in_channels, layer2.out_channels) == ((3, 2), 4, 6)
    assert layer2.output_shape((5, 5, 4)) == (3, 4, 6)
    assert "Conv2D(4 -> 6" in repr(layer2)


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: Conv1D(np.zeros((R, 6, 2)), np.zeros((R, 1, 1, 2))),
            r"conv1d kernel_size: got None",
        ),
        (
            lambda: Conv1D(np.zeros((R, 7, 2)), np.zeros((R, 1, 1, 2)), kernel_size=3),
            r"conv1d W shape: got \(2, 7, 2\); allowed: rows a multiple of the kernel size 3",
        ),
        (
            lambda: Conv1D(np.zeros((R, 6, 2)), np.zeros((R, 1, 2)), kernel_size=3),
            r"conv1d b shape: got \(2, 1, 2\); allowed: \(2, 1, 1, 2\)",
        ),
        (
            lambda: Conv1D(np.zeros((R, 6, 2)), np.zeros((R, 1, 1, 2)), kernel_size=3, stride=0),
            r"conv1d stride: got 0; allowed: a positive integer",
        ),
        (
            lambda: Conv1D(np.zeros((R, 6, 2)), np.zeros((R, 1, 1, 2)), kernel_size=3, padding=-1),
            r"conv1d padding: got -1",
        ),
        (
            lambda: Conv1D(
                np.zeros((R, 6, 2)), np.zeros((R, 1, 1, 2)), kernel_size=3, stride=2, padding="same"
            ),
            r"conv1d padding: got 'same'; .*stride is 2",
        ),
        (
            lambda: Conv2D(
                np.zeros((R, 9, 2)),
                np.zeros((R, 1, 1, 1, 2)),
                kernel_size=(3, 3),
                padding=(1, 2, 3),
            ),
            r"conv2d padding: got \(1, 2, 3\)",
        ),
        (lambda: MaxPool2D(0), r"maxpool2d size: got 0; allowed: a positive integer"),
        (lambda: AvgPool1D(2, stride=-1), r"avgpool1d stride: got -1"),
    ],
)
def test_bad_constructor_arguments(make, message):
    with pytest.raises(ParameterError, match=message):
        make()


@pytest.mark.parametrize(
    "layer, shape, message",
    [
        (
            Conv1D(np.zeros((R, 7, 2)), np.zeros((R, 1, 1, 2)), kernel_size=7),
            (5, 1),
            r"^conv1d: kernel 7 larger than its input length 5 \(padding 0\)$",
        ),
        (
            Conv1D(np.zeros((R, 7, 2)), np.zeros((R, 1, 1, 2)), kernel_size=7, padding=1),
            (4, 1),
            r"^conv1d: kernel 7 larger than its input length 4 \(padding 1\)$",
        ),
        (
            Conv1D(np.zeros((R, 6, 2)), np.zeros((R, 1, 1, 2)), kernel_size=3),
            (10, 3),
            r"^conv1d: input has 3 channels, the kernel expects 2 \(input shape \(10, 3\)\)$",
        ),
        (
            Conv1D(np.zeros((R, 6, 2)), np.zeros((R, 1, 1, 2)), kernel_size=3),
            (10,),
            r"^conv1d: needs input \(length, channels\); got shape \(10,\)",
        ),
        (
            Conv2D(np.zeros((R, 15, 2)), np.zeros((R, 1, 1, 1, 2)), kernel_size=(5, 3)),
            (4, 6, 1),
            r"^conv2d: kernel 5x3 larger than its input height x width 4x6 \(padding 0x0\)$",
        ),
        (
            Conv2D(np.zeros((R, 9, 2)), np.zeros((R, 1, 1, 1, 2)), kernel_size=3),
            (4, 4),
            r"^conv2d: needs input \(height, width, channels\); got shape \(4, 4\)$",
        ),
        (MaxPool1D(4), (3, 2), r"^maxpool1d: pool 4 larger than its input length 3$"),
        (
            AvgPool2D((2, 3)),
            (4, 2, 1),
            r"^avgpool2d: pool 2x3 larger than its input height x width 4x2$",
        ),
        (MaxPool1D(2), (0, 2), r"^maxpool1d: input shape \(0, 2\) has an empty axis$"),
    ],
)
def test_impossible_shapes(layer, shape, message):
    with pytest.raises(ShapeError, match=message):
        layer.output_shape(shape)
    with pytest.raises(ParameterError):  # ShapeError is a ParameterError, a ValueError
        layer.forward(np.zeros((R, 1, *shape)))


def test_forward_refuses_wrong_rank(rng):
    with pytest.raises(ShapeError, match=r"conv1d: needs x of shape \(R, B, length, channels\)"):
        conv1d(rng, 3, 2, 2).forward(np.zeros((R, 5, 2)))


@pytest.mark.parametrize(
    "layer, shape, expected",
    [
        (Conv1D(np.zeros((R, 15, 8)), np.zeros((R, 1, 1, 8)), kernel_size=5), (40, 3), (36, 8)),
        (
            Conv1D(np.zeros((R, 5, 8)), np.zeros((R, 1, 1, 8)), kernel_size=5, stride=2),
            (40, 1),
            (18, 8),
        ),
        (
            Conv1D(np.zeros((R, 4, 8)), np.zeros((R, 1, 1, 8)), kernel_size=4, padding="same"),
            (7, 1),
            (7, 8),
        ),
        (
            Conv2D(np.zeros((R, 9, 16)), np.zeros((R, 1, 1, 1, 16)), kernel_size=3, padding=1),
            (8, 8, 1),
            (8, 8, 16),
        ),
        (
            Conv2D(np.zeros((R, 9, 16)), np.zeros((R, 1, 1, 1, 16)), kernel_size=3, stride=(2, 1)),
            (8, 9, 1),
            (3, 7, 16),
        ),
        (MaxPool1D(2), (9, 4), (4, 4)),
        (AvgPool1D(3, 2), (9, 4), (4, 4)),
        (MaxPool2D(2), (8, 8, 3), (4, 4, 3)),
        (AvgPool2D((2, 3), 1), (5, 5, 2), (4, 3, 2)),
        (Flatten(), (4, 4, 3), (48,)),
    ],
)
def test_output_shapes(layer, shape, expected):
    assert layer.output_shape(shape) == expected


# --- initialization --------------------------------------------------------------------------


def test_conv_fans():
    assert conv_fans(5, 3, 8) == (15, 40)
    assert conv_fans((3, 3), 16, 32) == (144, 288)


# he_normal reads fan_in only, and a convolution's fan_in (K*C_in = 360) is the row count of W
# either way: the fans change its scale for the Xavier inits (fan_out 540, not 60) and not for He.
@pytest.mark.parametrize(
    "spec, std, fans_change_it",
    [
        ("he_normal", lambda fi, fo: math.sqrt(2 / fi), False),
        ("xavier_normal", lambda fi, fo: math.sqrt(2 / (fi + fo)), True),
        ("xavier_uniform", lambda fi, fo: math.sqrt(6 / (fi + fo)) / math.sqrt(3), True),
    ],
)
def test_init_weights_uses_fans(spec, std, fans_change_it):
    fan_in, fan_out = conv_fans((3, 3), 40, 60)  # (360, 540); W is drawn as (360, 60)
    rngs = [np.random.default_rng(s) for s in (0, 1)]
    W = init_weights(spec, rngs, 360, 60, None, np.float64, fans=(fan_in, fan_out))
    assert W.shape == (2, 360, 60)
    assert W.std() == pytest.approx(std(fan_in, fan_out), rel=0.02)
    as_dense = init_weights(
        spec, [np.random.default_rng(s) for s in (0, 1)], 360, 60, None, np.float64
    )
    assert (W.std() != pytest.approx(as_dense.std(), rel=0.05)) == fans_change_it
    assert as_dense.std() == pytest.approx(std(360, 60), rel=0.02)
    alone = init_weights(
        spec, [np.random.default_rng(1)], 360, 60, None, np.float64, fans=(fan_in, fan_out)
    )
    np.testing.assert_array_equal(W[1], alone[0])  # replica r draws from rngs[r]


def test_init_weights_without_fans_is_unchanged():
    def draw(**kw):
        return init_weights(
            "xavier_uniform", [np.random.default_rng(7)], 30, 20, None, np.float64, **kw
        )

    plain = draw()
    np.testing.assert_array_equal(plain, draw(fans=None))
    np.testing.assert_array_equal(plain, draw(fans=(30, 20)))
    expected = np.random.default_rng(7).uniform(-math.sqrt(6 / 50), math.sqrt(6 / 50), (30, 20))
    np.testing.assert_array_equal(plain[0], expected)


@pytest.mark.parametrize("fans", [(0, 3), (3,), "ab", (2, -1)])
def test_init_weights_bad_fans(fans):
    with pytest.raises(ParameterError, match="init fans"):
        init_weights("he_normal", [np.random.default_rng(0)], 3, 3, fans=fans)


# --- architecture strings --------------------------------------------------------------------


def test_parse_arch_example():
    specs = parse_arch("conv1d:25x5,relu,conv1d:25x3:s2,relu,maxpool1d:2,flatten,dense:10")
    assert [s["kind"] for s in specs] == [
        "conv1d",
        "activation",
        "conv1d",
        "activation",
        "maxpool1d",
        "flatten",
        "dense",
    ]
    assert specs[0] == {
        "kind": "conv1d",
        "token": "conv1d:25x5",
        "channels": 25,
        "kernel": 5,
        "stride": 1,
        "padding": 0,
    }
    assert specs[2]["stride"] == 2
    assert specs[4] == {"kind": "maxpool1d", "token": "maxpool1d:2", "size": 2, "stride": None}
    assert specs[6]["units"] == 10
    assert infer_shapes(specs, (40, 1)) == [
        (36, 25),
        (36, 25),
        (17, 25),
        (17, 25),
        (8, 25),
        (200,),
        (10,),
    ]


@pytest.mark.parametrize(
    "token, fields",
    [
        ("conv1d:8x3:p1", {"padding": 1}),
        ("conv1d:8x4:same", {"padding": "same"}),
        ("conv1d:8x4:s2:valid", {"stride": 2, "padding": "valid"}),
        ("conv2d:16x3", {"kernel": (3, 3), "stride": (1, 1), "padding": (0, 0)}),
        ("conv2d:16x3x5:s2x1:p1x2", {"kernel": (3, 5), "stride": (2, 1), "padding": (1, 2)}),
        ("conv2d:16x3:s2:p1", {"stride": (2, 2), "padding": (1, 1)}),
        ("maxpool2d:2", {"size": (2, 2), "stride": None}),
        ("avgpool2d:2x3:s1", {"size": (2, 3), "stride": (1, 1)}),
        ("avgpool1d:3:s2", {"size": 3, "stride": 2}),
        ("leaky_relu:0.1", {"kind": "activation", "name": "leaky_relu:0.1"}),
        ("maxout:3", {"kind": "activation", "name": "maxout:3"}),
        ("act", {"kind": "act"}),
        (" Flatten ", {"kind": "flatten"}),
    ],
)
def test_parse_arch_tokens(token, fields):
    (spec,) = parse_arch(token)
    for key, value in fields.items():
        assert spec[key] == value


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "conv1d:25",
            (
                r"^arch: got 'conv1d:25'; allowed: conv1d:CHANNELSxKERNEL\[:sSTRIDE\]"
                r"\[:pPADDING"
            ),
        ),
        ("conv1d:0x3", r"arch: got 'conv1d:0x3'; .*channels must be positive"),
        ("conv1d:4x3:s0", r"arch: got 'conv1d:4x3:s0'; .*stride must be positive"),
        ("conv1d:4x3:s2:same", r"arch: got 'conv1d:4x3:s2:same'; .*'same' padding needs stride 1"),
        ("conv2d:4x3x3x3", r"arch: got 'conv2d:4x3x3x3'; allowed: conv2d:CHANNELSxK"),
        ("maxpool1d:2x2", r"arch: got 'maxpool1d:2x2'; allowed: maxpool1d:SIZE\[:sSTRIDE\]"),
        ("maxpool2d", r"arch: got 'maxpool2d'; allowed: maxpool2d:SIZE"),
        ("dense:0", r"arch: got 'dense:0'; allowed: dense:UNITS with UNITS > 0"),
        ("dense", r"arch: got 'dense'"),
        ("flatten:2", r"arch: got 'flatten:2'; allowed: 'flatten' without ':value'"),
        ("relux", r"arch: got 'relux'; allowed: one of .*conv1d.*(did you mean 'relu'\?)"),
        ("maxout:1", r"arch: got 'maxout:1'; allowed: an integer >= 2"),
        ("relu:2", r"arch: got 'relu:2'"),
        ("conv1d:4x3,,relu", r"arch: got 'conv1d:4x3,,relu'; .*an empty layer"),
        ("", r"arch: got ''"),
    ],
)
def test_parse_arch_errors(text, message):
    with pytest.raises(ParameterError, match=message):
        parse_arch(text)


@pytest.mark.parametrize(
    "arch, input_shape, act, expected",
    [
        (
            "conv2d:16x3:p1,act,maxpool2d:2,conv2d:32x3:same,relu,flatten,dense:10",
            (8, 8, 1),
            None,
            [(8, 8, 16), (8, 8, 16), (4, 4, 16), (4, 4, 32), (4, 4, 32), (512,), (10,)],
        ),
        # maxout after a conv or dense: that layer produces pieces times the channels (as Dense)
        (
            "conv1d:25x5,act,flatten,dense:10,act",
            (40, 1),
            "maxout:2",
            [(36, 50), (36, 25), (900,), (20,), (10,)],
        ),
        ("conv1d:6x3,maxpool1d:2,maxout:3", (10, 1), None, [(8, 6), (4, 6), (4, 2)]),
        ("flatten,dense:5,leaky_relu:0.1", (3, 4), None, [(12,), (5,), (5,)]),
        ("conv1d:4x3:s2:p1,avgpool1d:2:s1", (9, 2), None, [(5, 4), (4, 4)]),
    ],
)
def test_infer_shapes(arch, input_shape, act, expected):
    assert infer_shapes(arch, input_shape, act=act) == expected


@pytest.mark.parametrize(
    "arch, input_shape, message",
    [
        (
            "conv1d:25x5,relu,conv1d:25x7",
            (10, 1),
            (
                r"^conv1d layer 3 'conv1d:25x7': kernel 7 larger than its input length 6 "
                r"\(padding 0\)$"
            ),
        ),
        (
            "conv1d:4x3,dense:10",
            (10, 1),
            (
                r"^dense layer 2 'dense:10': dense needs flat input; add flatten before it "
                r"\(input shape \(8, 4\)\)$"
            ),
        ),
        ("conv1d:4x3,maxpool1d:2,dense:10", (10, 1), r"dense layer 3 .*dense needs flat input"),
        (
            "flatten,conv1d:4x3",
            (10, 1),
            (
                r"^conv1d layer 2 'conv1d:4x3': needs input \(length, "
                r"channels\); got shape \(10,\)"
            ),
        ),
        (
            "conv2d:4x3",
            (10, 1),
            r"conv2d layer 1 'conv2d:4x3': needs input \(height, width, channels\)",
        ),
        (
            "conv1d:5x3,maxpool1d:2,maxout:2",
            (10, 1),
            (
                r"^activation layer 3 'maxout:2': maxout with 2 pieces needs a channel count "
                r"divisible by 2; got 5 \(input shape \(4, 5\)\)$"
            ),
        ),
        (
            "conv1d:4x3,maxpool1d:9",
            (10, 1),
            r"^maxpool1d layer 2 'maxpool1d:9': pool 9 larger than its input length 8$",
        ),
        (
            "conv2d:4x3:s2,maxpool2d:3",
            (6, 6, 1),
            r"maxpool2d layer 2 'maxpool2d:3': pool 3x3 larger than its input height x width 2x2",
        ),
    ],
)
def test_infer_shapes_errors(arch, input_shape, message):
    with pytest.raises(ShapeError, match=message):
        infer_shapes(arch, input_shape)


def test_infer_shapes_bad_input_shape():
    with pytest.raises(ParameterError, match=r"input_shape: got \(0, 1\)"):
        infer_shapes("flatten", (0, 1))


def test_infer_shapes_agrees_with_the_layers(rng):
    specs = parse_arch("conv2d:3x3:s2:p1,maxpool2d:2:s1,avgpool2d:2,flatten")
    shapes = infer_shapes(specs, (9, 9, 2))
    layers = [conv2d(rng, 3, 2, 3, stride=2, padding=1), MaxPool2D(2, 1), AvgPool2D(2), Flatten()]
    x = rng.normal(size=(R, 4, 9, 9, 2))
    for layer, shape in zip(layers, shapes):
        x = layer.forward(x)
        assert x.shape[2:] == shape
