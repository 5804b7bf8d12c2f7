"""Figure 2: a sweep of 3 activations x 10 seeds of the small model (figure 1's settings).

actlab trains each activation's 10 seeds as one group on the replica axis (R = 10): three groups
one after another in this process, and the same three groups through the experiment engine's
local process pool (one worker per core, records and test accuracy every epoch, as
``actlab run`` does). PyTorch trains the 30 networks one after another, the way a user's loop
over seeds would.
"""

from __future__ import annotations

import itertools

import numpy as np
from small_model import (
    ACTIVATIONS,
    ACTLAB_INIT,
    BATCH,
    HIDDEN,
    LR,
    MOMENTUM,
    actlab_fit,
    digits,
    torch_fit,
)

SEEDS = tuple(range(10))


def actlab_sweep(epochs: int, compiled: bool = False):
    return {a: actlab_fit(a, epochs, seeds=SEEDS, compiled=compiled) for a in ACTIVATIONS}


def actlab_pool_sweep(epochs: int, workers: int = 2, compiled: bool = False):
    from actlab.experiments.executors import execute
    from actlab.experiments.plan import expand
    from actlab.experiments.spec import Spec

    spec = Spec(
        name="bench",
        activations=list(ACTIVATIONS),
        inits=[ACTLAB_INIT],
        datasets=["digits"],
        hidden=[list(HIDDEN)],
        optimizers=["sgd"],
        lrs=[LR],
        momentum=MOMENTUM,
        epochs=epochs,
        batch_size=BATCH,
        seeds=list(SEEDS),
        dtype="float32",
        probes=False,
        compiled=compiled,
    )
    groups = expand(spec)
    out = {}

    def on_done(group, records):
        out[group.activation] = np.array(
            [r["test_acc"][-1] if r["status"] == "ok" else np.nan for r in records]
        )

    execute(groups, on_done, workers=workers)
    return out


def gemm_sweep(epochs: int):
    """np.matmul alone on every GEMM of the in-process sweep: 3 groups x epochs x steps, each
    step the forward x W and backward x^T g, g W^T (none for the input) of 10 replicas at once.

    The float32 GEMM rate on the sweep's own shapes: the ceiling of a NumPy implementation."""

    X_tr = digits()[0]
    n, r = X_tr.shape[0], len(SEEDS)
    sizes = [X_tr.shape[1], *HIDDEN, 10]
    rng = np.random.default_rng(0)
    batches = [BATCH] * (n // BATCH) + ([n % BATCH] if n % BATCH else [])
    mats = {}
    for b in set(batches):
        mats[b] = [
            (
                rng.random((r, b, i), dtype=np.float32),
                rng.random((r, i, o), dtype=np.float32),
                rng.random((r, b, o), dtype=np.float32),
            )
            for i, o in itertools.pairwise(sizes)
        ]
    for _ in ACTIVATIONS:
        for _ in range(epochs):
            for b in batches:
                for k, (x, W, g) in enumerate(mats[b]):
                    np.matmul(x, W)
                    np.matmul(x.transpose(0, 2, 1), g)
                    if k:
                        np.matmul(g, W.transpose(0, 2, 1))


def sweep_flops(epochs: int) -> float:

    n, d = digits()[0].shape
    sizes = [d, *HIDDEN, 10]
    per_row = sum(2 * i * o * (3 if k else 2) for k, (i, o) in enumerate(itertools.pairwise(sizes)))
    return float(per_row * n * epochs * len(SEEDS) * len(ACTIVATIONS))


def torch_sweep(epochs: int, threads: int):
    return {
        a: np.array([torch_fit(a, epochs, seed=s, threads=threads) for s in SEEDS])
        for a in ACTIVATIONS
    }


def run(epochs: int, repeats: int, torch_threads=(1,)):
    from common import have, interleaved

    fns = {
        "actlab R=10, in process": lambda: actlab_sweep(epochs),
        "actlab R=10, engine pool": lambda: actlab_pool_sweep(epochs),
        "actlab R=10 compiled, in process": lambda: actlab_sweep(epochs, compiled=True),
        "actlab R=10 compiled, engine pool": lambda: actlab_pool_sweep(epochs, compiled=True),
        "np.matmul alone, same GEMMs": lambda: gemm_sweep(epochs),
    }
    if have("torch"):
        for t in torch_threads:
            fns[f"torch x30, {t} thread{'s' if t > 1 else ''}"] = lambda t=t: torch_sweep(epochs, t)
    res = interleaved(fns, repeats, warmup=0)  # figure 1 warmed every system up
    torch_best = min((v[0] for k, v in res.items() if k.startswith("torch")), default=np.nan)
    # (one thread count for torch, the one that was faster in figure 1: 30 runs are long)
    gemm = res["np.matmul alone, same GEMMs"][0]
    flops = sweep_flops(epochs)
    rows = []
    for name, (sec, _, accs) in res.items():
        mean_acc = (
            "-" if accs is None else " / ".join(f"{np.nanmean(accs[a]):.3f}" for a in ACTIVATIONS)
        )
        rows.append(
            [
                name,
                f"{sec:.2f}",
                f"{torch_best / sec:.1f}x",
                f"{flops / sec / 1e9:.1f}",
                f"{gemm / sec:.0%}",
                mean_acc,
            ]
        )
    header = [
        "system",
        "seconds",
        "fastest torch / this",
        "GEMM GFLOP/s",
        "% of GEMM rate",
        "mean test acc over 10 seeds (" + " / ".join(ACTIVATIONS) + ")",
    ]
    # per actlab step, its faster row (in process or pool): (torch ratio, share of GEMM rate)
    best = {
        step: min(res[k][0] for k in res if k.startswith("actlab") and ("compiled" in k) == c)
        for step, c in (("default", False), ("compiled", True))
    }
    n = len(digits()[0])
    steps = len(ACTIVATIONS) * epochs * -(-n // BATCH)
    LAST.update(gemm=gemm, actlab=best["default"], steps=steps)
    return header, rows, {k: (torch_best / v, gemm / v) for k, v in best.items()}


LAST: dict = {}  # the last run's seconds (GEMMs alone, best default-step actlab), steps: run.py
