"""zigzag: all-positive inputs (sigmoid, ReLU) give a unit's incoming weight updates one sign.

For a Dense layer fed by activations a >= 0, the per-sample gradient of unit j's incoming
weights is a_i * delta_j: one sign (delta_j's) for every i. The weights can then only move
together (all up or all down) on one sample, and reach a target that needs some up and some
down by zig-zagging. tanh's outputs have both signs, so its updates need not share one.

Measured on digits with plain SGD (no momentum): probes' sign coherence of the second Dense
layer (fed by hidden layer 1) for sigmoid-, ReLU- and tanh-fed layers, and the 2-D path of two
incoming weights of one unit of hidden layer 2, with the fraction of steps where both weight
updates had the same sign, per sample (batch 1) and per minibatch (batch 32).
"""

from __future__ import annotations

import numpy as np

from ..datasets import load_dataset
from ..network import Network
from ..probes import Probes
from ..training import Trainer
from ._common import ExplainResult, jsonable, pyplot, save_figure, verdict

TOPIC = "zigzag"
CLAIM = ("Sigmoid and ReLU outputs are all positive, so the updates of a unit's incoming "
         "weights all share one sign and the weights zig-zag toward their target; tanh, "
         "whose outputs have both signs, zig-zags less.")
ACTIVATIONS = ("sigmoid", "relu", "tanh")


class WeightPath:
    """Trainer callback: copies net.dense[layer].W[0, i:i+2, j] at every step (reads only)."""

    def __init__(self, layer=1, i=0, j=0, max_steps=400):
        self.layer, self.i, self.j, self.max_steps = layer, i, j, max_steps
        self.points: list[np.ndarray] = []

    def on_step(self, trainer, net, epoch, step):
        if len(self.points) < self.max_steps:
            self.points.append(net.dense[self.layer].W[0, self.i:self.i + 2, self.j].copy())

    def path(self) -> np.ndarray:
        return np.array(self.points, dtype=np.float64)


def same_sign_fraction(path: np.ndarray) -> tuple[float, int]:
    """Among the steps where both weights moved, the fraction where they moved the same way."""
    d = np.diff(np.asarray(path, dtype=np.float64), axis=0)
    moved = (d != 0).all(axis=1)
    n = int(moved.sum())
    if n == 0:
        return float("nan"), 0
    return float((np.sign(d[moved, 0]) == np.sign(d[moved, 1])).mean()), n


def zigzag_paths(quick: bool = False) -> dict:
    """Train sigmoid, ReLU and tanh nets (64-H-H-10, digits, plain SGD) at batch 1 and 32.

    Returns, per batch size and activation: ``path`` (steps, 2), the weights W[i, j], W[i+1, j]
    of Dense layer 1 (hidden 1 -> hidden 2) of replica 0 before each step; ``same_sign`` and
    ``moved_steps`` (see :func:`same_sign_fraction`); ``coherence`` and ``batch_coherence`` of
    that layer (per-sample and per-minibatch, mean over probe epochs after the start and over
    seeds); ``flip_fraction``; ``test_acc`` per seed. JSON-ready.
    """
    Xtr, ytr, Xte, yte = load_dataset("digits", seed=0)
    if quick:
        Xtr, ytr = Xtr[:300], ytr[:300]
    hidden = [32, 32] if quick else [100, 100]
    seeds = list(range(2 if quick else 3))
    epochs = 1 if quick else 3
    max_steps = 150 if quick else 400
    out = {"config": {"data": "digits", "hidden": hidden, "seeds": seeds, "epochs": epochs,
                      "optimizer": "sgd, momentum 0", "layer": 1, "weights": "W[0:2, 0]"},
           "batches": {}}
    for batch, lr in ((1, 0.01), (32, 0.1)):
        per = {}
        for act in ACTIVATIONS:
            net = Network(64, hidden, 10, activation=act, seeds=seeds)
            probes = Probes(every=1, flip_steps=20, size=128)
            path = WeightPath(max_steps=max_steps)
            trainer = Trainer("sgd", lr=lr, momentum=0.0, epochs=epochs, batch_size=batch,
                              callbacks=[probes, path])
            hist = trainer.fit(net, Xtr, ytr, X_test=Xte, y_test=yte)
            arr = probes.arrays()
            frac, n = same_sign_fraction(path.path())
            per[act] = {
                "path": path.path(), "same_sign": frac, "moved_steps": n,
                "coherence": float(arr["coherence"][:, 1:, 1].mean()),
                "batch_coherence": float(arr["batch_coherence"][:, 1:, 1].mean()),
                "flip_fraction": float(arr["flip_fraction"][:, :, 1].mean()),
                "test_acc": hist["test_acc"][:, -1],
            }
        out["batches"][str(batch)] = {"lr": lr, "runs": per}
    return jsonable(out)


