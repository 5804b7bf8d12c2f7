"""The Trainer: replicas in lockstep equal separate runs, determinism, divergence, early stopping."""

import numpy as np
import pytest

from actlab.network import Network
from actlab.training import Trainer, evaluate


def train(seeds, blobs, activation="tanh", optimizer="sgd", epochs=5, **kw):
    Xtr, ytr, Xte, yte = blobs
    net = Network(6, [16, 16], 3, activation=activation, seeds=seeds, **kw.pop("net", {}))
    hist = Trainer(optimizer, lr=kw.pop("lr", 0.05), epochs=epochs, batch_size=16, **kw).fit(
        net, Xtr, ytr, X_test=Xte, y_test=yte
    )
    return net, hist


def test_replicas_in_lockstep_equal_separate_runs(blobs):
    net, hist = train([11, 12, 13], blobs, activation="prelu", optimizer="adam", lr=0.01)
    for r, seed in enumerate([11, 12, 13]):
        alone, h1 = train([seed], blobs, activation="prelu", optimizer="adam", lr=0.01)
        np.testing.assert_allclose(hist["train_loss"][r], h1["train_loss"][0], rtol=1e-5)
        np.testing.assert_allclose(hist["test_acc"][r], h1["test_acc"][0])
        for (_, p, _), (_, q, _) in zip(net.parameters(), alone.parameters()):
            np.testing.assert_allclose(p[r], q[0], rtol=1e-4, atol=1e-6)


def test_same_seed_gives_bit_identical_results(blobs):
    a, ha = train([5, 6], blobs)
    b, hb = train([5, 6], blobs)
    for m in ("train_loss", "test_loss", "test_acc"):
        np.testing.assert_array_equal(ha[m], hb[m])
    for (_, p, _), (_, q, _) in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p, q)
    _, hc = train([7], blobs)
    assert not np.array_equal(ha["train_loss"][0], hc["train_loss"][0])


def test_training_learns(blobs):
    _, hist = train([0, 1], blobs, epochs=10)
    assert np.all(hist["test_acc"][:, -1] > 0.9)
    assert np.all(hist["train_loss"][:, -1] < hist["train_loss"][:, 0])


def test_step_activation_cannot_learn(blobs):
    """The seed's threshold function: f'(z) = 0, so no gradient reaches the hidden weights."""
    net, hist = train([0], blobs, activation="step", epochs=5, lr=0.1)
    first = Network(6, [16, 16], 3, activation="step", seeds=[0])
    np.testing.assert_array_equal(net.dense[0].W, first.dense[0].W)
    np.testing.assert_array_equal(net.dense[1].W, first.dense[1].W)
    _, relu = train([0], blobs, activation="relu", epochs=5, lr=0.1)
    assert relu["train_loss"][0, -1] < 0.5 * hist["train_loss"][0, -1]


def test_diverged_replica_is_frozen_and_siblings_go_on(blobs):
    """Per-replica learning rates: replica 1 gets an absurd one and diverges."""
    Xtr, ytr, Xte, yte = blobs
    net = Network(6, [16, 16], 3, activation="relu", init="prototype", seeds=[0, 1])
    hist = Trainer("sgd", lr=np.array([0.01, 1e6]), epochs=6, batch_size=16).fit(
        net, Xtr * 100, ytr, X_test=Xte, y_test=yte
    )
    assert hist.status == ["ok", "diverged"]
    assert hist.diverged_epoch[0] is None and hist.diverged_epoch[1] == 1
    assert np.all(np.isfinite(hist["train_loss"][0]))
    assert np.all(np.isnan(hist["train_loss"][1]))
    assert np.isfinite(net.dense[0].W[0]).all()


def test_early_stopping_restores_best_weights(blobs):
    Xtr, ytr, Xte, yte = blobs
    net = Network(6, [32], 3, activation="relu", seeds=[0, 1])
    hist = Trainer("sgd", lr=0.5, epochs=60, batch_size=8, early_stopping=True, patience=3).fit(
        net, Xtr[:100], ytr[:100], X_val=Xte, y_val=yte
    )
    assert all(s is not None for s in hist.stopped_epoch)
    val_loss, _ = evaluate(net, Xte, yte)
    for r in range(2):
        best = hist.best_epoch[r]
        assert hist.stopped_epoch[r] == best + 3
        assert val_loss[r] == pytest.approx(hist["val_loss"][r, best - 1], rel=1e-5)


