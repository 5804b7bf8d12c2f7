"""maxout (Goodfellow et al. 2013; the seed): maxout generalizes ReLU and is at least as
accurate at the same width, at the price of k times the parameters. Compared on MNIST-1D at
equal width and at equal parameter count (Network.n_parameters())."""

from __future__ import annotations

import numpy as np

from ..datasets import load_dataset
from ..network import Network
from ..training import Trainer
from .base import Decision, arr, decision, figure, final_acc, save
from .verdict import FAILS, HOLDS, Part, effect, fmt

NAME = "maxout"
ALIASES = ()
CLAIM = (
    "Maxout (max over k linear pieces) is at least as accurate as ReLU at the same width, "
    "and costs about k times the parameters."
)
SOURCE = "Goodfellow et al. 2013, Section 2 (maxout units) and Section 4; the seed"
PUBLISHED = "no small-scale number; maxout >= ReLU at equal width, k x the weights"
K = 2
MARGIN = 0.01  # "at least as accurate": not worse by more than one point


def mlp_parameters(n_in: int, width: int, n_out: int, depth: int) -> int:
    """Weights and biases of an n_in-(width x depth)-n_out MLP with one-output activations."""
    return (n_in + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * n_out


def equal_param_width(target: int, n_in: int, n_out: int, depth: int) -> int:
    """The ReLU width whose MLP has the parameter count nearest ``target``."""
    return min(range(1, 4000), key=lambda w: abs(mlp_parameters(n_in, w, n_out, depth) - target))


def measure(quick: bool = False) -> dict:
    Xtr, ytr, Xte, yte = load_dataset("mnist1d")
    if quick:
        Xtr, ytr = Xtr[:800], ytr[:800]
    width, depth = (32, 2) if quick else (100, 2)
    seeds = list(range(2 if quick else 5))
    epochs = 3 if quick else 30
    eq = equal_param_width(
        Network(40, [width] * depth, 10, activation=f"maxout:{K}").n_parameters(), 40, 10, depth
    )
    models = {
        "maxout": (f"maxout:{K}", width),
        "relu equal width": ("relu", width),
        "relu equal parameters": ("relu", eq),
    }
    m = {
        "config": {
            "n_train": len(Xtr),
            "width": width,
            "depth": depth,
            "seeds": seeds,
            "epochs": epochs,
            "equal_param_width": eq,
            "optimizer": "adam lr 1e-3 batch 100",
        }
    }
    for label, (act, w) in models.items():
        h = Trainer("adam", lr=1e-3, epochs=epochs, batch_size=100).fit(
            Network(40, [w] * depth, 10, activation=act, seeds=seeds),
            Xtr,
            ytr,
            X_test=Xte,
            y_test=yte,
        )
        m[label] = {
            "params": Network(40, [w] * depth, 10, activation=act).n_parameters(),
            "test_acc": final_acc(h),
            "curve": h["test_acc"],
        }
    return m


def decide(m) -> Decision:
    """Holds if maxout's weight count over ReLU's at equal width lies within 10% of k, and
    maxout - ReLU test accuracy at equal width (paired per seed) has an interval above -0.01
    (not worse by more than a point); does not hold if the ratio is off or that interval lies
    at or below -0.01; inconclusive otherwise."""
    ratio = m["maxout"]["params"] / m["relu equal width"]["params"]
    ok = 0.9 * K <= ratio <= 1.1 * K
    diff = arr(m["maxout"]["test_acc"]) - arr(m["relu equal width"]["test_acc"])
    return decision(
        [
            Part(
                "parameters maxout / relu",
                HOLDS if ok else FAILS,
                f"{ratio:.2f}, needs [{0.9 * K:g}, {1.1 * K:g}]",
            ),
            effect("test accuracy maxout - relu, equal width", diff, zero=-MARGIN),
        ]
    )


def describe(m):
    c = m["config"]
    setup = (
        f"MNIST-1D ({c['n_train']} train), {c['depth']} hidden layers of {c['width']} "
        f"(ReLU at equal parameters: {c['equal_param_width']}), {c['optimizer']}, "
        f"{c['epochs']} epochs, {len(c['seeds'])} seeds"
    )
    diff_w = arr(m["maxout"]["test_acc"]) - arr(m["relu equal width"]["test_acc"])
    diff_p = arr(m["maxout"]["test_acc"]) - arr(m["relu equal parameters"]["test_acc"])
    measured = (
        f"params x{m['maxout']['params'] / m['relu equal width']['params']:.2f}; "
        f"maxout - relu: equal width {fmt(diff_w)}, equal parameters {fmt(diff_p)}"
    )
    lines = [
        f"{k}: {m[k]['params']:,} parameters, test accuracy {fmt(m[k]['test_acc'])}"
        for k in ("maxout", "relu equal width", "relu equal parameters")
    ]
    return setup, measured, lines


def draw(m, stem):
    fig, ax = figure(figsize=(6.5, 4))
    for k in ("maxout", "relu equal width", "relu equal parameters"):
        c = arr(m[k]["curve"])
        with np.errstate(all="ignore"):
            ax.plot(
                np.arange(1, c.shape[1] + 1),
                np.nanmean(c, 0),
                label=f"{k} ({m[k]['params']:,} params)",
            )
    ax.set(xlabel="epoch", ylabel="test accuracy", title="MNIST-1D: maxout vs ReLU")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8)
    return save(fig, stem)
