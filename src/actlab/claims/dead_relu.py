"""dead-relu: ReLU units can die (zero slope on every input) while Leaky ReLU and PReLU cannot.
Adam with a large learning rate (0.03) pushes many units there; the same network and schedule
is trained with ReLU, Leaky ReLU (0.01) and PReLU, and the probes record per epoch the fraction
of hidden units whose slope is below 0.1% of its peak on every probe sample (dead)."""

from __future__ import annotations

import numpy as np

from ..network import Network
from ..probes import Probes
from ..training import Trainer
from .base import Decision, arr, decision, digits, figure, final_acc, replica_ok, save
from .verdict import effect, fmt, within

NAME = "dead-relu"
ALIASES = ()
CLAIM = (
    "ReLU's slope is 0 for every negative input, so a unit pushed there stops learning for "
    "good, while Leaky ReLU and PReLU keep a slope there, so their units do not stay dead."
)
SOURCE = "the seed (sections on ReLU, Leaky ReLU and PReLU); He et al. 2015, Section 2.1"
PUBLISHED = "no number: dead ReLU units; none for Leaky ReLU / PReLU"
ACTIVATIONS = ("relu", "leaky_relu", "prelu")
EPS = 0.001  # below Leaky ReLU's 1% slope, so a leaky unit is never counted dead by rounding


def measure(quick: bool = False) -> dict:
    Xtr, ytr, Xte, yte = digits(quick)
    hidden = [32, 32, 32] if quick else [100, 100, 100]
    seeds = list(range(2 if quick else 5))
    epochs = 3 if quick else 15
    m = {
        "config": {
            "data": "digits",
            "hidden": hidden,
            "seeds": seeds,
            "epochs": epochs,
            "optimizer": "adam lr 0.03 batch 32",
            "eps": EPS,
        }
    }
    for act in ACTIVATIONS:
        probes = Probes(every=1, flip_steps=0, eps=EPS)
        hist = Trainer("adam", lr=0.03, epochs=epochs, batch_size=32, callbacks=[probes]).fit(
            Network(64, hidden, 10, activation=act, seeds=seeds), Xtr, ytr, X_test=Xte, y_test=yte
        )
        dead = probes.arrays()["dead"].mean(axis=2)  # (R, times): mean over hidden layers
        dead[~replica_ok(hist)] = np.nan
        m[act] = {
            "dead": dead,
            "final": dead[:, -1],
            "most": np.nanmax(dead, axis=1),
            "test_acc": final_acc(hist),
        }
    return m


def decide(m) -> Decision:
    """Dead for good = dead at the end of training. Holds if ReLU's final dead fraction minus
    the larger of Leaky ReLU's and PReLU's has an interval above 0, and Leaky ReLU's and
    PReLU's final dead fractions lie in [0, 0.001]; does not hold if ReLU's excess lies at or
    below 0 or their final dead fraction lies above 0.001; inconclusive otherwise."""
    relu = arr(m["relu"]["final"])
    leaky = np.maximum(arr(m["leaky_relu"]["final"]), arr(m["prelu"]["final"]))
    return decision(
        [
            effect("dead fraction relu - max(leaky, prelu), at the end", relu - leaky),
            within("dead at the end, leaky_relu", m["leaky_relu"]["final"], 0, EPS),
            within("dead at the end, prelu", m["prelu"]["final"], 0, EPS),
        ]
    )


def describe(m):
    c = m["config"]
    setup = (
        f"digits, 64-{'-'.join(map(str, c['hidden']))}-10, auto (He) init, {c['optimizer']}, "
        f"{c['epochs']} epochs, {len(c['seeds'])} seeds; dead = |f'(z)| < {EPS:.1%} of peak "
        f"on every probe sample"
    )
    measured = (
        "dead at the end: "
        + ", ".join(f"{a} {fmt(m[a]['final'], 3)}" for a in ACTIVATIONS)
        + "; most at any epoch: "
        + ", ".join(f"{a} {np.mean(arr(m[a]['most'])):.3f}" for a in ACTIVATIONS)
    )
    lines = [
        f"{a}: dead fraction per epoch (mean over seeds) "
        + " ".join(f"{v:.2f}" for v in np.nanmean(arr(m[a]["dead"]), 0))
        + f"; test accuracy {fmt(m[a]['test_acc'])}"
        for a in ACTIVATIONS
    ]
    return setup, measured, lines


def draw(m, stem):
    fig, ax = figure(figsize=(6.5, 4.3))
    for act in ACTIVATIONS:
        c = arr(m[act]["dead"])
        x = np.arange(c.shape[1])
        with np.errstate(all="ignore"):
            (line,) = ax.plot(x, np.nanmean(c, 0), marker="o", ms=3, label=act)
            ax.fill_between(x, np.nanmin(c, 0), np.nanmax(c, 0), color=line.get_color(), alpha=0.15)
    ax.set(
        xlabel="epoch (0 = before training)",
        ylabel="dead fraction of hidden units",
        title="dead units (zero slope on every probe sample), min-max over seeds",
    )
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend()
    return save(fig, stem)
