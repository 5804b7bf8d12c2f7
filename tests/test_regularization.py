"""L2, decoupled weight decay and learning-rate schedules in the core Trainer / optimizers."""

import numpy as np
import pytest
from conftest import numerical_grad

from actlab.errors import ParameterError, UnknownNameError
from actlab.network import Network
from actlab.optimizers import SGD, Adam, WeightPenalty
from actlab.schedules import Plateau, Schedule, decay_on_plateau
from actlab.training import Trainer


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=3, size=(3, 6))
    y = rng.integers(0, 3, size=120)
    return centers[y] + rng.normal(size=(120, 6)), y


def weights_of(net):
    return [(p, g) for name, p, g in net.parameters() if name.endswith(".W")]


# --------------------------------------------------------------------------- L2


def test_l2_gradient_is_the_derivative_of_the_penalized_loss(rng):
    net = Network(4, [5], 3, activation="tanh", seeds=[0, 1], dtype=np.float64)
    x, y = rng.normal(size=(7, 4)), rng.integers(0, 3, size=(2, 7))
    alpha = np.array([0.3, 2.0])  # per replica
    pairs = weights_of(net)
    penalty = WeightPenalty([p for p, _ in pairs], [g for _, g in pairs], l2=alpha)

    def objective(r):
        loss = net.head.loss(net.forward(x), y)
        sq = sum(np.sum(p[r] ** 2) for p, _ in pairs)
        return loss[r] + alpha[r] / (2 * 7) * sq

    loss, _ = net.loss_and_grad(x, y)
    total = loss + penalty.add_l2(7)
    for r in range(2):
        assert total[r] == pytest.approx(objective(r), rel=1e-12)
        for name, p, g in net.parameters():
            numeric = numerical_grad(lambda r=r: objective(r), p[r : r + 1])
            np.testing.assert_allclose(g[r : r + 1], numeric, rtol=1e-6, atol=1e-8, err_msg=name)


def test_l2_leaves_biases_alone_and_shrinks_weights(blobs):
    X, y = blobs
    nets = {}
    for alpha in (0.0, 5.0):
        net = Network(6, [16], 3, seeds=[0], dtype=np.float64)
        b0 = net.dense[0].b.copy()
        Trainer("sgd", lr=0.05, epochs=4, batch_size=16, l2=alpha).fit(net, X, y)
        nets[alpha] = net
    norm = {a: sum(np.sum(d.W**2) for d in net.dense) for a, net in nets.items()}
    assert norm[5.0] < 0.8 * norm[0.0]
    # a bias with a zero data gradient does not move under L2 (nothing pulls it to zero)
    net = Network(6, [16], 3, seeds=[0], dtype=np.float64)
    grads = [np.zeros_like(p) for p in (net.dense[0].W, net.dense[0].b)]
    WeightPenalty([net.dense[0].W], [grads[0]], l2=1.0).add_l2(4)
    np.testing.assert_allclose(grads[0], net.dense[0].W / 4)
    np.testing.assert_array_equal(net.dense[0].b, b0)


def test_train_loss_includes_the_penalty(blobs):
    X, y = blobs
    net = Network(6, [8], 3, seeds=[0], dtype=np.float64)
    W = [d.W.copy() for d in net.dense]
    # one full-batch step: the recorded loss is the objective at the starting weights
    hist = Trainer("gd", lr=1e-12, epochs=1, l2=3.0).fit(net, X, y)
    plain = Trainer("gd", lr=1e-12, epochs=1).fit(
        Network(6, [8], 3, seeds=[0], dtype=np.float64), X, y
    )
    expected = 3.0 / (2 * len(X)) * sum(np.sum(w**2) for w in W)
    assert hist["train_loss"][0, 0] - plain["train_loss"][0, 0] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_per_replica_l2_and_decay_equal_separate_runs(blobs, optimizer):
    X, y = blobs
    l2, wd = np.array([0.0, 1.0, 0.3]), np.array([0.5, 0.0, 0.1])
    net = Network(6, [8], 3, seeds=[4, 4, 4], dtype=np.float64)
    trainer = Trainer(optimizer, lr=0.02, epochs=3, batch_size=16, l2=l2, weight_decay=wd)
    hist = trainer.fit(net, X, y)
    for r in range(3):
        alone = Network(6, [8], 3, seeds=[4], dtype=np.float64)
        h1 = Trainer(
            optimizer, lr=0.02, epochs=3, batch_size=16, l2=float(l2[r]), weight_decay=float(wd[r])
        ).fit(alone, X, y)
        np.testing.assert_allclose(hist["train_loss"][r], h1["train_loss"][0], rtol=1e-12)
        for d, d1 in zip(net.dense, alone.dense):
            np.testing.assert_allclose(d.W[r], d1.W[0], rtol=1e-12, atol=1e-15)
    assert not np.allclose(net.dense[0].W[0], net.dense[0].W[1])


