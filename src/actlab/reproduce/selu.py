"""selu-self-normalizes (Klambauer et al. 2017): a 32-layer SELU network with LeCun-normal init
keeps each layer's activation mean near 0 and variance near 1 at init; ReLU without
normalization does not. Forward pass only, statistics from Network.forward(x, trace=list)."""

from __future__ import annotations

import numpy as np

from ..explain._common import pyplot, save_figure
from ..network import Network
from ._common import Reproduction, ci, fmt_ci, three_way

NAME = "selu-self-normalizes"
SOURCE = "Klambauer et al. 2017"
PUBLISHED = "32 layers SELU+lecun_normal: mean ~0, var ~1 per layer"
CLAIM = (
    "With SELU and LeCun-normal init, every layer's activation mean stays near 0 and "
    "variance near 1 through a deep (32-layer) network; ReLU without normalization does not."
)
NETS = {"selu": ("selu", "lecun_normal"), "relu": ("relu", "auto")}


def layer_stats(act, init, depth=32, width=256, seeds=range(5), n=512):
    """(R, depth) mean and variance of each activation's output on standardized inputs."""
    net = Network(
        width, [width] * depth, 10, activation=act, init=init, seeds=seeds, dtype=np.float64
    )
    x = np.random.default_rng(0).standard_normal((n, width))
    trace: list = []
    net.forward(x, trace=trace)
    return (
        np.stack([a.mean(axis=(1, 2)) for _, a in trace], axis=1),
        np.stack([a.var(axis=(1, 2)) for _, a in trace], axis=1),
    )


def deviation(mean, var) -> np.ndarray:
    """Per seed, the worst distance from (0, 1) over layers: max(|mean|, |var - 1|)."""
    return np.maximum(np.abs(mean), np.abs(np.asarray(var) - 1)).max(axis=1)


def decide(selu_dev, relu_dev) -> str:
    """HOLDS if SELU's worst-layer deviation from (mean 0, var 1) has CI upper bound < 0.15 and
    ReLU's CI lower bound > 0.15; DIRECTION if SELU deviates less than ReLU on average;
    FAILS otherwise."""
    s, r = ci(selu_dev), ci(relu_dev)
    return three_way(bool(s["ci_high"] < 0.15 and r["ci_low"] > 0.15), bool(s["mean"] < r["mean"]))


def run(out_dir, quick: bool = False) -> Reproduction:
    seeds = list(range(2 if quick else 5))
    width = 64 if quick else 256
    stats = {k: layer_stats(a, i, 32, width, seeds) for k, (a, i) in NETS.items()}
    dev = {k: deviation(*v) for k, v in stats.items()}
    verdict = decide(dev["selu"], dev["relu"])
    lines = [
        f"{k} ({NETS[k][1]} init): layer 32 mean {v[0][:, -1].mean():+.3f}, variance "
        f"{v[1][:, -1].mean():.3f}; worst layer max(|mean|, |var-1|) {fmt_ci(dev[k])}"
        for k, v in stats.items()
    ]
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for k, (mu, var) in stats.items():
        axes[0].plot(np.arange(1, 33), mu.mean(0), marker="o", ms=3, label=k)
        axes[1].plot(np.arange(1, 33), var.mean(0), marker="o", ms=3, label=k)
    axes[0].set(xlabel="layer", ylabel="mean activation", title="per-layer mean at init")
    axes[1].set(xlabel="layer", ylabel="activation variance", title="per-layer variance at init")
    axes[0].legend(), axes[1].legend()
    figs = save_figure(fig, out_dir / "reproduce_selu")
    return Reproduction(
        NAME,
        CLAIM,
        SOURCE,
        PUBLISHED,
        setup=f"32 layers of {width}, N(0,1) inputs, forward only, {len(seeds)} seeds; ReLU with "
        f"He init (auto), no normalization",
        measured=f"worst-layer |mean|,|var-1|: selu {fmt_ci(dev['selu'])}, relu {fmt_ci(dev['relu'])}",
        verdict=verdict,
        lines=lines,
        figures=[figs[0]],
        measurements={
            "deviation": dev,
            "mean": {k: v[0].mean(0) for k, v in stats.items()},
            "var": {k: v[1].mean(0) for k, v in stats.items()},
        },
    )
