"""Where one training step of the small model goes: microseconds per stage.

``python benchmarks/profile_step.py`` times each stage of one step of figure 1's model (R = 1,
batch 32) on its own, many times, and prints the minimum (the least disturbed by other jobs):
forward, loss + gradient at the logits, backward, optimizer update (the train accuracy is
counted once an epoch, not a step), their sum; the step as ``Trainer.fit`` runs it
(``Network.training_step`` and ``Optimizer.stepper``), and the GEMMs alone (np.matmul on the
step's shapes), the floor of a NumPy implementation.
For a whole-run view use cProfile: ``python -m cProfile -s tottime benchmarks/profile_step.py
--fit``; for load-independent counts (instructions and numpy calls a step, under valgrind)
``python benchmarks/callgrind.py``.
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import itertools

from small_model import BATCH, HIDDEN, LR, MOMENTUM, actlab_fit, digits


def _t(fn, number=500, repeat=9):
    """Microseconds per call: the minimum over ``repeat`` runs of ``number`` calls."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def stages(activation: str, number=500, repeat=9) -> dict[str, float]:
    from actlab.network import Network
    from actlab.training import Trainer

    X, y, _, _ = digits()
    net = Network(X.shape[1], list(HIDDEN), 10, activation=activation, init="standard", seeds=[0])
    opt = Trainer("sgd", lr=LR, momentum=MOMENTUM).optimizer
    params = [p for _, p, _ in net.parameters()]
    grads = [g for _, _, g in net.parameters()]
    if hasattr(net, "fused_parameters"):
        params, grads = ([a] for a in net.fused_parameters())
    xb, yb = X[None, :BATCH], y[None, :BATCH]
    net._reuse(True)  # layers write into the arrays they keep, as in the Trainer's steps
    logits = net._forward(xb)
    _, grad = net.head.loss_and_grad(logits, yb)
    n = {"number": number, "repeat": repeat}
    out = {
        "forward": _t(lambda: net._forward(xb), **n),
        "loss+grad": _t(lambda: net.head.loss_and_grad(logits, yb), **n),
        "backward": _t(lambda: net.backward(grad), **n),
        "optimizer": _t(lambda: opt.step(params, grads, None), **n),
    }
    out["step (sum)"] = sum(out.values())
    # the step as Trainer.fit runs it: the planned forward + loss + backward, then the update
    train_step = net.training_step()
    update = opt.stepper(params, grads)

    def step():
        train_step(xb, yb)
        update(None)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # as in fit
        out["step (as trained)"] = _t(step, **n)
    rng = np.random.default_rng(0)
    sizes = [X.shape[1], *HIDDEN, 10]
    mats = [
        (
            rng.random((1, BATCH, a), dtype=np.float32),
            rng.random((1, a, b), dtype=np.float32),
            rng.random((1, BATCH, b), dtype=np.float32),
        )
        for a, b in itertools.pairwise(sizes)
    ]

    def gemms():
        for i, (x, W, g) in enumerate(mats):
            np.matmul(x, W)
            np.matmul(x.transpose(0, 2, 1), g)
            if i:
                np.matmul(g, W.transpose(0, 2, 1))

    out["GEMMs alone"] = _t(gemms, **n)
    out.update(compiled_stages(activation, xb, yb, number, repeat))
    return out


def compiled_stages(activation: str, xb, yb, number=500, repeat=9) -> dict[str, float]:
    """The compiled step (Trainer(compiled=True)) on the same minibatch: the step as trained
    (forward, loss, backward in one call, then the one-pass update), and its GEMMs alone (the
    same BLAS calls from compiled code: actlab.compiled.blas). Empty without numba."""
    from actlab.activations.jitkernels import available

    if not available():
        return {}
    from numba import njit

    from actlab.compiled import CompiledStep
    from actlab.compiled.blas import NO, TRANSPOSE, gemm, gemm_address
    from actlab.network import Network
    from actlab.training import Trainer

    net = Network(xb.shape[-1], list(HIDDEN), 10, activation=activation, init="standard", seeds=[0])
    opt = Trainer("sgd", lr=LR, momentum=MOMENTUM).optimizer
    params, grads = net.fused_parameters()
    train_step, update = CompiledStep(net), opt.stepper([params], [grads], compiled=True)

    def step():
        train_step(xb, yb)
        update(None)

    out = {"compiled step (as trained)": _t(step, number, repeat)}
    sizes = [xb.shape[-1], *HIDDEN, 10]
    rng = np.random.default_rng(0)
    mats = [
        (
            rng.random((BATCH, a), np.float32),
            rng.random((a, b), np.float32),
            rng.random((BATCH, b), np.float32),
            np.empty((BATCH, b), np.float32),
            np.empty((a, b), np.float32),
            np.empty((BATCH, a), np.float32),
        )
        for a, b in itertools.pairwise(sizes)
    ]

    @njit
    def gemms(addr, mats, n):
        for _ in range(n):
            for i in range(len(mats)):  # forward; dW = x^T g; g W^T on a transposed copy
                x, W, g, z, dW, dx = mats[i]
                gemm(addr, NO, NO, x, W, z)
                gemm(addr, TRANSPOSE, NO, x, g, dW)
                if i:
                    gemm(addr, NO, NO, g, dW.reshape(W.shape[1], W.shape[0]), dx)

    addr, typed_mats = gemm_address(np.float32), tuple(mats)
    gemms(addr, typed_mats, 1)
    out["compiled GEMMs alone"] = (
        _t(lambda: gemms(addr, typed_mats, 100), number // 100 + 1, repeat) / 100
    )
    return out


def count_steps() -> int:
    """Training steps that ``step_job`` counts: one epoch of digits at batch 32."""
    return -(-len(digits()[0]) // BATCH)


def step_job(label: str):
    """callgrind job "activation:R": one epoch of the small model's training (``Trainer.fit``,
    R replicas in lockstep), after a warm-up on a few rows (two full minibatches and the
    epoch's short last one). See benchmarks/callgrind.py."""
    from actlab.network import Network
    from actlab.training import Trainer

    activation, replicas = label.split(":")
    X, y, _, _ = digits()

    def setup():
        net = Network(
            X.shape[1],
            list(HIDDEN),
            10,
            activation=activation,
            init="standard",
            seeds=list(range(int(replicas))),
        )
        warm = 2 * BATCH + len(X) % BATCH
        Trainer("sgd", lr=LR, momentum=MOMENTUM, epochs=1, batch_size=BATCH).fit(
            net, X[:warm], y[:warm]
        )
        return net

    def run(net):
        Trainer("sgd", lr=LR, momentum=MOMENTUM, epochs=1, batch_size=BATCH).fit(net, X, y)

    return setup, run


def call_overhead_us(number=2000, repeat=7) -> float:
    """Microseconds of one numpy ufunc call on an array of the small model's hidden layer
    (1, 32, 100) float32, into an existing output: dispatch, not arithmetic."""
    a = np.ones((1, BATCH, HIDDEN[0]), dtype=np.float32)
    out = np.empty_like(a)
    return _t(lambda: np.multiply(a, a, out=out), number, repeat)


def main():
    if "--fit" in sys.argv:
        actlab_fit("tanh", 50)
        return
    rows = {a: stages(a) for a in ("sigmoid", "tanh", "relu")}
    names = list(next(iter(rows.values())))
    print("us per stage, one step, R=1, batch 32 (min of 9 x 500)")
    print("stage".ljust(18) + "".join(a.rjust(10) for a in rows))
    for n in names:
        print(n.ljust(18) + "".join(f"{rows[a][n]:10.1f}" for a in rows))


if __name__ == "__main__":
    main()
