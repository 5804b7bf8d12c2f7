"""prototype-steps (the seed's own story): the seed starts from a prototype (two weight
matrices, sigmoid everywhere, weights drawn from U(-1, 1), plain full-batch gradient descent)
and says each element can be improved. Measured one element at a time on digits, every step on
top of the previous one, the same seeds and number of epochs:

  prototype -> + a better activation (tanh or ReLU, whichever is better on average) -> + a good
  init (``auto``: Xavier for tanh, He for ReLU) -> + a better optimizer (minibatch SGD with
  momentum instead of full-batch GD).

``actlab run --preset prototype`` trains the first step alone, through the experiment engine.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..network import Network
from ..training import Trainer
from .base import Decision, arr, decision, digits, figure, final_acc, save
from .verdict import effect, fmt

NAME = "prototype-steps"
ALIASES = ("prototype",)
CLAIM = (
    "Starting from the seed's prototype (sigmoid, U(-1, 1) weights, full-batch gradient "
    "descent), each element can be improved: a better activation, a good initialization "
    "and a better optimizer each raise the accuracy reached in the same number of epochs."
)
SOURCE = "the seed (the prototype and the sections that improve it)"
PUBLISHED = "no number: each step improves on the last"
GD_LR = 0.5
SGD = {"optimizer": "sgd", "lr": 0.03, "momentum": 0.9, "batch_size": 32}


def _train(act, init, opt, seeds, epochs, data):
    Xtr, ytr, Xte, yte = data
    if opt == "gd":
        trainer = Trainer("gd", lr=GD_LR, epochs=epochs)
    else:
        trainer = Trainer(
            SGD["optimizer"],
            lr=SGD["lr"],
            momentum=SGD["momentum"],
            epochs=epochs,
            batch_size=SGD["batch_size"],
        )
    h = trainer.fit(
        Network(64, [100], 10, activation=act, init=init, seeds=seeds),
        Xtr,
        ytr,
        X_test=Xte,
        y_test=yte,
    )
    return {"test_acc": final_acc(h), "curve": h["test_acc"]}


def measure(quick: bool = False) -> dict:
    data = digits(quick)
    seeds = list(range(2 if quick else 5))
    epochs = 5 if quick else 60
    m = {
        "config": {
            "data": "digits",
            "hidden": [100],
            "seeds": seeds,
            "epochs": epochs,
            "gd_lr": GD_LR,
            "sgd": SGD,
        },
        "steps": [],
    }
    steps = m["steps"]
    steps.append(
        {
            "label": "prototype: sigmoid, U(-1,1), full-batch GD",
            **_train("sigmoid", "prototype", "gd", seeds, epochs, data),
        }
    )
    tried = {a: _train(a, "prototype", "gd", seeds, epochs, data) for a in ("tanh", "relu")}
    act = max(tried, key=lambda a: np.mean(tried[a]["test_acc"]))
    m["activation_tried"] = {a: r["test_acc"] for a, r in tried.items()}
    steps.append({"label": f"+ {act}", **tried[act]})
    steps.append({"label": "+ good init (auto)", **_train(act, "auto", "gd", seeds, epochs, data)})
    steps.append(
        {"label": "+ SGD momentum 0.9, batch 32", **_train(act, "auto", "sgd", seeds, epochs, data)}
    )
    return m


def decide(m) -> Decision:
    """Paired per seed, each step's test accuracy minus the previous step's: holds if every
    step's interval lies above 0, does not hold if one lies at or below 0, inconclusive
    otherwise (the weakest step decides)."""
    steps = m["steps"]
    return decision(
        [
            effect(
                f"{b['label']} (gain over the step before)", arr(b["test_acc"]) - arr(a["test_acc"])
            )
            for a, b in itertools.pairwise(steps)
        ]
    )


def describe(m):
    c = m["config"]
    setup = (
        f"digits, 64-100-10, {c['epochs']} epochs each, {len(c['seeds'])} seeds; GD lr "
        f"{c['gd_lr']}, then SGD lr {c['sgd']['lr']} momentum {c['sgd']['momentum']} "
        f"batch {c['sgd']['batch_size']}"
    )
    measured = " -> ".join(f"{np.mean(arr(s['test_acc'])):.3f}" for s in m["steps"])
    lines = [f"{s['label']}: test accuracy {fmt(s['test_acc'])}" for s in m["steps"]]
    lines.append(
        "activation step, both tried with the prototype's init and GD: "
        + ", ".join(f"{a} {fmt(v)}" for a, v in m["activation_tried"].items())
    )
    return setup, measured, lines


def draw(m, stem):
    fig, axes = figure(1, 2, figsize=(13, 4.3))
    for s in m["steps"]:
        c = arr(s["curve"])
        with np.errstate(all="ignore"):
            axes[0].plot(np.arange(1, c.shape[1] + 1), np.nanmean(c, 0), label=s["label"])
    axes[0].set(xlabel="epoch", ylabel="test accuracy", title="each step on top of the last")
    axes[0].xaxis.get_major_locator().set_params(integer=True)
    axes[0].legend(fontsize=8)
    x = np.arange(len(m["steps"]))
    accs = [arr(s["test_acc"]) for s in m["steps"]]
    for k, a in enumerate(accs):
        axes[1].scatter(np.full(a.size, k), a, s=12, color="0.4", zorder=3)
    axes[1].bar(x, [a.mean() for a in accs], color="#8ab")
    axes[1].set(
        xticks=x,
        xticklabels=[s["label"].split(":")[0] for s in m["steps"]],
        ylabel="final test accuracy",
        title="mean (bars) and each seed (dots)",
    )
    axes[1].tick_params(axis="x", labelrotation=15, labelsize=8)
    return save(fig, stem)
