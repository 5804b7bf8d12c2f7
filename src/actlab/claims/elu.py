"""elu-mean-near-zero (Clevert et al. 2015): ELU's mean activation is nearer 0 than ReLU's and
Leaky ReLU's, and its training loss falls faster early. Digits, 8 hidden layers of 128, SGD lr
0.01 batch 64, He init (the paper's MNIST setup on a smaller data set)."""

from __future__ import annotations

import numpy as np

from ..network import Network
from ..probes import Probes
from ..training import Trainer
from .base import Decision, arr, decision, digits, figure, save
from .verdict import effect, fmt

NAME = "elu-mean-near-zero"
ALIASES = ("elu",)
CLAIM = (
    "ELU units have mean activations nearer zero than ReLU and Leaky ReLU, and the training "
    "loss of an ELU network falls faster early in training."
)
SOURCE = "Clevert et al. 2015, Section 4.1 and Fig. 1"
PUBLISHED = "ELU: mean activation nearer 0 and faster loss decrease than ReLU/LReLU (MNIST)"
ACTS = ("elu", "relu", "leaky_relu")


def measure(quick: bool = False) -> dict:
    Xtr, ytr, _, _ = digits(quick)
    depth, width = (4, 32) if quick else (8, 128)
    seeds = list(range(2 if quick else 5))
    epochs = 2 if quick else 10
    early = 1 if quick else 3
    m = {
        "config": {"depth": depth, "width": width, "seeds": seeds, "epochs": epochs, "early": early}
    }
    for act in ACTS:
        net = Network(64, [width] * depth, 10, activation=act, init="he_normal", seeds=seeds)
        probes = Probes(every=1, flip_steps=0)
        hist = Trainer(
            "sgd", lr=0.01, momentum=0.0, epochs=epochs, batch_size=64, callbacks=[probes]
        ).fit(net, Xtr, ytr)
        am = probes.arrays()["act_mean"]  # (R, times, layers)
        m[act] = {
            "abs_mean": np.abs(am[:, 1:]).mean(axis=(1, 2)),
            "early_loss": np.nanmean(hist["train_loss"][:, :early], axis=1),
            "train_loss": hist["train_loss"],
        }
    return m


def decide(m) -> Decision:
    """Paired per seed against ReLU and Leaky ReLU: |mean activation| of the other minus ELU's,
    and the early training loss of the other minus ELU's; holds if every interval lies above 0,
    does not hold if one lies at or below 0, inconclusive otherwise (the weakest part decides)."""
    parts = []
    for other in ACTS[1:]:
        for key, what in (("abs_mean", "|mean activation|"), ("early_loss", "early train loss")):
            parts.append(effect(f"{what} {other} - elu", arr(m[other][key]) - arr(m["elu"][key])))
    return decision(parts)


def describe(m):
    c = m["config"]
    setup = (
        f"digits, {c['depth']} hidden layers of {c['width']}, He init, SGD lr 0.01 batch 64, "
        f"{c['epochs']} epochs, {len(c['seeds'])} seeds (paired differences per seed)"
    )
    measured = (
        "|mean act| "
        + ", ".join(f"{a} {np.mean(arr(m[a]['abs_mean'])):.3f}" for a in ACTS)
        + "; early loss "
        + ", ".join(f"{a} {np.mean(arr(m[a]['early_loss'])):.3f}" for a in ACTS)
    )
    lines = [
        f"{a}: |mean activation| over layers and epochs {fmt(m[a]['abs_mean'])}; train loss, "
        f"mean of the first {c['early']} epoch(s) {fmt(m[a]['early_loss'])}"
        for a in ACTS
    ]
    return setup, measured, lines


def draw(m, stem):
    fig, ax = figure(figsize=(6.5, 4))
    for a in ACTS:
        loss = arr(m[a]["train_loss"])
        with np.errstate(all="ignore"):
            ax.plot(np.arange(1, loss.shape[1] + 1), np.nanmean(loss, 0), marker="o", ms=3, label=a)
    c = m["config"]
    ax.set(
        xlabel="epoch",
        ylabel="train loss",
        title=f"digits, {c['depth']}x{c['width']}, He init, SGD 0.01",
    )
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    return save(fig, stem)
