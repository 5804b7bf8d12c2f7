import numpy as np
import pytest

from actlab.optimizers import GD, SGD, Adam


def quadratic_grad(p):
    return 2 * p  # d/dp p^2


def run(opt, steps=3, p0=(1.0, -2.0)):
    p = np.array(p0).reshape(2, 1, 1)
    trace = []
    for _ in range(steps):
        opt.step([p], [quadratic_grad(p)])
        trace.append(p.copy())
    return p, trace


def test_gd_step():
    p, _ = run(GD(lr=0.1), steps=1)
    np.testing.assert_allclose(p.ravel(), [0.8, -1.6])


def test_momentum_by_hand():
    _p, trace = run(SGD(lr=0.1, momentum=0.5), steps=2)
    # v1 = -0.2, p1 = 0.8; v2 = 0.5*-0.2 - 0.1*1.6 = -0.26, p2 = 0.54
    assert trace[0].ravel()[0] == pytest.approx(0.8)
    assert trace[1].ravel()[0] == pytest.approx(0.54)


def test_nesterov_by_hand():
    _p, trace = run(SGD(lr=0.1, momentum=0.5, nesterov=True), steps=1)
    # v1 = -0.2; p1 = 1 + 0.5*-0.2 - 0.1*2 = 0.7
    assert trace[0].ravel()[0] == pytest.approx(0.7)


def test_adam_first_step_is_lr_times_sign():
    p, _ = run(Adam(lr=0.01), steps=1)
    np.testing.assert_allclose(p.ravel(), [0.99, -1.99], rtol=1e-6)


@pytest.mark.parametrize("torch_name", ["sgd", "nesterov", "adam"])
def test_optimizers_match_torch(torch_name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    p0 = rng.normal(size=(1, 4, 3))
    target = rng.normal(size=(1, 4, 3))
    if torch_name == "adam":
        ours, theirs_cls, kw = Adam(lr=0.05), torch.optim.Adam, {"lr": 0.05}
    else:
        nesterov = torch_name == "nesterov"
        ours = SGD(lr=0.05, momentum=0.9, nesterov=nesterov)
        theirs_cls, kw = torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": nesterov}
    p = p0.copy()
    t = torch.tensor(p0.copy(), requires_grad=True)
    opt = theirs_cls([t], **kw)
    for _ in range(10):
        ours.step([p], [2 * (p - target) * np.abs(p)])
        opt.zero_grad()
        t.grad = (2 * (t - torch.tensor(target)) * t.abs()).detach()
        opt.step()
    np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_frozen_replica_does_not_move():
    p = np.array([1.0, 1.0]).reshape(2, 1, 1)
    for opt in (SGD(lr=0.1, momentum=0.9), Adam(lr=0.1)):
        q = p.copy()
        opt.step([q], [np.full_like(q, 1.0)])
        before = q[1].copy()
        opt.step([q], [np.full_like(q, 1.0)], active=np.array([True, False]))
        np.testing.assert_array_equal(q[1], before)
        assert q[0, 0, 0] < before[0, 0]


def test_per_replica_learning_rates():
    p = np.ones((2, 1, 1))
    GD(lr=np.array([0.1, 0.2])).step([p], [np.ones_like(p)])
    np.testing.assert_allclose(p.ravel(), [0.9, 0.8])
