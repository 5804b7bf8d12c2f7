"""exp-cost (the seed; Clevert et al. 2015): exp-based activations cost more per element than
ReLU, but are a small share of a whole training step. Uses :mod:`actlab.cost`; each round times
every activation once, interleaved, and the rounds are the samples of the intervals."""

from __future__ import annotations

import numpy as np

from ..cost import activation_cost, step_share
from .base import Decision, arr, decision, figure, save
from .verdict import effect, fmt, within

NAME = "exp-cost"
ALIASES = ("cost",)
CLAIM = (
    "Sigmoid and tanh are slow because they compute exp, while ReLU, with no exp, is fast; "
    "in whole-network training the activation is only a small share of the time."
)
SOURCE = (
    "the seed (section on sigmoid's cost); Clevert et al. 2015, Section 4.3 (ELU nets 5% slower)"
)
PUBLISHED = "exp costlier per element; ELU nets ~5% slower than ReLU nets (ImageNet)"
ACTIVATIONS = ("sigmoid", "tanh", "relu", "elu", "swish", "gelu")
JUDGED = ("sigmoid", "tanh", "relu", "elu")  # the seed's three, and Clevert 2015's ELU
NETS = {
    "digits-sized": {"hidden": (100, 100), "n_features": 64, "batch_size": 32},
    "mnist-sized": {"hidden": (1024, 1024), "n_features": 784, "batch_size": 256},
}
SMALL = 0.2


def measure(quick: bool = False) -> dict:
    size = 10_000 if quick else 1_000_000
    rounds = 2 if quick else 5
    nets = {"digits-sized": NETS["digits-sized"]} if quick else NETS
    m = {
        "config": {
            "size": size,
            "rounds": rounds,
            "nets": {k: {**v, "hidden": list(v["hidden"])} for k, v in nets.items()},
        },
        "ratio": {a: [] for a in ACTIVATIONS},
        "share": {k: {a: [] for a in ACTIVATIONS} for k in nets},
    }
    for _ in range(rounds):
        for row in activation_cost(ACTIVATIONS, sizes=(size,), repeats=3):
            if row["activation"] in m["ratio"]:
                m["ratio"][row["activation"]].append(row["fwd_bwd_ratio_to_relu"])
        for label, kw in nets.items():
            for a in ACTIVATIONS:
                m["share"][label][a].append(step_share(a, steps=3 if quick else 8, **kw)["share"])
    return m


def decide(m) -> Decision:
    """Holds if the log of sigmoid's and tanh's forward+backward time per element over ReLU's
    has an interval above 0 (a ratio above 1; logs, because a loaded machine's timings are
    skewed), and for every net the largest step share among sigmoid, tanh, ReLU and ELU lies in
    [0, 0.2] (intervals across rounds); the weakest part decides."""
    parts = [
        effect(f"log({a} time per element / relu's)", np.log(arr(m["ratio"][a])), digits=2)
        for a in ("sigmoid", "tanh")
    ]
    for label, shares in m["share"].items():
        worst = max(JUDGED, key=lambda a: np.mean(arr(shares[a])))
        parts.append(within(f"{label} net: largest step share ({worst})", shares[worst], 0, SMALL))
    return decision(parts)


def describe(m):
    c = m["config"]
    setup = (
        f"per element at {c['size']:,} float32 elements; share of SGD steps of "
        f"{', '.join(c['nets'])} nets; {c['rounds']} interleaved rounds"
    )
    measured = (
        "fwd+bwd vs relu: "
        + ", ".join(f"{a} {np.mean(arr(m['ratio'][a])):.1f}x" for a in ACTIVATIONS if a != "relu")
        + "; step share "
        + "; ".join(
            f"{label} " + ", ".join(f"{a} {np.mean(arr(s[a])):.0%}" for a in JUDGED)
            for label, s in m["share"].items()
        )
    )
    lines = [
        f"{a}: forward+backward per element / relu's {fmt(m['ratio'][a], 2)}" for a in ACTIVATIONS
    ]
    lines += [
        f"{label} net, {a}: share of a training step {fmt(s[a], 3)}"
        for label, s in m["share"].items()
        for a in ACTIVATIONS
    ]
    return setup, measured, lines


def draw(m, stem):
    fig, axes = figure(1, 2, figsize=(13, 4.3))
    x = np.arange(len(ACTIVATIONS))
    ratio = [arr(m["ratio"][a]) for a in ACTIVATIONS]
    axes[0].bar(x, [r.mean() for r in ratio], yerr=[r.std() for r in ratio], capsize=3)
    axes[0].axhline(1, color="k", lw=0.8)
    axes[0].set(
        xticks=x,
        xticklabels=ACTIVATIONS,
        ylabel="time per element / relu's",
        title=f"forward+backward per element ({m['config']['size']:,} elements)",
    )
    width = 0.8 / max(len(m["share"]), 1)
    for k, (label, shares) in enumerate(m["share"].items()):
        axes[1].bar(
            x - 0.4 + width * (k + 0.5),
            [100 * np.mean(arr(shares[a])) for a in ACTIVATIONS],
            width,
            label=label,
        )
    axes[1].axhline(100 * SMALL, color="k", ls="--", lw=0.8, label=f"'small' ({SMALL:.0%})")
    axes[1].set(
        xticks=x,
        xticklabels=ACTIVATIONS,
        ylabel="% of training-step time",
        title="activation forward+backward share of a training step",
    )
    axes[1].legend()
    return save(fig, stem)
