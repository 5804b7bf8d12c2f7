"""How long a plan will take, measured in the shape the run will have.

Each distinct (data set, network, activation, seeds) is trained for a few epochs with the run's
real settings (probes included), in the process shape of the run: on a pool of as many workers
as the run uses, every worker busy at once, with the BLAS threads a pool worker gets; or in this
process when the run trains in it. At each epoch's end two clocks are read, the wall clock and
the CPU time of the process that trains (``time.process_time``: all its threads). They separate
what the code costs, which a shared machine's load does not change, from what the machine gives
the run, which is the load:

    work of a group (CPU s) = first epoch (building the network, probes' set-up, warm-up)
                            + (epochs - 1) x per epoch (the median CPU time of the later
                              epochs of one timed group; the median over the groups timed for
                              that shape)
                            + tail (probes' summaries, the weights' bytes, the records)
    share (cores a worker)  = CPU s / wall s of all the timed groups together, pooled over the
                              whole calibration (every worker busy), not shape by shape

A shape is timed for TIMED_EPOCHS epochs, and again, when its epochs are short, for as many as
make WINDOW_CPU seconds of CPU time after the first (at most the run's epochs): the number of
epochs timed does not depend on the load, and a loaded machine is watched for longer.

The run, simulated (``schedule``): the groups in plan order, each to the first free worker;
while k of the W workers train, each runs at min(threads, W x share / k) cores. With every
worker busy that is the measured share; a worker left alone at the end of a loaded machine gets
the cores the run had (the scheduler shares the machine between sessions, not processes: Linux's
autogroup); on a quiet machine (share 1) it is the plain makespan. Then

    training seconds = pool start-up + the schedule (each group's work with the trip back of
                       its records) + storing (one group's records and weights, timed on a
                       scratch run directory: once per group in this process; once for a
                       pool, whose writes overlap the training) + pool shut-down

which is what ``actlab run`` prints as "training N s". The spread of the timed epochs (the
cheapest and the dearest in CPU time over their shape's per-epoch time) is reported beside it.
"""

from __future__ import annotations

import math
import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field, replace

from .axes import AXES
from .executors import BLAS_THREADS
from .plan import Group
from .runner import train_group
from .spec import Spec

TIMED_EPOCHS = 2  # the first (warm-up, set-up) and one more; short epochs are timed again
WINDOW_CPU = 0.25  # CPU seconds the later epochs of a timed group span, when the run has them


class _EpochClock:
    """A Trainer callback that notes both clocks at the end of every epoch (after the probes)."""

    def __init__(self):
        self.marks: list[float] = []
        self.cpu: list[float] = []

    def on_epoch_end(self, trainer, net, epoch, history):
        self.marks.append(time.perf_counter())
        self.cpu.append(time.process_time())


@dataclass
class Timing:
    """Clock readings of one calibration group: wall clock at its start, each epoch's end, the
    end of train_group and when the records reached the run's process; CPU time of the process
    that trained it at its start, each epoch's end and the end of train_group."""

    start: float
    marks: list[float]
    end: float
    received: float
    cpu_start: float = 0.0
    cpu: list[float] = field(default_factory=list)
    cpu_end: float = 0.0

    def epochs(self) -> list[float]:
        """CPU seconds of each epoch after the first (the first carries set-up and warm-up)."""
        return [b - a for a, b in zip(self.cpu, self.cpu[1:])]

    def per_epoch(self) -> float | None:
        """The median CPU seconds of the epochs after the first (None with fewer than two
        epochs): one epoch that a neighbour's burst or a BLAS thread's spinning made dear does
        not move it."""
        later = self.epochs()
        return statistics.median(later) if later else None

    def work(self, epochs: int, per_epoch: float) -> float:
        """CPU seconds of a group of ``epochs`` epochs: first + (epochs - 1) x per_epoch + tail."""
        if not self.cpu:  # every replica diverged at once: no epoch finished
            return self.cpu_end - self.cpu_start
        first = self.cpu[0] - self.cpu_start
        tail = self.cpu_end - self.cpu[-1]
        return first + max(epochs - 1, 0) * per_epoch + tail

    def trip(self) -> float:
        """Wall seconds from the end of train_group to the records in the run's process."""
        return max(self.received - self.end, 0.0)


def timed_group(group: Group, blas_threads: int | None = None):
    """Train ``group`` as a run's task does, noting both clocks at each epoch's end: (timing
    without ``received``, records). Module level, so a pool worker can run it."""
    clock = _EpochClock()
    if blas_threads:
        from ..training import blas_limits

        with blas_limits(blas_threads):
            return _timed(group, clock)
    return _timed(group, clock)