def coherence_verdict(sigmoid: float, tanh: float, relu: float | None = None) -> tuple[bool, str]:
    """Holds if sigmoid-fed (and ReLU-fed, when given) per-sample coherence is 1 and tanh-fed
    is below 0.5."""
    holds = sigmoid == 1.0 and tanh < 0.5 and (relu is None or relu == 1.0)
    relu_text = "" if relu is None else f", relu-fed {relu:.2f}"
    return holds, (f"per-sample sign coherence of the layer after hidden layer 1: sigmoid-fed "
                   f"{sigmoid:.2f}{relu_text} vs tanh-fed {tanh:.2f}: {verdict(holds)}")


def same_sign_verdict(sigmoid: float, tanh: float, batch: int) -> tuple[bool, str]:
    """Holds if the sigmoid-fed pair moved together on more steps than the tanh-fed pair."""
    holds = bool(np.isfinite(sigmoid) and np.isfinite(tanh) and sigmoid > tanh)
    return holds, (f"batch {batch}: two incoming weights of one unit moved the same way on "
                   f"{sigmoid:.0%} of steps (sigmoid-fed) vs {tanh:.0%} (tanh-fed): "
                   f"{verdict(holds)}")


def run(out_dir, quick: bool = False) -> ExplainResult:
    res = ExplainResult(TOPIC, CLAIM)
    data = zigzag_paths(quick)
    res.measurements = {k: v for k, v in data.items()}
    cfg = data["config"]
    res.lines.append(f"digits, 64-{cfg['hidden'][0]}-{cfg['hidden'][1]}-10, auto init, "
                     f"{cfg['optimizer']}, {cfg['epochs']} epoch(s), {len(cfg['seeds'])} seeds; "
                     f"layer 1 (hidden 1 -> hidden 2), weights {cfg['weights']}")
    for batch, block in data["batches"].items():
        runs = block["runs"]
        for act, r in runs.items():
            res.lines.append(
                f"batch {batch}, lr {block['lr']}: {act}-fed: coherence per sample "
                f"{r['coherence']:.2f}, per minibatch {r['batch_coherence']:.2f}, sign flips "
                f"between steps {r['flip_fraction']:.2f}, both weights moved the same way on "
                f"{r['same_sign']:.0%} of {r['moved_steps']} steps, test accuracy "
                f"{np.mean(r['test_acc']):.3f}")
        if batch == "1":
            _, line = coherence_verdict(runs["sigmoid"]["coherence"], runs["tanh"]["coherence"],
                                        runs["relu"]["coherence"])
            res.lines.append(line)
        _, line = same_sign_verdict(runs["sigmoid"]["same_sign"], runs["tanh"]["same_sign"],
                                    int(batch))
        res.lines.append(line)
    res.figures = plot_zigzag_paths(data, out_dir / "explain_zigzag")
    return res


def plot_zigzag_paths(data: dict, stem) -> list:
    """The weight paths (batch 1 and 32, sigmoid-fed vs tanh-fed), relative to their start."""
    plt = pyplot()
    batches = list(data["batches"])
    fig, axes = plt.subplots(1, len(batches), figsize=(6 * len(batches), 5), squeeze=False)
    for ax, batch in zip(axes[0], batches):
        runs = data["batches"][batch]["runs"]
        for act, style in (("sigmoid", "-"), ("tanh", "-"), ("relu", ":")):
            if act not in runs:
                continue
            p = np.array(runs[act]["path"], dtype=np.float64)
            if p.size == 0:
                continue
            p = p - p[0]
            ax.plot(p[:, 0], p[:, 1], style, lw=1, marker=".", ms=2,
                    label=f"{act}-fed (same sign {runs[act]['same_sign']:.0%})")
            ax.plot(p[-1, 0], p[-1, 1], "o", color=ax.lines[-1].get_color())
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.set(title=f"two incoming weights of one unit, batch {batch}",
               xlabel="w1 - w1(start)", ylabel="w2 - w2(start)")
        ax.legend(fontsize=8)
    return save_figure(fig, stem)
