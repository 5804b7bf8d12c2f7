"""selu-self-normalizes (Klambauer et al. 2017): SELU with LeCun-normal init pulls each layer's
activation mean and variance toward the fixed point (0, 1), so deep layers sit there even when
the input does not.

A test that can fail: the input is pushed off the fixed point (mean 1, variance 3), and SELU is
compared with two nets that could also sit at (0, 1): a linear (identity) net with the same
variance-preserving LeCun init, which keeps whatever scale it is given (so on N(0, 1) inputs it
would look self-normalizing too), and ReLU with He init. Forward pass only, 32 layers."""

from __future__ import annotations

import numpy as np

from ..network import Network
from .base import Decision, arr, decision, figure, save
from .verdict import effect, fmt, within

NAME = "selu-self-normalizes"
ALIASES = ("selu",)
CLAIM = (
    "With SELU and LeCun-normal init, activation mean and variance are pulled toward 0 and "
    "1 layer by layer, so deep layers sit near (0, 1) even when the input does not; a net "
    "without that attraction keeps the input's offset."
)
SOURCE = "Klambauer et al. 2017, Section 3 (Theorem 1) and Fig. 1"
PUBLISHED = "fixed point (mean 0, var 1) attracting for SELU + lecun_normal"
NETS = {
    "selu": ("selu", "lecun_normal"),
    "identity": ("identity", "lecun_normal"),
    "relu": ("relu", "he_normal"),
}
INPUT_MEAN, INPUT_VAR = 1.0, 3.0
DEEP = 8  # the last layers judged


def layer_stats(act, init, depth, width, seeds, n=512):
    """(R, depth) mean and variance of each layer's output for inputs of mean 1, variance 3."""
    net = Network(
        width, [width] * depth, 10, activation=act, init=init, seeds=seeds, dtype=np.float64
    )
    x = INPUT_MEAN + np.sqrt(INPUT_VAR) * np.random.default_rng(0).standard_normal((n, width))
    trace: list = []
    net.forward(x, trace=trace)
    return (
        np.stack([a.mean(axis=(1, 2)) for _, a in trace], axis=1),
        np.stack([a.var(axis=(1, 2)) for _, a in trace], axis=1),
    )


def deviation(mean, var) -> np.ndarray:
    """Per seed, the worst distance from (0, 1) over the last DEEP layers: max(|mean|, |var-1|)."""
    mean, var = np.asarray(mean)[:, -DEEP:], np.asarray(var)[:, -DEEP:]
    return np.maximum(np.abs(mean), np.abs(var - 1)).max(axis=1)


def measure(quick: bool = False) -> dict:
    seeds = list(range(2 if quick else 5))
    width = 64 if quick else 256
    m = {
        "config": {
            "depth": 32,
            "width": width,
            "seeds": seeds,
            "input_mean": INPUT_MEAN,
            "input_var": INPUT_VAR,
        }
    }
    for k, (act, init) in NETS.items():
        mean, var = layer_stats(act, init, 32, width, seeds)
        m[k] = {"mean": mean, "var": var, "deviation": deviation(mean, var)}
    return m


def decide(m) -> Decision:
    """Holds if SELU's worst deviation from (0, 1) over the last 8 layers has an interval inside
    [0, 0.15] and is smaller than the identity net's and ReLU's (paired intervals above 0);
    holds in direction only if it is smaller than both but not inside [0, 0.15]; otherwise the
    weaker comparison decides."""
    selu = arr(m["selu"]["deviation"])
    near = within("SELU deviation from (0, 1), last 8 layers", selu, 0, 0.15)
    beats = [
        effect(f"{k} - SELU deviation", arr(m[k]["deviation"]) - selu) for k in ("identity", "relu")
    ]
    d = decision(beats)
    if d.verdict == "holds" and near.verdict != "holds":
        return decision([near, *beats], "holds in direction only")
    return decision([near, *beats], d.verdict if d.verdict != "holds" else None)


def describe(m):
    c = m["config"]
    setup = (
        f"32 layers of {c['width']}, forward only, inputs of mean {c['input_mean']:g} and "
        f"variance {c['input_var']:g}, {len(c['seeds'])} seeds; SELU and identity with "
        f"LeCun-normal init, ReLU with He init"
    )
    measured = "worst |mean|, |var-1| of the last 8 layers: " + ", ".join(
        f"{k} {fmt(m[k]['deviation'], 2)}" for k in NETS
    )
    lines = [
        f"{k}: layer 32 mean {arr(m[k]['mean'])[:, -1].mean():+.3f}, variance "
        f"{arr(m[k]['var'])[:, -1].mean():.3f}"
        for k in NETS
    ]
    return setup, measured, lines


def draw(m, stem):
    fig, axes = figure(1, 2, figsize=(12, 4))
    layers = np.arange(1, 33)
    for k in NETS:
        axes[0].plot(layers, arr(m[k]["mean"]).mean(0), marker="o", ms=3, label=k)
        axes[1].semilogy(layers, arr(m[k]["var"]).mean(0), marker="o", ms=3, label=k)
    axes[0].axhline(0, color="k", lw=0.8)
    axes[1].axhline(1, color="k", lw=0.8)
    axes[0].set(
        xlabel="layer",
        ylabel="mean activation",
        title=f"per-layer mean (input mean {INPUT_MEAN:g})",
    )
    axes[1].set(
        xlabel="layer",
        ylabel="variance (log)",
        title=f"per-layer variance (input variance {INPUT_VAR:g})",
    )
    for ax in axes:
        ax.legend()
    return save(fig, stem)
