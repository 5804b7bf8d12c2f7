"""saturation: sigmoid's slope vanishes beyond |z| ~ 6, and (Glorot & Bengio 2010, Fig. 2) with
the "standard" init U(+-1/sqrt(fan_in)) the top hidden layer of a 4-hidden-layer sigmoid
network is driven to its lower saturation (0) early while the lower layers stay higher; the
layers below then get little gradient.

Measured on digits, sigmoid and tanh (the contrast Glorot & Bengio draw), with actlab's Probes.
Saturation is counted here where f'(z) < 20% of its peak (a sigmoid output within 0.053 of 0 or
1): the probes' default 1% counts only |z| > 9.2, which a unit driven to an output near 0
(z ~ -4) does not reach, so a stalled sigmoid layer read 0% saturated.
"""

from __future__ import annotations

import numpy as np

from ..activations import get_activation
from ..network import Network
from ..probes import Probes
from ..training import Trainer
from .base import Decision, arr, decision, digits, figure, final_acc, replica_ok, save
from .verdict import effect, fmt, within

NAME = "saturation"
ALIASES = ()
CLAIM = (
    "Sigmoid's slope is practically zero beyond |z| ~ 6 (the seed), and with the "
    "'standard' init the top hidden layer of a 4-hidden-layer sigmoid network is driven to "
    "0 early in training while the lower layers stay higher, so the layers below it get "
    "little gradient (Glorot & Bengio 2010)."
)
SOURCE = "the seed; Glorot & Bengio 2010, Fig. 2 (Section 3.1)"
PUBLISHED = "top layer mean -> ~0 early; lower layers ~0.5 and above"
ACTIVATIONS = ("sigmoid", "tanh")
SATURATED = 0.2  # fraction of the activation's peak slope


def flat_threshold(name: str, fraction: float = 0.01) -> float:
    """The smallest |z| beyond which |f'(z)| stays below ``fraction`` of its peak on at least
    one side; inf if f' never flattens."""
    act = get_activation(name)
    z = np.linspace(0.0, 40.0, 40001)
    sides = np.abs(np.stack([act.derivative(-z), act.derivative(z)]))
    limit = fraction * sides.max()
    best = np.inf
    for d in sides:
        flat = d < limit
        if flat[-1]:
            steep = np.flatnonzero(~flat)
            best = min(best, float(z[steep[-1] + 1]) if steep.size else 0.0)
    return best


def measure(quick: bool = False) -> dict:
    Xtr, ytr, Xte, yte = digits(quick)
    hidden = [32] * 4 if quick else [100] * 4
    seeds = list(range(2 if quick else 5))
    epochs = 2 if quick else 20
    m = {
        "config": {
            "data": "digits",
            "hidden": hidden,
            "seeds": seeds,
            "epochs": epochs,
            "init": "standard",
            "optimizer": "sgd lr 0.1 batch 10",
        },
        "flat_threshold": flat_threshold("sigmoid"),
    }
    for act in ACTIVATIONS:
        net = Network(64, hidden, 10, activation=act, init="standard", seeds=seeds)
        probes = Probes(every=1, flip_steps=0, eps=SATURATED)
        hist = Trainer(
            "sgd", lr=0.1, momentum=0.0, epochs=epochs, batch_size=10, callbacks=[probes]
        ).fit(net, Xtr, ytr, X_test=Xte, y_test=yte)
        a = probes.arrays()
        ok = replica_ok(hist)
        gW = a["grad_W_norm"]  # (R, times, dense)
        m[act] = {
            "act_mean": a["act_mean"],
            "saturation": a["saturation"],
            "first_over_output": np.nanmean(gW[:, 1:, 0] / gW[:, 1:, -1], axis=1),
            "test_acc": final_acc(hist),
            "ok": ok,
        }
    return m


