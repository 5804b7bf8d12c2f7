"""The plan's time estimate: its arithmetic on fake clocks (no timed assertion anywhere), and the
calibration's process shape on a real pool (counts only)."""

import math

import pytest

from actlab.experiments import Spec, estimate
from actlab.experiments.estimate import Timing, combine, estimate_seconds, makespan
from actlab.experiments.plan import expand


def spec(**kw):
    base = {
        "activations": ["relu", "tanh"],
        "inits": ["auto"],
        "datasets": ["moons"],
        "hidden": [[4]],
        "epochs": 10,
        "seeds": [0, 1],
        "probes": False,
    }
    return Spec.from_dict({**base, **kw})


def fake_clock(group, blas_threads=None):
    """As timed_group, on a clock where an epoch takes 0.1 s per seed, the first 0.5 s more
    (set-up), and the tail 0.2 s."""
    per_epoch = 0.1 * len(group.seeds)
    marks = [100.5 + (i + 1) * per_epoch for i in range(group.epochs)]
    return (100.0, marks, marks[-1] + 0.2), []


def by_formula(groups):
    """first epoch + (epochs - 1) x per epoch + tail, for the fake clock above."""
    return [0.5 + 0.1 * len(g.seeds) * g.epochs + 0.2 for g in groups]


def test_group_seconds_first_epoch_median_of_the_rest_and_tail():
    t = Timing(start=10.0, marks=[11.0, 11.5, 12.5, 13.0], end=13.25, received=13.5)
    assert t.epochs() == [0.5, 1.0, 0.5]
    # first 1.0 + 9 x 0.5 + tail (13.5 - 13.0) = 6.0
    assert t.group_seconds(10, per_epoch=0.5) == pytest.approx(6.0)
    assert t.group_seconds(1, per_epoch=0.5) == pytest.approx(1.5)


def test_a_slow_epoch_does_not_move_the_median():
    calm = Timing(0.0, [1.0, 2.0, 3.0, 4.0], 4.0, 4.0)
    spiky = Timing(0.0, [1.0, 2.0, 12.0, 13.0], 13.0, 13.0)  # one epoch 10x (another's load)
    groups = expand(spec(activations=["relu"], epochs=40))
    timings = {estimate._shape_key(groups[0]): [calm, spiky, calm]}
    est = combine(groups, timings, workers=1, pool_seconds=0.0, store_seconds=0.0)
    assert est.epoch_spread == (1.0, 10.0)
    # per epoch: median of the groups' means [1, 4, 1] = 1; a group: 1 + 39 x 1 + 0
    assert est.total_seconds == pytest.approx(40.0)


def test_window_epochs_time_short_epochs_for_longer():
    assert estimate.window_epochs(40, per_epoch=1.0) == 4  # 3 timed epochs span 3 s already
    assert estimate.window_epochs(40, per_epoch=0.1) == 21  # 20 x 0.1 s = the 2 s window
    assert estimate.window_epochs(10, per_epoch=0.1) == 10  # never more than the run's epochs
    assert estimate.window_epochs(3, per_epoch=5.0) == 3


def test_only_shapes_with_short_epochs_are_timed_again(monkeypatch):
    calls = []

    def clock(group, blas_threads=None):  # relu epochs 0.05 s, tanh 2 s
        calls.append((group.activation, group.epochs))
        per_epoch = 0.05 if group.activation == "relu" else 2.0
        marks = [1.0 + i * per_epoch for i in range(group.epochs)]
        return (0.0, marks, marks[-1]), []

    monkeypatch.setattr(estimate, "timed_group", clock)
    s = spec(epochs=50)
    est = estimate_seconds(s, expand(s), workers=1)
    assert calls == [("relu", 4), ("tanh", 4), ("relu", 41)]
    assert est.timed_epochs == 41
    assert est.total_seconds == pytest.approx((1 + 49 * 0.05) + (1 + 49 * 2.0))


def test_makespan_takes_groups_in_plan_order_to_the_first_free_worker():
    assert makespan([3, 3, 2, 2, 2], 2) == 7  # 3+2+2 | 3+2
    assert makespan([1, 1, 4], 2) == 5  # in order, not longest first (which gives 4)
    assert makespan([5, 1, 1], 3) == 5 and makespan([1, 1, 1, 1], 1) == 4


def test_fixed_costs_are_added_once_per_run_and_storing_per_group_in_process():
    groups = expand(spec(activations=["relu", "tanh", "elu", "selu"]))
    t = Timing(0.0, [1.0, 2.0, 3.0], 3.0, 3.0)
    timings = {estimate._shape_key(g): [t] for g in groups}
    # each group: 1 + 9 x 1 + 0 = 10 s
    one = combine(groups, timings, workers=1, pool_seconds=0.0, store_seconds=0.25)
    assert one.total_seconds == pytest.approx(4 * 10 + 4 * 0.25)
    two = combine(groups, timings, workers=2, pool_seconds=1.5, store_seconds=0.25)
    assert two.total_seconds == pytest.approx(2 * 10 + 1.5 + 0.25)
    assert two.fixed_seconds == pytest.approx(1.75) and two.group_seconds == pytest.approx(10)


def test_estimate_scales_with_epochs_seeds_and_groups(monkeypatch):
    monkeypatch.setattr(estimate, "timed_group", fake_clock)
    for kw in (
        {},
        {"epochs": 30},
        {"seeds": [0, 1, 2, 3]},
        {"activations": ["relu", "tanh", "elu"]},
    ):
        s = spec(**kw)
        groups = expand(s)
        est = estimate_seconds(s, groups, workers=1)
        assert est.total_seconds == pytest.approx(sum(by_formula(groups)))
        assert est.calibrated == len(groups)
        assert est.timed_epochs == min(s.epochs, 1 + math.ceil(2.0 / (0.1 * len(s.seeds))))
    base = estimate_seconds(spec(), expand(spec()), workers=1).total_seconds
    longer = estimate_seconds(spec(epochs=30), expand(spec(epochs=30)), workers=1).total_seconds
    assert longer - base == pytest.approx(2 * 20 * 0.2)  # 2 groups x 20 epochs x 0.2 s


def test_calibration_keeps_every_pool_worker_busy():
    """3 shapes on 2 workers: 4 timed groups (one shape twice), so none ran beside an idle
    worker; every timing has its epochs and reached this process after it ended."""
    s = spec(activations=["relu", "tanh", "elu"], epochs=3)
    groups = expand(s)
    probes = {estimate._shape_key(g): g for g in groups}
    timings, pool_seconds, records = estimate._on_pool(probes, 2)
    assert sorted(len(v) for v in timings.values()) == [1, 1, 2]
    for runs in timings.values():
        for t in runs:
            assert len(t.marks) == 3 and t.start < t.marks[0] < t.end <= t.received
    assert pool_seconds > 0 and len(records) == 2
