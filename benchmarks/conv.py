"""Convolution speed: actlab's Conv1D / Conv2D forward + backward against torch on the CPU.

Two stacks of two convolutions, float32, R = 1, the sizes actlab trains on:
  digits   (batch 64, 8x8x1):  conv2d 1 -> 16, 3x3, padding 1;  conv2d 16 -> 32, 3x3, padding 1
  mnist1d  (batch 100, 40x1):  conv1d 1 -> 25, k5;              conv1d 25 -> 25, k3
One step is forward through both layers and backward from a fixed upstream gradient: weight
and bias gradients of both, the input gradient of the second only (as in training: nothing
needs dL/dx of the data). torch gets its natural channels-first layout and 2 threads
(torch.set_num_threads(2); --threads N); numpy's BLAS and every OpenMP pool are held to as many
threads when threadpoolctl is installed. Each peer is timed side by side, median of 7 repeats of
``number`` steps after a warm-up; the ratio actlab / torch is the result (above 1: actlab is
slower).

    python benchmarks/conv.py [--number 20] [--threads 2]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from actlab.layers import Conv1D, Conv2D

CASES = {
    # layers: (C_in, C_out, kernel, padding)
    "digits conv2d": {
        "n": 2,
        "batch": 64,
        "spatial": (8, 8),
        "layers": [(1, 16, 3, 1), (16, 32, 3, 1)],
    },
    "mnist1d conv1d": {
        "n": 1,
        "batch": 100,
        "spatial": (40,),
        "layers": [(1, 25, 5, 0), (25, 25, 3, 0)],
    },
}


def actlab_step(case, rng):
    n, batch = case["n"], case["batch"]
    cls = Conv2D if n == 2 else Conv1D
    layers = []
    for c_in, c_out, k, p in case["layers"]:
        W = (rng.standard_normal((1, *(k,) * n, c_in, c_out)) * 0.1).astype(np.float32)
        layers.append(cls(W, np.zeros((1, *(1,) * (n + 1), c_out), np.float32), padding=p))
    x = rng.standard_normal((1, batch, *case["spatial"], 1)).astype(np.float32)
    out = x
    for layer in layers:
        out = layer.forward(out)
    grad = rng.standard_normal(out.shape).astype(np.float32)

    def step():
        h = layers[1].forward(layers[0].forward(x))
        g = layers[1].backward(grad)
        layers[0].backward(g, need_input_grad=False)
        return h

    return step, layers, x, grad


def torch_step(case, layers, x, grad):
    import torch

    n = case["n"]
    conv = torch.nn.functional.conv2d if n == 2 else torch.nn.functional.conv1d
    to_cf = (0, n + 1, *range(1, n + 1))  # (B, *spatial, C) -> (B, C, *spatial)
    weights, biases = [], []
    for layer, (c_in, c_out, k, _p) in zip(layers, case["layers"]):
        W = layer.W[0].reshape(*(k,) * n, c_in, c_out)  # -> (C_out, C_in, *kernel)
        weights.append(torch.tensor(W.transpose(n + 1, n, *range(n)).copy(), requires_grad=True))
        biases.append(torch.zeros(c_out, requires_grad=True))
    xt = torch.tensor(x[0].transpose(to_cf).copy())
    gt = torch.tensor(grad[0].transpose(to_cf).copy())
    pads = [p for _, _, _, p in case["layers"]]

    def step():
        h = conv(xt, weights[0], biases[0], padding=pads[0])
        h = conv(h, weights[1], biases[1], padding=pads[1])
        h.backward(gt)
        return h

    check = step().detach().numpy()
    return step, check, to_cf


def median_per_step(fns, number, repeats=7):
    """Interleaved timing: each repeat runs every peer ``number`` times; median seconds per step."""
    for fn in fns.values():  # warm-up
        for _ in range(number):
            fn()
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            times[k].append((time.perf_counter() - t0) / number)
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=20, help="steps per timed repeat")
    parser.add_argument(
        "--threads",
        type=int,
        default=2,
        help="torch and BLAS threads (2; use 1 on a busy 2-core machine, where "
        "2 spinning threads per peer measure the contention, not the code)",
    )
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        sys.exit("torch is not installed: pip install torch==2.13.0")
    torch.set_num_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits

        # every pool, OpenMP too: a second libgomp (scikit-learn's) may serve torch's parallel
        # regions, and its idle threads spin on the cores numpy is using
        limit = threadpool_limits(args.threads)
    except ImportError:
        limit = contextlib.nullcontext()
        print("threadpoolctl missing: numpy's BLAS uses its default thread count")
    print(
        f"numpy {np.__version__}, torch {torch.__version__}, {args.threads} thread(s), "
        f"float32, R = 1"
    )
    with limit:
        for name, case in CASES.items():
            rng = np.random.default_rng(0)
            ours, layers, x, grad = actlab_step(case, rng)
            theirs, check, to_cf = torch_step(case, layers, x, grad)
            np.testing.assert_allclose(ours()[0].transpose(to_cf), check, rtol=1e-3, atol=1e-4)
            t = median_per_step({"actlab": ours, "torch": theirs}, args.number)
            print(
                f"{name:15s} actlab {t['actlab'] * 1e3:7.3f} ms  torch {t['torch'] * 1e3:7.3f} ms"
                f"  ratio actlab/torch {t['actlab'] / t['torch']:5.2f}"
            )


if __name__ == "__main__":
    main()
