"""Probes on hand-built cases with known answers, and probes never change a run's numbers."""

import numpy as np
import pytest

from actlab.activations import get_activation
from actlab.network import Network
from actlab.probes import (
    Probes,
    column_coherence,
    max_abs_derivative,
    sign_coherence,
)
from actlab.training import Trainer


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=2, size=(3, 5))
    y = rng.integers(0, 3, size=240)
    X = (centers[y] + rng.normal(size=(240, 5))).astype(np.float32)
    return X, y


def probe_once(net, X, y, **kw):
    probes = Probes(**kw)
    probes.on_train_begin(Trainer(batch_size=16), net, X, y)
    return probes.arrays()


def test_sigmoid_layer_driven_to_20_is_fully_saturated(data):
    X, y = data
    net = Network(5, [4], 3, activation="sigmoid", seeds=[0, 1])
    net.dense[0].W[...] = 0
    net.dense[0].b[...] = np.array([20, -20, 20, -20], dtype=np.float32)
    a = probe_once(net, X, y)
    np.testing.assert_array_equal(a["saturation"][:, 0, 0], [1.0, 1.0])
    np.testing.assert_array_equal(a["dead"][:, 0, 0], [1.0, 1.0])
    np.testing.assert_allclose(a["act_mean"][:, 0, 0], 0.5, atol=1e-6)


def test_relu_with_negative_preactivations_is_dead(data):
    X, y = data
    net = Network(5, [6, 4], 3, activation="relu", seeds=[0])
    net.dense[1].W[...] = 0
    net.dense[1].b[...] = -1.0
    a = probe_once(net, X, y)
    assert a["dead"][0, 0, 1] == 1.0 and a["saturation"][0, 0, 1] == 1.0
    assert a["dead"][0, 0, 0] < 1.0
    assert a["grad_W_norm"][0, 0, 0] == 0.0  # nothing flows back through a dead layer


def test_leaky_relu_never_saturates(data):
    X, y = data
    net = Network(5, [6], 3, activation="leaky_relu", seeds=[0])
    net.dense[0].b[...] = -100.0
    assert probe_once(net, X, y)["saturation"][0, 0, 0] == 0.0


def test_saturation_threshold_is_relative_to_max_slope():
    assert max_abs_derivative(get_activation("sigmoid")) == pytest.approx(0.25)
    assert max_abs_derivative(get_activation("tanh")) == pytest.approx(1.0)
    assert max_abs_derivative(get_activation("relu")) == 1.0


def test_tanh_fed_coherence_below_sigmoid_fed(data):
    """The seed's zig-zag: all-positive inputs make every per-sample update share one sign."""
    X, y = data
    out = {}
    for act in ("sigmoid", "relu", "tanh"):
        net = Network(5, [8, 8], 3, activation=act, seeds=[0])
        out[act] = probe_once(net, X, y)["coherence"][0, 0]
    assert out["sigmoid"][1] == 1.0 and out["relu"][1] == 1.0
    assert out["tanh"][1] < 0.1
    assert out["sigmoid"][0] < 0.5  # the first layer is fed data of both signs


def test_coherence_helpers_by_hand():
    x = np.array([[[1.0, 2.0], [1.0, -1.0]]])  # sample 0 single-signed, sample 1 mixed
    delta = np.array([[[1.0, 0.0], [2.0, -3.0]]])  # one zero delta is not counted
    assert sign_coherence(x, delta)[0] == pytest.approx(1 / 3)
    gW = np.array([[[1.0, 1.0, 0.0], [2.0, -1.0, 0.0]]])
    assert column_coherence(gW)[0] == 0.5


def test_probes_leave_training_bit_identical(data):
    X, y = data

    def run(callbacks):
        net = Network(5, [8, 8], 3, activation="prelu", seeds=[3, 4])
        hist = Trainer("adam", lr=0.01, epochs=4, batch_size=16, callbacks=callbacks).fit(
            net, X, y, X_test=X[:50], y_test=y[:50]
        )
        return net, hist

    a, ha = run([])
    probes = Probes(size=64)
    b, hb = run([probes])
    for m in ("train_loss", "train_acc", "test_loss"):
        np.testing.assert_array_equal(ha[m], hb[m])
    for (_, p, _), (_, q, _) in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p, q)
    arr = probes.arrays()
    assert arr["saturation"].shape == (2, 5, 2)  # replicas, epochs 0..4, hidden layers
    assert arr["grad_W_norm"].shape == (2, 5, 3)
    assert arr["flip_fraction"].shape == (2, 4, 3)
    assert np.all((arr["flip_fraction"] >= 0) & (arr["flip_fraction"] <= 1))
    slopes = arr["param:layer1.alpha"]
    assert slopes[0, 0] == pytest.approx(0.25) and slopes[0, -1] != pytest.approx(0.25)
    rec = probes.replica(1)
    assert rec["epochs"] == [0, 1, 2, 3, 4] and len(rec["grad_ratio"]) == 5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sorted_percentiles_are_numpys_percentiles_bit_for_bit(dtype):
    from actlab.probes import sorted_percentiles

    rng = np.random.default_rng(3)
    values = rng.standard_normal((4, 2561)).astype(dtype)
    values[1] = np.maximum(values[1], 0)  # a ReLU layer: many ties at 0
    values[2, 7] = np.nan  # a replica that diverged
    values[3] = 1.5  # one value everywhere
    got = sorted_percentiles(values, (2, 50, 98))
    want = np.percentile(values, (2, 50, 98), axis=1)
    assert got.dtype == want.dtype and got.shape == want.shape == (3, 4)
    assert np.array_equal(got, want, equal_nan=True)
    assert np.isnan(got[:, 2]).all() and not np.isnan(got[:, [0, 1, 3]]).any()