def _timed(group: Group, clock: _EpochClock):
    start, cpu_start = time.perf_counter(), time.process_time()
    records = train_group(group, on_epoch=clock)
    end, cpu_end = time.perf_counter(), time.process_time()
    timing = Timing(start, clock.marks, end, end, cpu_start, clock.cpu, cpu_end)
    return timing, records


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
    (how a process pool takes its queue), every worker at the same speed."""
    loads = [0.0] * max(workers, 1)
    for s in seconds:
        loads[loads.index(min(loads))] += s
    return max(loads)


def schedule(work: list[float], workers: int, share: float, threads: int = 1) -> float:
    """Wall seconds to do ``work`` (CPU seconds of each group, in plan order) on ``workers``,
    each group to the first free worker, while k workers are busy each running at
    min(threads, workers x share / k) cores (see the module docstring)."""
    workers = max(workers, 1)
    cores = workers * share
    queue, busy, wall = list(work), [], 0.0
    while queue or busy:
        while queue and len(busy) < workers:
            busy.append(queue.pop(0))
        rate = min(threads, cores / len(busy))
        done = min(busy)  # the next group to finish: the others did as much meanwhile
        wall += done / rate
        busy = [w - done for w in busy if w > done]
    return wall


@dataclass
class Estimate:
    total_seconds: float
    workers: int
    calibrated: int  # distinct group shapes timed
    group_seconds: float  # mean over the plan's groups, every worker busy
    epoch_spread: tuple[float, float]  # cheapest and dearest timed epoch over their median
    fixed_seconds: float  # pool start-up and shut-down, and storing
    timed_epochs: int  # the most epochs a calibration group trained
    work_seconds: float = 0.0  # CPU seconds of the plan's groups
    share: float = 1.0  # cores a worker had while every worker was busy


def combine(
    groups: list[Group],
    timings: dict[tuple, list[Timing]],
    workers: int,
    pool_seconds: float,
    store_seconds: float,
    share: float | None = None,
    threads: int = 1,
) -> Estimate:
    """The arithmetic: each group's CPU seconds from its shape's timings, scheduled in plan
    order on ``workers`` at ``share`` (by default the share of ``timings`` themselves), plus
    the fixed costs (see the module docstring)."""
    share = pooled_share(timings) if share is None else share
    per_shape, ratios = {}, []
    for key, runs in timings.items():
        per_epoch = _per_epoch(runs)
        ratios += [e / per_epoch for t in runs for e in t.epochs() if per_epoch > 0]
        per_shape[key] = (runs, per_epoch)
    work = []  # CPU seconds of each group, the trip back of its records (pickling) included
    for g in groups:
        runs, per_epoch = per_shape[_shape_key(g)]
        work.append(statistics.median(t.work(g.epochs, per_epoch) + t.trip() * share for t in runs))
    writes = store_seconds * (len(groups) if workers == 1 else 1)
    fixed = pool_seconds + writes
    return Estimate(
        total_seconds=schedule(work, workers, share, threads) + fixed,
        workers=workers,
        calibrated=len(timings),
        group_seconds=sum(work) / share / max(len(work), 1),
        epoch_spread=(min(ratios), max(ratios)) if ratios else (1.0, 1.0),
        fixed_seconds=fixed,
        timed_epochs=max((len(t.marks) for runs in timings.values() for t in runs), default=0),
        work_seconds=sum(work),
        share=share,
    )


def pooled_share(timings: dict[tuple, list[Timing]]) -> float:
    """Cores a worker had: the CPU seconds of every timed group over their wall seconds."""
    cpu = sum(t.cpu_end - t.cpu_start for runs in timings.values() for t in runs)
    wall = sum(t.end - t.start for runs in timings.values() for t in runs)
    return cpu / wall if cpu > 0 and wall > 0 else 1.0


def _per_epoch(runs: list[Timing]) -> float:
    """A shape's CPU seconds per epoch: the median over its timed groups of their median."""
    medians = [m for m in (t.per_epoch() for t in runs) if m is not None]
    return statistics.median(medians) if medians else 0.0


def window_epochs(epochs: int, per_epoch: float) -> int:
    """Epochs to time a shape for: TIMED_EPOCHS, or enough for the epochs after the first to
    span WINDOW_CPU CPU seconds at ``per_epoch``; never more than the run's ``epochs``."""
    need = 1 + math.ceil(WINDOW_CPU / per_epoch - 1e-9) if per_epoch > 0 else TIMED_EPOCHS
    return min(epochs, max(TIMED_EPOCHS, need))


def estimate_seconds(spec: Spec, groups: list[Group], workers: int | None = None) -> Estimate:
    """Time the plan's distinct group shapes in the run's process shape and combine them.

    The data sets are loaded before (pool workers fork with them in memory), as a run does."""
    cores = os.cpu_count() or 1
    workers = max(1, min(workers or spec.workers or cores, len(groups) or 1))
    threads = BLAS_THREADS  # as the run trains (executors.BLAS_THREADS)
    first = {}
    for g in groups:
        first.setdefault(_shape_key(g), replace(g, epochs=min(g.epochs, TIMED_EPOCHS)))
    timings, pool_seconds, records = _time(first, workers)
    watched = [t for runs in timings.values() for t in runs]  # every timed group, for the share
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
        if workers == 1:  # this process was warm for the second pass; the run's starts cold
            pool_seconds += warm_up(timings, more)
        timings.update(more)
        watched += [t for runs in more.values() for t in runs]
    share = pooled_share({"all": watched})
    return combine(groups, timings, workers, pool_seconds, _store_seconds(records), share, threads)


def warm_up(cold: dict, warm: dict) -> float:
    """CPU seconds a fresh process spends once, on its first group (imports; numba loading its
    compiled kernels from the disk cache): the first timed shape's first epoch in the cold
    pass minus its first epoch in the warm one; 0 when that shape was not timed again (its
    cold timing, warm-up included, is the one kept)."""
    key = next(iter(cold), None)
    if key is None or key not in warm or not cold[key][0].cpu or not warm[key][0].cpu:
        return 0.0
    first = lambda t: t.cpu[0] - t.cpu_start
    return max(0.0, first(cold[key][0]) - first(warm[key][0]))


def _time(probes: dict, workers: int):
    """(timings by shape, pool start-up and shut-down seconds, one group's records)."""
    return _in_process(probes) if workers == 1 else _on_pool(probes, workers)


def _in_process(probes: dict):
    timings, records = {}, []
    for key, group in probes.items():
        timing, records = timed_group(group, BLAS_THREADS)
        timings[key] = [timing]
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
            timing, records = fut.result()
            timings[futures[fut]].append(replace(timing, received=time.perf_counter()))
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
