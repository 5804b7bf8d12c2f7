"""init-matters (the seed's two graphs): with a good init ReLU and Swish lead and identity and
sigmoid trail; with a bad init (the prototype's U(-1, 1)) sigmoid comes out best. Digits, the
prototype's shape (one hidden layer: two weight matrices), SGD with momentum."""

from __future__ import annotations

import numpy as np

from ..network import Network
from ..training import Trainer
from .base import Decision, arr, decision, digits, figure, final_acc, save
from .verdict import effect, fmt

NAME = "init-matters"
ALIASES = ("init",)
CLAIM = (
    "With a good weight initialization ReLU and Swish perform about the same and best, "
    "while identity and sigmoid end up behind; with a bad initialization sigmoid performs "
    "best, followed by ReLU and Swish."
)
SOURCE = "the seed (its two comparison graphs, good and bad init)"
PUBLISHED = "good init: relu ~ swish > identity ~ sigmoid; bad init: sigmoid first"
ACTIVATIONS = ("sigmoid", "tanh", "relu", "swish", "identity")
INITS = {"good": "auto", "bad": "prototype"}


def measure(quick: bool = False) -> dict:
    Xtr, ytr, Xte, yte = digits(quick)
    hidden = [32] if quick else [100]
    seeds = list(range(2 if quick else 5))
    epochs = 3 if quick else 30
    m = {
        "config": {
            "data": "digits",
            "hidden": hidden,
            "seeds": seeds,
            "epochs": epochs,
            "optimizer": "sgd lr 0.01 momentum 0.9 batch 32",
            "inits": INITS,
        }
    }
    for label, init in INITS.items():
        m[label] = {}
        for act in ACTIVATIONS:
            hist = Trainer("sgd", lr=0.01, momentum=0.9, epochs=epochs, batch_size=32).fit(
                Network(64, hidden, 10, activation=act, init=init, seeds=seeds),
                Xtr,
                ytr,
                X_test=Xte,
                y_test=yte,
            )
            m[label][act] = {"test_acc": final_acc(hist), "train_loss": hist["train_loss"]}
    return m


def decide(m) -> Decision:
    """Paired per seed: with the good init, the lower of ReLU's and Swish's accuracy minus the
    higher of identity's and sigmoid's; with the bad init, sigmoid's accuracy minus the best of
    the others; holds if both intervals lie above 0, does not hold if one lies at or below 0,
    inconclusive otherwise."""
    g = {a: arr(m["good"][a]["test_acc"]) for a in ACTIVATIONS}
    b = {a: arr(m["bad"][a]["test_acc"]) for a in ACTIVATIONS}
    good = np.minimum(g["relu"], g["swish"]) - np.maximum(g["identity"], g["sigmoid"])
    bad = b["sigmoid"] - np.max([b[a] for a in ACTIVATIONS if a != "sigmoid"], axis=0)
    return decision(
        [
            effect("good init: min(relu, swish) - max(identity, sigmoid)", good),
            effect("bad init: sigmoid - best other", bad),
        ]
    )


def describe(m):
    c = m["config"]
    setup = (
        f"digits, 64-{c['hidden'][0]}-10, {c['optimizer']}, {c['epochs']} epochs, "
        f"{len(c['seeds'])} seeds; good = auto, bad = U(-1, 1)"
    )
    measured = "; ".join(
        f"{label}: "
        + ", ".join(
            f"{a} {np.mean(arr(m[label][a]['test_acc'])):.3f}"
            for a in sorted(ACTIVATIONS, key=lambda a: -np.mean(arr(m[label][a]["test_acc"])))
        )
        for label in INITS
    )
    lines = [
        f"{label} init ({INITS[label]}), {a}: test accuracy {fmt(m[label][a]['test_acc'])}"
        for label in INITS
        for a in ACTIVATIONS
    ]
    return setup, measured, lines


def draw(m, stem):
    fig, axes = figure(1, 2, figsize=(13, 4.5), sharey=True)
    for ax, (label, init) in zip(axes, INITS.items()):
        for act in ACTIVATIONS:
            c = arr(m[label][act]["train_loss"])
            x = np.arange(1, c.shape[1] + 1)
            with np.errstate(all="ignore"):
                (line,) = ax.semilogy(x, np.nanmean(c, 0), label=act)
                ax.fill_between(
                    x, np.nanmin(c, 0), np.nanmax(c, 0), color=line.get_color(), alpha=0.15
                )
        ax.set(title=f"{label} init ({init})", xlabel="epoch", ylabel="train loss (log)")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend()
    return save(fig, stem)