def test_validation_fraction_holds_out_rows(blobs):
    Xtr, ytr, _, _ = blobs
    net = Network(6, [8], 3, activation="relu", seeds=[0, 1])
    hist = Trainer("sgd", lr=0.05, epochs=3, validation_fraction=0.25).fit(net, Xtr, ytr)
    assert np.all(np.isfinite(hist["val_loss"])) and np.all(np.isfinite(hist["val_acc"]))
    assert np.all(np.isnan(hist["test_loss"]))
    held = Trainer(validation_fraction=0.25)._split(Xtr, ytr)
    assert len(held[0]) == 150 and len(held[2]) == 50
    assert not set(map(tuple, held[0])) & set(map(tuple, held[2]))
    with pytest.raises(
        ValueError, match=r"validation_fraction: got 1.5; allowed: a number in \[0, 1\)"
    ):
        Trainer(validation_fraction=1.5)


def test_full_batch_gradient_descent(blobs):
    Xtr, ytr, _, _ = blobs
    net = Network(6, [8], 3, activation="sigmoid", seeds=[0])
    trainer = Trainer("gd", lr=0.5, epochs=20, batch_size=16)
    assert trainer.batch_size is None
    hist = trainer.fit(net, Xtr, ytr)
    assert np.all(np.diff(hist["train_loss"][0]) < 0)  # full-batch GD with a small step descends


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"epochs": 0}, r"epochs: got 0; allowed: a positive integer"),
        ({"batch_size": -3}, r"batch_size: got -3; allowed: a positive integer"),
        ({"lr": 0.0}, r"lr: got 0.0; allowed: a finite number > 0"),
        ({"lr": float("nan")}, r"lr: got nan; allowed: a finite number > 0"),
        ({"momentum": 1.5}, r"momentum: got 1.5; allowed: a number in \[0, 1\)"),
        ({"blas_threads": 0}, r"blas_threads: got 0; allowed: a positive integer"),
        (
            {"optimizer": "sgdd"},
            r"optimizer: got 'sgdd'; allowed: one of adam, gd, nesterov, sgd \(did you mean 'sgd'\?\)",
        ),
    ],
)
def test_bad_trainer_arguments(kw, message):
    args = {"optimizer": "sgd", "lr": 0.1, **kw}
    with pytest.raises(ValueError, match=message):
        Trainer(**args)


def test_blas_threads_apply_during_fit_only(blobs):
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [
            i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"
        ]

    before = blas_threads()
    seen = []

    class Watch:
        def on_epoch_end(self, trainer, net, epoch, history):
            seen.extend(blas_threads())

    _, hist = train([0], blobs, blas_threads=1, callbacks=[Watch()])
    assert seen and set(seen) == {1}
    assert blas_threads() == before
    _, plain = train([0], blobs)  # layers this small are computed by one thread either way
    np.testing.assert_array_equal(hist["train_loss"], plain["train_loss"])


def test_fused_parameters_are_views_and_a_replaced_array_falls_back(blobs):
    net, _ = train([1, 2], blobs, epochs=1)
    flat, flat_grads = net.fused_parameters()
    assert flat.shape == flat_grads.shape == (2, net.n_parameters())
    net.dense[0].params["W"] = net.dense[0].W.copy()  # someone replaced an array
    assert net.fused_parameters() is None
    Xtr, ytr, _, _ = blobs
    before = net.dense[0].W.copy()
    Trainer("sgd", lr=0.05, epochs=1, batch_size=16).fit(net, Xtr, ytr)  # per-array updates
    assert not np.array_equal(net.dense[0].W, before)