def decide(m) -> Decision:
    """Holds if sigmoid'(z) falls below 1% of its peak between |z| = 5 and 7, the gap between
    the lower layers' smallest mean activation and the top layer's final mean has an interval
    above 0.3 (Glorot & Bengio: ~0.5 vs ~0; above 0 only: holds in direction only), and the
    first layer's |dW| relative to the output layer's is smaller for sigmoid than for tanh
    (log-ratio interval above 0); the weakest part decides."""
    s = arr(m["sigmoid"]["act_mean"])  # (R, times, layers)
    gap = s[:, :, :-1].min(axis=(1, 2)) - s[:, -1, -1]
    ratio = np.log(arr(m["tanh"]["first_over_output"])) - np.log(
        arr(m["sigmoid"]["first_over_output"])
    )
    return decision(
        [
            within("|z| where sigmoid' < 1% of peak", [m["flat_threshold"]], 5, 7),
            effect("lower layers' min mean - top layer's final mean (sigmoid)", gap, size=0.3),
            effect("log(first/output |dW|) tanh - sigmoid", ratio),
        ]
    )


def describe(m):
    c = m["config"]
    setup = (
        f"digits, 64-{'-'.join(map(str, c['hidden']))}-10, standard init, "
        f"{c['optimizer']}, {c['epochs']} epochs, {len(c['seeds'])} seeds"
    )
    s = arr(m["sigmoid"]["act_mean"])
    measured = (
        f"sigmoid' < 1% of peak beyond |z| = {m['flat_threshold']:.2f}; sigmoid top "
        f"layer mean {np.mean(s[:, 0, -1]):.2f} -> {fmt(s[:, -1, -1], 2)}; lower layers "
        f"min {fmt(s[:, :, :-1].min(axis=(1, 2)), 2)}"
    )
    lines = []
    for act in ACTIVATIONS:
        a = m[act]
        means, sat = arr(a["act_mean"]).mean(0), arr(a["saturation"]).mean(0)
        lines.append(
            f"{act}: mean activation per hidden layer, epoch 0 -> {c['epochs']}: "
            + ", ".join(f"{x:.2f}->{y:.2f}" for x, y in zip(means[0], means[-1]))
            + f"; saturated (f' < {SATURATED:.0%} of peak) at the end: "
            + " ".join(f"{v:.0%}" for v in sat[-1])
            + f"; first/output |dW| {fmt(a['first_over_output'], 3)}; test accuracy "
            f"{fmt(a['test_acc'])}"
        )
    below = np.flatnonzero(s.mean(0)[:, -1] < 0.2)
    lines.append(
        "sigmoid top hidden layer mean first below 0.2 after epoch "
        + (str(int(below[0])) if below.size else "never (within the run)")
    )
    return setup, measured, lines


def draw(m, stem):
    fig, axes = figure(1, 3, figsize=(15, 4.2))
    z = np.linspace(-10, 10, 801)
    for a in ("sigmoid", "tanh", "relu"):
        axes[0].plot(z, get_activation(a).derivative(z), label=a)
    t = m["flat_threshold"]
    axes[0].axvspan(t, 10, color="0.9")
    axes[0].axvspan(-10, -t, color="0.9")
    axes[0].set(
        title=f"f'(z); shaded: sigmoid' < 1% of peak (|z| > {t:.2f})", xlabel="z", ylabel="f'(z)"
    )
    axes[0].legend()
    means = arr(m["sigmoid"]["act_mean"]).mean(0)
    epochs = np.arange(means.shape[0])
    for k in range(means.shape[1]):
        axes[1].plot(epochs, means[:, k], marker="o", ms=3, label=f"hidden layer {k + 1}")
    axes[1].set(
        title="sigmoid, standard init: mean activation per layer (cf. Fig. 2)",
        xlabel="epoch (0 = before training)",
        ylabel="mean activation",
        ylim=(0, 1),
    )
    axes[1].xaxis.get_major_locator().set_params(integer=True)
    axes[1].legend()
    for a in ACTIVATIONS:
        sat = arr(m[a]["saturation"]).mean(0)
        axes[2].plot(epochs, sat[:, -1], marker="o", ms=3, label=f"{a}, top hidden layer")
    axes[2].set(
        title=f"saturated units (f' < {SATURATED:.0%} of peak)",
        xlabel="epoch",
        ylabel="fraction",
        ylim=(0, 1),
    )
    axes[2].xaxis.get_major_locator().set_params(integer=True)
    axes[2].legend()
    return save(fig, stem)
