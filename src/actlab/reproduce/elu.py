"""elu-mean-near-zero (Clevert et al. 2015): ELU's mean activation is nearer 0 than ReLU's and
Leaky ReLU's, and its training loss falls faster early. Digits, 8 hidden layers of 128, SGD lr
0.01 batch 64, He init (the paper's MNIST setup on a smaller data set)."""

from __future__ import annotations

import numpy as np

from ..datasets import load_dataset
from ..explain._common import pyplot, save_figure
from ..network import Network
from ..probes import Probes
from ..training import Trainer
from ._common import Reproduction, ci, fmt_ci, three_way

NAME = "elu-mean-near-zero"
SOURCE = "Clevert et al. 2015"
PUBLISHED = "ELU mean act nearer 0 than ReLU/LReLU; loss falls faster"
CLAIM = (
    "ELU units have mean activations nearer zero than ReLU and Leaky ReLU, and the training "
    "loss of an ELU network falls faster early in training."
)
ACTS = ("elu", "relu", "leaky_relu")


def decide(mean_gap: dict, loss_gap: dict) -> str:
    """Paired per seed: mean_gap[other] = |mean act| of other - ELU's; loss_gap[other] = early
    training loss of other - ELU's. HOLDS if every gap's CI lower bound is > 0; DIRECTION if
    every gap's mean is > 0; FAILS otherwise."""
    gaps = [ci(v) for v in (*mean_gap.values(), *loss_gap.values())]
    return three_way(all(g["ci_low"] > 0 for g in gaps), all(g["mean"] > 0 for g in gaps))


def run(out_dir, quick: bool = False) -> Reproduction:
    Xtr, ytr, _, _ = load_dataset("digits", seed=0)
    if quick:
        Xtr, ytr = Xtr[:400], ytr[:400]
    depth, width = (4, 32) if quick else (8, 128)
    seeds = list(range(2 if quick else 5))
    epochs = 2 if quick else 10
    early = 1 if quick else 3
    absmean, loss, curves = {}, {}, {}
    for act in ACTS:
        net = Network(64, [width] * depth, 10, activation=act, init="he_normal", seeds=seeds)
        probes = Probes(every=1, flip_steps=0)
        hist = Trainer(
            "sgd", lr=0.01, momentum=0.0, epochs=epochs, batch_size=64, callbacks=[probes]
        ).fit(net, Xtr, ytr)
        am = probes.arrays()["act_mean"]  # (R, times, layers)
        absmean[act] = np.abs(am[:, 1:]).mean(axis=(1, 2))
        loss[act] = np.nanmean(hist["train_loss"][:, :early], axis=1)
        curves[act] = np.nanmean(hist["train_loss"], axis=0)
    mean_gap = {a: absmean[a] - absmean["elu"] for a in ACTS[1:]}
    loss_gap = {a: loss[a] - loss["elu"] for a in ACTS[1:]}
    verdict = decide(mean_gap, loss_gap)
    lines = [
        f"{a}: |mean activation| over layers and epochs {fmt_ci(absmean[a])}; train loss, "
        f"mean of first {early} epoch(s) {fmt_ci(loss[a])}"
        for a in ACTS
    ]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for a in ACTS:
        ax.plot(np.arange(1, epochs + 1), curves[a], marker="o", ms=3, label=a)
    ax.set(xlabel="epoch", ylabel="train loss", title=f"digits, {depth}x{width}, He init, SGD 0.01")
    ax.legend()
    figs = save_figure(fig, out_dir / "reproduce_elu")
    return Reproduction(
        NAME,
        CLAIM,
        SOURCE,
        PUBLISHED,
        setup=f"digits, {depth} hidden layers of {width}, He init, SGD lr 0.01 batch 64, {epochs} "
        f"epochs, {len(seeds)} seeds (paired differences per seed)",
        measured=f"|mean act| elu {np.mean(absmean['elu']):.3f} vs relu {np.mean(absmean['relu']):.3f}"
        f", lrelu {np.mean(absmean['leaky_relu']):.3f}; early loss gap relu-elu "
        f"{fmt_ci(loss_gap['relu'])}",
        verdict=verdict,
        lines=lines,
        figures=[figs[0]],
        measurements={"abs_mean": absmean, "early_loss": loss, "curves": curves},
    )
