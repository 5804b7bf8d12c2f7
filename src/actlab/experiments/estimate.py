"""How long a plan will take: each distinct (data set, network, activation, seeds) is trained for
two epochs with the run's real settings (probes included, the BLAS threads a pool worker gets),
the second epoch's wall time scales to the run's epochs, and the groups are packed onto the
workers as the pool runs them (longest first, each to the least busy worker).
"""

from __future__ import annotations

import os
import time
from dataclasses import replace

from .plan import Group
from .runner import train_group
from .spec import Spec


class _EpochClock:
    """A Trainer callback that notes the time at the end of every epoch (after the probes)."""

    def __init__(self):
        self.marks: list[float] = []

    def on_epoch_end(self, trainer, net, epoch, history):
        self.marks.append(time.perf_counter())


def time_group(group: Group, threads: int | None = None) -> float:
    """Seconds ``group`` takes to train, from two real epochs (one for epochs == 1)."""
    probe = replace(group, epochs=min(group.epochs, 2))
    clock = _EpochClock()
    start = time.perf_counter()
    if threads:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=threads):
            train_group(probe, on_epoch=clock)
    else:
        train_group(probe, on_epoch=clock)
    total = time.perf_counter() - start
    if group.epochs <= 2 or len(clock.marks) < 2:
        return total
    per_epoch = clock.marks[1] - clock.marks[0]
    return total + (group.epochs - 2) * per_epoch


def _shape_key(g: Group) -> tuple:
    return (
        g.dataset,
        g.data_options,
        g.hidden,
        g.arch,
        g.activation,
        g.optimizer,
        g.batch_size,
        len(g.seeds),
        g.dtype,
        g.probes,
    )


def makespan(seconds: list[float], workers: int) -> float:
    """Wall time of ``seconds``-long jobs on ``workers`` (longest first to the least busy)."""
    loads = [0.0] * max(workers, 1)
    for s in sorted(seconds, reverse=True):
        loads[loads.index(min(loads))] += s
    return max(loads)


def estimate_seconds(spec: Spec, groups: list[Group], workers: int | None = None) -> dict:
    """{"total_seconds", "workers", "calibrated": n distinct shapes timed, "group_seconds"}.

    The data sets are loaded before (pool workers fork with them in memory)."""
    cores = os.cpu_count() or 1
    workers = max(1, min(workers or spec.workers or cores, len(groups) or 1))
    threads = max(1, cores // workers) if workers > 1 else None
    per_key: dict[tuple, float] = {}
    for g in groups:
        key = _shape_key(g)
        if key not in per_key:
            per_key[key] = time_group(g, threads)
    times = [per_key[_shape_key(g)] for g in groups]
    return {
        "total_seconds": makespan(times, workers),
        "workers": workers,
        "calibrated": len(per_key),
        "group_seconds": sum(times) / max(len(times), 1),
    }
