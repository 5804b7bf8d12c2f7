"""he-init-depth (He et al. 2015): with ReLU, weight variance 2/fan_in keeps the activations'
second moment flat through 30 layers while 1/fan_in halves it per layer; a 30-layer ReLU net
trains with He init and stalls with the 1/fan_in one."""

from __future__ import annotations

import numpy as np

from ..network import Network
from ..training import Trainer
from .base import Decision, arr, decision, digits, figure, final_acc, save
from .verdict import effect, fmt, within

NAME = "he-init-depth"
ALIASES = ()
CLAIM = (
    "In a deep ReLU network, He init (variance 2/fan_in) keeps the activation variance "
    "constant with depth while 1/fan_in halves it per layer; a 30-layer ReLU net trains "
    "with He init and stalls with the 1/fan_in init."
)
SOURCE = "He et al. 2015, Section 2.2 (Eq. 10) and Fig. 3"
PUBLISHED = "variance factor 1 per layer with 2/fan_in, 1/2 with 1/fan_in; 30 layers: He trains"
INITS = {"he": "he_normal", "1/fan_in": "lecun_normal"}


def layer_second_moments(init, depth=30, width=256, seeds=range(5), n=512) -> np.ndarray:
    """(R, depth) E[a^2] of each ReLU layer's output on N(0, 1) inputs, forward only."""
    net = Network(
        width, [width] * depth, 10, activation="relu", init=init, seeds=seeds, dtype=np.float64
    )
    trace: list = []
    net.forward(np.random.default_rng(0).standard_normal((n, width)), trace=trace)
    return np.stack([(a**2).mean(axis=(1, 2)) for _, a in trace], axis=1)


def per_layer_factor(var) -> np.ndarray:
    """Per seed, the geometric-mean factor by which E[a^2] changes per layer."""
    var = np.asarray(var, dtype=float)
    return np.exp(np.log(var[:, -1] / var[:, 0]) / (var.shape[1] - 1))


def measure(quick: bool = False) -> dict:
    seeds = list(range(2 if quick else 5))
    width = 64 if quick else 256
    epochs = 3 if quick else 15
    Xtr, ytr, Xte, yte = digits(False)
    m = {
        "config": {
            "width": width,
            "seeds": seeds,
            "epochs": epochs,
            "train": "30x64 ReLU on digits, sgd lr 0.01 momentum 0.9 batch 32",
        }
    }
    for k, init in INITS.items():
        var = layer_second_moments(init, 30, width, seeds)
        hist = Trainer("sgd", lr=0.01, momentum=0.9, epochs=epochs, batch_size=32).fit(
            Network(64, [64] * 30, 10, activation="relu", init=init, seeds=seeds),
            Xtr,
            ytr,
            X_test=Xte,
            y_test=yte,
        )
        m[k] = {
            "second_moment": var,
            "factor": per_layer_factor(var),
            "test_acc": final_acc(hist),
            "train_loss": hist["train_loss"],
        }
    return m


def decide(m) -> Decision:
    """Holds if He's per-layer factor lies in [0.9, 1.1] and 1/fan_in's in [0.4, 0.6]
    (intervals across seeds), and He's test accuracy beats 1/fan_in's by more than 0.2 (paired
    interval; above 0 only: holds in direction only); the weakest part decides."""
    diff = arr(m["he"]["test_acc"]) - arr(m["1/fan_in"]["test_acc"])
    return decision(
        [
            within("He per-layer factor", m["he"]["factor"], 0.9, 1.1),
            within("1/fan_in per-layer factor", m["1/fan_in"]["factor"], 0.4, 0.6),
            effect("test accuracy He - 1/fan_in", diff, size=0.2),
        ]
    )


def describe(m):
    c = m["config"]
    setup = (
        f"forward: 30 ReLU layers of {c['width']}, N(0,1) input; training: {c['train']}, "
        f"{c['epochs']} epochs, {len(c['seeds'])} seeds"
    )
    measured = (
        f"per-layer factor he {fmt(m['he']['factor'])}, 1/fan_in "
        f"{fmt(m['1/fan_in']['factor'])}; test acc he {fmt(m['he']['test_acc'], 2)} vs "
        f"{fmt(m['1/fan_in']['test_acc'], 2)}"
    )
    lines = [
        f"{k} ({INITS[k]}): E[a^2] layer 1 {arr(m[k]['second_moment'])[:, 0].mean():.3g} -> "
        f"layer 30 {arr(m[k]['second_moment'])[:, -1].mean():.3g}"
        for k in INITS
    ]
    return setup, measured, lines


def draw(m, stem):
    fig, axes = figure(1, 2, figsize=(12, 4))
    for k, init in INITS.items():
        axes[0].semilogy(
            np.arange(1, 31),
            arr(m[k]["second_moment"]).mean(0),
            marker="o",
            ms=3,
            label=f"{k} ({init})",
        )
        loss = arr(m[k]["train_loss"])
        with np.errstate(all="ignore"):
            axes[1].plot(
                np.arange(1, loss.shape[1] + 1), np.nanmean(loss, 0), marker="o", ms=3, label=k
            )
    axes[0].set(xlabel="ReLU layer", ylabel="E[a^2] (log)", title="30-layer ReLU net at init")
    axes[1].set(xlabel="epoch", ylabel="train loss", title="30x64 ReLU MLP on digits")
    for ax in axes:
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend()
    return save(fig, stem)
