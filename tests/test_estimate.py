"""The plan's time estimate: its arithmetic on planted clocks (no timed assertion anywhere), and
the calibration's process shape on a real pool (counts and orderings only)."""

import math

import pytest

from actlab.experiments import Spec, estimate
from actlab.experiments.estimate import (
    Timing,
    combine,
    estimate_seconds,
    makespan,
    pooled_share,
    schedule,
)
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


def planted(first, per_epoch, epochs, tail, share=1.0, start=100.0):
    """A Timing whose CPU clock runs ``first`` for the first epoch, ``per_epoch`` for each later
    one (a list: one value per epoch) and ``tail`` after; the wall clock runs 1/share as fast."""
    steps = (
        [first, *per_epoch] if isinstance(per_epoch, list) else [first] + [per_epoch] * (epochs - 1)
    )
    cpu, c = [], 10.0
    for s in steps:
        c += s
        cpu.append(c)
    cpu_end = c + tail
    wall = [start + (x - 10.0) / share for x in cpu]
    end = start + (cpu_end - 10.0) / share
    return Timing(start, wall, end, end, 10.0, cpu, cpu_end)


def fake_clock(group, blas_threads=None):
    """As timed_group, on clocks where an epoch costs 0.1 CPU s per seed, the first 0.5 s more
    (set-up), the tail 0.2 s, and the machine gives a whole core."""
    return planted(0.5 + 0.1 * len(group.seeds), 0.1 * len(group.seeds), group.epochs, 0.2), []


def by_formula(groups):
    """first epoch + (epochs - 1) x per epoch + tail, for the fake clock above."""
    return [0.5 + 0.1 * len(g.seeds) * g.epochs + 0.2 for g in groups]


def test_work_is_first_epoch_plus_later_epochs_plus_tail_in_cpu_seconds():
    t = Timing(
        start=0.0,
        marks=[2.0, 3.0, 5.0, 6.0],
        end=6.5,
        received=7.0,
        cpu_start=10.0,
        cpu=[11.0, 11.5, 12.5, 13.0],
        cpu_end=13.25,
    )
    assert t.epochs() == [0.5, 1.0, 0.5]
    assert t.per_epoch() == pytest.approx(0.5)  # the median: the dear middle epoch is left out
    # first 1.0 + 9 x 0.5 + tail 0.25 = 5.75 CPU s, whatever the wall clock did
    assert t.work(10, per_epoch=0.5) == pytest.approx(5.75)
    assert t.work(1, per_epoch=0.5) == pytest.approx(1.25)
    assert t.trip() == pytest.approx(0.5)


def test_a_group_with_no_finished_epoch_costs_what_it_took():
    t = Timing(0.0, [], 1.0, 1.0, 5.0, [], 5.75)  # every replica diverged in the first epoch
    assert t.per_epoch() is None and t.work(30, per_epoch=1.0) == pytest.approx(0.75)


def test_a_dear_epoch_does_not_move_the_median():
    calm = planted(1.0, 1.0, 4, 0.0)
    spiky = planted(1.0, [1.0, 10.0, 1.0], 4, 0.0)  # one epoch 10x (a cache-hungry neighbour)
    groups = expand(spec(activations=["relu"], epochs=40))
    slow = planted(1.0, 3.0, 4, 0.0)  # a group timed while the cache was shared
    # per group, the median of its later epochs: [1, 3, 1] (their means: [4, 3, 1])
    timings = {estimate._shape_key(groups[0]): [spiky, slow, calm]}
    est = combine(groups, timings, workers=1, pool_seconds=0.0, store_seconds=0.0, share=1.0)
    assert est.epoch_spread == (1.0, 10.0)
    # per epoch: the median over the groups of [1, 3, 1] = 1; a group: 1 + 39 x 1 + 0
    assert est.total_seconds == pytest.approx(40.0)


def test_the_share_is_cpu_over_wall_of_all_timed_groups_together():
    busy = planted(1.0, 1.0, 4, 0.0, share=1.0)  # 4 CPU s in 4 s
    loaded = planted(1.0, 1.0, 2, 0.0, share=0.25)  # 2 CPU s in 8 s
    assert pooled_share({"a": [busy], "b": [loaded]}) == pytest.approx(6 / 12)
    assert pooled_share({}) == 1.0


