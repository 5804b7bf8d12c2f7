"""collapse: without activations, a deep network is one affine map, no better than one layer.

Builds a deep network with identity activations, multiplies its layers into one (W, b)
(probes.linear_collapse) and measures the largest difference between the two; then trains a
deep identity net, a single-layer model (logistic regression: hidden []) and a deep ReLU net on
a data set that is not linearly separable (two moons) and compares their test accuracies.
"""

from __future__ import annotations

import numpy as np

from ..datasets import load_dataset
from ..network import Network
from ..probes import linear_collapse
from ..training import Trainer
from ._common import ExplainResult, mean_sd, pm, pyplot, replica_ok, save_figure, verdict

TOPIC = "collapse"
CLAIM = ("Without an activation function between layers, a deep network computes a single "
         "affine map: stacking layers adds nothing, and it performs like a single-layer network.")
MODELS = (("deep identity", "identity", True), ("single layer", "identity", False),
          ("deep relu", "relu", True))


def collapse_verdict(diff32: float, diff64: float) -> tuple[bool, str]:
    """Holds if the deep identity net equals its collapsed affine map to float rounding."""
    holds = diff32 < 1e-5 and diff64 < 1e-10
    return holds, (f"largest |deep identity net - one affine map| on the test set: "
                   f"{diff32:.2g} (float32), {diff64:.2g} (float64): {verdict(holds)}")


def accuracy_verdict(deep: list, single: list, relu: list) -> tuple[bool, str]:
    """Holds if deep identity and single layer agree within noise (|mean difference| <=
    max(0.01, 2 * pooled sd)) and deep ReLU beats both by more than that."""
    (md, sd), (ms, ss), (mr, _) = mean_sd(deep), mean_sd(single), mean_sd(relu)
    tol = max(0.01, 2 * float(np.sqrt((sd ** 2 + ss ** 2) / 2)))
    same = abs(md - ms) <= tol
    better = mr - max(md, ms) > tol
    holds = bool(same and better)
    return holds, (f"test accuracy deep identity {md:.3f} vs single layer {ms:.3f} (difference "
                   f"{md - ms:+.3f}, noise band {tol:.3f}) vs deep relu {mr:.3f}: "
                   f"{verdict(holds)}")


def run(out_dir, quick: bool = False) -> ExplainResult:
    res = ExplainResult(TOPIC, CLAIM)
    m = res.measurements
    Xtr, ytr, Xte, yte = load_dataset("moons", seed=0, n_samples=400 if quick else 1000,
                                      noise=0.2)
    hidden = [32, 32, 32] if quick else [100, 100, 100]
    seeds = list(range(2 if quick else 5))
    epochs = 10 if quick else 50
    diffs = {}
    for dtype in (np.float32, np.float64):
        net = Network(2, hidden, 2, activation="identity", seeds=seeds, dtype=dtype)
        _, _, diffs[np.dtype(dtype).name] = linear_collapse(net, Xte)
    m["max_difference_untrained"] = diffs
    res.lines.append(f"a 2-{'-'.join(map(str, hidden))}-2 identity network equals one 2x2 affine "
                     f"map: max difference {diffs['float32']:.2g} (float32), "
                     f"{diffs['float64']:.2g} (float64)")
    _, line = collapse_verdict(diffs["float32"], diffs["float64"])
    res.lines.append(line)
    accs, nets = {}, {}
    for label, act, deep in MODELS:
        net = Network(2, hidden if deep else [], 2, activation=act, seeds=seeds)
        hist = Trainer("sgd", lr=0.01, momentum=0.9, epochs=epochs, batch_size=32).fit(
            net, Xtr, ytr, X_test=Xte, y_test=yte)
        ok = replica_ok(hist)
        accs[label] = hist["test_acc"][ok, -1].tolist()
        nets[label] = net
        mats = f"{len(net.dense)} weight matri{'ces' if len(net.dense) > 1 else 'x'}"
        res.lines.append(f"{label} ({act}, {mats}): test accuracy "
                         f"{pm(accs[label])}, train accuracy {pm(hist['train_acc'][ok, -1])}")
    _, _, trained_diff = linear_collapse(nets["deep identity"], Xte)
    m["max_difference_trained_float32"] = trained_diff
    res.lines.append(f"after training the deep identity net still equals one affine map: max "
                     f"difference {trained_diff:.2g} (float32)")
    m["test_acc"] = accs
    m["config"] = {"data": "moons (noise 0.2)", "n_train": len(Xtr), "n_test": len(Xte),
                   "hidden": hidden, "seeds": seeds, "epochs": epochs,
                   "optimizer": "sgd lr 0.01 momentum 0.9 batch 32"}
    _, line = accuracy_verdict(accs["deep identity"], accs["single layer"], accs["deep relu"])
    res.lines.append(line)
    res.figures = plot(nets, accs, Xte, yte, out_dir)
    return res


def plot(nets, accs, X, y, out_dir):
    plt = pyplot()
    fig, axes = plt.subplots(1, len(nets), figsize=(5 * len(nets), 4.3))
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    grid = np.c_[gx.ravel(), gy.ravel()].astype(np.float32)
    for ax, (label, net) in zip(axes, nets.items()):
        p = net.predict_output(grid)[0, :, 1].reshape(gx.shape)  # replica 0
        ax.contourf(gx, gy, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        ax.contour(gx, gy, p, levels=[0.5], colors="k", linewidths=1)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", s=8, edgecolors="k", linewidths=0.3)
        ax.set(title=f"{label}: test acc {np.mean(accs[label]):.3f}", xticks=[], yticks=[])
    return save_figure(fig, out_dir / "explain_collapse")
