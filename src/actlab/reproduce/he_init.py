"""he-init-depth (He et al. 2015): with ReLU, weight variance 2/fan_in keeps activation variance
flat through 30 layers, 1/fan_in halves it per layer; a 30-layer ReLU MLP trains with He init
and stalls with the 1/fan_in (Xavier-like) init."""

from __future__ import annotations

import numpy as np

from ..datasets import load_dataset
from ..explain._common import pyplot, save_figure
from ..network import Network
from ..training import Trainer
from ._common import Reproduction, ci, fmt_ci, three_way

NAME = "he-init-depth"
SOURCE = "He et al. 2015"
PUBLISHED = "var flat with 2/fan_in, x0.5 per layer with 1/fan_in; 30 layers: He trains"
CLAIM = (
    "In a deep ReLU network, He init (variance 2/fan_in) keeps the activation variance "
    "constant with depth while 1/fan_in halves it per layer; a 30-layer ReLU net trains "
    "with He init and stalls with the Xavier-like one."
)
INITS = {"he": "he_normal", "1/fan_in": "lecun_normal"}


def layer_variances(init: str, depth: int = 30, width: int = 256, seeds=range(5), n=512):
    """(R, depth) variance of each ReLU layer's output on N(0, 1) inputs, forward only."""
    net = Network(
        width, [width] * depth, 10, activation="relu", init=init, seeds=seeds, dtype=np.float64
    )
    x = np.random.default_rng(0).standard_normal((n, width))
    trace: list = []
    net.forward(x, trace=trace)
    # E[a^2] is what the derivation tracks (second moment of the ReLU output)
    return np.stack([(a**2).mean(axis=(1, 2)) for _, a in trace], axis=1)


def per_layer_factor(var) -> np.ndarray:
    """Per seed, the geometric-mean factor by which the variance changes per layer."""
    var = np.asarray(var, dtype=float)
    return np.exp(np.log(var[:, -1] / var[:, 0]) / (var.shape[1] - 1))


def decide(he_factor, fan_in_factor, he_acc, fan_in_acc) -> str:
    """HOLDS if He's per-layer factor CI lies in [0.9, 1.1], 1/fan_in's in [0.4, 0.6] and He's
    accuracy beats 1/fan_in's by > 0.2; DIRECTION if He's factor and accuracy exceed
    1/fan_in's on average; FAILS otherwise."""
    h, f, ha, fa = ci(he_factor), ci(fan_in_factor), ci(he_acc), ci(fan_in_acc)
    full = (
        0.9 <= h["ci_low"]
        and h["ci_high"] <= 1.1
        and 0.4 <= f["ci_low"]
        and f["ci_high"] <= 0.6
        and ha["mean"] - fa["mean"] > 0.2
    )
    return three_way(bool(full), bool(h["mean"] > f["mean"] and ha["mean"] > fa["mean"]))


def run(out_dir, quick: bool = False) -> Reproduction:
    seeds = list(range(2 if quick else 5))
    width = 64 if quick else 256
    var = {k: layer_variances(v, 30, width, seeds) for k, v in INITS.items()}
    factor = {k: per_layer_factor(v) for k, v in var.items()}
    Xtr, ytr, Xte, yte = load_dataset("digits", seed=0)
    epochs = 3 if quick else 15
    acc, curves = {}, {}
    for k, init in INITS.items():
        net = Network(64, [64] * 30, 10, activation="relu", init=init, seeds=seeds)
        h = Trainer("sgd", lr=0.01, momentum=0.9, epochs=epochs, batch_size=32).fit(
            net, Xtr, ytr, X_test=Xte, y_test=yte
        )
        acc[k] = np.nan_to_num(h["test_acc"][:, -1], nan=0.0)
        curves[k] = h["train_loss"]
    verdict = decide(factor["he"], factor["1/fan_in"], acc["he"], acc["1/fan_in"])
    lines = [
        f"{k} ({INITS[k]}): E[a^2] layer 1 {var[k][:, 0].mean():.3g} -> layer 30 "
        f"{var[k][:, -1].mean():.3g}; per-layer factor {fmt_ci(factor[k])}; 30x64 ReLU on "
        f"digits, {epochs} epochs SGD lr 0.01 m 0.9: test acc {fmt_ci(acc[k])}"
        for k in INITS
    ]
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for k, init in INITS.items():
        axes[0].semilogy(np.arange(1, 31), var[k].mean(0), marker="o", ms=3, label=f"{k} ({init})")
        axes[1].plot(np.arange(1, epochs + 1), np.nanmean(curves[k], 0), label=k)
    axes[0].set(xlabel="ReLU layer", ylabel="E[a^2] (log)", title="30-layer ReLU net at init")
    axes[1].set(xlabel="epoch", ylabel="train loss", title="30x64 ReLU MLP on digits")
    axes[0].legend(), axes[1].legend()
    figs = save_figure(fig, out_dir / "reproduce_he_init")
    return Reproduction(
        NAME,
        CLAIM,
        SOURCE,
        PUBLISHED,
        setup=f"forward: 30 ReLU layers of {width}, N(0,1) input; training: 30x64 ReLU on digits, "
        f"{epochs} epochs, {len(seeds)} seeds",
        measured=f"per-layer variance factor he {fmt_ci(factor['he'])}, 1/fan_in "
        f"{fmt_ci(factor['1/fan_in'])}; test acc he {np.mean(acc['he']):.2f} vs "
        f"{np.mean(acc['1/fan_in']):.2f}",
        verdict=verdict,
        lines=lines,
        figures=[figs[0]],
        measurements={
            "factor": factor,
            "test_acc": acc,
            "variance": {k: v.mean(0) for k, v in var.items()},
        },
    )
