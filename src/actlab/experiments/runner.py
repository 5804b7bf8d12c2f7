"""Train one group: every seed of one configuration in lockstep, one record per seed; and the
checks a run makes before any training (data, architecture, size). Where groups train (this
process, a pool, a Dask cluster) is executors.py's job.
"""

from __future__ import annotations

import hashlib
import os
import time
import traceback
from functools import lru_cache

import numpy as np

from ..datasets import dataset_options, load_dataset
from ..errors import ActlabError
from ..initializers import resolve_init
from ..network import Network
from ..probes import Probes
from ..saving import network_bytes
from ..training import Trainer, blas_limits
from .axes import network_kwargs, trainer_kwargs
from .plan import Group


@lru_cache(maxsize=8)
def _data(dataset: str, options: tuple):
    return load_dataset(dataset, **{"seed": 0, **dict(options)})


def data_source(group: Group) -> tuple[str, tuple]:
    """(data set, options) that ``group``'s data loads with: its data options, in at least its
    training dtype. The loaders default to float32, so a float64 run (--dtype float64) trained
    on data rounded to float32 (0.1234567890123 seen as 0.12345699...); it loads float64 now.
    A float32 run, or data asked for in float64 (data option dtype), loads as it always did:
    its data, fingerprint and records are unchanged."""
    options = dict(group.data_options)
    default = dataset_options(group.dataset).get("dtype")
    try:
        narrower = np.dtype(options.get("dtype", default)).itemsize < np.dtype(group.dtype).itemsize
    except TypeError:  # not a dtype: the loader refuses it in its one line
        narrower = False
    if default is None or not narrower:
        return group.dataset, group.data_options
    options["dtype"] = group.dtype
    return group.dataset, tuple(sorted(options.items()))


WEIGHTS_KEY = "_weights_npz"  # in a group's first record: its final network (saving.py format)

IMAGE_SHAPES = {
    "digits": (8, 8, 1),
    "mnist": (28, 28, 1),
    "fashion-mnist": (28, 28, 1),
    "kmnist": (28, 28, 1),
}


def input_shape(arch: str, dataset: str, data) -> tuple[int, ...]:
    """What the first layer of ``arch`` sees: (features, 1) for conv1d, the image for conv2d."""
    from ..arch import parse_arch, spatial_axes

    n = spatial_axes(parse_arch(arch)[0])
    if n == 2:
        if dataset not in IMAGE_SHAPES:
            from ..errors import ParameterError

            raise ParameterError(
                "arch",
                arch,
                "a conv2d network on an image data set (" + ", ".join(IMAGE_SHAPES) + ")",
            )
        return IMAGE_SHAPES[dataset]
    if n == 1:
        return (data.n_features, 1)
    return (data.n_features,)


def check_arch(arch: str, dataset: str, data, activation: str):
    """Every layer's shape on this data set (ShapeError naming the layer if impossible)."""
    from ..arch import infer_shapes, parse_arch, with_output

    specs = with_output(parse_arch(arch), data.n_classes, arch, what="classes")
    return infer_shapes(specs, input_shape(arch, dataset, data), act=activation)


def check_data(dataset: str, options: tuple):
    """Load (and cache) a data set in this process; raises its one-line error if it is bad."""
    data = _data(dataset, options)
    if data.task != "classification":
        from ..errors import ParameterError

        y = np.concatenate([data.y_train, data.y_test])
        n_values = len(np.unique(y))
        raise ParameterError(
            "dataset",
            dataset,
            "a classification data set (this one was read "
            f"as regression: its labels take {n_values} distinct values in "
            f"{len(y)} rows; integer labels count as classes when each value has "
            "2 or more rows on average; give task=classification to insist, or "
            "use actlab.MLPRegressor)",
        )
    return data


