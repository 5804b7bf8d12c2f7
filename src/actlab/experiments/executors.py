"""Where groups train: in this process, on a local pool of worker processes, or on a Dask
cluster. Each executor calls ``on_done(group, records)`` in this process as a group finishes.

Pool workers never outlive the run: each asks the kernel for SIGKILL when its parent dies
(prctl PR_SET_PDEATHSIG on Linux) and watches its parent's PID from a thread (elsewhere, and in
case the signal is missed); a SIGTERM to the run stops the pool and kills the workers.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from ..errors import ActlabError, ParameterError
from . import runner
from .spec import check_address

CONNECT_SECONDS = 5.0  # to reach a Dask scheduler before any file is written
WORKERS_SECONDS = 10.0  # to wait for a scheduler's first worker
PARENT_POLL_SECONDS = 0.5


class SchedulerLost(ActlabError):
    """The Dask scheduler went away during the run (finished groups are stored)."""


# A group trains with one BLAS thread wherever it runs (in this process, a pool worker, a Dask
# task): OpenBLAS splits a large matrix product across threads and sums the parts in another
# order, so the same group and seed gave other numbers (1e-7 apart at 512 units) with
# --workers 1 than with --workers 2, or alone than beside other groups. Cores are used by
# training groups side by side.
BLAS_THREADS = 1


def execute(
    groups, on_done, workers: int | None = None, client=None, on_epoch=None, prints=None
) -> None:
    """Run ``groups``: on ``client`` (a distributed.Client) if given, else in this process
    (workers == 1) or on a local pool of ``workers`` processes (default: one per core).

    prints: {data key: fingerprint} the run took; a Dask worker checks the data it loads
    against them (local workers fork with the run's data in memory)."""
    if not groups:
        return
    if client is not None:
        return on_dask(groups, on_done, client, prints)
    workers = min(workers or os.cpu_count() or 1, len(groups))
    if workers == 1:
        return in_process(groups, on_done, on_epoch)
    return on_pool(groups, on_done, workers)


def in_process(groups, on_done, on_epoch=None) -> None:
    from ..training import blas_limits

    for group in groups:
        try:
            with blas_limits(BLAS_THREADS):
                records = runner.train_group(group, on_epoch=on_epoch)
        except Exception as exc:  # noqa: BLE001 - a failed group is a result, the sweep goes on
            records = runner.failed_records(group, exc)
        on_done(group, records)


def make_pool(workers: int):
    """(a pool of ``workers`` processes that die with this one, the BLAS threads each gets)."""
    threads = BLAS_THREADS
    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=_worker_init, initargs=(threads, os.getpid())
    )
    return pool, threads


def on_pool(groups, on_done, workers: int) -> None:
    pool, _ = make_pool(workers)
    restore = _terminate_raises()
    pending = {}
    try:
        pending = {pool.submit(runner.run_group_task, g, None): g for g in groups}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                on_done(pending.pop(fut), fut.result())
    except BaseException:
        for proc in list(getattr(pool, "_processes", {}).values()):  # no public way to kill
            proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown()
    finally:
        restore()