@pytest.mark.parametrize(
    "activation, arch",
    [
        ("relu", None),
        ("sigmoid", None),
        ("tanh", None),
        ("swish", None),
        ("maxout", None),
        ("prelu", None),
        ("gelu", None),
        ("relu", "conv1d:3x3,act,maxpool1d:2,flatten,dense:6,act"),
    ],
)
def test_planned_steps_equal_plain_steps_with_kept_and_fresh_arrays(activation, arch, monkeypatch):
    """The Trainer's steps run Network.training_step: per-layer (forward, backward) pairs built
    once per batch shape, writing into kept arrays. The plain loss_and_grad, with kept arrays
    (reuse=True) or fresh ones, gives the same weights and history, bit for bit."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 10)).astype(np.float32)  # 100 rows: a short last batch
    y = (X[:, 0] - X[:, 2] > 0).astype(int)

    def fit():
        net = Network(
            10,
            [7, 6],
            2,
            activation=activation,
            seeds=[0, 1, 2],
            dtype=np.float32,
            arch=arch,
            input_shape=None if arch is None else (10, 1),
        )
        start = net.flat_params.copy()
        hist = Trainer("sgd", lr=0.1, momentum=0.9, epochs=3, batch_size=16).fit(
            net, X, y, X_test=X, y_test=y
        )
        assert not np.array_equal(net.flat_params, start)  # it trained
        return net.flat_params.copy(), hist

    planned_params, planned = fit()
    plain = Network.loss_and_grad
    for reuse in (True, False):
        monkeypatch.setattr(
            Network,
            "training_step",
            lambda self, reuse=reuse: lambda x, y: plain(self, x, y, reuse=reuse),
        )
        params, hist = fit()
        np.testing.assert_array_equal(planned_params, params)
        for name in ("train_loss", "train_acc", "test_acc"):
            np.testing.assert_array_equal(planned[name], hist[name])
    assert np.isfinite(planned["train_loss"]).all()


def test_a_planned_step_uses_each_layers_step_fns():
    """After the first step of a batch shape, Dense and the activations run through the pairs
    step_fns built (not their forward methods); a new shape (the short last batch) is planned
    on its own first step."""
    from actlab.activations.base import Activation
    from actlab.layers import Dense

    calls = []
    net = Network(4, [5], 3, activation="tanh", seeds=[0, 1])
    for layer in net.layers:
        plain = layer.forward
        layer.forward = lambda x, plain=plain, layer=layer: calls.append(layer) or plain(x)
    rng = np.random.default_rng(2)
    step = net.training_step()
    x, y = rng.standard_normal((2, 8, 4)).astype(np.float32), rng.integers(0, 3, (2, 8))
    loss, _ = step(x, y)
    assert len(calls) == 3  # the first call runs the plain layers (and notes their shapes)
    again, _ = step(x, y)
    assert len(calls) == 3  # the planned pairs
    np.testing.assert_array_equal(loss, again)
    step(x[:, :3], y[:, :3])
    assert len(calls) == 6
    np.testing.assert_array_equal(loss, net.loss_and_grad(x, y)[0])  # nothing was updated
    assert isinstance(net.layers[0], Dense) and isinstance(net.layers[1], Activation)


def test_forward_after_a_training_step_returns_fresh_arrays():
    """loss_and_grad(reuse=True) returns kept arrays; forward afterwards must not hand out (or
    overwrite) them: a caller keeps what forward returned."""
    from actlab.network import Network

    rng = np.random.default_rng(1)
    net = Network(4, [5], 3, activation="tanh", seeds=[0])
    x = rng.standard_normal((1, 8, 4)).astype(np.float32)
    y = rng.integers(0, 3, (1, 8))
    _, logits = net.loss_and_grad(x, y, reuse=True)
    _, again = net.loss_and_grad(x[:, ::-1].copy(), y, reuse=True)
    assert again is logits  # kept
    kept = logits.copy()
    out = net.forward(x)
    out2 = net.forward(x)
    assert out is not out2 and not np.shares_memory(out, logits)
    np.testing.assert_array_equal(logits, kept)  # forward did not write into the kept array
    np.testing.assert_allclose(out, net.forward(x))