def test_decoupled_weight_decay_by_hand():
    W = np.array([[[1.0, -2.0]], [[3.0, 4.0]]])  # R = 2
    g = np.array([[[0.5, 0.5]], [[0.0, 1.0]]])
    penalty = WeightPenalty([W], [g], weight_decay=np.array([0.1, 0.0]))
    penalty.decay(lr=0.5)
    SGD(lr=0.5, momentum=0.0).step([W], [g])
    np.testing.assert_allclose(W[0], [[1.0 * 0.95 - 0.25, -2.0 * 0.95 - 0.25]])
    np.testing.assert_allclose(W[1], [[3.0, 4.0 - 0.5]])
    penalty.decay(lr=np.array([1.0, 1.0]), active=np.array([False, True]))  # frozen replica 0
    np.testing.assert_allclose(W[0], [[0.7, -2.15]])


def test_weight_decay_is_not_scaled_by_adam(blobs):
    """AdamW's point: the decay shrinks weights by lr*wd per step whatever the gradient scale."""
    W = np.full((1, 2, 2), 2.0)
    g = np.full((1, 2, 2), 1e-3)
    penalty = WeightPenalty([W], [g], weight_decay=0.1)
    opt = Adam(lr=0.01)
    penalty.decay(opt.lr)
    opt.step([W], [g])
    np.testing.assert_allclose(W, 2.0 * (1 - 0.001) - 0.01, rtol=1e-6)


@pytest.mark.parametrize(
    "kw, word",
    [
        ({"l2": -1.0}, "l2"),
        ({"weight_decay": np.nan}, "weight_decay"),
        ({"schedule": "cosine"}, "schedule"),
        ({"power_t": -0.5}, "power_t"),
        ({"tol": -1}, "tol"),
        ({"n_iter_no_change": 0}, "n_iter_no_change"),
    ],
)
def test_bad_arguments_name_themselves(kw, word):
    with pytest.raises((ParameterError, UnknownNameError), match=word):
        Trainer("sgd", **kw)


# --------------------------------------------------------------------------- Adam's epsilon


def test_adam_eps_hat_is_sklearns_form():
    p = np.array([[[1.0]]])
    g = np.array([[[1e-9]]])  # sqrt(v) ~ eps: the forms differ
    for eps_hat in (False, True):
        q = p.copy()
        Adam(lr=0.1, eps=1e-8, eps_hat=eps_hat).step([q], [g])
        m, v = 0.1 * 1e-9, 0.001 * 1e-18
        lr_t = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)
        eps = 1e-8 if eps_hat else 1e-8 * np.sqrt(1 - 0.999)
        np.testing.assert_allclose(q, 1.0 - lr_t * m / (np.sqrt(v) + eps), rtol=1e-14)
    a, b = p.copy(), p.copy()
    Adam(lr=0.1, eps_hat=False).step([a], [g])
    Adam(lr=0.1, eps_hat=True).step([b], [g])
    assert abs((1 - a) - (1 - b)).item() > 1e-3 * abs(1 - a).item()


# --------------------------------------------------------------------------- schedules


def test_invscaling_after_each_epoch(blobs):
    X, y = blobs
    net = Network(6, [8], 3, seeds=[0, 1])
    lr0 = np.array([0.1, 0.4])
    trainer = Trainer("sgd", lr=lr0, epochs=3, batch_size=16, schedule="invscaling", power_t=0.25)
    trainer.fit(net, X, y)
    np.testing.assert_allclose(trainer.optimizer.lr, lr0 / (3 * len(X) + 1) ** 0.25)


def test_plateau_counts_like_sklearn():
    plateau = Plateau(1, tol=0.1, n_iter_no_change=2)
    fired = [bool(plateau.update([v])[0]) for v in (1.0, 0.95, 0.92, 0.91, 0.5, 0.49)]
    # 0.95, 0.92 and 0.91 do not beat the best by > 0.1: counts 1, 2, 3 (> 2 fires); 0.5 resets
    assert fired == [False, False, False, True, False, False]
    assert plateau.best[0] == 0.49 and plateau.count[0] == 1
    up = Plateau(2, tol=0.05, n_iter_no_change=1, maximize=True)
    up.update([0.5, 0.5])
    up.update([0.6, 0.5])
    assert list(up.update([0.6, 0.5])) == [False, True]


def test_adaptive_divides_by_five_then_stops():
    lr, stop = decay_on_plateau(np.array([0.1, 1e-6, 0.2]), np.array([True, True, False]))
    np.testing.assert_allclose(lr, [0.02, 1e-6, 0.2])
    assert list(stop) == [False, True, False]
    sched = Schedule("adaptive", tol=1e-4, n_iter_no_change=1)
    sched.start(0.01, 1)
    lrs, active = [], np.ones(1, dtype=bool)
    for loss in [1.0, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4]:
        lr, stop = sched.after_epoch(lrs[-1] if lrs else 0.01, 0, np.array([loss]), active)
        lrs.append(lr)
    np.testing.assert_allclose(lrs, [0.01, 0.01, 0.01, 0.002, 0.002, 0.002, 0.0004])


