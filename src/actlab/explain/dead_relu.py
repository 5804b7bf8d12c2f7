"""dead-relu: ReLU units can die (zero slope on every input); Leaky ReLU and PReLU cannot.

A ReLU unit whose pre-activation is negative for every input passes no gradient and never
recovers. Adam with a large learning rate (0.03) pushes many units there. The same network and
schedule is trained with ReLU, Leaky ReLU (0.01), PReLU and ELU; probes record the dead
fraction per epoch (units with |f'(z)| < 0.1% of max on every probe sample), and at the end the
fraction of units that are negative on every test sample, which would be dead for ReLU.
"""

from __future__ import annotations

import numpy as np

from ..datasets import load_dataset
from ..network import Network
from ..probes import Probes
from ..training import Trainer
from ._common import ExplainResult, mean_sd, pm, pyplot, replica_ok, save_figure, verdict

TOPIC = "dead-relu"
CLAIM = ("ReLU's slope is 0 for every negative input, so a unit pushed there stops learning "
         "for good, while Leaky ReLU and PReLU keep a small slope there and never saturate.")
ACTIVATIONS = ("relu", "leaky_relu", "prelu", "elu")
EPS = 0.001  # below Leaky ReLU's 1% slope, so a leaky unit is never counted dead by rounding


def dead_verdict(dead: dict[str, float], ever: dict[str, float]) -> tuple[bool, str]:
    """Holds if ReLU has dead units at the end and Leaky ReLU and PReLU have none at any epoch
    in any seed (``ever``: the largest dead fraction over epochs and seeds)."""
    holds = dead["relu"] > 0 and ever["leaky_relu"] == 0 and ever["prelu"] == 0
    parts = ", ".join(f"{a} {v:.1%}" for a, v in dead.items())
    most = ", ".join(f"{a} {v:.1%}" for a, v in ever.items())
    return holds, (f"dead units at the end (mean over hidden layers and seeds): {parts}; most "
                   f"at any epoch in any seed: {most}: {verdict(holds)}")


def _negative_everywhere(net, X) -> np.ndarray:
    """Per replica, the fraction of hidden units whose z < 0 on every row of X."""
    trace = []
    net.forward(np.asarray(X, dtype=net.dtype), trace=trace)
    return np.mean([(z < 0).all(axis=1).mean(axis=1) for z, _ in trace], axis=0)


def _negative_slope(net, ok) -> tuple[float, float, float]:
    """The smallest, largest and smallest absolute slope f'(z) for z < 0 over the hidden
    layers (healthy replicas)."""
    z = np.array([[[-1.0]]], dtype=net.dtype)
    values = []
    for act in net.activations:
        d = np.asarray(act.derivative(z))
        values.append(d.reshape(d.shape[0], -1)[ok] if d.shape[0] == len(ok) else d.ravel())
    v = np.concatenate([np.ravel(x) for x in values]) if values else np.array([np.nan])
    return float(v.min()), float(v.max()), float(np.abs(v).min())


def run(out_dir, quick: bool = False) -> ExplainResult:
    res = ExplainResult(TOPIC, CLAIM)
    m = res.measurements
    Xtr, ytr, Xte, yte = load_dataset("digits", seed=0)
    if quick:
        Xtr, ytr = Xtr[:400], ytr[:400]
    hidden = [32, 32, 32] if quick else [100, 100, 100]
    seeds = list(range(2 if quick else 5))
    epochs = 3 if quick else 15
    lr = 0.03
    res.lines.append(f"digits, 64-{'-'.join(map(str, hidden))}-10, auto (He) init, Adam lr {lr}, "
                     f"batch 32, {epochs} epochs, {len(seeds)} seeds; dead = |f'(z)| < "
                     f"{EPS:.1%} of max on all probe samples")
    curves, final, ever, negative, accs, slopes = {}, {}, {}, {}, {}, {}
    for act in ACTIVATIONS:
        net = Network(64, hidden, 10, activation=act, seeds=seeds)
        probes = Probes(every=1, flip_steps=0, eps=EPS)
        hist = Trainer("adam", lr=lr, epochs=epochs, batch_size=32, callbacks=[probes]).fit(
            net, Xtr, ytr, X_test=Xte, y_test=yte)
        ok = replica_ok(hist)
        dead = probes.arrays()["dead"][ok]  # (R, times, layers)
        curves[act] = dead.mean(axis=2)  # (R, times)
        final[act] = float(dead[:, -1].mean()) if ok.any() else float("nan")
        ever[act] = float(curves[act].max()) if ok.any() else float("nan")
        with np.errstate(all="ignore"):
            negative[act] = _negative_everywhere(net, Xte)[ok]
        accs[act] = hist["test_acc"][ok, -1]
        slopes[act] = _negative_slope(net, ok)
        per_layer = " ".join(f"{v:.2f}" for v in dead[:, -1].mean(axis=0))
        res.lines.append(
            f"{act}: dead fraction epoch 0 -> 1 -> {epochs}: {mean_sd(curves[act][:, 0])[0]:.2f}"
            f" -> {mean_sd(curves[act][:, 1])[0]:.2f} -> {final[act]:.2f} (per layer at the end: "
            f"{per_layer}); units negative on every test sample {pm(negative[act], 2)}; test "
            f"accuracy {pm(accs[act])}; diverged {int((~ok).sum())}")
    _, line = dead_verdict(final, ever)
    res.lines.append(line)
    for act in ("leaky_relu", "prelu"):
        n, (lo, hi, small) = mean_sd(negative[act])[0], slopes[act]
        res.lines.append(f"{act}: {n:.1%} of units are negative on every test sample (dead if "
                         f"this were ReLU); its slope for z < 0 at the end is {lo:.3g} to "
                         f"{hi:.3g}, smallest |slope| {small:.3g}"
                         + (" (learned)" if act == "prelu" else ""))
    m.update({"config": {"data": "digits", "hidden": hidden, "seeds": seeds, "epochs": epochs,
                         "optimizer": f"adam lr {lr} batch 32", "eps": EPS},
              "dead_final": final, "dead_max_any_epoch_any_seed": ever,
              "dead_per_epoch": {a: c.mean(axis=0).tolist() for a, c in curves.items()},
              "negative_everywhere": {a: v.tolist() for a, v in negative.items()},
              "test_acc": {a: v.tolist() for a, v in accs.items()},
              "negative_slope_range": slopes})
    res.figures = plot(curves, out_dir)
    return res


def plot(curves, out_dir):
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4.3))
    for act, c in curves.items():
        mean = c.mean(axis=0)
        line, = ax.plot(np.arange(len(mean)), mean, marker="o", ms=3, label=act)
        ax.fill_between(np.arange(len(mean)), c.min(axis=0), c.max(axis=0),
                        color=line.get_color(), alpha=0.15)
    ax.set(xlabel="epoch", ylabel="dead fraction of hidden units",
           title="dead units (zero slope on every probe sample), min-max over seeds")
    ax.legend()
    return save_figure(fig, out_dir / "explain_dead-relu")
