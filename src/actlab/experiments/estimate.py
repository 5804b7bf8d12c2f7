"""How long a plan will take, measured in the shape the run will have.

Each distinct (data set, network, activation, seeds) is trained for a few epochs with the run's
real settings (probes included), in the process shape of the run: on a pool of as many workers
as the run uses, every worker busy at once (so the estimate sees the cores' contention), with
the BLAS threads a pool worker gets; or in this process when the run trains in it. First for
TIMED_EPOCHS epochs; then, for a shape whose epochs are short, again for as many epochs as span
WINDOW_SECONDS (at most the run's), so that a moment of load on a shared machine does not decide
the estimate. One clock reading per epoch gives, for each shape:

    group seconds = first epoch (building the network, probes' set-up, warm-up)
                  + (epochs - 1) x per epoch (the mean of the later epochs of one timed
                    group; the median over the groups timed for that shape)
                  + tail (probes' summaries, the weights' bytes, the records, and the trip
                    back to the run's process)

and the run:

    training seconds = pool start-up + makespan of the groups in the order the pool takes
                       them (each to the first free worker) + storing (the records and the
                       weights of one group, timed on a scratch run directory; once per group
                       in this process, once at the end for a pool, whose writes overlap the
                       workers' training) + pool shut-down

which is what ``actlab run`` prints as "training N s". The spread of the timed epochs (the
fastest and the slowest over their shape's per-epoch time) is reported beside the estimate.
"""

from __future__ import annotations

import math
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, replace

from .axes import AXES
from .plan import Group
from .runner import train_group
from .spec import Spec

TIMED_EPOCHS = 4  # the first (warm-up, set-up) and three more
WINDOW_SECONDS = 2.0  # the later epochs of a timed group span at least this, when the run has them


class _EpochClock:
    """A Trainer callback that notes the time at the end of every epoch (after the probes)."""

    def __init__(self):
        self.marks: list[float] = []

    def on_epoch_end(self, trainer, net, epoch, history):
        self.marks.append(time.perf_counter())


@dataclass
class Timing:
    """Clock readings of one calibration group: its start, each epoch's end, the end of
    train_group, and when the records reached the run's process."""

    start: float
    marks: list[float]
    end: float
    received: float

    def epochs(self) -> list[float]:
        """Seconds of each epoch after the first (the first carries set-up and warm-up)."""
        return [b - a for a, b in zip(self.marks, self.marks[1:])]

    def per_epoch(self) -> float | None:
        """The mean of the epochs after the first (None with fewer than two epochs)."""
        if len(self.marks) < 2:
            return None
        return (self.marks[-1] - self.marks[0]) / (len(self.marks) - 1)

    def group_seconds(self, epochs: int, per_epoch: float) -> float:
        """first epoch + (epochs - 1) x per_epoch + tail, for a group of ``epochs`` epochs."""
        if not self.marks:  # every replica diverged at once: no epoch finished
            return self.received - self.start
        first = self.marks[0] - self.start
        tail = self.received - self.marks[-1]
        return first + max(epochs - 1, 0) * per_epoch + tail


def timed_group(group: Group, blas_threads: int | None = None):
    """Train ``group`` as a run's task does, noting the time at each epoch's end: (timing
    without ``received``, records). Module level, so a pool worker can run it."""
    clock = _EpochClock()
    if blas_threads:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=blas_threads):
            start = time.perf_counter()
            records = train_group(group, on_epoch=clock)
    else:
        start = time.perf_counter()
        records = train_group(group, on_epoch=clock)
    return (start, clock.marks, time.perf_counter()), records


def _shape_key(g: Group) -> tuple:
    """What an epoch's time depends on: every grid axis but those declared ``same_cost``
    (init, learning rate; axes.py), the data's options and the group's size and dtype."""
    return (
        *(getattr(g, key) for axis in AXES for key in axis.cost_keys()),
        g.data_options,
        g.batch_size,
        len(g.seeds),
        g.dtype,
        g.probes,
    )


def makespan(seconds: list[float], workers: int) -> float:
    """Wall time of jobs of ``seconds`` taken in this order, each by the first free worker
    (how a process pool takes its queue)."""
    loads = [0.0] * max(workers, 1)
    for s in seconds:
        loads[loads.index(min(loads))] += s
    return max(loads)


@dataclass
class Estimate:
    total_seconds: float
    workers: int
    calibrated: int  # distinct group shapes timed
    group_seconds: float  # mean over the plan's groups
    epoch_spread: tuple[float, float]  # fastest and slowest timed epoch over their median
    fixed_seconds: float  # pool start-up and shut-down, and storing
    timed_epochs: int  # the most epochs a calibration group trained


