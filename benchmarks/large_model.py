"""Figure 3: a large model, 784-1024-1024-10, batch 256, random data, relu and swish.

Training-step throughput (samples per second) of actlab's Trainer against the same PyTorch loop,
and against the float32 GEMM rate of this machine measured in the same run: np.matmul on the
exact GEMM shapes of one training step (forward x W; backward x^T g and g W^T, the first layer
needs no input gradient). The GEMM ceiling is what a NumPy implementation can at best reach.
"""

from __future__ import annotations

import itertools

import numpy as np
from common import need

SIZES = (784, 1024, 1024, 10)
BATCH = 256
STEPS = 20  # steps per timed run (one epoch over STEPS * BATCH random rows)


def _data(steps):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((steps * BATCH, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], steps * BATCH)
    return X, y


def gemm_shapes():
    """(m, k, n) of every GEMM in one training step."""
    shapes = []
    for i, (fi, fo) in enumerate(itertools.pairwise(SIZES)):
        shapes.append((BATCH, fi, fo))  # forward: x W
        shapes.append((fi, BATCH, fo))  # dW = x^T g
        if i > 0:
            shapes.append((BATCH, fo, fi))  # dx = g W^T
    return shapes


def step_flops() -> float:
    return float(sum(2 * m * k * n for m, k, n in gemm_shapes()))


def gemm_once(steps, threads):
    """np.matmul on the step's GEMM shapes, ``steps`` times (same layouts as the network's)."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(1)
    mats = []
    for i, (fi, fo) in enumerate(itertools.pairwise(SIZES)):
        x = rng.standard_normal((BATCH, fi), dtype=np.float32)
        W = rng.standard_normal((fi, fo), dtype=np.float32)
        g = rng.standard_normal((BATCH, fo), dtype=np.float32)
        mats.append(
            (
                x,
                W,
                g,
                np.empty((BATCH, fo), np.float32),
                np.empty((fi, fo), np.float32),
                np.empty((BATCH, fi), np.float32) if i > 0 else None,
            )
        )

    def run():
        with threadpool_limits(threads, user_api="blas"):
            for _ in range(steps):
                for x, W, g, z, dW, dx in mats:
                    np.matmul(x, W, out=z)
                    np.matmul(x.T, g, out=dW)
                    if dx is not None:
                        np.matmul(g, W.T, out=dx)

    return run


def actlab_epoch(activation, X, y, threads):
    from actlab.network import Network
    from actlab.training import Trainer

    net = Network(
        SIZES[0],
        list(SIZES[1:-1]),
        SIZES[-1],
        activation=activation,
        init="standard",
        seeds=[0],
        dtype=np.float32,
    )
    trainer = Trainer("sgd", lr=0.01, momentum=0.9, epochs=1, batch_size=BATCH)

    def run():
        from threadpoolctl import threadpool_limits

        with threadpool_limits(threads, user_api="blas"):  # Trainer(blas_threads=...) does this too
            trainer.fit(net, X, y)

    return run


def torch_epoch(activation, X, y, threads=2):
    torch = need("torch")
    torch.manual_seed(0)
    act = {"relu": torch.nn.ReLU, "swish": torch.nn.SiLU}[activation]
    model = torch.nn.Sequential(
        torch.nn.Linear(SIZES[0], SIZES[1]),
        act(),
        torch.nn.Linear(SIZES[1], SIZES[2]),
        act(),
        torch.nn.Linear(SIZES[2], SIZES[3]),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def run():
        torch.set_num_threads(threads)
        perm = torch.randperm(len(Xt))
        for i in range(0, len(Xt), BATCH):
            idx = perm[i : i + BATCH]
            opt.zero_grad()
            loss_fn(model(Xt[idx]), yt[idx]).backward()
            opt.step()

    return run


def run(repeats: int, steps: int = STEPS, activations=("relu", "swish"), threads=(1, 2)):
    """Every system at 1 and at 2 threads, interleaved. actlab vs torch: each at its best thread
    count (on a busy machine one thread often wins: a descheduled second thread stalls each
    GEMM). actlab vs np.matmul: at the same thread count; the goal reads the better one."""
    from common import have, interleaved

    X, y = _data(steps)
    flops = step_flops() * steps
    rows, worst_torch, worst_gemm = [], np.inf, np.inf
    for act in activations:
        fns = {}
        for t in threads:
            fns[f"gemm {t}"] = gemm_once(steps, t)
            fns[f"actlab {t}"] = actlab_epoch(act, X, y, t)
            if have("torch"):
                fns[f"torch {t}"] = torch_epoch(act, X, y, threads=t)
        res = interleaved(fns, repeats)
        t = {k: v[0] for k, v in res.items()}
        best = {
            s: min(v for k, v in t.items() if k.startswith(s + " "))
            for s in ("gemm", "actlab", "torch")
            if any(k.startswith(s) for k in t)
        }
        to_torch = best["torch"] / best["actlab"] if "torch" in best else np.nan
        # GEMM share at the same thread count, measured side by side (the load on a shared
        # machine moves between thread counts more than between neighbouring runs)
        share = {n: t[f"gemm {n}"] / t[f"actlab {n}"] for n in threads}
        of_gemm = max(share.values())
        worst_torch, worst_gemm = min(worst_torch, to_torch), min(worst_gemm, of_gemm)

        def sps(system):
            return (
                " / ".join(
                    f"{steps * BATCH / t[f'{system} {n}']:.0f}"  # noqa: B023 (called in this loop)
                    for n in threads
                    if f"{system} {n}" in t  # noqa: B023
                )
                or "n/a"
            )

        rows.append(
            [
                act,
                sps("actlab"),
                sps("torch"),
                f"{to_torch:.2f}x",
                " / ".join(f"{flops / t[f'gemm {n}'] / 1e9:.1f}" for n in threads),
                f"{flops / best['actlab'] / 1e9:.1f}",
                " / ".join(f"{share[n]:.0%}" for n in threads),
            ]
        )
    tl = " / ".join(map(str, threads))
    header = [
        "activation",
        f"actlab samples/s ({tl} thr)",
        f"torch samples/s ({tl} thr)",
        "best actlab / best torch",
        f"np.matmul GFLOP/s ({tl} thr)",
        "actlab GFLOP/s (best)",
        f"actlab % of GEMM ({tl} thr)",
    ]
    return header, rows, worst_torch, worst_gemm
