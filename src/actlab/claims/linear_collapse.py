"""linear-collapse: without activations a deep network is one affine map, no better than a
single layer. Multiplies a deep identity network's layers into one (W, b) and compares outputs;
then trains a deep identity net, a single layer and a deep ReLU net (the control: this data
needs a nonlinearity) on two moons."""

from __future__ import annotations

import numpy as np

from ..datasets import load_dataset
from ..network import Network
from ..training import Trainer
from .base import Decision, arr, decision, figure, final_acc, save
from .verdict import FAILS, HOLDS, Part, effect, fmt, within

NAME = "linear-collapse"
ALIASES = ("collapse",)
CLAIM = (
    "Without an activation function between layers, a deep network computes a single "
    "affine map: stacking layers adds nothing, and it performs like a single-layer network."
)
SOURCE = "the seed (section on why activations are needed)"
PUBLISHED = "no number: deep linear net = one affine map"
MODELS = (
    ("deep identity", "identity", True),
    ("single layer", "identity", False),
    ("deep relu", "relu", True),
)
EXACT32, EXACT64 = 1e-4, 1e-10  # float rounding of a product of ~4 matrices


def collapse(net, X) -> tuple[np.ndarray, np.ndarray, float]:
    """The one affine map (W, b) that a network with identity activations computes.

    Returns W (R, n_in, n_out), b (R, 1, n_out), multiplied out in float64, and the largest
    |difference| between the network's logits and X W + b on X.
    """
    if any(a.name != "identity" for a in net.activations):
        names = ", ".join(a.name for a in net.activations)
        raise ValueError(f"collapse: the network has non-identity activations ({names})")
    R = net.n_replicas
    W = np.broadcast_to(np.eye(net.sizes[0]), (R, net.sizes[0], net.sizes[0])).astype(np.float64)
    b = np.zeros((R, 1, net.sizes[0]))
    for dense in net.dense:
        b = b @ dense.W + dense.b
        W = W @ dense.W
    X = np.asarray(X, dtype=np.float64)
    diff = float(np.max(np.abs(net.logits(X.astype(net.dtype)) - (X @ W + b))))
    return W, b, diff


def measure(quick: bool = False) -> dict:
    Xtr, ytr, Xte, yte = load_dataset("moons", seed=0, n_samples=400 if quick else 1000, noise=0.2)
    hidden = [32, 32, 32] if quick else [100, 100, 100]
    seeds = list(range(2 if quick else 5))
    epochs = 10 if quick else 50
    m = {
        "config": {
            "data": "moons (noise 0.2)",
            "hidden": hidden,
            "seeds": seeds,
            "epochs": epochs,
            "optimizer": "sgd lr 0.01 momentum 0.9 batch 32",
        }
    }
    for dtype in (np.float32, np.float64):
        diffs = []
        for s in seeds:
            net = Network(2, hidden, 2, activation="identity", seeds=[s], dtype=dtype)
            diffs.append(collapse(net, Xte)[2])
        m[f"diff_{np.dtype(dtype).name}"] = diffs
    for label, act, deep in MODELS:
        net = Network(2, hidden if deep else [], 2, activation=act, seeds=seeds)
        hist = Trainer("sgd", lr=0.01, momentum=0.9, epochs=epochs, batch_size=32).fit(
            net, Xtr, ytr, X_test=Xte, y_test=yte
        )
        m[f"acc {label}"] = final_acc(hist)
        if label == "deep identity":
            m["diff_trained_float32"] = collapse(net, Xte)[2]
    m["grid"] = _grid(Xte, yte, hidden, seeds[0], Xtr, ytr, epochs)
    return m


def _grid(X, y, hidden, seed, Xtr, ytr, epochs):
    """Class-1 probability on a grid for each model (seed ``seed``), for the figure."""
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 80), np.linspace(lo[1], hi[1], 80))
    grid = np.c_[gx.ravel(), gy.ravel()].astype(np.float32)
    out = {"x": gx[0], "y": gy[:, 0], "X": X[:300], "labels": y[:300]}
    for label, act, deep in MODELS:
        net = Network(2, hidden if deep else [], 2, activation=act, seeds=[seed])
        Trainer("sgd", lr=0.01, momentum=0.9, epochs=epochs, batch_size=32).fit(net, Xtr, ytr)
        out[label] = net.predict_output(grid)[0, :, 1].reshape(gx.shape)
    return out


def decide(m) -> Decision:
    """Holds if every deep identity net equals its one affine map to rounding (float32 < 1e-4,
    float64 < 1e-10), the accuracy difference deep identity - single layer lies within +-0.02
    (interval across seeds), and deep ReLU beats deep identity (interval above 0: otherwise the
    data cannot show the difference); the weakest part decides."""
    exact = bool(max(m["diff_float32"]) < EXACT32 and max(m["diff_float64"]) < EXACT64)
    parts = [
        Part(
            "one affine map",
            HOLDS if exact else FAILS,
            f"max |net - affine| {max(m['diff_float32']):.2g} (float32), "
            f"{max(m['diff_float64']):.2g} (float64)",
        ),
        within(
            "accuracy deep identity - single layer",
            arr(m["acc deep identity"]) - arr(m["acc single layer"]),
            -0.02,
            0.02,
        ),
        effect(
            "control: deep relu - deep identity",
            arr(m["acc deep relu"]) - arr(m["acc deep identity"]),
        ),
    ]
    return decision(parts)


def describe(m):
    c = m["config"]
    setup = (
        f"{c['data']}, 2-{'-'.join(map(str, c['hidden']))}-2 identity vs single layer vs "
        f"relu, {c['optimizer']}, {c['epochs']} epochs, {len(c['seeds'])} seeds"
    )
    measured = (
        f"max diff {max(m['diff_float32']):.1g} (f32), {max(m['diff_float64']):.1g} "
        f"(f64); acc deep identity {fmt(m['acc deep identity'])}, single layer "
        f"{fmt(m['acc single layer'])}, deep relu {fmt(m['acc deep relu'])}"
    )
    lines = [f"{label}: test accuracy {fmt(m[f'acc {label}'])}" for label, _, _ in MODELS]
    lines.append(
        f"after training the deep identity net still equals one affine map: max "
        f"difference {m['diff_trained_float32']:.2g} (float32)"
    )
    return setup, measured, lines


def draw(m, stem):
    g = m["grid"]
    fig, axes = figure(1, len(MODELS), figsize=(5 * len(MODELS), 4.3))
    X, y = arr(g["X"]), arr(g["labels"])
    for ax, (label, _, _) in zip(axes, MODELS):
        p = arr(g[label])
        ax.contourf(g["x"], g["y"], p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        ax.contour(g["x"], g["y"], p, levels=[0.5], colors="k", linewidths=1)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", s=8, edgecolors="k", linewidths=0.3)
        ax.set(
            title=f"{label}: test acc {np.mean(arr(m[f'acc {label}'])):.3f} (mean)",
            xticks=[],
            yticks=[],
        )
    return save(fig, stem)