def combine(
    groups: list[Group],
    timings: dict[tuple, list[Timing]],
    workers: int,
    pool_seconds: float,
    store_seconds: float,
) -> Estimate:
    """The arithmetic: each group's seconds from its shape's timings, packed in plan order on
    ``workers``, plus the fixed costs (see the module docstring)."""
    per_shape, ratios = {}, []
    for key, runs in timings.items():
        per_epoch = _per_epoch(runs)
        ratios += [e / per_epoch for t in runs for e in t.epochs() if per_epoch > 0]
        per_shape[key] = (runs, per_epoch)
    times = []
    for g in groups:
        runs, per_epoch = per_shape[_shape_key(g)]
        times.append(statistics.median(t.group_seconds(g.epochs, per_epoch) for t in runs))
    writes = store_seconds * (len(groups) if workers == 1 else 1)
    fixed = pool_seconds + writes
    return Estimate(
        total_seconds=makespan(times, workers) + fixed,
        workers=workers,
        calibrated=len(timings),
        group_seconds=sum(times) / max(len(times), 1),
        epoch_spread=(min(ratios), max(ratios)) if ratios else (1.0, 1.0),
        fixed_seconds=fixed,
        timed_epochs=max((len(t.marks) for runs in timings.values() for t in runs), default=0),
    )


def _per_epoch(runs: list[Timing]) -> float:
    """A shape's seconds per epoch: the median over its timed groups of their mean epoch."""
    means = [m for m in (t.per_epoch() for t in runs) if m is not None]
    return statistics.median(means) if means else 0.0


def window_epochs(epochs: int, per_epoch: float) -> int:
    """Epochs to time a shape for: TIMED_EPOCHS, or enough for the epochs after the first to
    span WINDOW_SECONDS at ``per_epoch``; never more than the run's ``epochs``."""
    need = 1 + math.ceil(WINDOW_SECONDS / per_epoch - 1e-9) if per_epoch > 0 else TIMED_EPOCHS
    return min(epochs, max(TIMED_EPOCHS, need))


def estimate_seconds(spec: Spec, groups: list[Group], workers: int | None = None) -> Estimate:
    """Time the plan's distinct group shapes in the run's process shape and combine them.

    The data sets are loaded before (pool workers fork with them in memory), as a run does."""
    cores = os.cpu_count() or 1
    workers = max(1, min(workers or spec.workers or cores, len(groups) or 1))
    first = {}
    for g in groups:
        first.setdefault(_shape_key(g), replace(g, epochs=min(g.epochs, TIMED_EPOCHS)))
    timings, pool_seconds, records = _time(first, workers)
    longest = {}  # the run's epochs for each shape
    for g in groups:
        key = _shape_key(g)
        longest[key] = max(longest.get(key, 0), g.epochs)
    again = {}
    for key, probe in first.items():
        epochs = window_epochs(longest[key], _per_epoch(timings[key]))
        if epochs > probe.epochs:
            again[key] = replace(probe, epochs=epochs)
    if again:
        more, pool_seconds, records = _time(again, workers)
        timings.update(more)
    return combine(groups, timings, workers, pool_seconds, _store_seconds(records))


def _time(probes: dict, workers: int):
    """(timings by shape, pool start-up and shut-down seconds, one group's records)."""
    return _in_process(probes) if workers == 1 else _on_pool(probes, workers)


def _in_process(probes: dict):
    timings, records = {}, []
    for key, group in probes.items():
        (start, marks, end), records = timed_group(group)
        timings[key] = [Timing(start, marks, end, end)]
    return timings, 0.0, records


def _on_pool(probes: dict, workers: int):
    """Every worker busy to the end: the shapes, repeated in turn up to a multiple of the
    number of workers (so no timed group runs with idle workers beside it)."""
    from concurrent.futures import as_completed

    from .executors import make_pool

    keys = list(probes)
    rounds = -(-len(keys) // workers)
    tasks = [keys[i % len(keys)] for i in range(rounds * workers)]
    created = time.perf_counter()
    pool, threads = make_pool(workers)
    timings: dict[tuple, list[Timing]] = {key: [] for key in keys}
    records = []
    try:
        futures = {pool.submit(timed_group, probes[key], threads): key for key in tasks}
        for fut in as_completed(futures):
            (start, marks, end), records = fut.result()
            timings[futures[fut]].append(Timing(start, marks, end, time.perf_counter()))
        first_start = min(t.start for runs in timings.values() for t in runs)
    finally:
        closing = time.perf_counter()
        pool.shutdown()
    pool_seconds = (first_start - created) + (time.perf_counter() - closing)
    return timings, pool_seconds, records


def _store_seconds(records: list[dict]) -> float:
    """Seconds to store one group's weights and records, on a scratch run directory."""
    from .store import RunStore
    from .sweep import store_group

    if not records:
        return 0.0
    scratch = tempfile.mkdtemp(prefix="actlab-estimate-")
    try:
        with RunStore.open(os.path.join(scratch, "run"), {"estimate": True}) as store:
            start = time.perf_counter()
            store_group(store, records[0]["group_id"], [dict(r) for r in records])
            return time.perf_counter() - start
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