def fingerprint(data) -> str:
    """SHA-256 of the arrays as loaded (dtype, shape and bytes of X/y train/test): a resume on
    data that changed since the run started is refused on it."""
    h = hashlib.sha256()
    for arr in data:
        arr = np.ascontiguousarray(arr)
        h.update(f"{arr.dtype.str}{arr.shape}".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def data_key(dataset: str, options: tuple) -> str:
    """How config.json names a data set and its options (the key of its fingerprint)."""
    opts = ", ".join(f"{k}={v}" for k, v in options)
    return f"{dataset} ({opts})" if opts else dataset


class DataChanged(ActlabError):
    """A worker loaded data other than what the run fingerprinted (a Dask worker on another
    machine can read a different file under the same path)."""


@lru_cache(maxsize=8)
def _fingerprint(dataset: str, options: tuple) -> str:
    return fingerprint(_data(dataset, options))


def check_fingerprint(group: Group, expected: str) -> None:
    """Raise DataChanged unless the data ``group`` trains on, loaded in this process, has the
    fingerprint ``expected`` (hashed once per process and data set)."""
    got = _fingerprint(*data_source(group))
    if got != expected:
        import socket

        raise DataChanged(
            f"data: {data_key(*data_source(group))} as a worker on "
            f"{socket.gethostname()} loads it differs from what this run fingerprinted "
            f"(sha256 {got[:12]} there, {expected[:12]} here); give every worker the same "
            "data and run the same command again: every group finished before is stored"
        )


class _Counted(Exception):
    """Raised by the counting ``draw`` below with a layer's number of weights and biases."""


def _count(fan_in, fan_out, **_):
    raise _Counted(fan_in * fan_out + fan_out)


def n_weights(group: Group, data) -> int:
    """Trainable numbers of one replica: each parameter layer's own ``from_spec`` rule, asked
    for its weight matrix by a ``draw`` that counts instead of allocating."""
    from ..arch import LAYER_KINDS, infer_shapes, mlp_specs, parse_arch, with_output
    from ..layers import ParamLayer

    specs = parse_arch(group.arch) if group.arch else mlp_specs(list(group.hidden), None)
    specs = with_output(specs, data.n_classes, group.arch, what="classes")
    shape = input_shape(group.arch, group.dataset, data) if group.arch else (data.n_features,)
    total = 0
    for spec, out in zip(specs, infer_shapes(specs, shape, act=group.activation)):
        cls = LAYER_KINDS.get(spec["kind"])
        if cls is not None and issubclass(cls, ParamLayer):
            try:
                cls.from_spec(spec, shape, out, _count)
            except _Counted as counted:
                total += counted.args[0]
        shape = out
    return total


def check_size(group: Group, data, memory: int | None = None) -> None:
    """Refuse a group whose weights (with gradients and optimizer state, all seeds together)
    cannot fit in this machine's memory, naming the axis that made it so."""
    from ..errors import ParameterError

    memory = memory or _physical_memory()
    weights = n_weights(group, data)
    need = weights * len(group.seeds) * np.dtype(group.dtype).itemsize * 4
    if memory and need > memory / 2:
        name, value = ("arch", group.arch) if group.arch else ("hidden", list(group.hidden))
        raise ParameterError(
            name,
            value,
            "a network whose weights fit in memory (this one: "
            f"{weights:.3g} weights x {len(group.seeds)} seeds x "
            f"{np.dtype(group.dtype).itemsize} bytes x 4 copies = "
            f"{need / 2**30:.3g} GiB; this machine has {memory / 2**30:.3g} GiB)",
        )


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def train_group(group: Group, on_epoch=None) -> list[dict]:
    """Train every seed of ``group`` in lockstep; one record per seed. A compiled group on a
    process without numba (a Dask worker) fails instead of training on the NumPy step: its
    records would join, under the compiled group's id, those of the compiled step."""
    if group.compiled:
        from ..activations.jitkernels import available

        if not available():
            raise ActlabError(
                "compiled: this process has no numba (or ACTLAB_NUMBA=0); a compiled group "
                "trains only where the compiled step runs"
            )
    data = check_data(*data_source(group))  # in the training dtype (float64 not rounded)
    X_tr, y_tr, X_te, y_te = data
    net = Network(  # hidden, arch, activation, init: the grid axes' (axes.py)
        data.n_features,
        n_outputs=data.n_classes,
        output="softmax",
        seeds=group.seeds,
        dtype=group.dtype,
        input_shape=input_shape(group.arch, group.dataset, data) if group.arch else None,
        **network_kwargs(group),
    )
    probes = Probes() if group.probes else None
    callbacks = [cb for cb in (probes, on_epoch) if cb is not None]
    trainer = Trainer(  # optimizer, lr: the grid axes'
        momentum=group.momentum,  # get_optimizer drops it for gd and adam
        epochs=group.epochs,
        batch_size=group.batch_size,
        callbacks=callbacks,
        l2=group.l2,
        weight_decay=group.weight_decay,
        schedule=group.schedule,
        compiled=group.compiled,
        **trainer_kwargs(group),
    )
    start = time.perf_counter()
    hist = trainer.fit(net, X_tr, y_tr, X_test=X_te, y_test=y_te)
    seconds = time.perf_counter() - start
    boundary = decision_grid(net, data) if data.n_features == 2 else None
    resolved = resolve_init(group.init, net.activations[0]) if net.activations else group.init
    records = []
    for r in range(net.n_replicas):
        rec = _base_record(group)
        rec.update(
            {
                "init_resolved": resolved,
                "group_seconds": seconds,
                "n_parameters": net.n_parameters(),
                "step": trainer.step_kind_,  # "numpy", "compiled" or why not compiled
            }
        )
        rec.update(hist.replica(r))
        if probes is not None:
            rec["probes"] = probes.replica(r)
        if boundary is not None and r == 0:
            rec["boundary"] = boundary
        records.append(rec)
    records[0][WEIGHTS_KEY] = network_bytes(net)  # the store writes it beside the records
    return records


def _base_record(group: Group) -> dict:
    cfg = group.config()
    cfg.pop("seeds")
    cfg.pop("probes")  # a record's "probes" holds the recorded series when they were on
    return {"group_id": group.id, **cfg}


def failed_records(group: Group, exc: BaseException) -> list[dict]:
    """A group that raised: one record per seed, status failed, with the error."""
    text = f"{type(exc).__name__}: {exc}"
    return [
        {
            **_base_record(group),
            "seed": s,
            "status": "failed",
            "error": text,
            "traceback": traceback.format_exc(limit=5),
        }
        for s in group.seeds
    ]


def run_group_task(
    group: Group, blas_threads: int | None = 1, data_print: str | None = None
) -> list[dict]:
    """The unit of work sent to a worker: a failure becomes failed records. It raises only
    DataChanged, when ``data_print`` is given and the data loaded here does not match it."""
    if data_print is not None:
        check_fingerprint(group, data_print)
    try:
        if blas_threads:
            with blas_limits(blas_threads):
                return train_group(group)
        return train_group(group)
    except Exception as exc:  # noqa: BLE001 - a failed group is a result, the sweep goes on
        return failed_records(group, exc)


def decision_grid(net, data, steps=80) -> dict:
    """Replica 0's predicted class and confidence on a grid over a 2-D data set (for plots)."""
    X = np.vstack([data.X_train, data.X_test])
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    xs, ys = np.linspace(lo[0], hi[0], steps), np.linspace(lo[1], hi[1], steps)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2).astype(net.dtype)
    with np.errstate(all="ignore"):
        prob = net.predict_output(grid)[0]
    return {
        "x": xs.round(5).tolist(),
        "y": ys.round(5).tolist(),
        "label": prob.argmax(axis=1).reshape(steps, steps).tolist(),
        "confidence": prob.max(axis=1).reshape(steps, steps).round(4).tolist(),
    }