def test_the_load_changes_the_wall_seconds_not_the_work():
    groups = expand(spec(activations=["relu"], epochs=20))
    key = estimate._shape_key(groups[0])
    quiet = combine(groups, {key: [planted(0.5, 0.2, 4, 0.1)]}, 1, 0.0, 0.0)
    loaded = combine(groups, {key: [planted(0.5, 0.2, 4, 0.1, share=0.4)]}, 1, 0.0, 0.0)
    assert quiet.work_seconds == pytest.approx(0.5 + 19 * 0.2 + 0.1)
    assert loaded.work_seconds == pytest.approx(quiet.work_seconds)
    assert quiet.share == pytest.approx(1.0) and loaded.share == pytest.approx(0.4)
    assert loaded.total_seconds == pytest.approx(quiet.total_seconds / 0.4)


def test_window_epochs_time_short_epochs_for_longer():
    assert estimate.TIMED_EPOCHS == 2 and estimate.WINDOW_CPU == 0.25
    assert estimate.window_epochs(40, per_epoch=1.0) == 2  # one later epoch spans 1 s already
    assert estimate.window_epochs(40, per_epoch=0.05) == 6  # 5 x 0.05 s = the 0.25 s window
    assert estimate.window_epochs(10, per_epoch=0.01) == 10  # never more than the run's epochs
    assert estimate.window_epochs(2, per_epoch=5.0) == 2
    assert estimate.window_epochs(1, per_epoch=0.01) == 1


def test_only_shapes_with_short_epochs_are_timed_again_and_both_passes_give_the_share(
    monkeypatch,
):
    calls = []

    def clock(group, blas_threads=None):  # relu epochs 0.05 CPU s, tanh 2 s
        calls.append((group.activation, group.epochs))
        per_epoch = 0.05 if group.activation == "relu" else 2.0
        share = 0.5 if group.epochs == 2 else 0.25  # the load grew before the second pass
        return planted(1.0, per_epoch, group.epochs, 0.0, share=share), []

    monkeypatch.setattr(estimate, "timed_group", clock)
    s = spec(epochs=50)
    est = estimate_seconds(s, expand(s), workers=1)
    assert calls == [("relu", 2), ("tanh", 2), ("relu", 6)]
    assert est.timed_epochs == 6
    # CPU / wall of all three timed groups: (1.05 + 3 + 1.25) / (2.1 + 6 + 5), not only of the
    # two kept for the work (4.25 / 11)
    share = (1.05 + 3 + 1.25) / (2.1 + 6 + 5)
    assert est.share == pytest.approx(share)
    work = (1 + 49 * 0.05) + (1 + 49 * 2.0)
    assert est.work_seconds == pytest.approx(work)
    assert est.total_seconds == pytest.approx(work / share)


def test_makespan_takes_groups_in_plan_order_to_the_first_free_worker():
    assert makespan([3, 3, 2, 2, 2], 2) == 7  # 3+2+2 | 3+2
    assert makespan([1, 1, 4], 2) == 5  # in order, not longest first (which gives 4)
    assert makespan([5, 1, 1], 3) == 5 and makespan([1, 1, 1, 1], 1) == 4


def test_schedule_is_the_makespan_on_a_quiet_machine():
    for work, workers in (([3, 3, 2, 2, 2], 2), ([1, 1, 4], 2), ([5, 1, 1], 3), ([1] * 4, 1)):
        assert schedule(work, workers, share=1.0) == pytest.approx(makespan(work, workers))


def test_schedule_gives_a_lone_worker_the_cores_the_run_had():
    # 2 workers at 0.5 core each: two groups of 4 CPU s take 8 s; the third, alone, gets the
    # run's whole core: 4 s more (the makespan at half speed would say 16)
    assert schedule([4, 4, 4], 2, share=0.5) == pytest.approx(12.0)
    # never more than the worker's threads: at 0.8 a worker, a lone one runs at 1 core, not 1.6
    assert schedule([4, 4, 4], 2, share=0.8) == pytest.approx(4 / 0.8 + 4 / 1.0)
    # in this process with 2 BLAS threads, the measured share is what the group gets
    assert schedule([3.0], 1, share=1.5, threads=2) == pytest.approx(2.0)
    # unequal groups: 2 and 6 CPU s at 0.5: both run 4 s, then 4 CPU s alone at 1 core
    assert schedule([2, 6], 2, share=0.5) == pytest.approx(8.0)
    assert schedule([], 2, share=0.5) == 0.0