def _terminate_raises():
    """Make SIGTERM raise KeyboardInterrupt in the main thread while the pool runs, so the
    workers are killed on the way out. Returns the function that puts the old handler back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum, frame):
        raise KeyboardInterrupt("terminated")

    old = signal.signal(signal.SIGTERM, handler)
    return lambda: signal.signal(signal.SIGTERM, old)


def _worker_init(threads: int, parent: int) -> None:
    from ..training import blas_limits
    from .store import release_inherited_locks

    release_inherited_locks()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent)
    blas_limits(threads)


def die_with_parent(parent: int) -> None:
    """End this process when ``parent`` (its parent at start) is gone, whatever killed it."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1 (Linux)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)

    def watch():
        while True:
            threading.Event().wait(PARENT_POLL_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    watcher = threading.Thread(target=watch, name="actlab-parent-watch", daemon=True)
    watcher.fork_safe = True  # holds no lock a forked child could need (report.common)
    watcher.start()


# --------------------------------------------------------------------------- Dask


def connect(address, connect_seconds: float | None = None, workers_seconds: float | None = None):
    """A distributed.Client on ``address`` that has at least one worker, or a one-line
    ParameterError after a few seconds. A Client given instead of an address is used as is."""
    from distributed import Client

    if isinstance(address, Client):
        return address
    check_address(address)
    connect_seconds = CONNECT_SECONDS if connect_seconds is None else connect_seconds
    workers_seconds = WORKERS_SECONDS if workers_seconds is None else workers_seconds
    quiet_dask()
    check_handshake(address, connect_seconds)
    try:
        client = Client(address, timeout=f"{connect_seconds}s")
    except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, ValueError, comm errors
        why = (
            f"none did within {connect_seconds:g} s"
            if isinstance(exc, OSError)  # TimeoutError and Dask's CommClosedError too
            else "something answered there, but not as a Dask scheduler"  # a huge "frame"
        )
        raise ParameterError(
            "scheduler", address, f"a Dask scheduler that answers ({why}: {type(exc).__name__})"
        ) from None
    try:
        client.wait_for_workers(1, timeout=workers_seconds)
    except Exception:  # noqa: BLE001 - TimeoutError, or the scheduler went away meanwhile
        client.close()
        raise ParameterError(
            "scheduler",
            address,
            f"a Dask scheduler with at least one worker (none joined within {workers_seconds:g} s)",
        ) from None
    return client


def check_handshake(address: str, seconds: float) -> None:
    """Refuse a tcp:// address that accepts a connection but does not speak first, as a Dask
    scheduler does (it sends its handshake on accept). Dask's own connect waits for that
    handshake without a time limit: on a web server's port it hung for good. An address that
    refuses the connection is left to Dask, which retries while a scheduler starts."""
    import socket

    scheme, _, rest = address.partition("://")
    if scheme != "tcp":
        return
    host, _, port = rest.rpartition(":")
    try:
        sock = socket.create_connection((host.strip("[]"), int(port)), timeout=seconds)
    except OSError:
        return
    with sock:
        try:
            sock.settimeout(seconds)
            sock.recv(1)
        except TimeoutError:
            raise ParameterError(
                "scheduler",
                address,
                f"a Dask scheduler (something accepted the connection but sent no Dask "
                f"handshake within {seconds:g} s: is this the scheduler's port?)",
            ) from None
        except OSError:
            return


def quiet_dask() -> None:
    """Dask logs every lost connection at length; actlab reports them in one line."""
    for name in (
        "distributed",
        "distributed.client",
        "distributed.comm",
        "distributed.core",
        "distributed.batched",
        "tornado",
        "asyncio",
    ):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def on_dask(groups, on_done, client, prints=None) -> None:
    """Each group a task on the cluster; a worker whose data differs from the run's
    fingerprint stops the run with one line (the groups stored before are kept)."""
    from distributed import as_completed

    address = getattr(client, "scheduler", None)
    address = getattr(address, "address", None) or "the scheduler"
    prints = prints or {}
    try:
        futures = {
            client.submit(
                runner.run_group_task,
                g,
                BLAS_THREADS,
                prints.get(runner.data_key(*runner.data_source(g))),
                pure=False,
                key=f"actlab-{g.id}",
            ): g
            for g in groups
        }
        finished = as_completed(list(futures))
    except Exception as exc:  # noqa: BLE001 - the scheduler went away before the run started
        raise _lost(address, exc) from None
    stored = set()
    while True:
        try:
            fut = next(finished, None)
            if fut is None:
                return
            records = fut.result()  # a failure comes back as records; DataChanged is raised
        except runner.DataChanged:
            _store_finished(futures, stored, on_done)
            client.cancel(list(futures))
            raise
        except Exception as exc:  # noqa: BLE001 - comm errors, cancelled futures: cluster gone
            raise _lost(address, exc) from None
        stored.add(fut)
        on_done(futures[fut], records)


def _store_finished(futures: dict, stored: set, on_done) -> None:
    """Hand on every group that has finished but was not handed on yet (before stopping)."""
    for fut, group in futures.items():
        if fut not in stored and fut.status == "finished":
            stored.add(fut)
            on_done(group, fut.result())


def _lost(address, exc) -> SchedulerLost:
    return SchedulerLost(
        f"scheduler: lost {address} during the run ({type(exc).__name__}: "
        f"{' '.join(str(exc).split())[:80]}); every group finished before is stored: run the same "
        "command again to resume"
    )