def test_adaptive_stops_a_replica_in_the_trainer(blobs):
    X, y = blobs
    net = Network(6, [8], 3, seeds=[0, 1], dtype=np.float64)
    # replica 0 cannot move (lr 1e-7 <= 1e-6): its loss plateaus at once and it stops
    trainer = Trainer(
        "sgd",
        lr=np.array([1e-7, 0.05]),
        epochs=12,
        batch_size=16,
        schedule="adaptive",
        tol=1e-3,
        n_iter_no_change=2,
    )
    hist = trainer.fit(net, X, y)
    assert hist.stopped_epoch[0] == 4  # counts 1, 2, 3 after epochs 2, 3, 4 (epoch 1 sets best)
    assert hist.stopped_epoch[1] is None or hist.stopped_epoch[1] > 4
    assert np.isnan(hist["train_loss"][0, 4:]).all()


# --------------------------------------------------------------------------- specs and the CLI


def test_spec_fields_reach_the_groups_and_default_ids_do_not_change():
    from actlab.experiments.plan import expand
    from actlab.experiments.spec import Spec

    plain = expand(Spec(activations=["relu"], inits=["auto"]))[0]
    assert not {"l2", "weight_decay", "schedule"} & set(plain.config())
    spec = Spec.from_dict(
        {
            "activations": ["relu"],
            "inits": ["auto"],
            "train": {"l2": 0.01, "weight_decay": 0.001, "schedule": "adaptive"},
        }
    )
    group = expand(spec)[0]
    assert (group.l2, group.weight_decay, group.schedule) == (0.01, 0.001, "adaptive")
    assert group.id != plain.id and group.config()["l2"] == 0.01
    with pytest.raises(UnknownNameError, match="schedule"):
        Spec(schedule="cosine").validate()
    with pytest.raises(ParameterError, match="weight_decay"):
        Spec(weight_decay=-0.1).validate()


@pytest.mark.parametrize(
    "flag, value, word",
    [
        ("--schedule", "cosine", "schedule"),
        ("--l2", "-1", "l2"),
        ("--weight-decay", "x", "--weight-decay"),
    ],
)
def test_cli_refuses_bad_values_in_one_line(tmp_path, flag, value, word):
    import subprocess
    import sys

    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "actlab.cli", "compare", flag, value, "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and word in proc.stderr
    assert not out.exists()


def test_the_runner_trains_with_the_groups_l2_and_schedule():
    from dataclasses import replace

    from actlab.experiments.plan import expand
    from actlab.experiments.runner import train_group
    from actlab.experiments.spec import Spec

    base = expand(
        Spec(activations=["relu"], inits=["auto"], hidden=[[8]], epochs=2, seeds=[0], probes=False)
    )[0]
    plain = train_group(base)[0]
    for changed in (
        replace(base, l2=5.0),
        replace(base, schedule="invscaling"),
        replace(base, weight_decay=0.5),
    ):
        rec = train_group(changed)[0]
        assert (
            rec["train_loss"][0] != plain["train_loss"][0]
            or rec["train_loss"][1] != plain["train_loss"][1]
        )
        assert (
            rec.get("l2", 0.0),
            rec.get("schedule", "constant"),
            rec.get("weight_decay", 0.0),
        ) == (changed.l2, changed.schedule, changed.weight_decay)


def test_integer_sample_weights_equal_repeated_rows(blobs):
    """Full-batch GD with L2: weight k on a row is k copies of it (sklearn's weighting)."""
    X, y = blobs
    w = np.random.default_rng(1).integers(0, 4, len(y))
    w[0] = 2
    nets = []
    for data, weights in (((X, y), w), ((np.repeat(X, w, axis=0), np.repeat(y, w)), None)):
        net = Network(6, [8], 3, seeds=[3, 4], dtype=np.float64)
        hist = Trainer("gd", lr=0.1, epochs=4, l2=2.0).fit(net, *data, sample_weight=weights)
        nets.append((net, hist))
    (a, ha), (b, hb) = nets
    np.testing.assert_allclose(ha["train_loss"], hb["train_loss"], rtol=1e-12)
    for d, e in zip(a.dense, b.dense):
        np.testing.assert_allclose(d.W, e.W, rtol=1e-10, atol=1e-13)
    with pytest.raises(ParameterError, match="sample_weight"):
        Trainer("gd").fit(Network(6, [8], 3), X, y, sample_weight=-np.ones(len(y)))
