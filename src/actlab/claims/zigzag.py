"""zigzag (the seed): a layer fed by all-positive inputs (sigmoid, ReLU) updates all of a unit's
incoming weights with one sign per sample, so its weights reach their target in a zig-zag,
slower than a layer fed by inputs of both signs.

That every per-sample update shares one sign is an identity for nonnegative inputs, so it is
not tested here; its consequence is. Two networks differ only in centring: sigmoid, and
sigmoid - 1/2 (= tanh(z/2)/2: the same slope everywhere, outputs of both signs). Measured per
seed: the path efficiency of the hidden-to-hidden weights (distance travelled from start to
end / length of the path walked, 1 = a straight line) and the training loss averaged over the
epochs (lower = faster).
"""

from __future__ import annotations

import numpy as np

from ..activations import get_activation, register_activation
from ..experiments.stats import area_under_curve
from ..network import Network
from ..training import Trainer
from .base import Decision, arr, decision, digits, figure, save
from .verdict import effect, fmt

NAME = "zigzag"
ALIASES = ()
CLAIM = (
    "Sigmoid outputs are all positive, so the updates of a unit's incoming weights share "
    "one sign and the weights zig-zag toward their target, which slows training; a layer "
    "fed by zero-centred outputs (as tanh's) moves more directly and trains faster."
)
SOURCE = "the seed (section on sigmoid's non-zero-centred output); LeCun et al. 1998, Section 4.3"
PUBLISHED = "no number: zero-centred inputs converge faster"
CENTERED = "centered_sigmoid"
PAIR = ("sigmoid", CENTERED)


def _centered_sigmoid():
    """Register sigmoid(z) - 1/2 = tanh(z/2)/2 once (same derivative as sigmoid)."""
    try:
        get_activation(CENTERED)
    except ValueError:
        register_activation(
            CENTERED,
            lambda z: 0.5 * np.tanh(0.5 * z),
            lambda z: 0.25 * (1.0 - np.tanh(0.5 * z) ** 2),
            family="sigmoid",
            formula="sigmoid(z) - 1/2 = tanh(z/2)/2",
            reference="the seed; LeCun et al. 1998",
        )


class PathLength:
    """Trainer callback: per replica, the length walked by each unit's incoming weight column
    of Dense layer ``layer`` (sum over steps of |W_t+1 - W_t|), and a 2-weight path of unit 0."""

    def __init__(self, layer=1, keep=300):
        self.layer, self.keep = layer, keep
        self.start = self.prev = None
        self.walked = 0.0
        self.points: list[np.ndarray] = []

    def on_step(self, trainer, net, epoch, step):
        W = np.array(net.dense[self.layer].W, dtype=np.float64)
        if self.prev is None:
            self.start = self.prev = W
        else:
            self.walked = self.walked + np.linalg.norm(W - self.prev, axis=1)  # (R, units)
            self.prev = W
        if len(self.points) < self.keep:
            self.points.append(W[0, 0:2, 0].copy())

    def efficiency(self) -> np.ndarray:
        """Per replica, mean over units of |W_end - W_start| / path length."""
        straight = np.linalg.norm(self.prev - self.start, axis=1)
        with np.errstate(all="ignore"):
            return np.nanmean(straight / self.walked, axis=1)


def measure(quick: bool = False) -> dict:
    _centered_sigmoid()
    Xtr, ytr, Xte, yte = digits(quick)
    hidden = [32, 32] if quick else [100, 100]
    seeds = list(range(2 if quick else 5))
    epochs = 2 if quick else 10
    m = {
        "config": {
            "data": "digits",
            "hidden": hidden,
            "seeds": seeds,
            "epochs": epochs,
            "init": "xavier_uniform",
            "optimizer": "sgd lr 0.1, no momentum, batch 32",
            "layer": "hidden 1 -> hidden 2",
        }
    }
    for act in PAIR:
        path = PathLength()
        net = Network(64, hidden, 10, activation=act, init="xavier_uniform", seeds=seeds)
        hist = Trainer(
            "sgd", lr=0.1, momentum=0.0, epochs=epochs, batch_size=32, callbacks=[path]
        ).fit(net, Xtr, ytr, X_test=Xte, y_test=yte)
        m[act] = {
            "efficiency": path.efficiency(),
            "loss_auc": [area_under_curve(c) for c in hist["train_loss"]],
            "train_loss": hist["train_loss"],
            "path": np.array(path.points),
        }
    return m


def decide(m) -> Decision:
    """Paired per seed: path efficiency of the centred-fed layer minus the sigmoid-fed one, and
    the sigmoid net's mean training loss minus the centred one's; holds if both intervals lie
    above 0, does not hold if one lies at or below 0, inconclusive otherwise."""
    s, c = m["sigmoid"], m[CENTERED]
    return decision(
        [
            effect(
                "path efficiency centred - sigmoid", arr(c["efficiency"]) - arr(s["efficiency"])
            ),
            effect("mean train loss sigmoid - centred", arr(s["loss_auc"]) - arr(c["loss_auc"])),
        ]
    )


def describe(m):
    c = m["config"]
    setup = (
        f"digits, 64-{c['hidden'][0]}-{c['hidden'][1]}-10, sigmoid vs sigmoid - 1/2 (same "
        f"slope), {c['init']}, {c['optimizer']}, {c['epochs']} epochs, {len(c['seeds'])} "
        f"seeds; layer {c['layer']}"
    )
    measured = (
        "path efficiency "
        + ", ".join(f"{a}-fed {fmt(m[a]['efficiency'])}" for a in PAIR)
        + "; mean train loss "
        + ", ".join(f"{a} {fmt(m[a]['loss_auc'])}" for a in PAIR)
    )
    lines = [f"{a}: final train loss {fmt(arr(m[a]['train_loss'])[:, -1])}" for a in PAIR]
    return setup, measured, lines


def draw(m, stem):
    fig, axes = figure(1, 2, figsize=(12, 4.5))
    for act in PAIR:
        p = arr(m[act]["path"])
        if p.size:
            p = p - p[0]
            axes[0].plot(
                p[:, 0],
                p[:, 1],
                lw=1,
                marker=".",
                ms=2,
                label=f"{act}-fed (efficiency {np.mean(arr(m[act]['efficiency'])):.2f})",
            )
        loss = arr(m[act]["train_loss"])
        axes[1].semilogy(
            np.arange(1, loss.shape[1] + 1), np.nanmean(loss, 0), marker="o", ms=3, label=act
        )
    axes[0].axhline(0, color="0.8", lw=0.8)
    axes[0].axvline(0, color="0.8", lw=0.8)
    axes[0].set(
        title="two incoming weights of one unit (seed 0, first steps)",
        xlabel="w1 - w1(start)",
        ylabel="w2 - w2(start)",
    )
    axes[1].set(title="train loss", xlabel="epoch", ylabel="train loss (log)")
    axes[1].xaxis.get_major_locator().set_params(integer=True)
    for ax in axes:
        ax.legend(fontsize=8)
    from ..report.common import margins, plain_log_ticks  # in every compare report: kept cheap

    plain_log_ticks(axes[1])
    margins(fig, left=1.0, right=0.15, top=0.35, bottom=0.55, wgap=1.0)
    return save(fig, stem, tight=False)


def weight_path_figure(stem, quick: bool = True):
    """The compare report's weight-path figure: the zig-zag claim's paths and losses, small."""
    return draw(measure(quick=quick), stem)