def test_fixed_costs_are_added_once_per_run_and_storing_per_group_in_process():
    groups = expand(spec(activations=["relu", "tanh", "elu", "selu"]))
    t = planted(1.0, 1.0, 3, 0.0)
    timings = {estimate._shape_key(g): [t] for g in groups}
    # each group: 1 + 9 x 1 + 0 = 10 CPU s at a whole core
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
        assert est.timed_epochs == min(s.epochs, 1 + math.ceil(0.25 / (0.1 * len(s.seeds))))
    base = estimate_seconds(spec(), expand(spec()), workers=1).total_seconds
    longer = estimate_seconds(spec(epochs=30), expand(spec(epochs=30)), workers=1).total_seconds
    assert longer - base == pytest.approx(2 * 20 * 0.2)  # 2 groups x 20 epochs x 0.2 s


def test_calibration_keeps_every_pool_worker_busy():
    """3 shapes on 2 workers: 4 timed groups (one shape twice), so none ran beside an idle
    worker; every timing has both clocks at each epoch and reached this process after it
    ended."""
    s = spec(activations=["relu", "tanh", "elu"], epochs=3)
    groups = expand(s)
    probes = {estimate._shape_key(g): g for g in groups}
    timings, pool_seconds, records = estimate._on_pool(probes, 2)
    assert sorted(len(v) for v in timings.values()) == [1, 1, 2]
    for runs in timings.values():
        for t in runs:
            assert len(t.marks) == 3 and t.start < t.marks[0] < t.end <= t.received
            assert len(t.cpu) == 3 and t.cpu_start <= t.cpu[0] <= t.cpu[-1] <= t.cpu_end
    assert pool_seconds > 0 and len(records) == 2
    assert 0 < pooled_share(timings)


def test_plan_prints_the_work_the_share_and_an_estimate_they_allow(capsys):
    """`actlab plan` on a tiny spec, calibrated: the line names the work and the share, and the
    estimate is at least the work over the cores the run had (workers x share)."""
    import re

    from actlab.cli import main

    args = ["plan", "--dataset", "moons", "--hidden", "4", "--epochs", "3", "--seeds", "0,1"]
    assert main([*args, "--activations", "relu,tanh", "--init", "auto", "--workers", "2"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    found = re.search(
        r"estimated training time: ([\d.]+) s on 2 worker\(s\) \(2 group shape\(s\) timed for up "
        r"to 3 epochs with probes, every worker busy: ([\d.]+) CPU s of training at ([\d.]+) of "
        r"a core per worker",
        line,
    )
    assert found, line
    total, work, share = map(float, found.groups())
    assert 0 < share <= 2 and total > 0
    assert total >= work / (2 * share) * 0.9  # rounding of the printed figures


def test_an_in_process_run_is_charged_the_warm_up_its_fresh_process_pays(monkeypatch):
    """The second pass (short epochs timed again) runs in a warm process: its first epoch lacks
    the imports and numba's cache loading that the run's fresh process pays on its first group.
    The difference of the two first epochs is added once, in process only (a pool's second pass
    has fresh workers, as the run has)."""
    seen = set()

    def clock(group, blas_threads=None):  # relu epochs 0.05 CPU s: timed again
        cold = group.activation not in seen
        seen.add(group.activation)
        first = 1.0 + (0.6 if cold and group.activation == "relu" else 0.0)
        per_epoch = 0.05 if group.activation == "relu" else 2.0
        return planted(first, per_epoch, group.epochs, 0.0), []

    monkeypatch.setattr(estimate, "timed_group", clock)
    s = spec(epochs=50)
    in_process = estimate_seconds(s, expand(s), workers=1)
    assert in_process.fixed_seconds == pytest.approx(0.6)
    monkeypatch.setattr(estimate, "_on_pool", lambda probes, workers: estimate._in_process(probes))
    seen.clear()
    pooled = estimate_seconds(s, expand(s), workers=2)
    assert pooled.fixed_seconds == pytest.approx(0.0)
    assert estimate.warm_up({}, {}) == 0.0
